// The read-only, WAL-aware SQLite reader, tested on REAL SQLite files built by Python's sqlite3
// (test/support/decnet_db.py) and checked against what real SQLite itself reads (the "oracle").
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSqliteDb } from '../../src/core/db/sqlite';
import { newReadStats, openSnapshot } from '../../src/core/db/walSnapshot';
import { snapshotImage, validateWalBytes } from '../support/walTools';
import { DbReadError, type DbErrorKind, type DbSnapshot } from '../../src/core/model';
import {
  dirState,
  editWalFrame,
  execInWal,
  flipByte,
  insertTopologyRow,
  makeDecnetDb,
  makeDecnetDbInfo,
  makeForeignDb,
  makeHotJournalDb,
  reencodeWal,
  sqliteCli,
  sqliteOracle,
  startWriter,
  tmpDir,
  topo,
  topologyRow,
  walLayout,
} from '../support/makeDb';
import { untilSettled } from '../support/time';

const scratch: string[] = [];
function dir(): string {
  const d = tmpDir('decnet-snap-');
  scratch.push(d);
  return d;
}
after(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

const M = topo(0x0a0a0a0a, { name: 'main-file', status: 'torn_down' });
const A = topo(0x1a1a1a1a, { name: 'wal-a' });
const B = topo(0x2b2b2b2b, { name: 'wal-b', mode: 'agent' });
const C = topo(0x3c3c3c3c, { name: 'wal-c', status: 'deploying' });
const U = topo(0x4d4d4d4d, { name: 'uncommitted' });

function ids(s: { topologies: { id: string }[] }): string[] {
  return s.topologies.map((t) => t.id).sort();
}

async function refused(p: Promise<unknown>, kind: DbErrorKind, dbPath: string): Promise<DbReadError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DbReadError, `expected a DbReadError(${kind}), got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  const abs = path.resolve(dbPath);
  assert.ok(caught.message.includes(abs), `message should name ${abs}: ${caught.message}`);
  assert.equal(caught.path, abs);
  return caught;
}

/** The reader's answer must equal real SQLite's on the same files. */
function assertMatchesOracle(snap: DbSnapshot, dbPath: string): void {
  const o = sqliteOracle(dbPath);
  assert.deepEqual(
    [...snap.topologies].sort((a, b) => a.id.localeCompare(b.id)),
    o.topologies,
  );
  assert.deepEqual(
    [...snap.lans].sort((a, b) => a.id.localeCompare(b.id)),
    o.lans,
  );
}

describe('committed WAL frames', () => {
  test('rows that live only in the -wal are returned, with their LANs', async () => {
    const d = dir();
    const lans = [
      { id: 'lan-m', topologyId: M.id, name: 'dmz', subnet: '172.16.0.0/24', isDmz: true, dockerNetworkId: 'net123' },
      { id: 'lan-a', topologyId: A.id, name: 'inner', subnet: '172.16.1.0/24', isDmz: false, dockerNetworkId: null },
    ];
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A, B], lans });
    assert.ok(fs.existsSync(`${db}-wal`) && !fs.existsSync(`${db}-shm`));
    // Sanity: the main file alone does not hold the WAL-only rows.
    assert.deepEqual(ids(sqliteOracle(db, { withWal: false })), [M.id]);

    const snap = await readSqliteDb(db);
    assert.equal(snap.source, `sqlite: ${db}`);
    assert.deepEqual(ids(snap), [M.id, A.id, B.id].sort());
    assert.deepEqual(
      snap.topologies.find((t) => t.id === B.id),
      B,
    );
    assert.deepEqual(
      snap.topologies.find((t) => t.id === M.id),
      M,
    );
    assert.deepEqual(
      [...snap.lans].sort((x, y) => x.id.localeCompare(y.id)),
      [...lans].sort((x, y) => x.id.localeCompare(y.id)),
    );
    assert.ok(snap.walFramesApplied > 0);
    assert.equal(snap.walFramesApplied, walLayout(`${db}-wal`).frames.length);
    assertMatchesOracle(snap, db);
  });

  test('a row committed in place by a writer that then died stays only in the -wal and is read', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A] });
    await insertTopologyRow(db, topologyRow(B.id, B.name, B.status, B.mode));
    assert.deepEqual(ids(sqliteOracle(db, { withWal: false })), [M.id]);
    const snap = await readSqliteDb(db);
    assert.deepEqual(ids(snap), [M.id, A.id, B.id].sort());
    assertMatchesOracle(snap, db);
    await insertTopologyRow(db, topologyRow(C.id, C.name), { checkpoint: true });
    assert.ok(!fs.existsSync(`${db}-wal`));
    assert.deepEqual(ids(await readSqliteDb(db)), [M.id, A.id, B.id, C.id].sort());
  });

  test('through a symlink, the -wal next to the real file is used (as SQLite does)', async () => {
    const d = dir();
    const db = makeDecnetDb(path.join(d, 'data'), { checkpointed: [M], walOnly: [A] });
    const link = path.join(d, 'decnet.db');
    fs.symlinkSync(db, link);
    const snap = await readSqliteDb(link);
    assert.equal(snap.source, `sqlite: ${link}`);
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
    assert.deepEqual(fs.readdirSync(d).sort(), ['data', 'decnet.db']);
    fs.unlinkSync(db);
    await refused(readSqliteDb(link), 'missing', link);
  });

  test('a relative path is reported as absolute in source', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M] });
    const snap = await readSqliteDb(path.relative(process.cwd(), db));
    assert.equal(snap.source, `sqlite: ${db}`);
    assert.equal(snap.walFramesApplied, 0);
    assert.deepEqual(ids(snap), [M.id]);
  });

  test('an uncommitted trailing transaction spilled into the -wal is not returned', async () => {
    const d = dir();
    const info = makeDecnetDbInfo(d, { checkpointed: [M], walOnly: [A], uncommittedWal: [U] });
    const walBytes = fs.readFileSync(`${info.path}-wal`);
    // Sanity: the uncommitted row really is in the WAL file, after the committed frames.
    assert.ok(walBytes.subarray(info.committedWalBytes).includes(Buffer.from(U.id)));
    const snap = await readSqliteDb(info.path);
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
    assert.ok(snap.walFramesApplied < walLayout(`${info.path}-wal`).frames.length);
    assertMatchesOracle(snap, info.path);
  });

  test('a damaged last commit frame, nothing after it: the earlier commits are read, as SQLite recovers the log', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A, B, C] });
    const layout = walLayout(`${db}-wal`);
    const commits = layout.frames.filter((f) => f.commit !== 0);
    assert.equal(commits.length, 3);
    assert.equal(commits[2].index, layout.frames.length - 1);
    flipByte(`${db}-wal`, commits[2].offset + 24 + 200);
    const snap = await readSqliteDb(db);
    assert.deepEqual(ids(snap), [M.id, A.id, B.id].sort());
    assert.equal(snap.walFramesApplied, commits[1].index + 1);
    assertMatchesOracle(snap, db);
  });

  for (const { label, broken } of [
    { label: 'the first frame of the last transaction', broken: 'first frame of txn 3' },
    { label: 'the commit frame of a middle transaction', broken: 'commit frame of txn 2' },
  ]) {
    test(`a broken checksum in ${label}, later commits of the same log after it → corrupt`, async () => {
      const d = dir();
      const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A, B, C] });
      const layout = walLayout(`${db}-wal`);
      const commits = layout.frames.filter((f) => f.commit !== 0);
      assert.equal(commits.length, 3);
      const target = broken === 'first frame of txn 3' ? layout.frames[commits[1].index + 1] : commits[1];
      flipByte(`${db}-wal`, target.offset + 24 + 200);
      const e = await refused(readSqliteDb(db), 'corrupt', db);
      assert.match(
        e.message,
        new RegExp(
          `write-ahead log ${db}-wal is damaged: frame ${target.index + 1} of ${layout.frames.length} fails its checksum while a later commit of the same log follows`,
        ),
      );
      assert.match(e.message, /SQLite \(through DECNET's -shm\) may see commits that this reader cannot/);
    });
  }

  test('frames of a previous WAL generation (stale salts) after a WAL reset are ignored', async () => {
    const d = dir();
    const db = makeDecnetDb(d, {
      checkpointed: [M],
      walOnly: [A, B],
      walFiller: 20,
      staleGeneration: { delete: [A.id], insert: [C] },
    });
    const layout = walLayout(`${db}-wal`);
    const stale = layout.frames.filter((f) => f.salt1 !== layout.salt1 || f.salt2 !== layout.salt2);
    assert.ok(stale.length > 0, 'the test needs stale frames behind the new generation');
    // Sanity: applying the stale frames would bring A back.
    const wal = fs.readFileSync(`${db}-wal`);
    assert.ok(stale.some((f) => wal.subarray(f.offset, f.offset + 24 + layout.pageSize).includes(Buffer.from(A.id))));
    // What the scan found is reused only while the log's size and times, settled when it ran, hold.
    await untilSettled(`${db}-wal`);
    const snap = await readSqliteDb(db);
    assert.deepEqual(ids(snap), [M.id, B.id, C.id].sort());
    assert.equal(snap.walFramesApplied, layout.frames.length - stale.length);
    assertMatchesOracle(snap, db);
    // The stale frames are scanned for commits of the current log once, not on every read.
    const again = newReadStats();
    await readSqliteDb(db, { stats: again });
    const staleBytes = stale.length * (24 + layout.pageSize);
    assert.ok(staleBytes > 4 * (24 + layout.pageSize));
    assert.ok(again.bytesRead < staleBytes / 2, `${again.bytesRead} bytes read again, stale tail ${staleBytes}`);
  });

  for (const { label, damage, why } of [
    { label: 'a bad header checksum', damage: (w: string) => flipByte(w, 17), why: 'bad header checksum' },
    { label: 'a bad magic number', damage: (w: string) => flipByte(w, 0), why: 'bad magic number' },
    { label: 'a header cut short', damage: (w: string) => fs.truncateSync(w, 20), why: 'shorter than its header' },
  ]) {
    test(`a non-empty -wal with ${label} → corrupt (a live SQLite may still use its frames)`, async () => {
      const d = dir();
      const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A] });
      damage(`${db}-wal`);
      const e = await refused(readSqliteDb(db), 'corrupt', db);
      assert.match(e.message, new RegExp(`the write-ahead log ${db}-wal is damaged: its header is unusable`));
      assert.ok(e.message.includes(why), e.message);
    });
  }

  test('an empty -wal (after a truncating checkpoint) and a -wal with a header and no frames are fine', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A] });
    fs.truncateSync(`${db}-wal`, 32); // the header alone: a log restarted and not written yet
    let snap = await readSqliteDb(db);
    assert.equal(snap.walFramesApplied, 0);
    assert.deepEqual(ids(snap), [M.id]);
    assertMatchesOracle(snap, db);
    fs.truncateSync(`${db}-wal`, 0);
    snap = await readSqliteDb(db);
    assert.deepEqual(ids(snap), [M.id]);
    assertMatchesOracle(snap, db);
  });

  test('a -wal whose page size differs from the database → corrupt (SQLite would still use it)', async () => {
    const d = dir();
    const small = makeDecnetDb(path.join(d, 'small'), { pageSize: 1024, checkpointed: [M], walOnly: [A] });
    const db = makeDecnetDb(d, { pageSize: 4096, checkpointed: [M] });
    fs.copyFileSync(`${small}-wal`, `${db}-wal`);
    // Real SQLite reads the log with its own page size: it sees A.
    assert.deepEqual(ids(sqliteOracle(db)), [M.id, A.id].sort());
    const e = await refused(readSqliteDb(db), 'corrupt', db);
    assert.match(e.message, /does not belong to the database: WAL page size 1024 differs from the database's 4096/);
  });

  test('big-endian WAL checksums (magic 0x377f0683) are understood', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A, B] });
    const frames = walLayout(`${db}-wal`).frames.length;
    const r = reencodeWal(`${db}-wal`);
    assert.equal(r.bigEndian, true);
    assert.equal(r.frames, frames);
    assert.equal(fs.readFileSync(`${db}-wal`).readUInt32BE(0), 0x377f0683);
    const snap = await readSqliteDb(db);
    assert.equal(snap.walFramesApplied, frames);
    assert.deepEqual(ids(snap), [M.id, A.id, B.id].sort());
    assertMatchesOracle(snap, db); // real SQLite accepts the re-encoded log too
  });

  for (const pageSize of [1024, 4096, 65536]) {
    test(`page size ${pageSize}: WAL rows are read and the image equals SQLite's own checkpoint`, async () => {
      const d = dir();
      const db = makeDecnetDb(d, { pageSize, checkpointed: [M], filler: 30, walOnly: [A, B, C], walFiller: 10 });
      const snap = await readSqliteDb(db);
      assert.deepEqual(ids(snap), [M.id, A.id, B.id, C.id].sort());
      assertMatchesOracle(snap, db);

      const s = await openSnapshot(db);
      after(() => s.close());
      assert.equal(s.pageSize, pageSize);
      const image = snapshotImage(s);
      // The patched header: rollback mode, trusted page count.
      assert.equal(image[18], 1);
      assert.equal(image[19], 1);
      assert.equal(image.readUInt32BE(28), s.pageCount);
      assert.equal(image.readUInt32BE(92), image.readUInt32BE(24));
      assert.throws(() => s.readPage(s.pageCount + 1), RangeError);

      const o = sqliteOracle(db, { checkpoint: true });
      assert.ok(o.checkpointed);
      scratch.push(path.dirname(o.checkpointed));
      const ref = fs.readFileSync(o.checkpointed);
      assert.equal(image.length, ref.length);
      const skip = new Set([18, 19, 24, 25, 26, 27, 28, 29, 30, 31, 92, 93, 94, 95, 96, 97, 98, 99]);
      const diffs: number[] = [];
      for (let i = 0; i < ref.length; i++) if (image[i] !== ref[i] && !skip.has(i)) diffs.push(i);
      assert.deepEqual(diffs.slice(0, 10), [], 'the image differs from the checkpointed database');
    });
  }
});

