// A -wal read while a writer appends to it: the frame at the writer's front is read before it
// is finished (old salts, or a header without its page yet), and the commits written after it
// are found by the scan past where the log ended. That log is validated again from its last
// commit, and reads every commit; damage in the middle of a log, which does not move, is still
// found. Real logs written by python3's sqlite3; the writer is played by restoring the frame's
// bytes between the validation and the scan.
import { test, describe, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { clearWalCache, readWalFile, type WalState } from '../../src/core/db/walIndex';
import { readSqliteDb, forgetCachedReads } from '../../src/core/db/sqlite';
import { DbReadError } from '../../src/core/model';
import { makeDecnetDb, tmpDir, topo, walLayout } from '../support/makeDb';

const scratch: string[] = [];
after(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});
beforeEach(() => forgetCachedReads());

/** A database whose -wal holds four commits; the first frame of the second one, and its bytes. */
function logOfFourCommits(): { db: string; wal: string; frame: number; offset: number; bytes: Buffer; frames: number } {
  const d = tmpDir('decnet-ahead-');
  scratch.push(d);
  const db = makeDecnetDb(d, {
    checkpointed: [topo(0x70000001)],
    walOnly: [topo(0x70000002), topo(0x70000003), topo(0x70000004), topo(0x70000005)],
    walFiller: 3,
  });
  const wal = `${db}-wal`;
  const layout = walLayout(wal);
  const firstCommit = layout.frames.findIndex((f) => f.commit !== 0);
  assert.ok(firstCommit >= 0 && firstCommit < layout.frames.length - 2);
  const f = layout.frames[firstCommit + 1];
  const bytes = Buffer.alloc(24 + layout.pageSize);
  const fd = fs.openSync(wal, 'r');
  try {
    fs.readSync(fd, bytes, 0, bytes.length, f.offset);
  } finally {
    fs.closeSync(fd);
  }
  return { db, wal, frame: f.index + 1, offset: f.offset, bytes, frames: layout.frames.length };
}

function writeAt(file: string, offset: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** The frame as the writer had not yet written it: the old generation's salt-1, or its page not yet there. */
function unfinished(bytes: Buffer, how: 'old-salt' | 'no-page'): Buffer {
  const b = Buffer.from(bytes);
  if (how === 'old-salt') b.writeUInt32BE((b.readUInt32BE(8) - 1) >>> 0, 8);
  else b.fill(0, 24);
  return b;
}

async function validate(wal: string, onValidated?: (round: number) => void): Promise<WalState> {
  clearWalCache();
  const fd = fs.openSync(wal, 'r');
  try {
    const st = fs.fstatSync(fd);
    return (await readWalFile(fd, st.size, st.dev, st.ino, wal, onValidated)).state;
  } finally {
    fs.closeSync(fd);
  }
}

describe('a -wal written while it is read', () => {
  for (const how of ['old-salt', 'no-page'] as const) {
    test(`a frame finished by the writer after it was read (${how}): every commit is read`, async () => {
      const log = logOfFourCommits();
      writeAt(log.wal, log.offset, unfinished(log.bytes, how));
      const rounds: number[] = [];
      const st = await validate(log.wal, (round) => {
        rounds.push(round);
        if (round === 0) writeAt(log.wal, log.offset, log.bytes);
      });
      assert.deepEqual(rounds, [0, 1]);
      assert.equal(st.stop, null);
      assert.equal(st.laterCommitFrame, 0);
      assert.equal(st.committedFrames, log.frames);
      // And read so by the reader, with the rows of every commit.
      const snap = await readSqliteDb(log.db);
      assert.equal(snap.topologies.length, 5);
    });

    test(`the same frame left unfinished (${how}): damage in the middle of the log, refused`, async () => {
      const log = logOfFourCommits();
      writeAt(log.wal, log.offset, unfinished(log.bytes, how));
      const rounds: number[] = [];
      const st = await validate(log.wal, (round) => rounds.push(round));
      assert.ok(rounds.length <= 2, `validated ${rounds.length} times`);
      assert.equal(st.stop?.frame, log.frame);
      assert.ok(st.laterCommitFrame > log.frame);
      assert.ok(st.committedFrames < log.frame);
      await assert.rejects(readSqliteDb(log.db), (err: unknown) => {
        assert.ok(err instanceof DbReadError);
        assert.equal(err.kind, 'corrupt', err.message);
        assert.match(err.message, new RegExp(`frame ${log.frame} of ${log.frames} .* while a later commit of the same log follows`));
        return true;
      });
    });
  }
});
