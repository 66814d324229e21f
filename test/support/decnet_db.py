#!/usr/bin/env python3
"""Builds and inspects real SQLite databases for the tests (driven by test/support/makeDb.ts).

Usage: decnet_db.py <command>   with a JSON request on stdin; prints a JSON answer on stdout.

Commands
  build    build a DECNET database with rows in the main file, rows only in the -wal
           (committed), optionally a rolled-back transaction spilled into the -wal followed by
           smaller commits, and optionally a trailing *uncommitted* transaction whose pages were
           spilled into the -wal. The -wal copy is taken while the writing connection is still
           open (closing the last connection would checkpoint and delete it).
  oracle   what real SQLite sees: copies <db> and <db>-wal (never -shm) to a scratch dir,
           opens the copy with Python's sqlite3 and lists the rows. With "checkpoint": true it
           also checkpoints the copy and returns the path of the checkpointed main file.
  writer   a live writer: builds the DB in place, keeps the connection open and obeys
           line commands on stdin ("insert <json topology>", "quit"); prints "ready" lines.
  insert   commits rows into an existing database in place (they stay only in the -wal unless
           "checkpoint" is true: the process exits without closing, like a killed DECNET).
  reencode rewrites a WAL with the other checksum byte order (magic 0x377f0682 <-> 0x377f0683),
           recomputing every checksum. Real SQLite accepts both orders on any machine, so the
           oracle validates this independent implementation.
  foreign  a SQLite database that is not DECNET's (no topologies table).
  hotjournal  a rollback-mode database copied together with its hot -journal, taken while a
           write transaction is in progress.
  pages    which pages hold which b-tree (SQLite's dbstat, on a copy of <db> and <db>-wal):
           the page count and, per table or index, its b-tree pages and its overflow pages.
  sql      runs statements on an existing database in place, each in its own transaction, and
           exits without closing (like "insert"): the changes stay only in the -wal.
  damage   damages the topologies table in place in a way SQLite reads without complaint, in
           the main file or in the page's last committed -wal frame (checksums recomputed):
           "child-pointer": the first child pointer of an interior page overwritten with the
           second (of the first two neighbouring leaves holding as many rows: one leaf is read
           twice, the other never, the row count is unchanged); "id-bit": one bit flipped in the
           first character of a topology id in its table leaf (the primary-key index keeps the
           old id). Answers what SQLite then reads and what its integrity check says.
  stepper  a writer on an existing database that rewrites the main file in place with every write:
           in WAL mode a checkpoint with TRUNCATE after each commit (the -wal is left empty),
           or in rollback mode ("journal": "delete", journal_mode=DELETE) the commit itself.
           Each "step" line on stdin inserts topology "n" (a row and a LAN) or deletes it again
           (even steps insert, odd steps delete the row the step before inserted, so that the
           file keeps its size), then answers one JSON line: what python3's sqlite3 reads from
           the file right after the write ({"topologies", "lans"} as "oracle" answers them).
  flood    a DECNET-like log ingester on an existing database: commits batches of "batch" (40)
           rows of `logs` as fast as it can, or "rate" commits a second, with SQLite's automatic
           checkpoint on (it copies frames into the main file and restarts the log), until its
           stdin closes; prints "ready" first, then {"commits", "seconds", "restarts"}.

"fullSchema": true builds from DECNET's whole schema (decnet-schema-full.sql, 39 tables)
instead of the tables the reader reads.
"""
import json
import os
import shutil
import sqlite3
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_CANDIDATES = [
    os.environ.get("DECNET_SCHEMA_SQL", ""),
    os.path.join(HERE, "decnet-schema.sql"),
]


FULL_SCHEMA = os.path.join(HERE, "decnet-schema-full.sql")
USE_FULL_SCHEMA = [False]


def schema_sql():
    if USE_FULL_SCHEMA[0]:
        with open(FULL_SCHEMA, encoding="utf-8") as f:
            return f.read()
    for p in SCHEMA_CANDIDATES:
        if p and os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                return f.read()
    raise SystemExit("decnet-schema.sql not found (set DECNET_SCHEMA_SQL)")