describe("a damaged -wal that SQLite, through DECNET's -shm, may read further than its recovery", () => {
  /** What a live SQLite reads through the -shm: the sqlite3 CLI opening the database in place. */
  function liveIds(db: string): string[] {
    return sqliteCli(db, 'SELECT id FROM topologies ORDER BY id;').trim().split('\n').sort();
  }

  test('a byte flipped in a middle frame while DECNET runs: SQLite sees the later commit, the reader refuses', async () => {
    const d = dir();
    const w = await startWriter(d, { checkpointed: [M], walOnly: [A] });
    try {
      await w.insert(B);
      await w.insert(C);
      const wal = `${w.path}-wal`;
      const layout = walLayout(wal);
      const commits = layout.frames.filter((f) => f.commit !== 0);
      assert.ok(commits.length >= 3);
      // The first frame of B's transaction, in the free middle of its page.
      const target = layout.frames[commits[commits.length - 3].index + 1];
      flipByte(wal, target.offset + 24 + layout.pageSize / 2);
      assert.deepEqual(liveIds(w.path), [M.id, A.id, B.id, C.id].sort());
      const before = dirState(d);
      const e = await refused(readSqliteDb(w.path), 'corrupt', w.path);
      assert.match(e.message, new RegExp(`frame ${target.index + 1} of ${layout.frames.length} fails its checksum`));
      assert.deepEqual(dirState(d), before);

      // The same files without the -shm (copied elsewhere): refused too, from the log alone.
      const copy = path.join(dir(), 'decnet.db');
      fs.copyFileSync(w.path, copy);
      fs.copyFileSync(wal, `${copy}-wal`);
      await refused(readSqliteDb(copy), 'corrupt', copy);
      assert.deepEqual(fs.readdirSync(path.dirname(copy)).sort(), ['decnet.db', 'decnet.db-wal']);
    } finally {
      await w.close();
    }
  });

  test('the last commit frame damaged while DECNET runs: its -shm counts more frames than are valid → refused', async () => {
    const d = dir();
    const w = await startWriter(d, { checkpointed: [M], walOnly: [A] });
    try {
      await w.insert(B);
      const wal = `${w.path}-wal`;
      const layout = walLayout(wal);
      const last = layout.frames[layout.frames.length - 1];
      assert.notEqual(last.commit, 0);
      const commits = layout.frames.filter((f) => f.commit !== 0);
      const valid = commits[commits.length - 2].index + 1;
      flipByte(wal, last.offset + 24 + layout.pageSize / 2);
      assert.deepEqual(liveIds(w.path), [M.id, A.id, B.id].sort());
      const before = dirState(d);
      const e = await refused(readSqliteDb(w.path), 'corrupt', w.path);
      assert.match(
        e.message,
        new RegExp(`its index ${w.path}-shm counts ${layout.frames.length} committed frames but only ${valid} of the log are valid`),
      );
      assert.deepEqual(dirState(d), before);

      // Without the -shm, SQLite's recovery drops that commit, and so does the reader.
      const copy = path.join(dir(), 'decnet.db');
      fs.copyFileSync(w.path, copy);
      fs.copyFileSync(wal, `${copy}-wal`);
      const snap = await readSqliteDb(copy);
      assert.deepEqual(ids(snap), [M.id, A.id].sort());
      assertMatchesOracle(snap, copy);
    } finally {
      await w.close();
    }
  });

  test('a log cut short in its last frame by a crash: the earlier commits are read', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A, B, C] });
    const layout = walLayout(`${db}-wal`);
    const last = layout.frames[layout.frames.length - 1];
    fs.truncateSync(`${db}-wal`, last.offset + 24 + 100);
    const snap = await readSqliteDb(db);
    assert.deepEqual(ids(snap), [M.id, A.id, B.id].sort());
    assertMatchesOracle(snap, db);
  });

  test("a rolled-back transaction's frames after the last commit, partly written over: read as SQLite does", async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A], rolledBack: { rows: [U], then: [B] } });
    const wal = fs.readFileSync(`${db}-wal`);
    // Sanity: the log ends at a frame that fails its checksum, with frames of the same log after it.
    const st = validateWalBytes(wal);
    assert.ok(st.stop !== null && st.stop.why === 'fails its checksum', JSON.stringify(st.stop));
    const layout = walLayout(`${db}-wal`);
    const after = layout.frames.slice(st.stop.frame);
    assert.ok(after.length > 0 && after.every((f) => f.salt1 === layout.salt1 && f.salt2 === layout.salt2 && f.commit === 0));
    const snap = await readSqliteDb(db);
    assert.deepEqual(ids(snap), [M.id, A.id, B.id].sort());
    assertMatchesOracle(snap, db);
  });

  test('a page count of 0xFFFFFFFF in the header (trusted: offset 92 = offset 24) → truncated at once', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M] });
    const fd = fs.openSync(db, 'r+');
    const h = Buffer.alloc(100);
    fs.readSync(fd, h, 0, 100, 0);
    h.writeUInt32BE(0xffffffff, 28);
    h.writeUInt32BE(h.readUInt32BE(24), 92);
    fs.writeSync(fd, h, 0, 100, 0);
    fs.closeSync(fd);
    const t0 = performance.now();
    const e = await refused(readSqliteDb(db), 'truncated', db);
    assert.ok(performance.now() - t0 < 2000, `${performance.now() - t0} ms`);
    assert.match(
      e.message,
      /the database has 4294967295 pages of 4096 bytes but the file holds only \d+ \(page \d+ and \d+ more are in neither/,
    );
  });

  test('a page count of 0xFFFFFFFF in a valid -wal commit frame → truncated at once', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A] });
    const layout = walLayout(`${db}-wal`);
    editWalFrame(`${db}-wal`, layout.frames.length - 1, (fh) => fh.writeUInt32BE(0xffffffff, 4));
    assert.equal(validateWalBytes(fs.readFileSync(`${db}-wal`)).dbSizePages, 0xffffffff);
    const t0 = performance.now();
    const e = await refused(readSqliteDb(db), 'truncated', db);
    assert.ok(performance.now() - t0 < 2000, `${performance.now() - t0} ms`);
    assert.match(e.message, /the database has 4294967295 pages/);
  });
});

