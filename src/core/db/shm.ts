// The header of a SQLite WAL index (`-shm`), read read-only: how many frames of the -wal a live
// SQLite considers committed. A running DECNET keeps its -shm beside the database, and SQLite's
// readers then trust it instead of re-validating the log: when it counts more committed frames
// than this reader could validate, SQLite sees commits that this reader cannot.
//
// Format (https://www.sqlite.org/walformat.html): two copies of the 48-byte WalIndexHdr at
// offsets 0 and 48, in the host's byte order: iVersion (3007000), unused, iChange, isInit (u8),
// bigEndCksum (u8), szPage (u16), mxFrame, nPage, aFrameCksum[2], aSalt[2] (the -wal header's
// salt bytes, copied as they are), aCksum[2] (checksum of the first 40 bytes, native order).
// The header is valid when both copies are equal, isInit is 1 and the checksum matches.
//
// The file is opened O_RDONLY | O_NONBLOCK (never created, never locked, never mapped); only a
// regular file is read. Anything else (absent, unreadable, being initialised) is "no index".
import * as fs from 'node:fs';
import { walChecksum, WAL_VERSION } from './walIndex';
import { endianness } from 'node:os';
import { openNonBlocking, preadFully } from '../fsSafe';

const HDR_SIZE = 48;
const BIG_ENDIAN_HOST = endianness() === 'BE';

export interface ShmHeader {
  /** Frames of the -wal committed as far as the index knows. */
  mxFrame: number;
  /** The -wal header's salt bytes (offsets 16..24 of the -wal) the index was built for. */
  salt: Buffer;
  /** Database page size as the index records it. */
  pageSize: number;
}

/** Parses the two header copies at the start of a -shm; null when they do not make a valid header. */
export function parseShmHeader(b: Buffer): ShmHeader | null {
  if (b.length < 2 * HDR_SIZE) return null;
  const h = b.subarray(0, HDR_SIZE);
  if (!h.equals(b.subarray(HDR_SIZE, 2 * HDR_SIZE))) return null;
  const u32 = (o: number): number => (BIG_ENDIAN_HOST ? h.readUInt32BE(o) : h.readUInt32LE(o));
  const u16 = (o: number): number => (BIG_ENDIAN_HOST ? h.readUInt16BE(o) : h.readUInt16LE(o));
  if (u32(0) !== WAL_VERSION || h[12] !== 1) return null;
  // The checksum runs over native 32-bit words: as big-endian words on a big-endian host.
  const s: [number, number] = [0, 0];
  walChecksum(Buffer.from(h.subarray(0, 40)), 0, 40, BIG_ENDIAN_HOST, s);
  if (s[0] !== u32(40) || s[1] !== u32(44)) return null;
  const raw = u16(14);
  return { mxFrame: u32(16), salt: Buffer.from(h.subarray(32, 40)), pageSize: (raw & 0xfe00) + ((raw & 1) << 16) };
}

/** Reads the header of the -shm at `p`; null when there is none that SQLite would trust. Never throws. */
export function readShmHeader(p: string): ShmHeader | null {
  let f: { fd: number; st: fs.Stats };
  try {
    f = openNonBlocking(p);
  } catch {
    return null;
  }
  try {
    if (!f.st.isFile()) return null;
    const b = Buffer.alloc(2 * HDR_SIZE);
    return parseShmHeader(b.subarray(0, preadFully(f.fd, b, 0)));
  } catch {
    return null;
  } finally {
    fs.closeSync(f.fd);
  }
}
