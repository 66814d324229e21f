// Same-size writes within one clock tick, on a file system with coarse file times (a ramfs,
// as ext4 and tmpfs were before Linux 6.13: Debian 12, Ubuntu 24.04). A file's (size, mtime,
// ctime) stay the same when it is rewritten in place within the tick of its last write, so a
// reader that trusted them would keep answering from what it read before the write: a new live
// topology missing, an orphan in the editor. A long-running reader (its caches kept from one
// read to the next) must give python3 sqlite3's answer after every write.
//
// Needs root (it mounts a ramfs); it fails, never skips, when the ramfs cannot be mounted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { forgetCachedReads, readSqliteDb } from '../../src/core/db/sqlite';
import { DbReadError, type DbSnapshot } from '../../src/core/model';
import { makeDecnetDb, sqliteOracle, startStepper, topo, walLayout, type OracleResult } from '../support/makeDb';
import { sleep } from '../support/time';

const RAMFS_MAGIC = 0x858458f6;
/** Writes per variant: pairs of writes, the second landing while a read runs. */
const WRITES = Number(process.env.DECNET_RACY_WRITES ?? 300);

function mountRamfs(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'decnet-racy-'));
  try {
    execFileSync('mount', ['-t', 'ramfs', '-o', 'mode=0700', 'ramfs', dir], { stdio: 'pipe' });
  } catch (e) {
    fs.rmdirSync(dir);
    const why = e instanceof Error && 'stderr' in e ? String(e.stderr).trim() : String(e);
    throw new Error(`cannot mount a ramfs on ${dir} (this test needs root): ${why}`, { cause: e });
  }
  return dir;
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'pipe' });
  fs.rmdirSync(dir);
}

interface Answer {
  topologies: string[];
  lans: string[];
}

function answerOf(r: DbSnapshot | OracleResult): Answer {
  return {
    topologies: r.topologies.map((t) => `${t.id} ${t.name} ${t.status} ${t.mode}`).sort(),
    lans: r.lans.map((l) => `${l.id} ${l.topologyId} ${l.name} ${l.subnet} ${l.isDmz} ${l.dockerNetworkId}`).sort(),
  };
}

const same = (a: Answer, b: Answer): boolean => JSON.stringify(a) === JSON.stringify(b);

/** How `got` differs from `want`: rows only in one of them. */
function difference(got: Answer, want: Answer): string {
  const only = (a: string[], b: string[]): string[] => a.filter((x) => !b.includes(x));
  const parts = [
    ...only(got.topologies, want.topologies).map((x) => `+topology ${x}`),
    ...only(want.topologies, got.topologies).map((x) => `-topology ${x}`),
    ...only(got.lans, want.lans).map((x) => `+lan ${x}`),
    ...only(want.lans, got.lans).map((x) => `-lan ${x}`),
  ];
  return parts.join('; ');
}

/** Writes `bytes` over `file` at `offset`, in place (the file keeps its size and inode). */
function writeInPlace(file: string, offset: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}
const stampKey = (st: fs.Stats): string => `${st.size}:${st.mtimeMs}:${st.ctimeMs}`;

/** A read's answer, or the reason it gave none. */
async function read(db: string): Promise<Answer | DbReadError> {
  try {
    return answerOf(await readSqliteDb(db));
  } catch (e) {
    if (e instanceof DbReadError) return e;
    throw e;
  }
}

