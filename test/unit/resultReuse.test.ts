// A read gives the last read's answer again, without running SQLite, only while every byte that
// answer was computed from is the same: the pages SQLite read for it (topologies, lans,
// swarm_hosts, their indexes, sqlite_master), page 1 and a page count no smaller. Real SQLite
// files (python3's sqlite3) written between reads; every read is compared with python3's sqlite3.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { forgetCachedReads, readSqliteDb } from '../../src/core/db/sqlite';
import { newReadStats, type ReadStats } from '../../src/core/db/walSnapshot';
import { DbReadError, type DbSnapshot } from '../../src/core/model';
import {
  damageTopologies,
  dbPages,
  execInWal,
  makeDecnetDb,
  sqliteCli,
  sqliteOracle,
  editPageInPlace,
  scratchDirs,
  topo,
} from '../support/makeDb';

const dir = scratchDirs('decnet-reuse-');

const MANY = Array.from({ length: 60 }, (_, i) => topo(0x53000000 + i, { name: `reuse-${String(i).padStart(3, '0')}` }));
const LANS = MANY.map((t, i) => ({
  id: `lan-${i}`,
  topologyId: t.id,
  name: 'dmz',
  subnet: `172.16.${i}.0/24`,
  isDmz: true,
  dockerNetworkId: null,
}));
const LOG_ROW =
  "INSERT INTO logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields) VALUES ('2025-01-02', 'd', 'ssh', 'login', '10.0.0.1', 'x', '{}')";

function byId<T extends { id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => a.id.localeCompare(b.id));
}

async function read(db: string): Promise<{ snap: DbSnapshot; stats: ReadStats }> {
  const stats = newReadStats();
  const snap = await readSqliteDb(db, { stats });
  const o = sqliteOracle(db);
  assert.deepEqual(byId(snap.topologies), o.topologies, 'the topologies python3 sqlite3 reads');
  assert.deepEqual(byId(snap.lans), o.lans, 'the LANs python3 sqlite3 reads');
  return { snap, stats };
}

