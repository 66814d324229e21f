// What keeps reading a multi-gigabyte decnet.db cheap, checked on files of tens of MB built by
// real SQLite: the reader reads only the pages of the b-trees it queries (sqlite_master, the
// topologies and lans tables and their indexes, their overflow chains), never the `logs` table;
// committed -wal frames still override the main file on that path; records that spill into
// overflow pages read correctly; a page the query needs that the file does not hold is refused.
// No timings here: `npm run bench` measures those.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forgetCachedReads, readSqliteDb, type ReadStats } from '../../src/core/db/sqlite';
import { newReadStats } from '../../src/core/db/walSnapshot';
import { DbReadError, type DbSnapshot } from '../../src/core/model';
import {
  dbPages,
  execInWal,
  flipByte,
  makeDecnetDb,
  sqliteCli,
  sqliteOracle,
  tmpDir,
  topo,
  walLayout,
  type BtreePages,
  type TopologySpec,
  editPageInPlace,
} from '../support/makeDb';
import { untilSettled } from '../support/time';

const scratch: string[] = [];
function dir(): string {
  const d = tmpDir('decnet-scale-');
  scratch.push(d);
  return d;
}
after(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

const MB = 1024 * 1024;

function byId<T extends { id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => a.id.localeCompare(b.id));
}

function assertMatchesOracle(snap: DbSnapshot, dbPath: string): void {
  const o = sqliteOracle(dbPath);
  assert.deepEqual(byId(snap.topologies), o.topologies);
  assert.deepEqual(byId(snap.lans), o.lans);
}

/** Pages of the b-trees of these tables (their indexes included). */
function pagesOf(btrees: Record<string, BtreePages>, tables: string[]): { all: Set<number>; tablePages: Set<number> } {
  const all = new Set<number>();
  const tablePages = new Set<number>();
  for (const [name, b] of Object.entries(btrees)) {
    if (!tables.includes(b.table)) continue;
    for (const p of [...b.pages, ...b.overflow]) all.add(p);
    if (name === b.table) for (const p of [...b.pages, ...b.overflow]) tablePages.add(p);
  }
  return { all, tablePages };
}

const checkpointed: TopologySpec[] = [
  topo(0x10000001, { name: 'main-1' }),
  topo(0x10000002, { name: 'main-2', status: 'torn_down' }),
  { ...topo(0x10000003, { name: 'main-big', status: 'degraded', mode: 'agent' }), configSnapshotBytes: 14_000 },
];
const walOnly: TopologySpec[] = [
  topo(0x20000001, { name: 'wal-1', status: 'deploying' }),
  { ...topo(0x20000002, { name: 'wal-big', status: 'failed' }), configSnapshotBytes: 20_000 },
];
const lans = [...checkpointed, ...walOnly].map((t, i) => ({
  id: `lan-${i}`,
  topologyId: t.id,
  name: `lan${i}`,
  subnet: `172.16.${i}.0/24`,
  isDmz: i % 2 === 0,
  dockerNetworkId: i % 2 ? null : `net${i}`,
}));