describe('same-size writes within one clock tick, on a ramfs (coarse file times)', () => {
  let mnt: string;

  before(() => {
    mnt = mountRamfs();
  });
  after(() => {
    if (mnt !== undefined) unmount(mnt);
  });

  /** Returns right after the ramfs's clock moved on: the rest of a tick (1-10 ms) is ahead. */
  function startOfTick(): void {
    const fd = fs.openSync(path.join(mnt, 'tick'), 'w');
    try {
      fs.writeSync(fd, 'a', 0);
      const t0 = fs.fstatSync(fd).mtimeMs;
      do fs.writeSync(fd, 'a', 0);
      while (fs.fstatSync(fd).mtimeMs === t0);
    } finally {
      fs.closeSync(fd);
    }
  }

  it('the ramfs gives coarse file times: two writes in a row leave the same mtime', () => {
    assert.equal(fs.statfsSync(mnt).type >>> 0, RAMFS_MAGIC, 'not a ramfs');
    const f = path.join(mnt, 'tick');
    fs.writeFileSync(f, 'a');
    let sameTime = 0;
    for (let i = 0; i < 200; i++) {
      fs.writeFileSync(f, 'b');
      const t1 = fs.statSync(f).mtimeMs;
      fs.writeFileSync(f, 'c');
      if (fs.statSync(f).mtimeMs === t1) sameTime++;
    }
    fs.rmSync(f);
    // At one tick (1-10 ms) between time updates, nearly every pair falls within one tick.
    assert.ok(sameTime > 100, `only ${sameTime} of 200 pairs of writes had the same mtime: the times are not coarse`);
  });

  for (const journal of ['wal', 'delete'] as const) {
    const what = journal === 'wal' ? 'WAL mode, a checkpoint with TRUNCATE after every commit' : 'rollback mode (journal_mode=DELETE)';
    it(`${what}: a long-running reader gives SQLite's answer after every one of ${WRITES} writes`, { timeout: 10 * 60_000 }, async (t) => {
      const dir = path.join(mnt, journal);
      const db = makeDecnetDb(dir, { checkpointed: Array.from({ length: 20 }, (_, i) => topo(0x79000000 + i)) });
      forgetCachedReads();
      const writer = await startStepper(db, { journal });
      let stale = 0;
      let refused = 0;
      let locked = 0;
      let sameTick = 0;
      const examples: string[] = [];
      const note = (s: string): void => {
        if (examples.length < 5) examples.push(s);
      };
      try {
        // The reader keeps its caches from here on (the process lives on, as the editor does).
        await readSqliteDb(db);
        for (let pair = 0; pair < WRITES / 2; pair++) {
          const first = answerOf(await writer.step());
          const stampFirst = stampKey(fs.statSync(db));
          // A read starts right after the write, and the next write lands while it runs or just
          // after it: within the tick of the first write, often (the file's times stay the same).
          const delay = pair % 4;
          const [during, second] = await Promise.all([read(db), sleep(delay).then(() => writer.step())]);
          const want = answerOf(second);
          if (stampKey(fs.statSync(db)) === stampFirst) sameTick++;
          if (during instanceof DbReadError && during.kind === 'locked') {
            // It met the second write's hot journal: a refusal, which is allowed while DECNET writes.
            locked++;
          } else if (during instanceof DbReadError) {
            refused++;
            note(`pair ${pair}: the read during the second write was refused: ${during.message}`);
          } else if (!same(during, first) && !same(during, want)) {
            stale++;
            note(
              `pair ${pair}: the read during the second write gave neither write's answer (against the second: ${difference(during, want)})`,
            );
          }
          // A read after both writes: the second write's answer, nothing else.
          const got = await read(db);
          if (got instanceof DbReadError) {
            refused++;
            note(`pair ${pair}: the read after the second write was refused: ${got.message}`);
          } else if (!same(got, want)) {
            stale++;
            note(
              `pair ${pair}: a stale answer after the second write (same file times: ${stampKey(fs.statSync(db)) === stampFirst}): ${difference(got, want)}`,
            );
          }
        }
      } finally {
        await writer.close();
      }
      const report =
        `${stale} stale answers and ${refused} refusals in ${WRITES} reads over ${WRITES} writes` +
        ` (${sameTick} of ${WRITES / 2} second writes left the file's size and times as the first one did;` +
        ` ${locked} reads during a write met its hot journal)\n${examples.join('\n')}`;
      t.diagnostic(report);
      // The race this test is about did happen: writes that left the file's stamp as it was.
      assert.ok(sameTick >= WRITES / 40, `too few writes within one tick to prove anything: ${report}`);
      assert.equal(stale, 0, report);
      assert.equal(refused, 0, report);
    });
  }

  // In WAL mode a read is judged by content, but what it keeps (pages, SQLite's cache, the -wal
  // check) rests on the stamps: here a file changed in place, keeping its size, within the tick
  // of the read before (a restore, an edit behind SQLite's back).
  const ROUNDS = 40;
  for (const what of ['the main file', 'the -wal'] as const) {
    it(`WAL mode, ${what} rewritten in place within the tick of the last read: the next read gives SQLite's answer`, async (t) => {
      const dir = path.join(mnt, what === 'the main file' ? 'main-in-place' : 'wal-in-place');
      const owner = topo(0x78000000);
      const db = makeDecnetDb(dir, {
        checkpointed: [owner, ...Array.from({ length: 10 }, (_, i) => topo(0x78000001 + i))],
        lans: [{ id: 'lan-inplace', topologyId: owner.id, name: 'dmz', subnet: '10.77.1.0/24', isDmz: true, dockerNetworkId: null }],
        walOnly: [topo(0x78100001), topo(0x78100002)],
      });
      forgetCachedReads();
      // What is rewritten: the LAN's subnet in the main file (no index holds it), or the last
      // byte of the -wal (the page of its last commit frame: that commit is no longer valid).
      let file: string;
      let offset: number;
      let versions: [Buffer, Buffer];
      if (what === 'the main file') {
        file = db;
        offset = fs.readFileSync(db).indexOf('10.77.1.0/24');
        assert.ok(offset > 0);
        versions = [Buffer.from('10.77.1.0/24'), Buffer.from('10.77.2.0/24')];
      } else {
        file = `${db}-wal`;
        const layout = walLayout(file);
        const last = layout.frames[layout.frames.length - 1];
        assert.ok(last.commit > 0, 'the last frame is a commit frame');
        offset = fs.statSync(file).size - 1;
        const b = fs.readFileSync(file)[offset];
        versions = [Buffer.from([b]), Buffer.from([b ^ 0xff])];
      }
      await readSqliteDb(db);
      let stale = 0;
      let sameTick = 0;
      const examples: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        startOfTick();
        // One version written at the start of a tick, read at once (the reader records its
        // stamp and keeps what it read), the other written over it in place.
        writeInPlace(file, offset, versions[round % 2]);
        const before = stampKey(fs.statSync(file));
        await read(db);
        writeInPlace(file, offset, versions[(round + 1) % 2]);
        if (stampKey(fs.statSync(file)) === before) sameTick++;
        const got = await read(db);
        const want = answerOf(sqliteOracle(db));
        // A refusal (the -wal's last commit no longer valid) is allowed; a wrong answer is not.
        if (!(got instanceof DbReadError) && !same(got, want)) {
          stale++;
          if (examples.length < 3) examples.push(`round ${round}: ${difference(got, want)}`);
        }
      }
      const report = `${stale} stale answers in ${ROUNDS} reads (${sameTick} rewrites kept the file's size and times)\n${examples.join('\n')}`;
      t.diagnostic(report);
      assert.ok(sameTick >= ROUNDS / 10, `too few rewrites within one tick to prove anything: ${report}`);
      assert.equal(stale, 0, report);
    });
  }
});