describe('never writes, locks or creates anything', () => {
  function assertUntouched(d: string, before: ReturnType<typeof dirState>, dirMtime: number): void {
    assert.deepEqual(dirState(d), before);
    assert.equal(fs.statSync(d).mtimeMs, dirMtime);
  }

  test('checkpointed database without -wal', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M] });
    const before = dirState(d);
    const dm = fs.statSync(d).mtimeMs;
    assert.deepEqual([...before.keys()], ['decnet.db']);
    await readSqliteDb(db);
    assertUntouched(d, before, dm);
  });

  test('database with a -wal and no -shm', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A] });
    const before = dirState(d);
    const dm = fs.statSync(d).mtimeMs;
    assert.deepEqual([...before.keys()], ['decnet.db', 'decnet.db-wal']);
    const snap = await readSqliteDb(db);
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
    assertUntouched(d, before, dm);
  });

  test('a live writer holds the database open (-wal and -shm present)', async () => {
    const d = dir();
    const w = await startWriter(d, { checkpointed: [M], walOnly: [A] });
    try {
      await w.insert(B);
      const before = dirState(d);
      const dm = fs.statSync(d).mtimeMs;
      assert.deepEqual([...before.keys()], ['decnet.db', 'decnet.db-shm', 'decnet.db-wal']);
      const snap = await readSqliteDb(w.path);
      assert.deepEqual(ids(snap), [M.id, A.id, B.id].sort());
      assert.ok(snap.walFramesApplied > 0);
      assertUntouched(d, before, dm);
    } finally {
      await w.close();
    }
  });
});

