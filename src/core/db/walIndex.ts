// Validation of a SQLite write-ahead log (`-wal`), frame by frame, without holding the log in
// memory, and resumable: a log that only grew since the last read is validated from where that
// read stopped instead of from the start.
//
// WAL format: https://www.sqlite.org/fileformat2.html#walformat
//  - 32-byte header: magic (0x377f0682 = little-endian checksums, 0x377f0683 = big-endian),
//    version 3007000, page size, checkpoint sequence, salt-1, salt-2, checksum-1, checksum-2
//    (checksum of the first 24 bytes).
//  - frames: 24-byte header (page number, db size in pages for a commit frame else 0, salt-1,
//    salt-2, checksum-1, checksum-2) then one page. The checksum is cumulative: it runs over
//    the previous frame's (or the header's) checksum, this frame header's first 8 bytes and the
//    page data. A frame is valid only if its salts equal the header's and its checksum matches.
//  - Like SQLite's recovery, only frames up to the last valid commit frame count; the first
//    invalid frame ends the log. The last copy of a page wins; the commit frame's db size is
//    the page count.
//  - What follows an invalid whole frame is scanned too (frame headers only): a commit frame
//    with the log's own salts there means the log is damaged in its middle, since SQLite writes
//    a log generation front to back and a commit frame is never left beyond the end of the log.
//    A live SQLite, reading through its -shm, may use those later commits. Frames of another
//    generation (other salts), and frames of rolled-back transactions (no commit frame, and
//    partly overwritten by the next commit) are what a healthy log leaves there.
//
// Why resuming is safe: within one generation of the log (one header: same salts, same
// checkpoint sequence) SQLite only ever appends frames after the last commit; the frames up to a
// commit are never rewritten. A checkpoint that restarts the log writes a new header (new salts),
// and a truncated or replaced log has another size or inode. A resumed validation therefore
// starts from a state that a full validation would also reach, and re-checks the header and the
// commit frame it resumes from. SQLite's own readers trust their -shm index the same way.
import * as fs from 'node:fs';
import { endianness } from 'node:os';
import { openNonBlocking, preadFully } from '../fsSafe';
import { isSettled, serverClockFs } from './settledStamp';

export const WAL_MAGIC_LE = 0x377f0682;
export const WAL_MAGIC_BE = 0x377f0683;
export const WAL_VERSION = 3007000;
export const WAL_HEADER_SIZE = 32;
export const WAL_FRAME_HEADER_SIZE = 24;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The validated content of a log at its last valid commit frame. Never mutated once returned. */
export interface WalState {
  /** Why the log contributes nothing (empty, bad magic, bad header checksum...), or null. */
  headerProblem: string | null;
  pageSize: number;
  salt1: number;
  salt2: number;
  bigEndianChecksums: boolean;
  /** The 32 header bytes this state was validated under (empty when the header is unusable). */
  header: Buffer;
  /** Frames that passed salt and checksum validation (committed or not). */
  validFrames: number;
  /** Frames up to and including the last valid commit frame: the ones SQLite would use. */
  committedFrames: number;
  /** Database size in pages from the last valid commit frame (0 when there is none). */
  dbSizePages: number;
  /** File offset just past the last valid commit frame (32 when there is none). */
  committedEnd: number;
  /** The running checksum at `committedEnd`. */
  checksumAtCommit: [number, number];
  /**
   * Page number → file offset of the page data (after the frame header) of its last committed
   * copy. May hold pages above `dbSizePages` (a commit that shrank the database): ignore those.
   */
  pageOffsets: ReadonlyMap<number, number>;
  /**
   * The whole frame at which validation stopped, when it stopped at one (1-based frame number,
   * and why it is not part of the log); null when the log ran to the end of the file or to a
   * partial frame there.
   */
  stop: { frame: number; why: string } | null;
  /** The first commit frame with the log's salts after `stop` (1-based), or 0: the log is damaged. */
  laterCommitFrame: number;
  /** Whole frames in the file. */
  framesInFile: number;
}

