// The reader trusts a file's stamp (size, mtime, ctime, inode) only when it was recorded well
// after the file's last change (src/core/db/settledStamp.ts); otherwise it compares content, or
// reads again once the stamp has settled. These tests run on any file system: they look at what
// a read did right after a write (the stamp cannot have settled yet) and once it has. The same
// rule against real same-tick rewrites is test/integration/racyStamps.test.ts (a ramfs).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { forgetCachedReads, readSqliteDb, settleWaitMs } from '../../src/core/db/sqlite';
import { newReadStats, type ReadStats } from '../../src/core/db/walSnapshot';
import { DbReadError, type DbSnapshot } from '../../src/core/model';
import { execInWal, flipByte, makeDecnetDb, makeDecnetDbInfo, scratchDirs, sqliteOracle, topo, walLayout } from '../support/makeDb';
import { untilSettled } from '../support/time';

const dir = scratchDirs('decnet-settled-reads-');
const ids = (s: DbSnapshot): string[] => s.topologies.map((t) => t.id).sort();
/** A moment in whole milliseconds (ms since the epoch). */
const W = 1_780_000_000_123;

/** Writes one byte of `file` back as it was: the content is the same, the stamp is new. */
function touchInPlace(file: string, offset = 0): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

async function read(db: string, opts: { retryDelayMs?: number; retries?: number } = {}): Promise<{ snap: DbSnapshot; stats: ReadStats }> {
  const stats = newReadStats();
  const snap = await readSqliteDb(db, { ...opts, stats });
  return { snap, stats };
}

function sameAsSqlite(snap: DbSnapshot, db: string): void {
  const want = sqliteOracle(db);
  assert.deepEqual(ids(snap), want.topologies.map((t) => t.id).sort());
}

describe('a read without a log to check by content rests on settled stamps only', () => {
  test('after a read torn by unsettled stamps: a wait until they settle, not longer; the backoff when that is far or never', () => {
    assert.equal(settleWaitMs(W + 100, W), 101);
    assert.equal(settleWaitMs(W + 3_000, W), 3_001);
    assert.equal(settleWaitMs(W - 5, W), 0, 'settled already: at once');
    assert.equal(settleWaitMs(W + 3_600_000, W), null, 'a time in the future: the ordinary backoff');
    assert.equal(settleWaitMs(Infinity, W), null, 'a file server: the ordinary backoff');
  });

  for (const kind of ['no -wal', 'an empty -wal (after a checkpoint with TRUNCATE)'] as const) {
    test(`${kind}: a read right after a write is read again once the stamp has settled, not after the whole backoff`, async () => {
      const d = dir();
      const db = makeDecnetDb(d, { checkpointed: [topo(0x31000001)], walOnly: kind === 'no -wal' ? [] : [topo(0x31000002)] });
      if (kind !== 'no -wal') {
        execInWal(db, ['PRAGMA wal_checkpoint(TRUNCATE)']);
        assert.equal(fs.statSync(`${db}-wal`).size, 0);
      } else {
        assert.ok(!fs.existsSync(`${db}-wal`));
      }
      forgetCachedReads();
      touchInPlace(db);
      const written = fs.statSync(db);
      const started = Date.now();
      // A backoff of 10 s: only a wait for the stamp (about 100 ms) lets the read answer soon.
      const { snap, stats } = await read(db, { retryDelayMs: 10_000 });
      const took = Date.now() - started;
      assert.equal(stats.attempts, 2, 'the first attempt rested on a stamp that proved nothing yet');
      assert.equal(stats.stampsSettleAt, 0, 'the second one did not');
      assert.ok(Date.now() > Math.max(written.mtimeMs, written.ctimeMs) + 100, 'it waited until the stamp settled');
      assert.ok(took < 2_000, `it waited ${took} ms`);
      sameAsSqlite(snap, db);
    });
  }

  test('a log that looks damaged right after a write is read again once the stamps have settled, then refused as damaged', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [topo(0x32000001)], walOnly: [topo(0x32000002), topo(0x32000003)] });
    forgetCachedReads();
    const layout = walLayout(`${db}-wal`);
    // The first frame damaged, a commit of the same log after it.
    flipByte(`${db}-wal`, layout.frames[0].offset + 24 + 100);
    const stats = newReadStats();
    await assert.rejects(readSqliteDb(db, { stats, retryDelayMs: 10_000 }), (e: unknown) => {
      assert.ok(e instanceof DbReadError && e.kind === 'corrupt', String(e));
      return true;
    });
    // Written just now, the log could be a write in progress: torn first, then judged damaged.
    assert.equal(stats.attempts, 2);
  });

  test('a file whose time is in the future is refused after the retries, saying why', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [topo(0x33000001)] });
    const future = new Date(Date.now() + 3_600_000);
    fs.utimesSync(db, future, future);
    const started = Date.now();
    await assert.rejects(readSqliteDb(db, { retries: 3, retryDelayMs: 1 }), (e: unknown) => {
      assert.ok(e instanceof DbReadError && e.kind === 'torn', String(e));
      assert.match(e.message, /4 attempts/);
      assert.match(e.message, /in the future/);
      return true;
    });
    assert.ok(Date.now() - started < 2_000, 'the retries are bounded by the ordinary backoff');
  });
});