describe('refusals', () => {
  test('missing file → missing', async () => {
    const d = dir();
    await refused(readSqliteDb(path.join(d, 'nope.db')), 'missing', path.join(d, 'nope.db'));
    await refused(readSqliteDb(path.join(d, 'no-dir', 'decnet.db')), 'missing', path.join(d, 'no-dir', 'decnet.db'));
  });

  test('a directory → unreadable', async () => {
    const d = dir();
    const p = path.join(d, 'decnet.db');
    fs.mkdirSync(p);
    const e = await refused(readSqliteDb(p), 'unreadable', p);
    assert.match(e.message, /directory/);
  });

  test('a FIFO → unreadable, without hanging', { timeout: 10_000 }, async () => {
    const d = dir();
    const p = path.join(d, 'decnet.db');
    execFileSync('mkfifo', [p]);
    await refused(readSqliteDb(p), 'unreadable', p);
  });

  test('a -wal that cannot be read → unreadable', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M] });
    fs.mkdirSync(`${db}-wal`);
    await refused(readSqliteDb(db), 'unreadable', db);
  });

  /** Reads as an unprivileged user (root ignores file modes), in a child process when we are root. */
  async function readAsUser(db: string): Promise<{ kind?: string; message?: string; ids?: string[] }> {
    if (process.getuid?.() !== 0) {
      try {
        return { ids: ids(await readSqliteDb(db)) };
      } catch (e) {
        return { kind: (e as DbReadError).kind, message: (e as Error).message };
      }
    }
    const sqliteTs = path.resolve(__dirname, '../../src/core/db/sqlite.ts');
    const code =
      `require(${JSON.stringify(sqliteTs)}).readSqliteDb(process.argv[1]).then(` +
      `(r) => console.log(JSON.stringify({ ids: r.topologies.map((t) => t.id).sort() })),` +
      `(e) => console.log(JSON.stringify({ kind: e.kind, message: e.message })))`;
    const out = execFileSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '-e', code, db],
      { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' },
    );
    return JSON.parse(out.trim().split('\n').pop()!);
  }

  test('no read permission on the database or its -wal → unreadable; a read-only directory is fine', async () => {
    const d = dir();
    fs.chmodSync(d, 0o755); // the unprivileged reader must be able to enter it
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A] });
    fs.chmodSync(d, 0o555); // and cannot create anything in it (no -shm)
    try {
      // Readable files in a read-only directory: the WAL rows are read.
      assert.deepEqual(await readAsUser(db), { ids: [M.id, A.id].sort() });

      fs.chmodSync(db, 0o000);
      let r = await readAsUser(db);
      assert.equal(r.kind, 'unreadable', JSON.stringify(r));
      assert.ok(r.message!.includes(db) && /permission denied/.test(r.message!), r.message);

      fs.chmodSync(db, 0o644);
      fs.chmodSync(`${db}-wal`, 0o000);
      r = await readAsUser(db);
      assert.equal(r.kind, 'unreadable', JSON.stringify(r));
      assert.ok(r.message!.includes(`${db}-wal`) && /permission denied/.test(r.message!), r.message);
    } finally {
      fs.chmodSync(d, 0o755);
    }
  });

  test('random bytes, or a text file → not a SQLite database (not "damaged")', async () => {
    const d = dir();
    const p = path.join(d, 'decnet.db');
    fs.writeFileSync(p, prng(7, 8192));
    const e = await refused(readSqliteDb(p), 'not-sqlite', p);
    assert.match(e.message, /not a SQLite database/);
    const text = path.join(d, 'notes.db');
    fs.writeFileSync(text, 'These are my notes about DECNET.\n'.repeat(20));
    assert.match((await refused(readSqliteDb(text), 'not-sqlite', text)).message, /not a SQLite database/);
  });

  test('a valid header over garbage pages → corrupt', async () => {
    for (const from of ['after the header', 'page 2 on'] as const) {
      const d = dir();
      const db = makeDecnetDb(d, { checkpointed: [M, A], filler: 20 });
      const buf = fs.readFileSync(db);
      const start = from === 'after the header' ? 100 : 4096;
      prng(11, buf.length - start).copy(buf, start);
      fs.writeFileSync(db, buf);
      await refused(readSqliteDb(db), 'corrupt', db);
    }
  });

  test('an invalid page size in the header → corrupt', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M] });
    const buf = fs.readFileSync(db);
    buf.writeUInt16BE(3000, 16);
    fs.writeFileSync(db, buf);
    const e = await refused(readSqliteDb(db), 'corrupt', db);
    assert.match(e.message, /page size/);
  });

  test('a damaged index (its entries disagree with the rows) → corrupt', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M, A] });
    sqliteCli(db, SWAP_TOPOLOGY_INDEXES);
    const e = await refused(readSqliteDb(db), 'corrupt', db);
    assert.match(e.message, /integrity check of "topologies" failed \(wrong # of entries in index/);
  });

  test('a file cut in half → truncated', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], filler: 40 });
    const whole = fs.readFileSync(db);
    const pages = whole.length / 4096;
    assert.ok(pages >= 4);
    // On a page boundary: the header's page count exceeds the file.
    fs.writeFileSync(db, whole.subarray(0, Math.floor(pages / 2) * 4096));
    let e = await refused(readSqliteDb(db), 'truncated', db);
    assert.match(e.message, /truncated/);
    // Not on a page boundary.
    fs.writeFileSync(db, whole.subarray(0, Math.floor(whole.length / 2) + 100));
    e = await refused(readSqliteDb(db), 'truncated', db);
    assert.match(e.message, /truncated/);
  });

  test('a SQLite database without a topologies table → not-decnet', async () => {
    const d = dir();
    const p = makeForeignDb(path.join(d, 'other.db'));
    const e = await refused(readSqliteDb(p), 'not-decnet', p);
    assert.match(e.message, /topologies/);
  });

  test('a DECNET database without a lans table is fine (no LANs)', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A], noLans: true });
    const snap = await readSqliteDb(db);
    assert.deepEqual(ids(snap), [M.id, A.id].sort());
    assert.deepEqual(snap.lans, []);
  });

  test('an empty (0-byte) file → not-decnet (SQLite treats it as an empty database)', async () => {
    const d = dir();
    const p = path.join(d, 'decnet.db');
    fs.writeFileSync(p, '');
    const e = await refused(readSqliteDb(p), 'not-decnet', p);
    assert.match(e.message, /empty/);
  });

  test('a hot rollback journal → locked, and nothing is touched', async () => {
    const d = dir();
    const db = makeHotJournalDb(d, [M]);
    const before = dirState(d);
    assert.ok(before.get('decnet.db-journal')!.size > 0);
    const e = await refused(readSqliteDb(db), 'locked', db);
    assert.match(e.message, /journal/);
    assert.deepEqual(dirState(d), before);
  });

  test('a leftover journal with a zeroed header, or an empty one, is not hot', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M] });
    fs.writeFileSync(`${db}-journal`, Buffer.alloc(512));
    assert.deepEqual(ids(await readSqliteDb(db)), [M.id]);
    fs.writeFileSync(`${db}-journal`, '');
    assert.deepEqual(ids(await readSqliteDb(db)), [M.id]);
  });
});