describe('a large file is read by the pages of the tables read', () => {
  const d = dir();
  const db = makeDecnetDb(d, { checkpointed, walOnly, lans, logsBytes: 48 * MB });
  const layout = dbPages(db);

  test('the fixture is what the tests need', () => {
    assert.ok(fs.statSync(db).size >= 40 * MB, 'tens of MB of logs');
    assert.ok(fs.statSync(`${db}-wal`).size > 0, 'rows in the -wal');
    assert.ok(layout.btrees.logs.pages.length > 5000);
    // The big configs spill: topologies has overflow pages.
    assert.ok(layout.btrees.topologies.overflow.length >= 6, JSON.stringify(layout.btrees.topologies));
  });

  test('only sqlite_master, topologies, lans and their indexes are read, never logs', async () => {
    forgetCachedReads();
    const stats = newReadStats();
    const snap = await readSqliteDb(db, { stats });
    assertMatchesOracle(snap, db);
    assert.equal(snap.topologies.length, checkpointed.length + walOnly.length);

    const allowed = pagesOf(layout.btrees, ['sqlite_master', 'topologies', 'lans']);
    const read = new Set(stats.pagesRead);
    const outside = [...read].filter((p) => !allowed.all.has(p));
    assert.deepEqual(outside, [], 'pages read that belong to no b-tree the query uses');
    // Every page of the two tables, overflow chains included, was needed and read.
    const unread = [...allowed.tablePages].filter((p) => !read.has(p));
    assert.deepEqual(unread, [], 'pages of topologies/lans that were not read');
    const logs = pagesOf(layout.btrees, ['logs']).all;
    assert.equal([...read].filter((p) => logs.has(p)).length, 0);

    assert.ok(read.size <= allowed.all.size);
    assert.ok(read.size * 100 < layout.pageCount, `${read.size} pages read of ${layout.pageCount}`);
    // Bytes: the pages read, the headers and the -wal check; not the file.
    const walSize = fs.statSync(`${db}-wal`).size;
    assert.ok(
      stats.bytesRead <= (stats.mainPageReads + stats.walPageReads) * layout.pageSize + walSize + 4096,
      `${stats.bytesRead} bytes read`,
    );
    assert.ok(stats.bytesRead * 20 < fs.statSync(db).size);
  });

  test('read again unchanged, the file costs its headers: SQLite keeps the pages it read', async () => {
    forgetCachedReads();
    const first = newReadStats();
    const a = await readSqliteDb(db, { stats: first });
    assert.equal(first.pagesReused, false);
    assert.equal(first.walResumed, false);
    assert.ok(first.pagesRead.length > 10);
    const second = newReadStats();
    const b = await readSqliteDb(db, { stats: second });
    assert.deepEqual(b, a);
    assert.equal(second.pagesReused, true);
    assert.equal(second.schemaReused, true);
    // Page 1 comes from the pages kept by the first read (the files did not change).
    assert.deepEqual(second.pagesRead, []);
    assert.equal(second.keptPageHits, 1);
    assert.equal(second.walResumed, true);
    assert.equal(second.walFramesChecked, 0);
    assert.ok(second.bytesRead < 3 * layout.pageSize, `${second.bytesRead} bytes read`);
  });

  test('committed -wal frames still override the main file on this path', async () => {
    const d2 = dir();
    const db2 = makeDecnetDb(d2, { checkpointed, lans: lans.slice(0, 3), logsBytes: 24 * MB });
    const before = await readSqliteDb(db2);
    assert.equal(before.walFramesApplied, 0);
    // Only in the -wal: a status change, a deleted row, a new row with a big (overflowing) config.
    const big = { ...topo(0x30000001, { name: 'wal-new-big', status: 'pending' }), configSnapshotBytes: 30_000 };
    execInWal(db2, [
      `UPDATE topologies SET status = 'tearing_down' WHERE id = '${checkpointed[0].id}'`,
      `DELETE FROM topologies WHERE id = '${checkpointed[1].id}'`,
      `INSERT INTO topologies (id, name, mode, config_snapshot, status, status_changed_at, created_at, version, needs_resync, email_personas, language_default)
       VALUES ('${big.id}', '${big.name}', 'unihost', '{"pad": "${'z'.repeat(30_000)}"}', 'pending', '2025-01-01', '2025-01-01', 1, 0, '[]', 'en')`,
      `UPDATE lans SET docker_network_id = 'net-from-wal' WHERE id = 'lan-2'`,
    ]);
    assert.deepEqual(
      sqliteOracle(db2, { withWal: false }).topologies.map((t) => t.status),
      byId(checkpointed.map((t) => ({ id: t.id, status: t.status ?? 'active' }))).map((t) => t.status),
      'the main file alone still holds the old rows',
    );
    const stats = newReadStats();
    const snap = await readSqliteDb(db2, { stats });
    assertMatchesOracle(snap, db2);
    assert.equal(snap.topologies.find((t) => t.id === checkpointed[0].id)?.status, 'tearing_down');
    assert.equal(
      snap.topologies.find((t) => t.id === checkpointed[1].id),
      undefined,
    );
    assert.equal(snap.topologies.find((t) => t.id === big.id)?.status, 'pending');
    assert.equal(snap.lans.find((l) => l.id === 'lan-2')?.dockerNetworkId, 'net-from-wal');
    assert.ok(snap.walFramesApplied > 0);
    assert.ok(stats.walPageReads > 0, 'pages came from the -wal');
    assert.ok(stats.mainPageReads > 0, 'and from the main file');
  });
});