/** Adds `data[start, end)` (length a multiple of 8) to the running WAL checksum `s` (mutated and returned). */
export function walChecksum(data: Buffer, start: number, end: number, bigEndian: boolean, s: [number, number]): [number, number] {
  let s1 = s[0];
  let s2 = s[1];
  const abs = data.byteOffset + start;
  if (abs % 4 === 0 && (end - start) % 8 === 0) {
    // Aligned: read 32-bit words straight from the memory, and add in 32-bit integers (`| 0`
    // wraps as `>>> 0` does, modulo 2^32, and keeps V8 in integer arithmetic: several times
    // faster); unsigned again at the end.
    const words = new Uint32Array(data.buffer, abs, (end - start) / 4);
    const n = words.length;
    s1 |= 0;
    s2 |= 0;
    if (bigEndian === !LITTLE_ENDIAN_HOST) {
      for (let i = 0; i < n; i += 2) {
        s1 = (s1 + words[i] + s2) | 0;
        s2 = (s2 + words[i + 1] + s1) | 0;
      }
    } else {
      for (let i = 0; i < n; i += 2) {
        const a = words[i];
        const b = words[i + 1];
        s1 = (s1 + (((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | (a >>> 24)) + s2) | 0;
        s2 = (s2 + (((b & 0xff) << 24) | ((b & 0xff00) << 8) | ((b >>> 8) & 0xff00) | (b >>> 24)) + s1) | 0;
      }
    }
    s1 >>>= 0;
    s2 >>>= 0;
  } else if (bigEndian) {
    for (let i = start; i < end; i += 8) {
      s1 = (s1 + data.readUInt32BE(i) + s2) >>> 0;
      s2 = (s2 + data.readUInt32BE(i + 4) + s1) >>> 0;
    }
  } else {
    for (let i = start; i < end; i += 8) {
      s1 = (s1 + data.readUInt32LE(i) + s2) >>> 0;
      s2 = (s2 + data.readUInt32LE(i + 4) + s1) >>> 0;
    }
  }
  s[0] = s1;
  s[1] = s2;
  return s;
}

/**
 * The checksum is linear: after the 2-word pair (a, b), (s1, s2) is (s1 + s2 + a, s1 + 2·s2 + a + b),
 * modulo 2^32. So the checksum after a frame is M^k applied to the one before it, plus what the
 * frame alone adds from (0, 0) (k: its pairs, M = [[1, 1], [1, 2]]). What each frame adds depends
 * on its bytes only: several frames are summed at once, in independent chains that the CPU runs
 * side by side, then chained with M^k (about twice as fast as one chain).
 */
const framePowers = new Map<number, Int32Array>();
function framePower(pairs: number): Int32Array {
  let p = framePowers.get(pairs);
  if (p === undefined) {
    // M^pairs, by repeated squaring, modulo 2^32 (Math.imul wraps).
    const mul = (x: Int32Array, y: Int32Array): Int32Array =>
      Int32Array.of(
        (Math.imul(x[0], y[0]) + Math.imul(x[1], y[2])) | 0,
        (Math.imul(x[0], y[1]) + Math.imul(x[1], y[3])) | 0,
        (Math.imul(x[2], y[0]) + Math.imul(x[3], y[2])) | 0,
        (Math.imul(x[2], y[1]) + Math.imul(x[3], y[3])) | 0,
      );
    let result: Int32Array = Int32Array.of(1, 0, 0, 1);
    let base: Int32Array = Int32Array.of(1, 1, 1, 2);
    for (let e = pairs; e > 0; e >>>= 1) {
      if (e & 1) result = mul(result, base);
      base = mul(base, base);
    }
    p = result;
    framePowers.set(pairs, p);
  }
  return p;
}

/**
 * What each of `count` (1..4) frames adds to the checksum from (0, 0), into `out` (two words per
 * frame): its header's first 8 bytes, then its page. `words` are native-order 32-bit words (the
 * log's byte order is the host's); frame k's header starts at word `first + k * frameWords`.
 */
function frameSums(words: Uint32Array, first: number, frameWords: number, count: number, out: Int32Array): void {
  const end = frameWords; // the page: words 6 .. frameWords of each frame
  if (count === 4) {
    const a = first;
    const b = a + frameWords;
    const c = b + frameWords;
    const d = c + frameWords;
    let a1 = words[a] | 0;
    let a2 = (words[a + 1] + a1) | 0;
    let b1 = words[b] | 0;
    let b2 = (words[b + 1] + b1) | 0;
    let c1 = words[c] | 0;
    let c2 = (words[c + 1] + c1) | 0;
    let d1 = words[d] | 0;
    let d2 = (words[d + 1] + d1) | 0;
    for (let i = 6; i < end; i += 2) {
      a1 = (a1 + words[a + i] + a2) | 0;
      a2 = (a2 + words[a + i + 1] + a1) | 0;
      b1 = (b1 + words[b + i] + b2) | 0;
      b2 = (b2 + words[b + i + 1] + b1) | 0;
      c1 = (c1 + words[c + i] + c2) | 0;
      c2 = (c2 + words[c + i + 1] + c1) | 0;
      d1 = (d1 + words[d + i] + d2) | 0;
      d2 = (d2 + words[d + i + 1] + d1) | 0;
    }
    out[0] = a1;
    out[1] = a2;
    out[2] = b1;
    out[3] = b2;
    out[4] = c1;
    out[5] = c2;
    out[6] = d1;
    out[7] = d2;
    return;
  }
  for (let k = 0; k < count; k++) {
    const f = first + k * frameWords;
    let x1 = words[f] | 0;
    let x2 = (words[f + 1] + x1) | 0;
    for (let i = 6; i < end; i += 2) {
      x1 = (x1 + words[f + i] + x2) | 0;
      x2 = (x2 + words[f + i + 1] + x1) | 0;
    }
    out[2 * k] = x1;
    out[2 * k + 1] = x2;
  }
}

export function isValidPageSize(n: number): boolean {
  return n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

function unusable(headerProblem: string, pageSize = 0, bigEndian = false): WalState {
  return {
    headerProblem,
    pageSize,
    salt1: 0,
    salt2: 0,
    bigEndianChecksums: bigEndian,
    header: Buffer.alloc(0),
    validFrames: 0,
    committedFrames: 0,
    dbSizePages: 0,
    committedEnd: WAL_HEADER_SIZE,
    checksumAtCommit: [0, 0],
    pageOffsets: new Map(),
    stop: null,
    laterCommitFrame: 0,
    framesInFile: 0,
  };
}

/** Validates frames fed in file order; `state()` is the log as SQLite would use it so far. */
export class WalValidator {
  private readonly s: [number, number];
  /** What frames being checked add to the checksum (see frameSums). */
  private readonly sums = new Int32Array(8);
  /** Committed pages; copied from the base state at the first new commit (copy on write). */
  private pageOffsets: Map<number, number> | null = null;
  private readonly pending: Array<[number, number]> = [];
  private frames: number;
  private committedFrames: number;
  private dbSizePages: number;
  private committedEnd: number;
  private checksumAtCommit: [number, number];
  private ended = false;
  /** Where and why the log ended at a whole frame, if it did. */
  private stopOffset = -1;
  private stopWhy = '';
  /** Frames whose checksum was computed by this validator. */
  framesChecked = 0;
  /** File offset of the next frame to feed. */
  nextOffset: number;

  private constructor(private readonly base: WalState) {
    this.s = [base.checksumAtCommit[0], base.checksumAtCommit[1]];
    this.frames = base.committedFrames;
    this.committedFrames = base.committedFrames;
    this.dbSizePages = base.dbSizePages;
    this.committedEnd = base.committedEnd;
    this.checksumAtCommit = base.checksumAtCommit;
    this.nextOffset = base.committedEnd;
    if (base.headerProblem !== null) this.ended = true;
  }

  /** A validator for a log with this 32-byte header (validated here). */
  static fromHeader(header: Buffer): WalValidator {
    return new WalValidator(validateHeader(header));
  }

  /** Continues after a state produced earlier for the same log generation. */
  static resume(state: WalState): WalValidator {
    return new WalValidator(state);
  }

  get frameSize(): number {
    return WAL_FRAME_HEADER_SIZE + this.base.pageSize;
  }

  /** False once the log has ended (an invalid frame, or an unusable header). */
  get open(): boolean {
    return !this.ended;
  }

  /**
   * Feeds whole frames: `buf` holds the bytes at file offset `this.nextOffset`. A trailing
   * partial frame ends the log. Returns `open`.
   */
  feed(buf: Buffer): boolean {
    if (this.ended) return false;
    const { salt1, salt2, bigEndianChecksums: bigEndian } = this.base;
    const frameSize = this.frameSize;
    const s = this.s;
    // Native byte order and aligned words: several frames summed at once (see frameSums).
    const fast = bigEndian === !LITTLE_ENDIAN_HOST && buf.byteOffset % 4 === 0 && frameSize % 8 === 0;
    const words = fast ? new Uint32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4)) : null;
    const frameWords = frameSize / 4;
    const power = fast ? framePower(1 + (frameSize - WAL_FRAME_HEADER_SIZE) / 8) : null;
    const sums = this.sums;
    // Frames of the current group (summed at once) and the next one's index in it.
    let groupSize = 0;
    let inGroup = 0;
    let off = 0;
    for (; off + frameSize <= buf.length; off += frameSize) {
      const pgno = buf.readUInt32BE(off);
      const commitSize = buf.readUInt32BE(off + 4);
      if (pgno === 0 || buf.readUInt32BE(off + 8) !== salt1 || buf.readUInt32BE(off + 12) !== salt2) {
        this.ended = true;
        this.stopOffset = this.nextOffset + off;
        this.stopWhy = pgno === 0 ? 'has page number 0' : 'does not carry the salts of the log';
        break;
      }
      const c0 = s[0];
      const c1 = s[1];
      if (words !== null && power !== null) {
        if (inGroup === groupSize) {
          groupSize = Math.min(4, Math.floor((buf.length - off) / frameSize));
          inGroup = 0;
          frameSums(words, off / 4, frameWords, groupSize, sums);
        }
        const k = 2 * inGroup++;
        const x = s[0] | 0;
        const y = s[1] | 0;
        s[0] = (Math.imul(power[0], x) + Math.imul(power[1], y) + sums[k]) >>> 0;
        s[1] = (Math.imul(power[2], x) + Math.imul(power[3], y) + sums[k + 1]) >>> 0;
      } else {
        walChecksum(buf, off, off + 8, bigEndian, s);
        walChecksum(buf, off + WAL_FRAME_HEADER_SIZE, off + frameSize, bigEndian, s);
      }
      this.framesChecked++;
      if (s[0] !== buf.readUInt32BE(off + 16) || s[1] !== buf.readUInt32BE(off + 20)) {
        s[0] = c0;
        s[1] = c1;
        this.ended = true;
        this.stopOffset = this.nextOffset + off;
        this.stopWhy = 'fails its checksum';
        break;
      }
      this.frames++;
      const fileOffset = this.nextOffset + off;
      this.pending.push([pgno, fileOffset + WAL_FRAME_HEADER_SIZE]);
      if (commitSize !== 0) {
        this.pageOffsets ??= new Map(this.base.pageOffsets);
        for (const [p, o] of this.pending) this.pageOffsets.set(p, o);
        this.pending.length = 0;
        this.committedFrames = this.frames;
        this.dbSizePages = commitSize;
        this.committedEnd = fileOffset + frameSize;
        this.checksumAtCommit = [s[0], s[1]];
      }
    }
    if (!this.ended && off < buf.length) this.ended = true; // a partial frame ends the log
    this.nextOffset += off;
    return !this.ended;
  }

  /** File offset of the whole frame at which the log ended, or -1 (it did not end at one). */
  get stoppedAt(): number {
    return this.stopOffset;
  }

  /**
   * The log up to its last valid commit frame. `laterCommitFrame` is what a scan past the
   * frame it stopped at found; `fileSize` counts the whole frames in the file.
   */
  state(fileSize: number, laterCommitFrame = 0): WalState {
    const frameSize = this.frameSize;
    return {
      ...this.base,
      validFrames: this.frames,
      committedFrames: this.committedFrames,
      dbSizePages: this.dbSizePages,
      committedEnd: this.committedEnd,
      checksumAtCommit: this.checksumAtCommit,
      pageOffsets: this.pageOffsets ?? this.base.pageOffsets,
      stop: this.stopOffset < 0 ? null : { frame: (this.stopOffset - WAL_HEADER_SIZE) / frameSize + 1, why: this.stopWhy },
      laterCommitFrame,
      framesInFile: this.base.headerProblem !== null ? 0 : Math.max(0, Math.floor((fileSize - WAL_HEADER_SIZE) / frameSize)),
    };
  }
}

/**
 * The first commit frame carrying these salts among the whole frames of `buf`, which holds the
 * bytes at file offset `offset` (frame-aligned): its file offset, or -1. Only frame headers are
 * looked at.
 */
export function findCommitFrame(buf: Buffer, offset: number, frameSize: number, salt1: number, salt2: number): number {
  for (let off = 0; off + frameSize <= buf.length; off += frameSize) {
    if (
      buf.readUInt32BE(off + 4) !== 0 &&
      buf.readUInt32BE(off) !== 0 &&
      buf.readUInt32BE(off + 8) === salt1 &&
      buf.readUInt32BE(off + 12) === salt2
    ) {
      return offset + off;
    }
  }
  return -1;
}

function frameNumber(offset: number, frameSize: number): number {
  return (offset - WAL_HEADER_SIZE) / frameSize + 1;
}

/** The state of a log with header `h` and no frames yet; `headerProblem` says why the header is unusable (magic, version, page size, checksum). */
export function validateHeader(h: Buffer): WalState {
  if (h.length < WAL_HEADER_SIZE) return unusable(h.length === 0 ? 'empty' : 'shorter than its header');
  const magic = h.readUInt32BE(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) return unusable('bad magic number');
  const bigEndian = magic === WAL_MAGIC_BE;
  const version = h.readUInt32BE(4);
  const pageSize = h.readUInt32BE(8);
  if (version !== WAL_VERSION) return unusable(`unsupported WAL version ${version}`, pageSize, bigEndian);
  if (!isValidPageSize(pageSize)) return unusable(`invalid WAL page size ${pageSize}`, pageSize, bigEndian);
  const header = Buffer.from(h.subarray(0, WAL_HEADER_SIZE));
  const s: [number, number] = [0, 0];
  walChecksum(header, 0, 24, bigEndian, s);
  if (s[0] !== header.readUInt32BE(24) || s[1] !== header.readUInt32BE(28)) {
    return unusable('bad header checksum', pageSize, bigEndian);
  }
  return {
    headerProblem: null,
    pageSize,
    salt1: header.readUInt32BE(16),
    salt2: header.readUInt32BE(20),
    bigEndianChecksums: bigEndian,
    header,
    validFrames: 0,
    committedFrames: 0,
    dbSizePages: 0,
    committedEnd: WAL_HEADER_SIZE,
    checksumAtCommit: s,
    pageOffsets: new Map(),
    stop: null,
    laterCommitFrame: 0,
    framesInFile: 0,
  };
}

/** What one read of a -wal file did, for the reader's statistics. */
export interface WalReadInfo {
  state: WalState;
  /** True when validation resumed from an earlier read instead of starting over. */
  resumed: boolean;
  framesChecked: number;
  bytesRead: number;
}

interface CacheEntry {
  dev: number;
  ino: number;
  /**
   * The file's size and times when `state` was validated, and whether they were settled then
   * (see settledStamp.ts): only then do the same size and times later prove the same bytes.
   */
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  settled: boolean;
  state: WalState;
  /** What the scan past the frame the log stopped at found, while the file is the same version. */
  tail: TailScan | null;
  /**
   * A copy of the log's frames up to the last commit (file offsets 32 .. `state.committedEnd`),
   * for the most recently read logs when small enough: a log written in place (not grown) whose
   * frames up to that commit still hold exactly these bytes resumes instead of starting over.
   * It is the start of `store`, where the frames were read to when they were validated.
   */
  committed: Buffer | null;
  /** The memory `committed` lies in (reused by the next validation of the same log), or null. */
  store: Buffer | null;
}

interface TailScan {
  stop: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Whether the size and times were settled when the scan ran: only then are they reused. */
  settled: boolean;
  later: number;
}

/** The last validated state of each -wal (by real path). A handful of entries at most. */
const walCache = new Map<string, CacheEntry>();
const WAL_CACHE_MAX = 8;
/** Validate at most this much between two yields to the event loop. */
const YIELD_EVERY_BYTES = 16 * 1024 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
/**
 * Frames are validated, compared and scanned in reads of at most this much: used while the bytes
 * just read are still in the CPU's cache (a quarter faster than 1 MiB reads on a 4 MiB log).
 */
const VALIDATE_CHUNK_BYTES = 256 * 1024;
/** A log's committed frames are kept (see `CacheEntry.committed`) up to this size, for this many logs. */
const COPY_MAX_BYTES = 8 * 1024 * 1024;
const COPY_MAX_LOGS = 2;
/** How many times a log found written ahead of where it ended is validated again from its last commit. */
const WRITTEN_AHEAD_ROUNDS = 3;

/**
 * A read buffer of at least `n` bytes (at most MAX_CHUNK_BYTES asked for), reused from one read to
 * the next: memory touched before costs no page faults. Its bytes are used only between a read
 * into it and the next await.
 */
let scratch: Buffer | null = null;
function scratchBuffer(n: number): Buffer {
  if (scratch === null || scratch.length < n) scratch = Buffer.allocUnsafe(Math.max(n, MAX_CHUNK_BYTES));
  return scratch.subarray(0, n);
}

/** True when the file holds the bytes of `part` from `position` on. */
function holdsBytes(fd: number, part: Buffer, position: number): { same: boolean; bytesRead: number } {
  let bytesRead = 0;
  for (let off = 0; off < part.length;) {
    const n = Math.min(VALIDATE_CHUNK_BYTES, part.length - off);
    const want = scratchBuffer(n);
    const got = preadFully(fd, want, position + off);
    bytesRead += got;
    if (got < n || !want.equals(part.subarray(off, off + n))) return { same: false, bytesRead };
    off += n;
  }
  return { same: true, bytesRead };
}

/**
 * True when the log at `key` (its real path) now starts with another valid header than the one
 * of its last validation: it was restarted since. False when that cannot be told.
 */
export function restartedSinceValidated(key: string): boolean {
  const cached = walCache.get(key);
  if (cached === undefined) return false;
  let f: { fd: number; st: fs.Stats };
  try {
    f = openNonBlocking(key);
  } catch {
    return false;
  }
  const { fd } = f;
  try {
    if (!f.st.isFile()) return false;
    const header = Buffer.alloc(WAL_HEADER_SIZE);
    if (preadFully(fd, header, 0) < WAL_HEADER_SIZE) return false;
    return validateHeader(header).headerProblem === null && !header.equals(cached.state.header);
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** Forgets every remembered -wal validation (tests). */
export function clearWalCache(): void {
  walCache.clear();
}

/**
 * Validates the -wal open on `fd` (`size` bytes, identified by `dev`/`ino`), resuming from the
 * state remembered for `key` when the log is the same generation and only grew. Reads it in
 * bounded chunks. A log found with a commit of its own past the frame where it ended is
 * validated again from its last commit (a few times, while that frame moves): a writer appending
 * while it was read leaves that picture (a frame read before the writer finished it, the commits
 * after it written before the scan reached them), damage does not move. Throws the fs errors of
 * reading.
 */
export async function readWalFile(
  fd: number,
  size: number,
  dev: number,
  ino: number,
  key: string,
  /** For tests only: called after each validation of the frames, before the scan past where the log ended. */
  onValidated?: (round: number) => void,
): Promise<WalReadInfo> {
  let bytesRead = 0;
  const header = Buffer.alloc(Math.min(size, WAL_HEADER_SIZE));
  bytesRead += preadFully(fd, header, 0);
  let v: WalValidator | null = null;
  let resumed = false;
  const cached = walCache.get(key);
  const serverClock = serverClockFs(key, dev) !== null;
  const statAt = Date.now();
  const stat = fs.fstatSync(fd);
  const { mtimeMs, ctimeMs } = stat;
  const settled = isSettled(stat, statAt, serverClock);
  let unchangedUpToCommit = false;
  if (
    cached &&
    cached.dev === dev &&
    cached.ino === ino &&
    cached.state.headerProblem === null &&
    size >= cached.state.committedEnd &&
    header.equals(cached.state.header)
  ) {
    // SQLite only appends within a generation: a log that grew resumes. One written without
    // growing (or that shrank) was written in place: by SQLite after a restart of the log (new
    // frames over the old generation's, past the last commit), or over a rolled-back tail, or by
    // damage. It resumes only when its frames up to the last commit validated still hold exactly
    // the bytes validated then; else it is validated again from the start. The same size and
    // times prove that only when they were settled when recorded (a log written in place within
    // the clock tick of its last write keeps them): else the bytes are compared.
    if (size > cached.size || (cached.settled && size === cached.size && mtimeMs === cached.mtimeMs && ctimeMs === cached.ctimeMs)) {
      unchangedUpToCommit = true;
    } else if (cached.committed !== null && cached.committed.length === cached.state.committedEnd - WAL_HEADER_SIZE) {
      const r = holdsBytes(fd, cached.committed, WAL_HEADER_SIZE);
      bytesRead += r.bytesRead;
      unchangedUpToCommit = r.same;
    }
  }
  if (cached && unchangedUpToCommit) {
    const st = cached.state;
    let sameCommit = st.committedFrames === 0;
    if (!sameCommit) {
      // The commit frame we resume from must still be there, byte for byte (its checksum chains
      // every frame before it).
      const frameSize = WAL_FRAME_HEADER_SIZE + st.pageSize;
      const fh = Buffer.alloc(WAL_FRAME_HEADER_SIZE);
      bytesRead += preadFully(fd, fh, st.committedEnd - frameSize);
      sameCommit =
        fh.readUInt32BE(4) === st.dbSizePages &&
        fh.readUInt32BE(8) === st.salt1 &&
        fh.readUInt32BE(12) === st.salt2 &&
        fh.readUInt32BE(16) === st.checksumAtCommit[0] &&
        fh.readUInt32BE(20) === st.checksumAtCommit[1];
    }
    if (sameCommit) {
      v = WalValidator.resume(st);
      resumed = true;
    }
  }
  if (v === null) v = WalValidator.fromHeader(header);

  // Where the frames validated now are read to. When the whole log fits in COPY_MAX_BYTES: into
  // `store`, which then holds the file from offset 32 on (see CacheEntry.committed), after the
  // committed frames kept by the last read when it resumes (the start of `store` already).
  const fedFrom = v.nextOffset;
  const room = size - WAL_HEADER_SIZE;
  const base = resumed ? (cached?.committed ?? null) : null;
  let store: Buffer | null = null;
  if (v.open && room > 0 && room <= COPY_MAX_BYTES && (!resumed || (base !== null && base.length === fedFrom - WAL_HEADER_SIZE))) {
    // The memory of the last validation of this path is reused (touched before: no page faults);
    // it is taken from its entry, whose copy stays usable only when this one extends it.
    const old = cached?.store ?? null;
    if (cached) {
      cached.store = null;
      if (!resumed) cached.committed = null;
    }
    store = old !== null && old.length >= room ? old : Buffer.allocUnsafe(Math.min(COPY_MAX_BYTES, room + (room >> 1)));
    if (base !== null && !(base.buffer === store.buffer && base.byteOffset === store.byteOffset)) base.copy(store, 0);
  }
  let later = 0;
  let tail: TailScan | null = null;
  let framesChecked = 0;
  let lastStop = -1;
  let lastLater = 0;
  const t = cached && cached.dev === dev && cached.ino === ino ? cached.tail : null;
  for (let round = 0; ; round++) {
    if (v.open) {
      const frameSize = v.frameSize;
      // Start with one frame (a stale tail usually ends at its first frame), then grow.
      let framesPerChunk = 1;
      const maxFrames = Math.max(1, Math.floor(VALIDATE_CHUNK_BYTES / frameSize));
      let sinceYield = 0;
      while (v.open && v.nextOffset + frameSize <= size) {
        const whole = Math.floor((size - v.nextOffset) / frameSize);
        const n = Math.min(framesPerChunk, whole);
        const at = v.nextOffset - WAL_HEADER_SIZE;
        const want = store !== null ? store.subarray(at, at + n * frameSize) : scratchBuffer(n * frameSize);
        const got = preadFully(fd, want, v.nextOffset);
        bytesRead += got;
        v.feed(want.subarray(0, got));
        if (got < want.length) break; // the file shrank while it was read: the caller sees a torn read
        framesPerChunk = Math.min(maxFrames, framesPerChunk * 4);
        sinceYield += got;
        if (sinceYield >= YIELD_EVERY_BYTES) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    }
    onValidated?.(round);
    if (v.stoppedAt >= 0) {
      const at = Date.now();
      const st = fs.fstatSync(fd);
      tail = { stop: v.stoppedAt, size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, settled: isSettled(st, at, serverClock), later: 0 };
    }
    if (
      tail !== null &&
      t &&
      t.settled &&
      t.stop === tail.stop &&
      t.size === tail.size &&
      t.mtimeMs === tail.mtimeMs &&
      t.ctimeMs === tail.ctimeMs
    ) {
      // The same version of the file (its size and times settled when the scan ran), stopped at
      // the same frame: the scan below found this already.
      later = tail.later = t.later;
    } else if (tail !== null) {
      // The log ended at a whole frame: look for commit frames of the same log past it (frame
      // headers only, in bounded chunks), which only damage in the middle of the log leaves.
      const { frameSize } = v;
      const { salt1, salt2 } = v.state(size);
      const maxFrames = Math.max(1, Math.floor(VALIDATE_CHUNK_BYTES / frameSize));
      let sinceYield = 0;
      for (let pos = v.stoppedAt + frameSize; pos + frameSize <= size;) {
        const n = Math.min(maxFrames, Math.floor((size - pos) / frameSize));
        const want = scratchBuffer(n * frameSize);
        const got = preadFully(fd, want, pos);
        bytesRead += got;
        const at = findCommitFrame(want.subarray(0, got), pos, frameSize, salt1, salt2);
        if (at >= 0) {
          later = frameNumber(at, frameSize);
          break;
        }
        if (got < want.length) break; // the file shrank while it was read: the caller sees a torn read
        pos += got;
        sinceYield += got;
        if (sinceYield >= YIELD_EVERY_BYTES) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    }
    framesChecked += v.framesChecked;
    if (later === 0 || round >= WRITTEN_AHEAD_ROUNDS || tail === null || (tail.stop === lastStop && later === lastLater)) break;
    lastStop = tail.stop;
    lastLater = later;
    // A commit of the same log past the frame where it ended: damage in its middle, or a log
    // being written while it was read (a frame read before the writer finished it, the commits
    // after it written before the scan reached them). Validated again from its last commit: a
    // writer's frames are whole now, damage stays where it is.
    v = WalValidator.resume(v.state(size));
    later = 0;
    tail = null;
  }
  const state = v.state(size, later);
  if (tail !== null) tail.later = later;
  if (state.headerProblem === null) {
    // The bytes up to the last commit: what was kept, then what was validated now, cut there.
    const committed = store !== null ? store.subarray(0, state.committedEnd - WAL_HEADER_SIZE) : null;
    walCache.delete(key);
    walCache.set(key, { dev, ino, size, mtimeMs, ctimeMs, settled, state, tail, committed, store });
    while (walCache.size > WAL_CACHE_MAX) walCache.delete(walCache.keys().next().value as string);
    // Copies only for the logs read last.
    [...walCache.values()].slice(0, -COPY_MAX_LOGS).forEach((e) => {
      e.committed = null;
      e.store = null;
    });
  }
  return { state, resumed, framesChecked, bytesRead };
}