describe('torn reads', () => {
  test('files that keep changing during the read → torn after the retries', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M], walOnly: [A] });
    let calls = 0;
    const p = readSqliteDb(db, {
      retries: 2,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        calls++;
        // A commit, then a checkpoint that copies it into the main file and empties the log,
        // before the read gets to the pages.
        execInWal(db, [
          `INSERT INTO lans (id, topology_id, name, subnet, is_dmz) VALUES ('l${calls}', '${M.id}', 'lan${calls}', '172.16.${calls}.0/24', 0)`,
          'PRAGMA wal_checkpoint(TRUNCATE)',
        ]);
      },
    });
    const e = await refused(p, 'torn', db);
    assert.match(e.message, /3 attempts/);
    // The second attempt finds the main file just written and no log to check by content: torn
    // before the query, and read again once its stamp proves something (see settledStamp.ts).
    assert.ok(calls >= 2, `${calls} calls`);
  });

  test('a commit by a live writer during the read is not part of the snapshot: the read answers at once', async () => {
    const d = dir();
    const w = await startWriter(d, { checkpointed: [M], walOnly: [A] });
    try {
      let calls = 0;
      const stats = newReadStats();
      const snap = await readSqliteDb(w.path, {
        retryDelayMs: 1,
        stats,
        onBetweenReads: async () => {
          if (++calls === 1) await w.insert(B);
        },
      });
      assert.equal(calls, 1);
      assert.equal(stats.attempts, 1);
      assert.ok(stats.framesAppendedDuringRead > 0, 'the commit appended frames during the read');
      assert.deepEqual(ids(snap), [M.id, A.id].sort());
      assert.deepEqual(ids(await readSqliteDb(w.path)), [M.id, A.id, B.id].sort(), 'the next read sees it');
    } finally {
      await w.close();
    }
  });

  test('the main file replaced by another file (new inode) during the read → torn', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [M] });
    const other = makeDecnetDb(path.join(d, 'other'), { checkpointed: [M] });
    let calls = 0;
    await refused(
      readSqliteDb(db, {
        retries: 0,
        onBetweenReads: () => {
          calls++;
          fs.copyFileSync(other, `${db}.tmp`);
          fs.renameSync(`${db}.tmp`, db);
        },
      }),
      'torn',
      db,
    );
    assert.equal(calls, 1);
  });
});