describe('a kept answer is given again only while every byte it came from is the same', () => {
  test('a commit of other tables reuses it; a commit to topologies, lans, swarm_hosts or page 1 does not', async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY, lans: LANS, fullSchema: true });
    let r = await read(db);
    assert.equal(r.stats.resultReused, false);
    assert.equal(r.stats.integrityChecked, true);

    // logs rows only: the same bytes in every page the answer came from.
    execInWal(db, [LOG_ROW]);
    r = await read(db);
    assert.equal(r.stats.resultReused, true);
    assert.equal(r.stats.integrityChecked, false);
    assert.equal(r.snap.topologies.length, MANY.length);

    // A topology's status changed (as many rows as before): its page differs, the read runs.
    execInWal(db, [`UPDATE topologies SET status = 'torn_down' WHERE id = '${MANY[7].id}'`]);
    r = await read(db);
    assert.equal(r.stats.resultReused, false);
    assert.equal(r.stats.integrityChecked, true);
    assert.equal(r.snap.topologies.find((t) => t.id === MANY[7].id)?.status, 'torn_down');
    // The answer kept is now that one.
    execInWal(db, [LOG_ROW]);
    r = await read(db);
    assert.equal(r.stats.resultReused, true);
    assert.equal(r.snap.topologies.find((t) => t.id === MANY[7].id)?.status, 'torn_down');

    // A topology deleted, with its LAN.
    execInWal(db, [`DELETE FROM lans WHERE topology_id = '${MANY[3].id}'`, `DELETE FROM topologies WHERE id = '${MANY[3].id}'`]);
    r = await read(db);
    assert.equal(r.stats.resultReused, false);
    assert.equal(r.snap.topologies.length, MANY.length - 1);
    assert.ok(!r.snap.topologies.some((t) => t.id === MANY[3].id));

    // A LAN's subnet.
    execInWal(db, [`UPDATE lans SET subnet = '10.99.0.0/24' WHERE id = 'lan-9'`]);
    r = await read(db);
    assert.equal(r.stats.resultReused, false);
    assert.equal(r.snap.lans.find((l) => l.id === 'lan-9')?.subnet, '10.99.0.0/24');

    // Page 1 alone (its header's user version): the read runs.
    execInWal(db, ['PRAGMA user_version = 7']);
    r = await read(db);
    assert.equal(r.stats.resultReused, false);

    // swarm_hosts: a worker enrolled, then its heartbeat.
    execInWal(db, [
      "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, last_heartbeat, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('h-1', 'worker-1', '10.0.0.9', 8765, 'active', '2025-01-01 00:00:00', 'fp', '/x', '2025-01-01', 0)",
    ]);
    r = await read(db);
    assert.equal(r.stats.resultReused, false);
    assert.deepEqual(
      r.snap.swarm?.hosts.map((h) => [h.name, h.lastHeartbeat]),
      [['worker-1', '2025-01-01 00:00:00']],
    );
    execInWal(db, ["UPDATE swarm_hosts SET last_heartbeat = '2025-01-01 00:00:05' WHERE uuid = 'h-1'"]);
    r = await read(db);
    assert.equal(r.stats.resultReused, false);
    assert.deepEqual(
      r.snap.swarm?.hosts.map((h) => [h.name, h.lastHeartbeat]),
      [['worker-1', '2025-01-01 00:00:05']],
    );
    execInWal(db, [LOG_ROW]);
    r = await read(db);
    assert.equal(r.stats.resultReused, true);
    assert.equal(r.snap.swarm?.hosts[0]?.lastHeartbeat, '2025-01-01 00:00:05');
  });

  test('a page of topologies changed in place in the main file, its mtime put back: the new rows', async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY, lans: LANS });
    await read(db);
    execInWal(db, [LOG_ROW]);
    assert.equal((await read(db)).stats.resultReused, true);
    // The mode of the last topology (no index holds it), on its leaf, in the main file (no frame
    // of the -wal holds that page).
    const layout = dbPages(db);
    const leaf = Math.max(...layout.btrees.topologies.pages);
    editPageInPlace(db, leaf, layout.pageSize, (buf) => {
      const at = buf.lastIndexOf('unihost');
      assert.ok(at > 0, 'a mode on the last topologies page');
      buf.write('UNIHOST', at);
    });
    const r = await read(db);
    assert.equal(r.stats.resultReused, false);
    assert.ok(r.snap.topologies.some((t) => t.mode === 'UNIHOST'));
  });

  test('damage after a kept answer is refused', async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY, lans: LANS });
    await read(db);
    execInWal(db, [LOG_ROW]);
    assert.equal((await read(db)).stats.resultReused, true);
    // Checkpointed first, so that the damage written into the main file is what the database holds.
    sqliteCli(db, 'PRAGMA wal_checkpoint(TRUNCATE);');
    const d = damageTopologies(db, 'id-bit', { id: MANY[0].id });
    assert.ok(d.integrityCheck.join('\n') !== 'ok');
    await assert.rejects(readSqliteDb(db), (err: unknown) => {
      assert.ok(err instanceof DbReadError);
      assert.equal(err.kind, 'corrupt', err.message);
      assert.ok(err.message.includes(path.resolve(db)));
      return true;
    });
  });

  test('the answer given again is a copy: what a caller changes in one answer is not in the next', async () => {
    forgetCachedReads();
    const db = makeDecnetDb(dir(), { checkpointed: MANY, lans: LANS, fullSchema: true });
    const first = await read(db);
    first.snap.topologies[0].name = 'changed by a caller';
    first.snap.topologies.pop();
    first.snap.lans[0].subnet = '0.0.0.0/0';
    if (first.snap.swarm) first.snap.swarm.targetHost[MANY[0].id] = 'elsewhere';
    execInWal(db, [LOG_ROW]);
    const second = await read(db);
    assert.equal(second.stats.resultReused, true);
    assert.equal(second.snap.topologies.length, MANY.length);
    assert.notEqual(second.snap.swarm?.targetHost[MANY[0].id], 'elsewhere');
    second.snap.lans.length = 0;
    execInWal(db, [LOG_ROW]);
    const third = await read(db);
    assert.equal(third.stats.resultReused, true);
    assert.equal(third.snap.lans.length, LANS.length);
  });
});
