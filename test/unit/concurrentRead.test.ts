// Reads of decnet.db while it is being written: a read is judged by what the files hold (the
// -wal header, the frames appended since the snapshot, the main file's identity), not by their
// size and times. Real files built by Python's sqlite3 from DECNET's whole schema (39 tables).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readSqliteDb } from '../../src/core/db/sqlite';
import { newReadStats } from '../../src/core/db/walSnapshot';
import { DbReadError, type DbSnapshot } from '../../src/core/model';
import { execInWal, makeDecnetDb, sqliteOracle, startFlood, scratchDirs, topo } from '../support/makeDb';

const dir = scratchDirs('decnet-conc-');

const M = topo(0x0c0c0c0c, { name: 'in-main', status: 'torn_down' });
const A = topo(0x1c1c1c1c, { name: 'in-wal' });
const LANS = [
  { id: 'lan-m', topologyId: M.id, name: 'dmz', subnet: '172.20.1.0/24', isDmz: true, dockerNetworkId: null },
  { id: 'lan-a', topologyId: A.id, name: 'office', subnet: '172.20.2.0/24', isDmz: false, dockerNetworkId: 'net-a' },
];

function ids(s: DbSnapshot): string[] {
  return s.topologies.map((t) => t.id).sort();
}
function lanIds(s: DbSnapshot): string[] {
  return s.lans.map((l) => l.id).sort();
}
function walHeader(db: string): Buffer {
  const fd = fs.openSync(`${db}-wal`, 'r');
  try {
    const b = Buffer.alloc(32);
    fs.readSync(fd, b, 0, 32, 0);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}
const logRow = (n: number): string =>
  `INSERT INTO logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields) VALUES ('2025-01-02', 'decky-01', 'ssh', 'login', '10.1.1.${n}', 'line ${n}', '{}')`;
const lanRow = (id: string): string =>
  `INSERT INTO lans (id, topology_id, name, subnet, is_dmz) VALUES ('${id}', '${M.id}', '${id}', '172.21.0.0/24', 0)`;

/** A whole-schema database: M and its LAN checkpointed, A and its LAN only in the -wal, logs rows in each. */
function build(): string {
  return makeDecnetDb(dir(), { fullSchema: true, checkpointed: [M], walOnly: [A], lans: LANS, filler: 50, walFiller: 20 });
}

describe('a read is judged by content', () => {
  for (const when of ['after the -wal was read', 'before SQLite reads any page'] as const) {
    test(`frames appended ${when} are not part of the snapshot: it answers at once`, async () => {
      const db = build();
      const header = walHeader(db);
      const stats = newReadStats();
      let calls = 0;
      const hook = (): void => {
        calls++;
        execInWal(db, [
          logRow(1),
          logRow(2),
          `INSERT INTO topologies (id, name, mode, config_snapshot, status, status_changed_at, created_at, version, needs_resync, email_personas, language_default) VALUES ('${'d'.repeat(8)}-1111-4111-8111-dddddddd0000', 'late', 'unihost', '{}', 'active', '2025', '2025', 1, 0, '[]', 'en')`,
        ]);
      };
      const snap = await readSqliteDb(db, {
        stats,
        ...(when === 'after the -wal was read' ? { onBetweenReads: hook } : { onBeforeQuery: hook }),
      });
      assert.ok(walHeader(db).equals(header), 'the log was not restarted');
      assert.equal(calls, 1);
      assert.equal(stats.attempts, 1, 'no retry');
      assert.ok(stats.framesAppendedDuringRead >= 3, `frames appended during the read: ${stats.framesAppendedDuringRead}`);
      assert.deepEqual(ids(snap), [M.id, A.id].sort(), "the snapshot's rows, not the late commit");
      assert.deepEqual(lanIds(snap), ['lan-a', 'lan-m']);
      assert.equal((await readSqliteDb(db)).topologies.length, 3, 'the next read sees the late commit');
    });
  }

  test('a checkpoint that copies a page the read took from the main file → retried, and the retry is consistent', async () => {
    const db = build();
    // A commit of the lans b-tree pages (so far in the main file), then a checkpoint that
    // copies them there, without restarting the log: only the frames tell.
    execInWal(db, ['PRAGMA wal_checkpoint(TRUNCATE)', logRow(9)]);
    const header = walHeader(db);
    const stats = newReadStats();
    let calls = 0;
    const snap = await readSqliteDb(db, {
      stats,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        if (++calls > 1) return;
        execInWal(db, [lanRow('lan-new'), 'PRAGMA wal_checkpoint(PASSIVE)']);
        assert.ok(walHeader(db).equals(header), 'same log generation: the header did not change');
      },
    });
    assert.equal(stats.attempts, 2, 'the first attempt was torn');
    assert.deepEqual(lanIds(snap), ['lan-a', 'lan-m', 'lan-new']);
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
  });

  test('a log restarted during the read (new salts) → retried', async () => {
    const db = build();
    const header = walHeader(db);
    const stats = newReadStats();
    let calls = 0;
    const snap = await readSqliteDb(db, {
      stats,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        if (++calls > 1) return;
        // Checkpoint everything, then a commit of logs rows only: the log restarts from its start.
        execInWal(db, ['PRAGMA wal_checkpoint(PASSIVE)', logRow(1)]);
        assert.notDeepEqual(walHeader(db).subarray(16, 24), header.subarray(16, 24), 'new salts');
      },
    });
    assert.equal(stats.attempts, 2);
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
    assert.deepEqual(lanIds(snap), ['lan-a', 'lan-m']);
  });

  test('the main file replaced by rename during the read → torn; retried, the new file is read', async () => {
    const db = build();
    const B = topo(0x2c2c2c2c, { name: 'other' });
    const other = makeDecnetDb(dir(), { fullSchema: true, checkpointed: [B] });
    let e: unknown;
    try {
      await readSqliteDb(db, { retries: 0, onBeforeQuery: () => fs.renameSync(other, db) });
    } catch (err) {
      e = err;
    }
    assert.ok(e instanceof DbReadError && e.kind === 'torn', String(e));

    const db2 = build();
    const other2 = makeDecnetDb(dir(), { fullSchema: true, checkpointed: [B] });
    const stats = newReadStats();
    let calls = 0;
    const snap = await readSqliteDb(db2, {
      stats,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        if (++calls > 1) return;
        fs.utimesSync(other2, new Date(), new Date()); // its stamp moves: it was just written
        fs.renameSync(other2, db2);
        fs.rmSync(`${db2}-wal`);
      },
    });
    // Torn by the rename; then the new file, written just now and without a -wal, is read once
    // its stamp proves it unchanged during the read (see settledStamp.ts).
    assert.equal(stats.attempts, 3);
    assert.ok(stats.stampsSettleAt === 0, 'the last attempt rested on settled stamps');
    assert.deepEqual(ids(snap), [B.id]);
  });
});