/** Deterministic pseudo-random bytes (xorshift32). */
function prng(seed: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * Swaps the root pages of every index of `topologies` with those of a one-row copy of the
 * table: the table b-tree keeps its rows, its indexes now hold one entry. SQLite opens it
 * without complaint; only integrity_check or a count(*) cross-check notices.
 */
const SWAP_TOPOLOGY_INDEXES = `
CREATE TABLE s (id VARCHAR NOT NULL, name VARCHAR NOT NULL, mode VARCHAR(16) NOT NULL, target_host_uuid VARCHAR,
  config_snapshot TEXT NOT NULL, status VARCHAR(32) NOT NULL, status_changed_at DATETIME NOT NULL,
  created_at DATETIME NOT NULL, version INTEGER NOT NULL, needs_resync BOOLEAN NOT NULL, email_personas TEXT NOT NULL,
  language_default VARCHAR(8) NOT NULL, PRIMARY KEY (id));
CREATE INDEX s1 ON s (created_at);
CREATE UNIQUE INDEX s2 ON s (name);
CREATE INDEX s3 ON s (status);
CREATE INDEX s4 ON s (target_host_uuid);
INSERT INTO s SELECT * FROM topologies LIMIT 1;
PRAGMA writable_schema=ON;
CREATE TEMP TABLE m AS SELECT name, rootpage FROM sqlite_master;
${[
  ['sqlite_autoindex_topologies_1', 'sqlite_autoindex_s_1'],
  ['ix_topologies_created_at', 's1'],
  ['ix_topologies_name', 's2'],
  ['ix_topologies_status', 's3'],
  ['ix_topologies_target_host_uuid', 's4'],
]
  .map(
    ([a, b]) =>
      `UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM m WHERE m.name = '${b}') WHERE name = '${a}';\n` +
      `UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM m WHERE m.name = '${a}') WHERE name = '${b}';`,
  )
  .join('\n')}
`;