def schema_statements(no_lans):
    text = "\n".join(l for l in schema_sql().splitlines() if not l.strip().startswith("--"))
    out = []
    for s in text.split(";"):
        s = s.strip()
        if not s:
            continue
        if no_lans and (" lans " in s + " " or "ON lans" in s):
            continue
        out.append(s)
    return out


def insert_topology(cur, t, big=False):
    snap = "x" * 3000 if big else "{}"
    if t.get("configSnapshotBytes"):
        # A config big enough to spill into overflow pages: status is stored after it.
        snap = ("{\"pad\": \"" + "y" * t["configSnapshotBytes"])[: t["configSnapshotBytes"] - 2] + "\"}"
    cur.execute(
        "INSERT INTO topologies (id, name, mode, target_host_uuid, config_snapshot, status,"
        " status_changed_at, created_at, version, needs_resync, email_personas, language_default)"
        " VALUES (?, ?, ?, NULL, ?, ?, '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1, 0, '[]', 'en')",
        (t["id"], t["name"], t.get("mode", "unihost"), snap, t.get("status", "active")),
    )


def insert_lan(cur, lan):
    cur.execute(
        "INSERT INTO lans (id, topology_id, name, docker_network_id, subnet, is_dmz, x, y)"
        " VALUES (?, ?, ?, ?, ?, ?, 0.0, 0.0)",
        (lan["id"], lan["topologyId"], lan["name"], lan.get("dockerNetworkId"), lan["subnet"],
         1 if lan.get("isDmz") else 0),
    )