describe('a log restarted once during the read, judged by its frames', () => {
  // A log whose frames hold only logs rows, several commits long, over a main file that holds
  // every table the reader reads: the frames the read takes are the log's last ones.
  // With `lan`, a commit of a LAN row first or last in the log: the read takes the lans page
  // from the log's first frames, or from its last ones.
  function buildLogged(lan?: 'first' | 'last'): { db: string; header: Buffer } {
    const db = build();
    const logs = Array.from({ length: 12 }, (_, i) => logRow(20 + i));
    const lanCommit = [lanRow('lan-w')];
    execInWal(db, [
      'PRAGMA wal_checkpoint(TRUNCATE)',
      ...(lan === 'first' ? lanCommit : []),
      ...logs,
      ...(lan === 'last' ? lanCommit : []),
    ]);
    return { db, header: walHeader(db) };
  }
  function restarted(db: string, header: Buffer, times = 1): void {
    const now = walHeader(db);
    assert.equal(now.readUInt32BE(16), (header.readUInt32BE(16) + times) >>> 0, `salt-1 + ${times}`);
    assert.equal(now.readUInt32BE(12), (header.readUInt32BE(12) + times) >>> 0, `checkpoint sequence + ${times}`);
  }

  for (const lan of [undefined, 'last'] as const) {
    test(`the new log holds no page the read took from the main file${lan ? ' and stops before the frames it took from the log' : ''} → it answers at once, with the snapshot`, async () => {
      const { db, header } = buildLogged(lan);
      const stats = newReadStats();
      let calls = 0;
      const snap = await readSqliteDb(db, {
        stats,
        retries: 0,
        onBeforeQuery: () => {
          calls++;
          // Everything copied into the main file, the log restarted, one commit of logs rows.
          execInWal(db, ['PRAGMA wal_checkpoint(RESTART)', logRow(1)]);
          restarted(db, header);
        },
      });
      assert.equal(calls, 1);
      assert.equal(stats.attempts, 1, 'no retry');
      assert.equal(stats.logRestartTolerated, true, 'the restart was seen and proven harmless');
      assert.equal(stats.logRestartedDuringRead, false);
      assert.deepEqual(ids(snap), [M.id, A.id].sort());
      assert.deepEqual(lanIds(snap), lan ? ['lan-a', 'lan-m', 'lan-w'] : ['lan-a', 'lan-m']);
      if (lan) assert.ok(stats.walPageReads > 0, 'pages were read from the log');
    });
  }

  test('the new log holds a page the read took from the main file → retried', async () => {
    const { db, header } = buildLogged();
    const stats = newReadStats();
    let calls = 0;
    const snap = await readSqliteDb(db, {
      stats,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        if (++calls > 1) return;
        execInWal(db, ['PRAGMA wal_checkpoint(RESTART)', lanRow('lan-new')]);
        restarted(db, header);
      },
    });
    assert.equal(stats.attempts, 2, 'the first attempt was torn');
    assert.deepEqual(lanIds(snap), ['lan-a', 'lan-m', 'lan-new']);
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
  });

  test('the old log, after the snapshot, held a page the read took from the main file (the checkpoint copied it) → retried', async () => {
    const { db, header } = buildLogged();
    const stats = newReadStats();
    let calls = 0;
    const snap = await readSqliteDb(db, {
      stats,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        if (++calls > 1) return;
        // A commit of the lans table after the snapshot, copied into the main file by the
        // checkpoint that precedes the restart: the read would see it in the main file.
        execInWal(db, [lanRow('lan-new'), 'PRAGMA wal_checkpoint(RESTART)', logRow(1)]);
        restarted(db, header);
      },
    });
    assert.equal(stats.attempts, 2, 'the first attempt was torn');
    assert.deepEqual(lanIds(snap), ['lan-a', 'lan-m', 'lan-new']);
  });

  test('two restarts during the read → retried', async () => {
    const { db, header } = buildLogged();
    const stats = newReadStats();
    let calls = 0;
    const snap = await readSqliteDb(db, {
      stats,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        if (++calls > 1) return;
        execInWal(db, ['PRAGMA wal_checkpoint(RESTART)', logRow(1), 'PRAGMA wal_checkpoint(RESTART)', logRow(2)]);
        restarted(db, header, 2);
      },
    });
    assert.equal(stats.attempts, 2, 'the first attempt was torn');
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
  });

  test("the new log reached the snapshot's last commit → retried", async () => {
    const { db, header } = buildLogged();
    const stats = newReadStats();
    let calls = 0;
    const snap = await readSqliteDb(db, {
      stats,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        if (++calls > 1) return;
        // As many commits as the log had: the new log covers the old one's frames.
        execInWal(db, ['PRAGMA wal_checkpoint(RESTART)', ...Array.from({ length: 14 }, (_, i) => logRow(40 + i))]);
        restarted(db, header);
      },
    });
    assert.equal(stats.attempts, 2, 'the first attempt was torn');
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
  });

  test('the new log overwrote a frame the read took a page from (short of the last commit) → retried', async () => {
    const { db, header } = buildLogged('first');
    const stats = newReadStats();
    let calls = 0;
    const snap = await readSqliteDb(db, {
      stats,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        if (++calls > 1) return;
        // Two commits: they cover the log's first frames (the lans page), not its last commit.
        execInWal(db, ['PRAGMA wal_checkpoint(RESTART)', logRow(40), logRow(41)]);
        restarted(db, header);
      },
    });
    assert.equal(stats.attempts, 2, 'the first attempt was torn');
    assert.deepEqual(lanIds(snap), ['lan-a', 'lan-m', 'lan-w']);
  });
});

