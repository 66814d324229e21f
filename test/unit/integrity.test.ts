// Damage that SQLite reads without complaint: a child page pointer repeated in an interior page
// of `topologies` (one leaf read twice, another never: the row count is unchanged), and one bit
// flipped in a topology id (the primary-key index keeps the old id). Real SQLite files built by
// Python's sqlite3, damaged in place (test/support/decnet_db.py `damage`); real SQLite's own
// integrity check proves every damage is real. The reader must refuse them all.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forgetCachedReads, readSqliteDb } from '../../src/core/db/sqlite';
import { newReadStats } from '../../src/core/db/walSnapshot';
import { DbReadError } from '../../src/core/model';
import {
  damageTopologies,
  dbPages,
  execInWal,
  insertTopologyRow,
  makeDecnetDb,
  sqliteCli,
  scratchDirs,
  topo,
  editPageInPlace,
  type Damage,
} from '../support/makeDb';

const dir = scratchDirs('decnet-integrity-');

// Enough rows of the same size for an interior root page over leaves that hold as many rows.
const MANY = Array.from({ length: 100 }, (_, i) => topo(0x51000000 + i, { name: `dmg-${String(i).padStart(4, '0')}` }));
const LIVE = MANY[0];

async function refusedCorrupt(dbPath: string): Promise<string> {
  let caught: unknown;
  try {
    const snap = await readSqliteDb(dbPath);
    assert.fail(`read ${snap.topologies.length} topologies from a damaged database`);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DbReadError, String(caught));
  assert.equal(caught.kind, 'corrupt', caught.message);
  assert.ok(caught.message.includes(path.resolve(dbPath)), caught.message);
  assert.match(caught.message, /nothing is classified orphan/);
  return caught.message;
}

/** The damage is real (SQLite's own integrity check reports it) and silent (the rows still read). */
function assertSilentButReal(d: Damage, problem: RegExp): void {
  assert.ok(d.integrityCheck.join('\n') !== 'ok', 'real SQLite finds nothing wrong');
  assert.match(d.integrityCheck.join('\n'), problem);
  assert.equal(d.rowsRead, d.rowsBefore, 'SQLite reads as many rows as before');
  assert.equal(d.count, d.rowsBefore, 'count(*) is unchanged');
  assert.ok(d.vanished.includes(LIVE.id), `${LIVE.id} is no longer read`);
}

describe('damage SQLite reads without complaint is refused', () => {
  test('an interior page whose first child pointer repeats the second: a leaf read twice, one never', async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY });
    const d = damageTopologies(db, 'child-pointer');
    assertSilentButReal(d, /2nd reference to page/);
    assert.ok(d.vanished.length > 1);
    const msg = await refusedCorrupt(db);
    assert.match(msg, /SQLite's integrity check of "topologies" failed \(.*2nd reference to page \d+/);
  });

  test('one bit flipped in a topology id in the table leaf (the index keeps the old id)', async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY });
    const d = damageTopologies(db, 'id-bit', { id: LIVE.id });
    assertSilentButReal(d, /missing from index sqlite_autoindex_topologies_1/);
    assert.deepEqual(d.appeared, [`4${LIVE.id.slice(1)}`]);
    const msg = await refusedCorrupt(db);
    assert.match(msg, /SQLite's integrity check of "topologies" failed \(row \d+ missing from index sqlite_autoindex_topologies_1\)/);
  });

  test("the same bit flip in the page's committed copy in the -wal", async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY.slice(1), walOnly: [LIVE] });
    const d = damageTopologies(db, 'id-bit', { id: LIVE.id, inWal: true });
    assert.equal(d.inWal, true);
    assertSilentButReal(d, /missing from index sqlite_autoindex_topologies_1/);
    const msg = await refusedCorrupt(db);
    assert.match(msg, /integrity check of "topologies" failed \(row \d+ missing from index sqlite_autoindex_topologies_1\)/);
  });
});

