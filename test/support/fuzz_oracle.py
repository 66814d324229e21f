#!/usr/bin/env python3
"""The reader fuzz test's helper (driven by test/support/readerFuzz.ts): one long-lived process
that answers JSON requests, one per line on stdin, with one JSON line on stdout.

Requests
  {"cmd": "build", "schema": <path or null>, ...decnet_db.py build options}
      builds a DECNET database in WAL mode (decnet_db.py's build, with the given DDL file) and
      answers its path plus which pages hold which b-tree (SQLite's dbstat on a copy).
  {"cmd": "check", "path": <db>}
      what real SQLite reads from the same files: copies <db> and <db>-wal (never a -shm) into a
      scratch directory, opens the copy (SQLite recovers the -wal there) and runs
        PRAGMA integrity_check(sqlite_master), integrity_check(topologies), integrity_check(lans)
      i.e. the check of exactly the b-trees the reader reads (the schema, both tables and their
      indexes: an id that disagrees with its primary-key index fails it). A whole-database check
      would also fail on damage in tables the reader never reads (logs, ...), whose pages it
      rightly never looks at. When every check says "ok", the rows of
        SELECT id, name, status, mode FROM topologies
        SELECT id, topology_id, name, subnet, is_dmz, docker_network_id FROM lans
      (docker_network_id as NULL when the schema has no such column, as the reader reads it)
      follow, each value typed: null, a string (TEXT, invalid UTF-8 replaced), {"i": "<int>"},
      {"f": "<repr>"} or {"b": "<hex>"} (BLOB).
      Answer: {"ok": true, "topologies": [...], "lans": [...], "hasLans": bool}
          or  {"ok": false, "why": "<first problems, or SQLite's error>"}
"""
import json
import os
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import decnet_db  # noqa: E402

SCRATCH = tempfile.mkdtemp(prefix="decnet-fuzz-oracle-")


def cmd_build(req):
    schema = req.get("schema")
    saved = list(decnet_db.SCHEMA_CANDIDATES)
    if schema:
        decnet_db.SCHEMA_CANDIDATES[:] = [schema]
    try:
        info = decnet_db.cmd_build(req)
    finally:
        decnet_db.SCHEMA_CANDIDATES[:] = saved
    info["pages"] = decnet_db.cmd_pages({"path": info["path"]})
    return info


def typed(v):
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, float):
        return {"f": repr(v)}
    return {"b": bytes(v).hex()}


def check_copy(dst):
    con = sqlite3.connect("file:%s?mode=ro" % dst, uri=True)
    con.text_factory = lambda b: b.decode("utf-8", "replace")
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "topologies" not in tables:
            return {"ok": False, "why": "no topologies table"}
        targets = ["sqlite_master", "topologies"] + (["lans"] if "lans" in tables else [])
        problems = []
        for t in targets:
            res = [r[0] for r in con.execute("PRAGMA integrity_check(%s)" % t)]
            if res != ["ok"]:
                problems.append("%s: %s" % (t, "; ".join(str(x) for x in res[:3])))
        if problems:
            return {"ok": False, "why": " | ".join(problems)[:600]}
        tops = [[typed(v) for v in r] for r in con.execute("SELECT id, name, status, mode FROM topologies")]
        lans = []
        if "lans" in tables:
            # As the reader: docker_network_id is optional (DECNET schemas without it exist).
            cols = {r[1].lower() for r in con.execute("PRAGMA table_info(lans)")}
            net = "docker_network_id" if "docker_network_id" in cols else "NULL"
            lans = [[typed(v) for v in r] for r in con.execute(
                "SELECT id, topology_id, name, subnet, is_dmz, %s FROM lans" % net)]
        return {"ok": True, "topologies": tops, "lans": lans, "hasLans": "lans" in tables}
    finally:
        con.close()


def cmd_check(req):
    src = req["path"]
    name = os.path.basename(src)
    for f in os.listdir(SCRATCH):
        os.unlink(os.path.join(SCRATCH, f))
    dst = os.path.join(SCRATCH, name)
    shutil.copyfile(src, dst)
    if os.path.exists(src + "-wal"):
        shutil.copyfile(src + "-wal", dst + "-wal")
    try:
        return check_copy(dst)
    except (sqlite3.Error, ValueError, OverflowError, MemoryError) as e:
        return {"ok": False, "why": "%s: %s" % (type(e).__name__, e)}


def main():
    try:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            req = json.loads(line)
            try:
                ans = {"build": cmd_build, "check": cmd_check}[req["cmd"]](req)
            except Exception as e:  # an answer, never a dead helper
                ans = {"ok": False, "why": "oracle failed: %s: %s" % (type(e).__name__, e), "crash": True}
            sys.stdout.write(json.dumps(ans) + "\n")
            sys.stdout.flush()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