describe('reads under a live writer', () => {
  test('a log ingester committing 40-row batches as fast as it can: every read answers, with the right rows', async () => {
    const db = build();
    const want = sqliteOracle(db);
    const flood = await startFlood(db, { batch: 40 });
    const headers = new Set<string>();
    const attempts: number[] = [];
    let appended = 0;
    let reads = 0;
    const deadline = Date.now() + 60_000;
    try {
      // At least 15 reads, and on until the writer restarted the log twice (checkpoints ran).
      while (reads < 15 || (headers.size < 3 && Date.now() < deadline)) {
        const stats = newReadStats();
        const snap = await readSqliteDb(db, { stats });
        reads++;
        attempts.push(stats.attempts);
        appended += stats.framesAppendedDuringRead;
        assert.deepEqual(
          snap.topologies,
          [...want.topologies].sort((a, b) => (a.id < b.id ? -1 : 1)).map((t) => ({ ...t })),
        );
        assert.deepEqual(
          [...snap.lans].sort((a, b) => (a.id < b.id ? -1 : 1)),
          [...want.lans].sort((a, b) => (a.id < b.id ? -1 : 1)),
        );
        headers.add(walHeader(db).subarray(16, 24).toString('hex'));
      }
    } finally {
      const done = await flood.stop();
      console.log(
        `# ${reads} reads, attempts ${attempts.join(',')}; writer: ${done.commits} commits in ${done.seconds.toFixed(1)} s, ` +
          `${headers.size} log generations seen, ${appended} frames appended during reads`,
      );
      assert.ok(done.commits > reads, 'the writer kept committing');
    }
    assert.ok(headers.size >= 3, `the log restarted during the test (${headers.size} generations seen)`);
  });
});