def insert_filler(cur, n, tag="f"):
    for i in range(n):
        cur.execute(
            "INSERT INTO logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields)"
            " VALUES ('2025-01-01 00:00:00', 'decky-01', 'ssh', 'login', ?, ?, '{}')",
            ("10.0.%d.%d" % (i // 250, i % 250), (tag + str(i)) * 200),
        )


def bulk_logs(con, db, target_bytes):
    """Fills `logs` until the main file holds about target_bytes (INSERT ... SELECT, in batches)."""
    first = 0
    while target_bytes and os.path.getsize(db) + wal_size(db) < target_bytes:
        con.execute("BEGIN")
        con.execute(
            "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields)"
            " SELECT '2025-01-01 00:00:00', 'decky-' || (i % 16), 'ssh', 'login',"
            " '10.' || (i / 65536 % 256) || '.' || (i / 256 % 256) || '.' || (i % 256),"
            " 'sshd[' || i || ']: Failed password ' || hex(zeroblob(200)), '{}' FROM n",
            (first, first + 4999),
        )
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        first += 5000


def connect(path, page_size):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA page_size=%d" % page_size)
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    assert mode == "wal", mode
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    return con


def create(con, req):
    for s in schema_statements(req.get("noLans", False)):
        con.execute(s)


def lans_of(req, tid):
    return [l for l in req.get("lans", []) if l["topologyId"] == tid]


def wal_size(path):
    w = path + "-wal"
    return os.path.getsize(w) if os.path.exists(w) else 0


def populate(con, db, req):
    """Checkpointed rows, then one transaction per WAL-only topology. Returns info."""
    cur = con.cursor()
    create(con, req)
    wal_ids = {t["id"] for t in req.get("walOnly", [])}
    cur.execute("BEGIN")
    for t in req.get("checkpointed", []):
        insert_topology(cur, t)
    for l in req.get("lans", []):
        if l["topologyId"] not in wal_ids:
            insert_lan(cur, l)
    insert_filler(cur, req.get("filler", 0))
    cur.execute("COMMIT")
    bulk_logs(con, db, req.get("logsBytes", 0))
    r = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert r[0] == 0, r
    assert wal_size(db) == 0
    for t in req.get("walOnly", []):
        cur.execute("BEGIN")
        insert_topology(cur, t)
        for l in lans_of(req, t["id"]):
            insert_lan(cur, l)
        insert_filler(cur, req.get("walFiller", 0), tag=t["id"][:8])
        cur.execute("COMMIT")
    rb = req.get("rolledBack")
    if rb:
        # A transaction big enough to spill its pages into the -wal, rolled back: its frames stay
        # in the file after the last commit. The next commits are written over its first frames,
        # so the frame after them no longer chains (bad checksum) while the rest of the rolled-back
        # frames, with the log's salts, follow.
        before = wal_size(db)
        con.execute("PRAGMA cache_size=8")
        cur.execute("BEGIN")
        for t in rb.get("rows", []):
            insert_topology(cur, t, big=True)
        for i in range(400):
            insert_filler(cur, 5, tag="r%d_" % i)
            if wal_size(db) - before > 64 * req.get("pageSize", 4096):
                break
        else:
            raise SystemExit("the rolled-back transaction never spilled into the WAL")
        cur.execute("ROLLBACK")
        con.execute("PRAGMA cache_size=-2000")
        for t in rb.get("then", []):
            cur.execute("BEGIN")
            insert_topology(cur, t)
            cur.execute("COMMIT")
    if req.get("staleGeneration"):
        # Checkpoint everything, then start a new WAL generation that is shorter than the
        # previous one: the tail of the file keeps frames of the old generation (old salts).
        old_size = wal_size(db)
        with open(db + "-wal", "rb") as f:
            old_hdr = f.read(32)
        r = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert r[0] == 0 and r[1] == r[2], r
        g = req["staleGeneration"]
        cur.execute("BEGIN")
        for tid in g.get("delete", []):
            cur.execute("DELETE FROM lans WHERE topology_id = ?", (tid,))
            cur.execute("DELETE FROM topologies WHERE id = ?", (tid,))
        for t in g.get("insert", []):
            insert_topology(cur, t)
        cur.execute("COMMIT")
        with open(db + "-wal", "rb") as f:
            new_hdr = f.read(32)
        assert wal_size(db) == old_size, "WAL was not reused in place"
        assert old_hdr[16:24] != new_hdr[16:24], "salts did not change"
    return cur


def cmd_build(req):
    target_dir = req["dir"]
    name = req.get("name", "decnet.db")
    page_size = req.get("pageSize", 4096)
    work = tempfile.mkdtemp(prefix="decnet-build-")
    try:
        db = os.path.join(work, name)
        con = connect(db, page_size)
        cur = populate(con, db, req)
        committed_wal = wal_size(db)
        uncommitted = req.get("uncommittedWal", [])
        if uncommitted:
            con.execute("PRAGMA cache_size=8")
            cur.execute("BEGIN")
            for t in uncommitted:
                insert_topology(cur, t, big=True)
            needles = [t["id"].encode() for t in uncommitted]
            for i in range(400):
                insert_filler(cur, 5, tag="u%d_" % i)
                with open(db + "-wal", "rb") as f:
                    f.seek(committed_wal)
                    tail = f.read()
                if all(n in tail for n in needles):
                    break
            else:
                raise SystemExit("uncommitted rows never spilled into the WAL")
        os.makedirs(target_dir, exist_ok=True)
        out = os.path.join(target_dir, name)
        shutil.copyfile(db, out)
        if wal_size(db) > 0:
            shutil.copyfile(db + "-wal", out + "-wal")
        info = {"path": out, "walBytes": wal_size(db), "committedWalBytes": committed_wal}
        if uncommitted:
            cur.execute("ROLLBACK")
        con.close()
        return info
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_rows(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tops = [list(r) for r in con.execute("SELECT id, name, status, mode FROM topologies ORDER BY id")]
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        lans = []
        if "lans" in names:
            lans = [list(r) for r in con.execute(
                "SELECT id, topology_id, name, subnet, is_dmz, docker_network_id FROM lans ORDER BY id")]
        return tops, lans
    finally:
        con.close()


def cmd_oracle(req):
    src = req["path"]
    work = tempfile.mkdtemp(prefix="decnet-oracle-")
    name = os.path.basename(src)
    dst = os.path.join(work, name)
    shutil.copyfile(src, dst)
    if os.path.exists(src + "-wal") and req.get("withWal", True):
        shutil.copyfile(src + "-wal", dst + "-wal")
    tops, lans = read_rows(dst)
    ans = {"topologies": tops, "lans": lans, "dir": work}
    if req.get("checkpoint"):
        con = sqlite3.connect(dst, isolation_level=None)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        ans["checkpointed"] = dst
    else:
        shutil.rmtree(work, ignore_errors=True)
        del ans["dir"]
    return ans


def cmd_writer(req):
    db = os.path.join(req["dir"], req.get("name", "decnet.db"))
    os.makedirs(req["dir"], exist_ok=True)
    con = connect(db, req.get("pageSize", 4096))
    cur = populate(con, db, req)
    print("ready", flush=True)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        line = line.strip()
        if line.startswith("insert "):
            cur.execute("BEGIN")
            insert_topology(cur, json.loads(line[7:]))
            cur.execute("COMMIT")
            print("ready", flush=True)
        elif line == "quit":
            break
    con.close()
    return {"path": db}


def cksum(data, s1, s2, big):
    fmt = (">" if big else "<") + "%dI" % (len(data) // 4)
    words = struct.unpack(fmt, data)
    for i in range(0, len(words), 2):
        s1 = (s1 + words[i] + s2) & 0xFFFFFFFF
        s2 = (s2 + words[i + 1] + s1) & 0xFFFFFFFF
    return s1, s2


def cmd_insert(req):
    """Commits topologies (and LANs) into an existing database in place. Unless "checkpoint" is
    true, the process then exits without closing its connection, as a crashed or killed DECNET
    would: the rows stay only in the -wal (and a stale -shm is left, as SQLite leaves it)."""
    db = req["path"]
    con = sqlite3.connect(db, isolation_level=None)
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    assert mode == "wal", mode
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    cur = con.cursor()
    cur.execute("BEGIN")
    for t in req.get("topologies", []):
        insert_topology(cur, t)
    for l in req.get("lans", []):
        insert_lan(cur, l)
    cur.execute("COMMIT")
    if req.get("checkpoint"):
        con.close()
        return {"path": db}
    sys.stdout.write(json.dumps({"path": db}) + "\n")
    sys.stdout.flush()
    os._exit(0)


def cmd_sql(req):
    """Runs statements on an existing database in place, each in its own transaction (PRAGMAs
    outside any), then exits without closing its connection: the changes stay only in the -wal."""
    db = req["path"]
    con = sqlite3.connect(db, isolation_level=None)
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    assert mode == "wal", mode
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    for stmt in req.get("statements", []):
        if stmt.lstrip().upper().startswith("PRAGMA"):
            con.execute(stmt).fetchall()  # e.g. wal_checkpoint(RESTART): outside a transaction
            continue
        con.execute("BEGIN")
        con.execute(stmt)
        con.execute("COMMIT")
    sys.stdout.write(json.dumps({"path": db, "walBytes": wal_size(db)}) + "\n")
    sys.stdout.flush()
    os._exit(0)


def cmd_pages(req):
    """Page numbers of every b-tree, from SQLite's dbstat on a copy of the database and -wal."""
    src = req["path"]
    work = tempfile.mkdtemp(prefix="decnet-pages-")
    try:
        dst = os.path.join(work, os.path.basename(src))
        shutil.copyfile(src, dst)
        if os.path.exists(src + "-wal"):
            shutil.copyfile(src + "-wal", dst + "-wal")
        con = sqlite3.connect("file:%s?mode=ro" % dst, uri=True)
        try:
            page_size = con.execute("PRAGMA page_size").fetchone()[0]
            page_count = con.execute("PRAGMA page_count").fetchone()[0]
            btrees = {}
            for name, pageno, pagetype in con.execute("SELECT name, pageno, pagetype FROM dbstat"):
                if name == "sqlite_schema":
                    name = "sqlite_master"
                b = btrees.setdefault(name, {"pages": [], "overflow": []})
                (b["overflow"] if pagetype == "overflow" else b["pages"]).append(pageno)
            owners = {}
            for kind, name, tbl in con.execute("SELECT type, name, tbl_name FROM sqlite_master"):
                if kind in ("table", "index"):
                    owners[name] = tbl
            for name, b in btrees.items():
                b["table"] = owners.get(name, name)
            return {"pageSize": page_size, "pageCount": page_count, "btrees": btrees}
        finally:
            con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cmd_reencode(req):
    """Re-encodes the checksums of every valid frame with the other byte order."""
    path = req["path"]
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    magic, version, page_size, _seq, salt1, salt2, c1, c2 = struct.unpack(">8I", buf[:32])
    big = magic & 1 == 1
    assert cksum(bytes(buf[:24]), 0, 0, big) == (c1, c2), "input WAL header checksum is wrong"
    new_big = not big
    struct.pack_into(">I", buf, 0, 0x377F0682 | (1 if new_big else 0))
    n1, n2 = cksum(bytes(buf[:24]), 0, 0, new_big)
    struct.pack_into(">II", buf, 24, n1, n2)
    o1, o2 = c1, c2
    off = 32
    frames = 0
    fsz = 24 + page_size
    while off + fsz <= len(buf):
        hdr = bytes(buf[off:off + 24])
        pg, _commit, fs1, fs2, fc1, fc2 = struct.unpack(">6I", hdr)
        if pg == 0 or (fs1, fs2) != (salt1, salt2):
            break
        o1, o2 = cksum(hdr[:8], o1, o2, big)
        o1, o2 = cksum(bytes(buf[off + 24:off + fsz]), o1, o2, big)
        if (o1, o2) != (fc1, fc2):
            break
        n1, n2 = cksum(hdr[:8], n1, n2, new_big)
        n1, n2 = cksum(bytes(buf[off + 24:off + fsz]), n1, n2, new_big)
        struct.pack_into(">II", buf, off + 16, n1, n2)
        frames += 1
        off += fsz
    with open(path, "wb") as f:
        f.write(buf)
    return {"frames": frames, "bigEndian": new_big}


def wal_frames(wal_path):
    """The valid frames of a WAL, up to its last commit: (pgno, offset of the frame) in order."""
    if not os.path.exists(wal_path):
        return None, []
    with open(wal_path, "rb") as f:
        buf = f.read()
    if len(buf) < 32:
        return None, []
    magic, _v, page_size, _seq, salt1, salt2, c1, c2 = struct.unpack(">8I", buf[:32])
    big = magic & 1 == 1
    frames, committed = [], []
    s1, s2 = c1, c2
    off = 32
    while off + 24 + page_size <= len(buf):
        pg, commit, fs1, fs2, fc1, fc2 = struct.unpack(">6I", buf[off:off + 24])
        if pg == 0 or (fs1, fs2) != (salt1, salt2):
            break
        s1, s2 = cksum(buf[off:off + 8], s1, s2, big)
        s1, s2 = cksum(buf[off + 24:off + 24 + page_size], s1, s2, big)
        if (s1, s2) != (fc1, fc2):
            break
        frames.append((pg, off))
        if commit:
            committed = list(frames)
        off += 24 + page_size
    return page_size, committed


def rechecksum_wal(wal_path):
    """Recomputes the checksum of every valid frame after one was patched (same order, same salts)."""
    with open(wal_path, "rb") as f:
        buf = bytearray(f.read())
    magic, _v, page_size, _seq, salt1, salt2, c1, c2 = struct.unpack(">8I", buf[:32])
    big = magic & 1 == 1
    s1, s2 = c1, c2
    off = 32
    while off + 24 + page_size <= len(buf):
        pg, _commit, fs1, fs2 = struct.unpack(">4I", buf[off:off + 16])
        if pg == 0 or (fs1, fs2) != (salt1, salt2):
            break
        s1, s2 = cksum(bytes(buf[off:off + 8]), s1, s2, big)
        s1, s2 = cksum(bytes(buf[off + 24:off + 24 + page_size]), s1, s2, big)
        struct.pack_into(">II", buf, off + 16, s1, s2)
        off += 24 + page_size
    with open(wal_path, "wb") as f:
        f.write(buf)


def inspect_copy(src, sqls):
    """Runs read-only statements on a copy of <src> and its -wal; returns their rows."""
    work = tempfile.mkdtemp(prefix="decnet-inspect-")
    try:
        dst = os.path.join(work, os.path.basename(src))
        shutil.copyfile(src, dst)
        if os.path.exists(src + "-wal"):
            shutil.copyfile(src + "-wal", dst + "-wal")
        con = sqlite3.connect("file:%s?mode=ro" % dst, uri=True)
        try:
            return [[list(r) for r in con.execute(q)] for q in sqls]
        finally:
            con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cmd_damage(req):
    db = req["path"]
    in_wal = bool(req.get("inWal"))
    kind = req["kind"]
    (root,), = inspect_copy(db, ["SELECT rootpage FROM sqlite_master WHERE name = 'topologies'"])[0]
    pages = dict(inspect_copy(db, ["SELECT pageno, pagetype FROM dbstat WHERE name = 'topologies'"])[0])
    before = inspect_copy(db, ["SELECT id FROM topologies NOT INDEXED"])[0]
    with open(db, "rb") as f:
        page_size = struct.unpack(">H", f.read(18)[16:18])[0]
        page_size = 65536 if page_size == 1 else page_size
    wal_ps, frames = wal_frames(db + "-wal")
    last_frame = {pg: off for pg, off in frames}

    def where(n):
        """(file, offset of page n's bytes) as the database holds it."""
        if n in last_frame:
            return db + "-wal", last_frame[n] + 24
        return db, (n - 1) * page_size

    def read_page(n):
        path, off = where(n)
        with open(path, "rb") as f:
            f.seek(off)
            return bytearray(f.read(page_size))

    if kind == "child-pointer":
        target = root
        b = read_page(target)
        h = 100 if target == 1 else 0
        assert b[h] == 0x05, "the topologies root page is not an interior page: add topologies"
        ncells = struct.unpack(">H", b[h + 3:h + 5])[0]
        ptrs = [struct.unpack(">H", b[h + 12 + 2 * i:h + 14 + 2 * i])[0] for i in range(ncells)]
        child = [struct.unpack(">I", b[c:c + 4])[0] for c in ptrs]

        def cells(n):
            p = read_page(n)
            return struct.unpack(">H", p[3:5])[0]

        pick = None
        for i in range(ncells - 1):
            if cells(child[i]) == cells(child[i + 1]):
                pick = i
                break
        assert pick is not None, "no two neighbouring leaves hold as many rows"
        b[ptrs[pick]:ptrs[pick] + 4] = b[ptrs[pick + 1]:ptrs[pick + 1] + 4]
        patched = (target, b)
    elif kind == "id-bit":
        needle = req["id"].encode()
        patched = None
        for n, t in sorted(pages.items()):
            if t != "leaf":
                continue
            b = read_page(n)
            at = b.find(needle)
            if at >= 0:
                b[at] ^= 0x01  # '0'<->'1', 'a'<->'`', 'f'<->'g': still one ASCII character
                patched = (n, b)
                break
        assert patched is not None, "the id is on no topologies leaf page"
    else:
        raise SystemExit("unknown damage %r" % kind)

    n, b = patched
    path, off = where(n)
    assert (path != db) == in_wal, "page %d is in %s, not where it was asked for" % (n, path)
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(b)
    if in_wal:
        rechecksum_wal(path)
        assert [pg for pg, _ in wal_frames(path)[1]] == [pg for pg, _ in frames], "the patched -wal lost frames"
    after, count, integrity = inspect_copy(db, [
        "SELECT id FROM topologies NOT INDEXED",
        "SELECT count(*) FROM topologies",
        "PRAGMA integrity_check(topologies)",
    ])
    ids_before = sorted(r[0] for r in before)
    ids_after = sorted(r[0] for r in after)
    return {
        "page": n,
        "inWal": in_wal,
        "rowsBefore": len(ids_before),
        "rowsRead": len(ids_after),
        "count": count[0][0],
        "vanished": sorted(set(ids_before) - set(ids_after)),
        "appeared": sorted(set(ids_after) - set(ids_before)),
        "integrityCheck": [r[0] for r in integrity],
    }


def cmd_foreign(req):
    path = req["path"]
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('hello')")
    con.close()
    return {"path": path}


def cmd_hotjournal(req):
    target_dir = req["dir"]
    name = req.get("name", "decnet.db")
    work = tempfile.mkdtemp(prefix="decnet-hot-")
    try:
        db = os.path.join(work, name)
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("PRAGMA journal_mode=DELETE")
        for s in schema_statements(False):
            con.execute(s)
        cur = con.cursor()
        cur.execute("BEGIN")
        for t in req.get("topologies", []):
            insert_topology(cur, t)
        cur.execute("COMMIT")
        con.execute("PRAGMA cache_size=4")
        cur.execute("BEGIN")
        cur.execute("DELETE FROM topologies")
        insert_filler(cur, 200)
        assert os.path.getsize(db + "-journal") > 0
        os.makedirs(target_dir, exist_ok=True)
        out = os.path.join(target_dir, name)
        shutil.copyfile(db, out)
        shutil.copyfile(db + "-journal", out + "-journal")
        cur.execute("ROLLBACK")
        con.close()
        return {"path": out}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cmd_flood(req):
    import threading
    import time

    db = req["path"]
    batch = req.get("batch", 40)
    rate = req.get("rate", 0)
    con = sqlite3.connect(db, isolation_level=None)
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    assert mode == "wal", mode
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA wal_autocheckpoint=%d" % req.get("autocheckpoint", 1000))
    stop = threading.Event()

    def wait_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_stdin, daemon=True).start()
    print("ready", flush=True)
    commits = 0
    restarts = 0
    salts = None
    start = time.monotonic()
    row = 0
    while not stop.is_set():
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields)"
            " VALUES ('2025-01-02 00:00:00', ?, 'ssh', 'login', ?, ?, '{}')",
            [("decky-%02d" % (i % 16), "10.9.%d.%d" % (i // 250 % 250, i % 250),
              "sshd[%d]: Failed password for root from 10.9.9.9 port 22 ssh2 " % i + "x" * 200)
             for i in range(row, row + batch)],
        )
        con.execute("COMMIT")
        row += batch
        commits += 1
        if commits % 16 == 0:
            with open(db + "-wal", "rb") as f:
                h = f.read(24)[16:24]
            if salts is not None and h != salts:
                restarts += 1
            salts = h
        if rate:
            delay = start + commits / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    seconds = time.monotonic() - start
    sys.stdout.write(json.dumps({"commits": commits, "seconds": seconds, "restarts": restarts}) + "\n")
    sys.stdout.flush()
    os._exit(0)


def cmd_stepper(req):
    db = req["path"]
    rollback = req.get("journal") == "delete"
    con = sqlite3.connect(db, isolation_level=None)
    mode = con.execute("PRAGMA journal_mode=%s" % ("DELETE" if rollback else "WAL")).fetchone()[0]
    assert mode == ("delete" if rollback else "wal"), mode
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    if not rollback:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cur = con.cursor()
    first = req.get("first", 0x7a000000)
    step = 0
    print("ready", flush=True)
    while True:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            break
        n = first + step // 2
        tid = "%08x-2222-4222-8222-%08x0000" % (n, n)
        cur.execute("BEGIN")
        if step % 2 == 0:
            insert_topology(cur, {"id": tid, "name": "racy-%d" % n})
            insert_lan(cur, {"id": "lan-%08x" % n, "topologyId": tid, "name": "dmz",
                             "subnet": "10.%d.%d.0/24" % (n // 256 % 256, n % 256)})
        else:
            cur.execute("DELETE FROM lans WHERE topology_id = ?", (tid,))
            cur.execute("DELETE FROM topologies WHERE id = ?", (tid,))
        cur.execute("COMMIT")
        if not rollback:
            r = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert r[0] == 0, r
            assert wal_size(db) == 0
        step += 1
        tops, lans = read_rows(db)
        sys.stdout.write(json.dumps({"topologies": tops, "lans": lans}) + "\n")
        sys.stdout.flush()
    con.close()
    return {"path": db}


def main():
    cmd = sys.argv[1]
    if cmd in ("writer", "flood", "stepper"):
        req = json.loads(sys.argv[2])
    else:
        req = json.loads(sys.stdin.read() or "{}")
    USE_FULL_SCHEMA[0] = bool(req.get("fullSchema"))
    fn = {
        "build": cmd_build,
        "oracle": cmd_oracle,
        "writer": cmd_writer,
        "reencode": cmd_reencode,
        "insert": cmd_insert,
        "foreign": cmd_foreign,
        "hotjournal": cmd_hotjournal,
        "pages": cmd_pages,
        "sql": cmd_sql,
        "damage": cmd_damage,
        "flood": cmd_flood,
        "stepper": cmd_stepper,
    }[cmd]
    print(json.dumps(fn(req)))


if __name__ == "__main__":
    main()