describe('records that spill into overflow pages', () => {
  test('status and mode stored after a 10+ KB config_snapshot are read, from the file and from the -wal', async () => {
    const d = dir();
    const rows: TopologySpec[] = [
      { ...topo(0x40000001, { name: 'big-main', status: 'torn_down', mode: 'agent' }), configSnapshotBytes: 11_000 },
      { ...topo(0x40000002, { name: 'huge-main', status: 'degraded' }), configSnapshotBytes: 200_000 },
      topo(0x40000003, { name: 'small-main' }),
    ];
    const wal: TopologySpec[] = [
      { ...topo(0x40000004, { name: 'big-wal', status: 'failed', mode: 'agent' }), configSnapshotBytes: 64_000 },
    ];
    const db = makeDecnetDb(d, { pageSize: 1024, checkpointed: rows, walOnly: wal, logsBytes: 8 * MB });
    const layout = dbPages(db);
    const overflow = layout.btrees.topologies.overflow;
    assert.ok(overflow.length > 250, `${overflow.length} overflow pages`);

    const stats = newReadStats();
    const snap = await readSqliteDb(db, { stats });
    assertMatchesOracle(snap, db);
    for (const t of [...rows, ...wal]) {
      const got = snap.topologies.find((x) => x.id === t.id);
      assert.deepEqual(got, { id: t.id, name: t.name, status: t.status ?? 'active', mode: t.mode ?? 'unihost' });
    }
    const read = new Set(stats.pagesRead);
    assert.deepEqual(
      overflow.filter((p) => !read.has(p)),
      [],
      'every overflow page of the chains was followed',
    );
  });
});