describe('what a read keeps is used again only when its stamps were settled', () => {
  test("a read right after a write keeps nothing for the next one (pages, SQLite's cache); once settled, both are used", async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [topo(0x34000001), topo(0x34000002)], walOnly: [topo(0x34000003)] });
    forgetCachedReads();
    touchInPlace(db);
    const first = await read(db);
    sameAsSqlite(first.snap, db);
    const second = await read(db);
    assert.equal(second.stats.pagesReused, false, "SQLite's cache was filled under a stamp that proves nothing");
    assert.equal(second.stats.keptPageHits, 0, 'nor are the pages kept then used');
    assert.ok(second.stats.pagesRead.length > 0, 'the pages are read again (and compared)');
    sameAsSqlite(second.snap, db);

    await untilSettled(db, `${db}-wal`);
    await read(db);
    const later = await read(db);
    assert.ok(later.stats.keptPageHits > 0 || later.stats.pagesReused, 'kept under a settled stamp: used again');
    assert.deepEqual(later.stats.pagesRead, [], 'nothing read from the files');
    sameAsSqlite(later.snap, db);
  });

  test('a main file whose time is in the future: answered by content, nothing kept is used', async () => {
    const d = dir();
    const db = makeDecnetDb(d, { checkpointed: [topo(0x35000001)], walOnly: [topo(0x35000002)] });
    forgetCachedReads();
    const future = new Date(Date.now() + 3_600_000);
    fs.utimesSync(db, future, future);
    const first = await read(db);
    sameAsSqlite(first.snap, db);
    const second = await read(db);
    assert.equal(second.stats.pagesReused, false);
    assert.equal(second.stats.keptPageHits, 0);
    sameAsSqlite(second.snap, db);
  });

  test('the -wal check resumes by size and times only when they were settled; else it compares the frames', async () => {
    const d = dir();
    const info = makeDecnetDbInfo(d, { checkpointed: [topo(0x36000001)], walOnly: [topo(0x36000002), topo(0x36000003)], walFiller: 60 });
    const db = info.path;
    forgetCachedReads();
    touchInPlace(`${db}-wal`, 8);
    await read(db);
    const again = await read(db);
    assert.equal(again.stats.walResumed, true);
    assert.ok(
      again.stats.bytesRead >= info.committedWalBytes - 32,
      `${again.stats.bytesRead} bytes read, the log's frames ${info.committedWalBytes - 32}`,
    );

    await untilSettled(db, `${db}-wal`);
    await read(db);
    const settled = await read(db);
    assert.equal(settled.stats.walResumed, true);
    assert.ok(settled.stats.bytesRead < info.committedWalBytes / 4, `${settled.stats.bytesRead} bytes read`);
  });

  test("the scan past where a log ended is reused only when the log's size and times were settled", async () => {
    const d = dir();
    const A = topo(0x37000001);
    const db = makeDecnetDb(d, {
      checkpointed: [topo(0x37000000)],
      walOnly: [A, topo(0x37000002)],
      walFiller: 20,
      staleGeneration: { delete: [A.id], insert: [topo(0x37000003)] },
    });
    const layout = walLayout(`${db}-wal`);
    const staleBytes = layout.frames.filter((f) => f.salt1 !== layout.salt1 || f.salt2 !== layout.salt2).length * (24 + layout.pageSize);
    assert.ok(staleBytes > 4 * (24 + layout.pageSize), 'the test needs stale frames behind the new generation');
    forgetCachedReads();
    touchInPlace(`${db}-wal`, 8);
    await read(db);
    const again = await read(db);
    assert.ok(
      again.stats.bytesRead >= staleBytes / 2,
      `${again.stats.bytesRead} bytes read again, stale tail ${staleBytes}: scanned again`,
    );

    await untilSettled(`${db}-wal`);
    await read(db);
    const settled = await read(db);
    assert.ok(settled.stats.bytesRead < staleBytes / 2, `${settled.stats.bytesRead} bytes read again, stale tail ${staleBytes}`);
  });
});