describe('when the check runs', () => {
  test('every read of a changed file is checked; a read of exactly the bytes checked before is not', async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY });
    const read = async () => {
      const stats = newReadStats();
      const snap = await readSqliteDb(db, { stats });
      return { snap, stats };
    };
    const first = await read();
    assert.equal(first.snap.topologies.length, MANY.length);
    assert.equal(first.stats.integrityChecked, true);
    assert.ok(first.stats.integrityCheckMs > 0);
    // Nothing changed: SQLite keeps the pages it checked, the check is not run again.
    const again = await read();
    assert.equal(again.stats.pagesReused, true);
    assert.equal(again.stats.integrityChecked, false);
    assert.equal(again.stats.integrityCheckMs, 0);
    // A commit (into the -wal): checked again, then not while nothing changes.
    await insertTopologyRow(db, topo(0x52000000, { name: 'dmg-new' }));
    const committed = await read();
    assert.equal(committed.snap.topologies.length, MANY.length + 1);
    assert.equal(committed.stats.pagesReused, false);
    assert.equal(committed.stats.integrityChecked, true);
    assert.equal((await read()).stats.integrityChecked, false);
    // A commit that writes only other tables (logs rows, page 1's header): every page the check
    // read is byte-for-byte the same, so it is not run again; the schema parsed is kept.
    execInWal(db, [
      "INSERT INTO logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields) VALUES ('2025-01-02', 'd', 'ssh', 'login', '10.0.0.1', 'x', '{}')",
    ]);
    const logged = await read();
    assert.equal(logged.snap.topologies.length, MANY.length + 1);
    assert.equal(logged.stats.pagesReused, false);
    assert.equal(logged.stats.schemaReused, true);
    assert.equal(logged.stats.integrityChecked, false);
    // Damaged in place in the main file, its mtime put back: the ctime moves, the read is of
    // other bytes, and it is checked again.
    const before = fs.statSync(db);
    damageTopologies(db, 'id-bit', { id: LIVE.id });
    fs.utimesSync(db, before.atime, before.mtime);
    await refusedCorrupt(db);
    // A refused read keeps nothing: the next read checks again, and refuses again.
    await refusedCorrupt(db);
  });
});

describe('the check of swarm_hosts', () => {
  test('runs again when a page of swarm_hosts changed, even when topologies and lans did not', async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY, fullSchema: true });
    // A worker, written into the main file (the sqlite3 command line checkpoints when it closes).
    sqliteCli(
      db,
      "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('host-uuid-1', 'worker-1', '10.0.0.9', 8765, 'active', 'fp', '/x', '2025-01-01', 0);",
    );
    const first = newReadStats();
    const snap = await readSqliteDb(db, { stats: first });
    assert.equal(first.integrityChecked, true);
    assert.deepEqual(
      snap.swarm?.hosts.map((h) => h.name),
      ['worker-1'],
    );
    // Its uuid changed in the primary-key index only, in place, mtime put back: the rows read the
    // same (the table is read without the index), SQLite's integrity check of swarm_hosts fails.
    const layout = dbPages(db);
    const index = Object.entries(layout.btrees).find(
      ([name, b]) => b.table === 'swarm_hosts' && name !== 'swarm_hosts' && name.includes('autoindex'),
    );
    assert.ok(index, 'swarm_hosts has a primary-key index');
    const page = index[1].pages[0];
    editPageInPlace(db, page, layout.pageSize, (buf) => {
      const at = buf.indexOf('host-uuid-1');
      assert.ok(at > 0, 'the uuid is on the index page');
      buf.write('host-uuid-2', at);
    });
    const msg = await refusedCorrupt(db);
    assert.match(msg, /integrity check of "swarm_hosts" failed/);
    // The damage is real: SQLite's own check of the whole file finds it.
    assert.match(sqliteCli(db, 'PRAGMA integrity_check;'), /swarm_hosts/);
  });
});