describe('refusals on the paged path', () => {
  async function refusedKind(p: Promise<unknown>): Promise<DbReadError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof DbReadError, String(e));
      return e;
    }
    assert.fail('the read was not refused');
  }

  /** A file whose topologies pages come after tens of MB of logs (so that cutting the file cuts them). */
  function lateTopologies(d: string): string {
    const db = makeDecnetDb(d, { checkpointed: [topo(0x50000001)], logsBytes: 16 * MB });
    // Rows written after the logs land at the end of the file; checkpoint them into it.
    execInWal(
      db,
      Array.from({ length: 40 }, (_, i) => {
        const t = topo(0x51000000 + i);
        return `INSERT INTO topologies (id, name, mode, config_snapshot, status, status_changed_at, created_at, version, needs_resync, email_personas, language_default)
        VALUES ('${t.id}', '${t.name}', 'unihost', '${'q'.repeat(3000)}', 'active', '2025-01-01', '2025-01-01', 1, 0, '[]', 'en')`;
      }),
    );
    // Fold the -wal into the main file, as a checkpoint would (the oracle's checkpointed copy).
    const o = sqliteOracle(db, { checkpoint: true });
    scratch.push(path.dirname(o.checkpointed!));
    fs.copyFileSync(o.checkpointed!, db);
    fs.rmSync(`${db}-wal`, { force: true });
    fs.rmSync(`${db}-shm`, { force: true });
    return db;
  }

  test('a needed page beyond the end of the file (header page count trusted) → truncated', async () => {
    const d = dir();
    const db = lateTopologies(d);
    const layout = dbPages(db);
    const maxTopoPage = Math.max(...layout.btrees.topologies.pages, ...layout.btrees.topologies.overflow);
    assert.ok(maxTopoPage > layout.pageCount / 2);
    fs.truncateSync(db, (maxTopoPage - 1) * layout.pageSize);
    const e = await refusedKind(readSqliteDb(db));
    assert.equal(e.kind, 'truncated', e.message);
  });

  test('a needed page beyond the end of the file (header page count not trusted) → refused, not read as zeros', async () => {
    const d = dir();
    const db = lateTopologies(d);
    const layout = dbPages(db);
    const maxTopoPage = Math.max(...layout.btrees.topologies.pages);
    // Offset 92 ≠ offset 24: SQLite (and the reader) then take the page count from the file size.
    flipByte(db, 95);
    fs.truncateSync(db, (maxTopoPage - 1) * layout.pageSize);
    const e = await refusedKind(readSqliteDb(db));
    assert.ok(e.kind === 'corrupt' || e.kind === 'truncated', `${e.kind}: ${e.message}`);
  });

  test('a b-tree pointer to a page past the end of the database → corrupt', async () => {
    const d = dir();
    const db = lateTopologies(d);
    const layout = dbPages(db);
    const { pageSize, pageCount } = layout;
    // The topologies b-tree has an interior page: point its right-most child past the end.
    const buf = Buffer.alloc(pageSize);
    const fd = fs.openSync(db, 'r+');
    try {
      const interior = layout.btrees.topologies.pages.find((p) => {
        fs.readSync(fd, buf, 0, pageSize, (p - 1) * pageSize);
        return buf[p === 1 ? 100 : 0] === 0x05;
      });
      assert.ok(interior !== undefined, 'the fixture needs an interior page in topologies');
      buf.writeUInt32BE(pageCount + 1000, 8);
      fs.writeSync(fd, buf, 0, pageSize, (interior - 1) * pageSize);
    } finally {
      fs.closeSync(fd);
    }
    const e = await refusedKind(readSqliteDb(db));
    assert.equal(e.kind, 'corrupt', e.message);
  });

  for (const when of ['before the file is opened', 'while SQLite reads its pages'] as const) {
    test(`a file cut ${when} → torn, retried, then truncated`, async () => {
      const d = dir();
      const db = lateTopologies(d);
      await untilSettled(db);
      const size = fs.statSync(db).size;
      let calls = 0;
      const cut = (): void => {
        if (++calls === 1) fs.truncateSync(db, size / 2);
      };
      const stats: ReadStats = newReadStats();
      const e = await refusedKind(
        readSqliteDb(db, {
          retryDelayMs: 1,
          stats,
          ...(when === 'before the file is opened' ? { onBetweenReads: cut } : { onBeforeQuery: cut }),
        }),
      );
      assert.equal(e.kind, 'truncated', e.message);
      // Torn by the cut; the file, just cut and without a -wal, is read once its stamp proves it
      // unchanged during the read (see settledStamp.ts): then truncated.
      assert.equal(stats.attempts, 3);
    });
  }
});

