// WalValidator (fast 4-frame linear path) against a straightforward reference of
// SQLite's WAL recovery, on random logs: page sizes 512..65536, both magics, any frame count,
// bad checksums / salts / page number 0 anywhere, any chunking, misaligned buffers, resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WalValidator, findCommitFrame, WAL_HEADER_SIZE } from '../../src/core/db/walIndex';

function ck(data: Buffer, big: boolean, s: [number, number]): [number, number] {
  let [s1, s2] = s;
  for (let i = 0; i < data.length; i += 8) {
    const a = big ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const b = big ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s1 = (s1 + a + s2) % 2 ** 32;
    s2 = (s2 + b + s1) % 2 ** 32;
  }
  return [s1, s2];
}

let seed = 987654321;
const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);

function makeLog(frames: number, pageSize: number, big: boolean): Buffer {
  const fs = 24 + pageSize;
  const b = Buffer.alloc(32 + frames * fs);
  b.writeUInt32BE(big ? 0x377f0683 : 0x377f0682, 0);
  b.writeUInt32BE(3007000, 4);
  b.writeUInt32BE(pageSize, 8);
  b.writeUInt32BE(rnd(), 12);
  b.writeUInt32BE(rnd(), 16);
  b.writeUInt32BE(rnd(), 20);
  let s = ck(b.subarray(0, 24), big, [0, 0]);
  b.writeUInt32BE(s[0], 24);
  b.writeUInt32BE(s[1], 28);
  for (let f = 0; f < frames; f++) {
    const off = 32 + f * fs;
    b.writeUInt32BE(1 + (rnd() % 100), off);
    b.writeUInt32BE(rnd() % 3 === 0 ? 100 + (rnd() % 5) : 0, off + 4);
    b.copy(b, off + 8, 16, 24);
    // mostly random, sometimes all 0xff (carry stress)
    const fill = rnd() % 4 === 0;
    for (let i = 0; i < pageSize; i++) b[off + 24 + i] = fill ? 0xff : rnd() & 0xff;
    s = ck(b.subarray(off, off + 8), big, s);
    s = ck(b.subarray(off + 24, off + fs), big, s);
    b.writeUInt32BE(s[0], off + 16);
    b.writeUInt32BE(s[1], off + 20);
  }
  return b;
}

/** Reference recovery: frames up to the last valid commit before the first invalid frame. */
function reference(b: Buffer, pageSize: number, big: boolean): { valid: number; committed: number; dbSize: number; stop: number } {
  const fs = 24 + pageSize;
  let s = ck(b.subarray(0, 24), big, [0, 0]);
  const salt1 = b.readUInt32BE(16);
  const salt2 = b.readUInt32BE(20);
  let valid = 0;
  let committed = 0;
  let dbSize = 0;
  let stop = 0;
  for (let f = 0; 32 + (f + 1) * fs <= b.length; f++) {
    const off = 32 + f * fs;
    if (b.readUInt32BE(off) === 0 || b.readUInt32BE(off + 8) !== salt1 || b.readUInt32BE(off + 12) !== salt2) {
      stop = f + 1;
      break;
    }
    let t = ck(b.subarray(off, off + 8), big, s);
    t = ck(b.subarray(off + 24, off + fs), big, t);
    if (t[0] !== b.readUInt32BE(off + 16) || t[1] !== b.readUInt32BE(off + 20)) {
      stop = f + 1;
      break;
    }
    s = t;
    valid++;
    if (b.readUInt32BE(off + 4) !== 0) {
      committed = valid;
      dbSize = b.readUInt32BE(off + 4);
    }
  }
  return { valid, committed, dbSize, stop };
}

test('validator == reference on random logs, sizes, chunkings, alignments, damage, resume', () => {
  const sizes = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
  let cases = 0;
  for (let round = 0; round < 300; round++) {
    const pageSize = sizes[rnd() % sizes.length];
    const big = rnd() % 2 === 0;
    const maxFrames = pageSize >= 32768 ? 9 : 23;
    const frames = rnd() % (maxFrames + 1);
    const fsz = 24 + pageSize;
    const log = makeLog(frames, pageSize, big);
    // damage
    const kind = rnd() % 6;
    if (frames > 0 && kind > 0) {
      const f = rnd() % frames;
      const off = 32 + f * fsz;
      if (kind === 1) log[off + 24 + (rnd() % pageSize)] ^= 1 << (rnd() % 8);
      else if (kind === 2) log.writeUInt32BE((log.readUInt32BE(off + 8) + 1) >>> 0, off + 8);
      else if (kind === 3) log.writeUInt32BE(0, off);
      else if (kind === 4)
        log[off + 16 + (rnd() % 8)] ^= 0x80; // checksum field
      else log[off + 4 + (rnd() % 4)] ^= 1; // commit field (in the checksum)
    }
    // trailing partial frame sometimes
    const extra = rnd() % 4 === 0 ? 1 + (rnd() % (fsz - 1)) : 0;
    const file = Buffer.concat([log, Buffer.alloc(extra, 0xab)]);
    const want = reference(file, pageSize, big);
    for (const misalign of [0, 4, 1, 2]) {
      const chunkFrames = 1 + (rnd() % 9);
      const backing = Buffer.alloc(file.length + 8);
      file.copy(backing, misalign);
      const data = backing.subarray(misalign, misalign + file.length);
      const v = WalValidator.fromHeader(data.subarray(0, 32));
      let pos = 32;
      while (v.open && pos < data.length) {
        const end = Math.min(data.length, pos + chunkFrames * fsz);
        // copy to a buffer at the chosen misalignment
        const bb = Buffer.alloc(end - pos + 8);
        data.copy(bb, misalign, pos, end);
        v.feed(bb.subarray(misalign, misalign + end - pos));
        pos = end;
      }
      const st = v.state(data.length);
      const what = `round ${round} ps ${pageSize} ${big ? 'BE' : 'LE'} frames ${frames} kind ${kind} misalign ${misalign} chunk ${chunkFrames}`;
      assert.equal(st.validFrames, want.valid, what);
      assert.equal(st.committedFrames, want.committed, what);
      assert.equal(st.dbSizePages, want.dbSize, what);
      assert.equal(st.stop?.frame ?? 0, want.stop, what);
      // resume from the state and feed the rest: same result
      const r = WalValidator.resume(st);
      if (r.open) r.feed(data.subarray(st.committedEnd));
      const st2 = r.state(data.length);
      assert.equal(st2.committedFrames, want.committed, 'resumed ' + what);
      assert.deepEqual(st2.checksumAtCommit, st.checksumAtCommit, 'resumed ' + what);
      cases++;
    }
  }
  assert.ok(cases >= 1000);
  void findCommitFrame;
  void WAL_HEADER_SIZE;
});
