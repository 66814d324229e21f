#!/usr/bin/env python3
"""The native anchor of the DB-read benchmark: one long-running python process that reads
DECNET's tables with python's own sqlite3 (native SQLite), the way a native reader would:
connect read-only by URI, run the same two SELECTs, fetch every row, close.

Protocol: one JSON command per line on stdin, one JSON answer per line on stdout.
  {"cmd": "read", "path": P}  -> {"ms": elapsed of connect + queries + fetchall + close,
                                  "topologies": n, "lans": n, "digest": sha1 of the rows}
"""
import hashlib
import json
import sqlite3
import sys
import time


def read(path):
    c = time.process_time()
    t = time.perf_counter()
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tops = con.execute("SELECT id, name, status, mode FROM topologies").fetchall()
        lans = con.execute("SELECT id, topology_id, name, subnet, is_dmz, docker_network_id FROM lans").fetchall()
    finally:
        con.close()
    ms = (time.perf_counter() - t) * 1000
    return ms, (time.process_time() - c) * 1000, tops, lans


def digest(tops, lans):
    t = sorted([list(r) for r in tops])
    l = sorted([[r[0], r[1], r[2], r[3], 1 if r[4] else 0, r[5]] for r in lans])
    return hashlib.sha1(json.dumps([t, l], separators=(",", ":")).encode()).hexdigest()


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["cmd"] == "read":
                ms, cpu_ms, tops, lans = read(req["path"])
                ans = {"ms": ms, "cpuMs": cpu_ms, "topologies": len(tops), "lans": len(lans), "digest": digest(tops, lans)}
            else:
                ans = {"error": "unknown command %r" % req["cmd"]}
        except Exception as e:  # reported to the bench, which fails the target
            ans = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