describe('the -wal check resumes where the last read stopped', () => {
  const insert = (t: TopologySpec): string =>
    `INSERT INTO topologies (id, name, mode, config_snapshot, status, status_changed_at, created_at, version, needs_resync, email_personas, language_default)
     VALUES ('${t.id}', '${t.name}', 'unihost', '{}', 'active', '2025-01-01', '2025-01-01', 1, 0, '[]', 'en')`;

  test('a log that grew is checked from its last commit; a restarted log (new salts) from the start', async () => {
    const d = dir();
    const [a, b, c, e] = [1, 2, 3, 4].map((n) => topo(0x60000000 + n, { name: `resume-${n}` }));
    const db = makeDecnetDb(d, { checkpointed: [a], walOnly: [b], walFiller: 30 });
    const first = newReadStats();
    assert.deepEqual((await readSqliteDb(db, { stats: first })).topologies.map((t) => t.id).sort(), [a.id, b.id]);
    assert.equal(first.walResumed, false);
    const framesBefore = first.walFramesChecked;
    assert.ok(framesBefore > 10);

    execInWal(db, [insert(c)]);
    const grown = newReadStats();
    const snap = await readSqliteDb(db, { stats: grown });
    assertMatchesOracle(snap, db);
    assert.deepEqual(snap.topologies.map((t) => t.id).sort(), [a.id, b.id, c.id]);
    assert.equal(grown.walResumed, true);
    assert.ok(grown.walFramesChecked > 0 && grown.walFramesChecked < framesBefore, `${grown.walFramesChecked} frames checked`);

    // Checkpoint, then a new transaction restarts the log in place: same file, new header.
    const walIno = fs.statSync(`${db}-wal`).ino;
    execInWal(db, ['PRAGMA wal_checkpoint(RESTART)', insert(e)]);
    assert.equal(fs.statSync(`${db}-wal`).ino, walIno, 'the same -wal file');
    const restarted = newReadStats();
    const snap2 = await readSqliteDb(db, { stats: restarted });
    assertMatchesOracle(snap2, db);
    assert.deepEqual(snap2.topologies.map((t) => t.id).sort(), [a.id, b.id, c.id, e.id]);
    assert.equal(restarted.walResumed, false);

    // The restarted log is written in place (over the old log's frames, the file does not grow):
    // its frames up to the last commit read still hold the same bytes, so the check resumes.
    const sizeBefore = fs.statSync(`${db}-wal`).size;
    const f = topo(0x60000005, { name: 'resume-5' });
    execInWal(db, [insert(f)]);
    assert.equal(fs.statSync(`${db}-wal`).size, sizeBefore, 'written in place');
    const inPlace = newReadStats();
    const snap3 = await readSqliteDb(db, { stats: inPlace });
    assertMatchesOracle(snap3, db);
    assert.equal(snap3.topologies.length, 5);
    assert.equal(inPlace.walResumed, true);
    assert.ok(
      inPlace.walFramesChecked > 0 && inPlace.walFramesChecked < restarted.walFramesChecked + 5,
      `${inPlace.walFramesChecked} frames`,
    );

    // A committed frame of it damaged in place (size and everything else the same): validated
    // again from its start, and refused (a commit of the same log follows the bad frame).
    const layout = walLayout(`${db}-wal`);
    const first0 = layout.frames[0];
    flipByte(`${db}-wal`, first0.offset + 24 + 200);
    await assert.rejects(readSqliteDb(db), (err: unknown) => {
      assert.ok(err instanceof DbReadError);
      assert.equal(err.kind, 'corrupt', err.message);
      assert.match(err.message, /write-ahead log .* is damaged: frame 1 of \d+ fails its checksum/);
      return true;
    });
  });
});

