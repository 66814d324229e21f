// The -wal checksum (walIndex.ts) computed on 32-bit words in memory against SQLite's definition,
// one word at a time with unsigned arithmetic, in both byte orders and from any running state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { walChecksum } from '../../src/core/db/walIndex';

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
      assert.ok(got.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32), 'unsigned 32-bit values');
    }
  }
});
