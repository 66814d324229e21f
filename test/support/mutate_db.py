# One random mutation of a DECNET database in WAL mode, by real SQLite.
import json, os, random, shutil, sqlite3, sys, uuid

req = json.loads(sys.argv[1])
db = req["path"]
rng = random.Random(req["seed"])
op = req["op"]

def topo_row(con, big=False):
    tid = str(uuid.UUID(int=rng.getrandbits(128)))
    name = "t-" + ("x" * rng.randint(3000, 9000) if big else "") + str(rng.getrandbits(48))
    con.execute("INSERT INTO topologies (id,name,mode,target_host_uuid,config_snapshot,status,status_changed_at,created_at,version,needs_resync,email_personas,language_default) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (tid, name, "unihost", None, "{}" if not big else "c" * rng.randint(100, 20000), "active", "2025-01-01", "2025-01-01", 1, 0, "[]", "en"))
    if rng.random() < 0.7:
        con.execute("INSERT INTO lans (id,topology_id,name,docker_network_id,subnet,is_dmz) VALUES (?,?,?,?,?,?)",
                    (str(uuid.UUID(int=rng.getrandbits(128))), tid, "lan", None, "10.%d.0.0/24" % rng.randint(0, 255), 1))

con = sqlite3.connect(db, isolation_level=None)
assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
con.execute("PRAGMA wal_autocheckpoint=%d" % rng.choice([0, 0, 1000, 5]))
close = rng.random() < 0.15

def ids(table):
    return [r[0] for r in con.execute("SELECT id FROM %s" % table)]

if op == "insert":
    con.execute("BEGIN")
    for _ in range(rng.randint(1, 40)):
        topo_row(con, big=rng.random() < 0.1)
    con.execute("COMMIT")
elif op == "delete":
    t = ids("topologies")
    if t:
        victim = rng.choice(t)
        con.execute("BEGIN")
        con.execute("DELETE FROM lans WHERE topology_id=?", (victim,))
        con.execute("DELETE FROM topologies WHERE id=?", (victim,))
        con.execute("COMMIT")
elif op == "update":
    t = ids("topologies")
    if t:
        con.execute("UPDATE topologies SET status=? , name=? WHERE id=?", (rng.choice(["active", "torn_down", "failed"]), ("u" * rng.choice([5, 5000])) + str(rng.getrandbits(40)), rng.choice(t)))
elif op == "logs":
    con.execute("BEGIN")
    for _ in range(rng.randint(1, 400)):
        con.execute("INSERT INTO logs (timestamp,decky,service,event_type,attacker_ip,raw_line,fields) VALUES ('2025','d','s','e','1.2.3.4',?,'{}')", ("r" * rng.randint(10, 3000),))
    con.execute("COMMIT")
elif op == "dellogs":
    con.execute("DELETE FROM logs WHERE id % ? = 0", (rng.randint(1, 3),))
elif op == "vacuum":
    con.execute("VACUUM")
elif op == "checkpoint":
    con.execute("PRAGMA wal_checkpoint(%s)" % rng.choice(["PASSIVE", "FULL", "RESTART", "TRUNCATE"])).fetchall()
elif op == "index":
    if rng.random() < 0.5:
        con.execute("CREATE INDEX IF NOT EXISTS ix_t_name ON topologies(name)")
    else:
        con.execute("DROP INDEX IF EXISTS ix_t_name")
elif op == "autovac":
    con.execute("PRAGMA auto_vacuum=%d" % rng.choice([0, 1, 2]))
    con.execute("VACUUM")
elif op == "pagesize":
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA page_size=%d" % rng.choice([1024, 2048, 4096, 8192]))
    con.execute("VACUUM")
    con.execute("PRAGMA journal_mode=WAL")
    close = True
elif op == "analyze":
    con.execute("ANALYZE")
elif op == "alter":
    try:
        con.execute("ALTER TABLE topologies ADD COLUMN extra%d TEXT DEFAULT 'z'" % rng.randint(0, 10**6))
    except sqlite3.OperationalError:
        pass
else:
    raise SystemExit("unknown op " + op)
if close:
    con.close()
sys.stdout.write("{}\n")
sys.stdout.flush()
os._exit(0)
