// The -wal checksum (walIndex.ts) computed on 32-bit words in memory against SQLite's definition,
// one word at a time with unsigned arithmetic, in both byte orders and from any running state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { walChecksum, WalValidator } from '../../src/core/db/walIndex';

function reference(data: Buffer, bigEndian: boolean, s: [number, number]): [number, number] {
  let [s1, s2] = s;
  for (let i = 0; i < data.length; i += 8) {
    const a = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const b = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s1 = (s1 + a + s2) % 2 ** 32;
    s2 = (s2 + b + s1) % 2 ** 32;
  }
  return [s1, s2];
}

test('the checksum of a page equals the word-by-word definition, both byte orders, any start', () => {
  let seed = 12345;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let round = 0; round < 40; round++) {
    const len = 8 * (1 + (rnd() % 600));
    // Aligned (the fast path) and at an odd offset (read word by word).
    const backing = Buffer.alloc(len + 8);
    const shift = round % 2 === 0 ? 0 : 1 + (rnd() % 3);
    const data = backing.subarray(shift, shift + len);
    for (let i = 0; i < len; i++) data[i] = round % 5 === 0 ? 0xff : rnd() & 0xff;
    const start: [number, number] = round % 3 === 0 ? [0xffffffff, 0xfffffffe] : [rnd(), rnd()];
    for (const bigEndian of [false, true]) {
      const want = reference(data, bigEndian, start);
      const got = walChecksum(data, 0, len, bigEndian, [start[0], start[1]]);
      assert.deepEqual(got, want, `round ${round}, ${bigEndian ? 'big' : 'little'}-endian, offset ${shift}`);
      assert.ok(
        got.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32),
        'unsigned 32-bit values',
      );
    }
  }
});

/** A log of `frames` frames of `pageSize` bytes (random pages, a commit every 3 frames), checksummed by the definition. */
function makeLog(frames: number, pageSize: number, bigEndian: boolean, seed: number): Buffer {
  let x = seed;
  const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const frameSize = 24 + pageSize;
  const b = Buffer.alloc(32 + frames * frameSize);
  b.writeUInt32BE(bigEndian ? 0x377f0683 : 0x377f0682, 0);
  b.writeUInt32BE(3007000, 4);
  b.writeUInt32BE(pageSize, 8);
  b.writeUInt32BE(1, 12);
  b.writeUInt32BE(rnd(), 16);
  b.writeUInt32BE(rnd(), 20);
  let s = reference(b.subarray(0, 24), bigEndian, [0, 0]);
  b.writeUInt32BE(s[0], 24);
  b.writeUInt32BE(s[1], 28);
  for (let f = 0; f < frames; f++) {
    const off = 32 + f * frameSize;
    b.writeUInt32BE(1 + (rnd() % 50), off);
    b.writeUInt32BE(f % 3 === 2 || f === frames - 1 ? 60 : 0, off + 4);
    b.copy(b, off + 8, 16, 24);
    for (let i = 0; i < pageSize; i++) b[off + 24 + i] = rnd() & 0xff;
    s = reference(b.subarray(off, off + 8), bigEndian, s);
    s = reference(b.subarray(off + 24, off + frameSize), bigEndian, s);
    b.writeUInt32BE(s[0], off + 16);
    b.writeUInt32BE(s[1], off + 20);
  }
  return b;
}

test('a log validates frame by frame whatever the chunks it comes in, and stops at the first bad frame', () => {
  for (const bigEndian of [false, true]) {
    for (const pageSize of [512, 4096]) {
      const frames = 23;
      const frameSize = 24 + pageSize;
      const log = makeLog(frames, pageSize, bigEndian, pageSize + (bigEndian ? 1 : 0));
      for (const bad of [-1, 0, 1, 4, 5, 9, 22]) {
        const b = Buffer.from(log);
        if (bad >= 0) b[32 + bad * frameSize + 24 + ((bad * 37) % pageSize)] ^= 0x40;
        for (const chunk of [1, 2, 3, 4, 5, 7, 23]) {
          const v = WalValidator.fromHeader(b.subarray(0, 32));
          for (let f = 0; f < frames && v.open; f += chunk) {
            v.feed(b.subarray(32 + f * frameSize, 32 + Math.min(frames, f + chunk) * frameSize));
          }
          const st = v.state(b.length);
          const what = `${bigEndian ? 'big' : 'little'}-endian, ${pageSize}-byte pages, bad frame ${bad}, chunks of ${chunk}`;
          const valid = bad < 0 ? frames : bad;
          assert.equal(st.validFrames, valid, what);
          // Up to the last commit frame before the bad one (a commit every 3 frames, and the last).
          const committed = bad < 0 ? frames : Math.floor(bad / 3) * 3;
          assert.equal(st.committedFrames, committed, what);
          assert.equal(st.stop?.frame ?? 0, bad < 0 ? 0 : bad + 1, what);
        }
      }
    }
  }
});