describe('what an earlier read kept is dropped when the database changes', () => {
  const insert = (t: TopologySpec, status = 'active'): string =>
    `INSERT INTO topologies (id, name, mode, config_snapshot, status, status_changed_at, created_at, version, needs_resync, email_personas, language_default)
     VALUES ('${t.id}', '${t.name}', 'unihost', '{}', '${status}', '2025-01-01', '2025-01-01', 1, 0, '[]', 'en')`;

  test('a commit, a checkpoint, a replaced file, a rollback-mode write, a page changed in place', async () => {
    const d = dir();
    const [a, b, c] = [1, 2, 3].map((n) => topo(0x70000000 + n, { name: `keep-${n}` }));
    const db = makeDecnetDb(d, { checkpointed: [a], walOnly: [b], logsBytes: 4 * MB });
    forgetCachedReads();
    // What a read keeps is used again only when the files' stamps were settled when it read them.
    await untilSettled(db, `${db}-wal`);
    const read = async (): Promise<{ snap: DbSnapshot; stats: ReadStats }> => {
      const stats = newReadStats();
      const snap = await readSqliteDb(db, { stats });
      assertMatchesOracle(snap, db);
      return { snap, stats };
    };
    const ids = (s: DbSnapshot): string[] => s.topologies.map((t) => t.id).sort();

    const first = await read();
    assert.equal(first.stats.pagesReused, false);
    assert.equal((await read()).stats.pagesReused, true);

    // A commit into the -wal: only the pages it wrote are read again, the others were kept.
    const walBefore = fs.statSync(`${db}-wal`).size;
    execInWal(db, [insert(c)]);
    let r = await read();
    assert.equal(r.stats.pagesReused, false);
    assert.deepEqual(ids(r.snap), [a.id, b.id, c.id]);
    const committed = new Set(
      walLayout(`${db}-wal`)
        .frames.filter((f) => f.offset >= walBefore)
        .map((f) => f.pgno),
    );
    assert.ok(committed.size > 0);
    assert.deepEqual(
      r.stats.pagesRead.filter((p) => !committed.has(p)),
      [],
      `pages read again that the commit did not write (it wrote ${[...committed].join(', ')})`,
    );
    assert.ok(r.stats.keptPageHits > 0);
    assert.ok(r.stats.pagesRead.length < first.stats.pagesRead.length);
    assert.equal((await read()).stats.pagesReused, true);

    // A checkpoint writes the main file (the -wal stays as it was).
    execInWal(db, ['PRAGMA wal_checkpoint(PASSIVE)']);
    r = await read();
    assert.equal(r.stats.pagesReused, false);
    assert.deepEqual(ids(r.snap), [a.id, b.id, c.id]);

    // The file replaced by a copy (another inode), read once its stamp is settled.
    fs.copyFileSync(db, `${db}.tmp`);
    fs.renameSync(`${db}.tmp`, db);
    await untilSettled(db);
    assert.equal((await read()).stats.pagesReused, false);
    assert.equal((await read()).stats.pagesReused, true);

    // Back to rollback mode and written there (the -wal is checkpointed and deleted).
    sqliteCli(db, `PRAGMA journal_mode=DELETE; UPDATE topologies SET status = 'torn_down' WHERE id = '${a.id}';`);
    assert.ok(!fs.existsSync(`${db}-wal`));
    r = await read();
    assert.equal(r.stats.pagesReused, false);
    assert.equal(r.snap.topologies.find((t) => t.id === a.id)?.status, 'torn_down');
    assert.equal((await read()).stats.pagesReused, true);

    // A page changed in place behind SQLite's back, its mtime put back: the ctime still moves.
    // (The mode, which no index holds: a changed status would disagree with ix_topologies_status.)
    const layout = dbPages(db);
    const leaf = Math.max(...layout.btrees.topologies.pages);
    editPageInPlace(db, leaf, layout.pageSize, (buf) => {
      const at = buf.lastIndexOf('unihost', buf.indexOf('torn_down'));
      assert.ok(at > 0, "the topology's mode and status are on the last topologies page");
      buf.write('UNIHOST', at);
    });
    r = await read();
    assert.equal(r.stats.pagesReused, false);
    assert.equal(r.snap.topologies.find((t) => t.id === a.id)?.mode, 'UNIHOST');
  });
});

describe('values of unexpected types', () => {
  test('a BLOB reads as its text, is_dmz as a boolean from text or numbers, as before', async () => {
    const d = dir();
    const t = topo(0x7a000001, { name: 'typed' });
    const db = makeDecnetDb(d, { checkpointed: [t] });
    sqliteCli(
      db,
      `UPDATE topologies SET name = CAST('blob-name' AS BLOB), status = 42 WHERE id = '${t.id}';
       INSERT INTO lans (id, topology_id, name, docker_network_id, subnet, is_dmz) VALUES
         ('l1', '${t.id}', 'a', CAST('net-blob' AS BLOB), '172.16.1.0/24', 'false'),
         ('l2', '${t.id}', 'b', NULL, '172.16.2.0/24', 'yes'),
         ('l3', '${t.id}', 'c', 7, '172.16.3.0/24', 2),
         ('l4', '${t.id}', 'd', '', '172.16.4.0/24', 0.0);`,
    );
    const snap = await readSqliteDb(db);
    assert.deepEqual(snap.topologies, [{ id: t.id, name: 'blob-name', status: '42', mode: 'unihost' }]);
    assert.deepEqual(
      byId(snap.lans).map((l) => [l.id, l.isDmz, l.dockerNetworkId]),
      [
        ['l1', false, 'net-blob'],
        ['l2', true, null],
        ['l3', true, '7'],
        ['l4', false, ''],
      ],
    );
  });
});
