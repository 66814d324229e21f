// A read-only, page-oriented snapshot of a SQLite database file plus its committed `-wal`
// frames, built from bytes read with Node's `fs` (read-only fds). SQLite never opens the real
// file, so nothing is ever written, locked or created next to it (no -shm, -wal, -journal).
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
import { promises as fsp, constants as fsc, Stats } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import * as path from 'node:path';
import { DbReadError } from '../model';

export const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
export const WAL_MAGIC_LE = 0x377f0682;
export const WAL_MAGIC_BE = 0x377f0683;
export const WAL_VERSION = 3007000;
const WAL_HEADER_SIZE = 32;
const WAL_FRAME_HEADER_SIZE = 24;
const JOURNAL_HEADER_SIZE = 28;

/** What identifies one version of a file, for torn-read detection. `null`: the file did not exist. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

export interface WalParseResult {
  /** Why the WAL contributes nothing, or null when its header is valid. */
  headerProblem: string | null;
  pageSize: number;
  salt1: number;
  salt2: number;
  bigEndianChecksums: boolean;
  /** Frames that passed salt and checksum validation (committed or not). */
  validFrames: number;
  /** Frames up to and including the last valid commit frame: the ones SQLite would use. */
  committedFrames: number;
  /** Database size in pages from the last valid commit frame (0 when there is none). */
  dbSizePages: number;
  /** Page number → byte offset of the page data (after the frame header) of its last committed copy. */
  pageOffsets: Map<number, number>;
}

/** Adds `data` (length a multiple of 8) to the running WAL checksum `s` (mutated and returned). */
export function walChecksum(
  data: Buffer,
  start: number,
  end: number,
  bigEndian: boolean,
  s: [number, number],
): [number, number] {
  let s1 = s[0];
  let s2 = s[1];
  if (bigEndian) {
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

function isValidPageSize(n: number): boolean {
  return n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/**
 * Parses a WAL image. `expectedPageSize` is the main database's page size: a WAL with another
 * page size contributes no frames. Never throws; an unusable WAL yields no frames.
 */
export function parseWal(wal: Buffer, expectedPageSize: number | null): WalParseResult {
  const result: WalParseResult = {
    headerProblem: null,
    pageSize: 0,
    salt1: 0,
    salt2: 0,
    bigEndianChecksums: false,
    validFrames: 0,
    committedFrames: 0,
    dbSizePages: 0,
    pageOffsets: new Map(),
  };
  if (wal.length < WAL_HEADER_SIZE) {
    result.headerProblem = wal.length === 0 ? 'empty' : 'shorter than its header';
    return result;
  }
  const magic = wal.readUInt32BE(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) {
    result.headerProblem = 'bad magic number';
    return result;
  }
  const bigEndian = magic === WAL_MAGIC_BE;
  const version = wal.readUInt32BE(4);
  const pageSize = wal.readUInt32BE(8);
  result.pageSize = pageSize;
  result.bigEndianChecksums = bigEndian;
  if (version !== WAL_VERSION) {
    result.headerProblem = `unsupported WAL version ${version}`;
    return result;
  }
  if (!isValidPageSize(pageSize)) {
    result.headerProblem = `invalid WAL page size ${pageSize}`;
    return result;
  }
  const s: [number, number] = [0, 0];
  walChecksum(wal, 0, 24, bigEndian, s);
  if (s[0] !== wal.readUInt32BE(24) || s[1] !== wal.readUInt32BE(28)) {
    result.headerProblem = 'bad header checksum';
    return result;
  }
  if (expectedPageSize !== null && pageSize !== expectedPageSize) {
    result.headerProblem = `WAL page size ${pageSize} differs from the database's ${expectedPageSize}`;
    return result;
  }
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  result.salt1 = salt1;
  result.salt2 = salt2;

  const frameSize = WAL_FRAME_HEADER_SIZE + pageSize;
  const pending: Array<[number, number]> = [];
  let frame = 0;
  for (let off = WAL_HEADER_SIZE; off + frameSize <= wal.length; off += frameSize) {
    const pgno = wal.readUInt32BE(off);
    const commitSize = wal.readUInt32BE(off + 4);
    if (pgno === 0) break;
    if (wal.readUInt32BE(off + 8) !== salt1 || wal.readUInt32BE(off + 12) !== salt2) break;
    const c0 = s[0];
    const c1 = s[1];
    walChecksum(wal, off, off + 8, bigEndian, s);
    walChecksum(wal, off + WAL_FRAME_HEADER_SIZE, off + frameSize, bigEndian, s);
    if (s[0] !== wal.readUInt32BE(off + 16) || s[1] !== wal.readUInt32BE(off + 20)) {
      s[0] = c0;
      s[1] = c1;
      break;
    }
    frame++;
    pending.push([pgno, off + WAL_FRAME_HEADER_SIZE]);
    if (commitSize !== 0) {
      for (const [p, o] of pending) result.pageOffsets.set(p, o);
      pending.length = 0;
      result.committedFrames = frame;
      result.dbSizePages = commitSize;
    }
  }
  result.validFrames = frame;
  // Pages above the committed database size are not part of the database.
  for (const p of [...result.pageOffsets.keys()]) {
    if (p > result.dbSizePages) result.pageOffsets.delete(p);
  }
  return result;
}

export interface DbHeaderInfo {
  pageSize: number;
  /** In-header database size, or null when offset 92 (version-valid-for) ≠ offset 24 (change counter). */
  headerPageCount: number | null;
  changeCounter: number;
}

/** Parses the 100-byte database header. Throws DbReadError (`corrupt`) on a non-SQLite header. */
export function parseDbHeader(head: Buffer, dbPath: string): DbHeaderInfo {
  if (head.length < 100 || !head.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new DbReadError('corrupt', `${dbPath} is not a SQLite database (it does not start with "SQLite format 3")`, dbPath);
  }
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (!isValidPageSize(pageSize)) {
    throw new DbReadError('corrupt', `${dbPath} has an invalid page size (${raw}) in its header: the file is corrupt`, dbPath);
  }
  const changeCounter = head.readUInt32BE(24);
  const inHeader = head.readUInt32BE(28);
  const validFor = head.readUInt32BE(92);
  return {
    pageSize,
    headerPageCount: inHeader > 0 && validFor === changeCounter ? inHeader : null,
    changeCounter,
  };
}

export interface Snapshot {
  path: string;
  pageSize: number;
  pageCount: number;
  /** Committed WAL frames applied on top of the main file (0 when there is no usable WAL). */
  walFramesApplied: number;
  /** Why the -wal contributed nothing (absent, empty, bad header...), or null. For diagnostics only. */
  walIgnoredReason: string | null;
  /** Page number → offset of the page data in the WAL image, for pages whose last committed copy is in the WAL. */
  walPageOffsets: ReadonlyMap<number, number>;
  /** A copy-free view of page `n` (1-based) as the database holds it. */
  readPage(n: number): Buffer;
  /** The whole database as one image that SQLite opens in rollback mode, without the WAL. */
  buildImage(): Buffer;
}

export interface OpenSnapshotOptions {
  /** For tests only: called after the -wal was read and before the main file is read. */
  onBetweenReads?: () => void | Promise<void>;
}

function stampOf(st: Stats): FileStamp {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, dev: st.dev };
}

export function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.dev === b.dev;
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** `p` as shown in messages: it always names the database path the user gave. */
function shown(p: string, dbPath: string): string {
  return p.startsWith(dbPath) ? p : `${p} (for ${dbPath})`;
}

function unreadable(p: string, what: string, e: unknown, dbPath: string): DbReadError {
  const code = errCode(e);
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : e instanceof Error ? e.message : String(e);
  return new DbReadError('unreadable', `cannot read ${what} ${shown(p, dbPath)}: ${why}`, dbPath);
}

/** Stats a side file; null when it does not exist. */
async function stampSideFile(p: string, what: string, dbPath: string): Promise<FileStamp | null> {
  try {
    return stampOf(await fsp.stat(p));
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
    throw unreadable(p, what, e, dbPath);
  }
}

async function stampMain(realPath: string, dbPath: string): Promise<FileStamp> {
  let st: Stats;
  try {
    st = await fsp.stat(realPath);
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') {
      throw new DbReadError('missing', `the DECNET database ${dbPath} does not exist`, dbPath);
    }
    throw unreadable(dbPath, 'the DECNET database', e, dbPath);
  }
  if (st.isDirectory()) {
    throw new DbReadError('unreadable', `the DECNET database path ${dbPath} is a directory, not a SQLite file`, dbPath);
  }
  if (!st.isFile()) {
    throw new DbReadError('unreadable', `the DECNET database path ${dbPath} is not a regular file`, dbPath);
  }
  return stampOf(st);
}

/** The symlink-resolved path of the database (SQLite puts the -wal next to the real file). */
async function resolveReal(dbPath: string): Promise<string> {
  try {
    return await fsp.realpath(dbPath);
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') {
      throw new DbReadError('missing', `the DECNET database ${dbPath} does not exist`, dbPath);
    }
    throw unreadable(dbPath, 'the DECNET database', e, dbPath);
  }
}

/**
 * Reads a whole regular file through a read-only, non-blocking fd (a FIFO swapped in cannot
 * hang us). Returns null when the file does not exist.
 */
async function readWhole(p: string, what: string, dbPath: string, maxBytes: number): Promise<Buffer | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(p, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0) | (fsc.O_NOCTTY ?? 0));
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
    throw unreadable(p, what, e, dbPath);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new DbReadError('unreadable', `${what} ${shown(p, dbPath)} is a directory, not a file`, dbPath);
    if (!st.isFile()) throw new DbReadError('unreadable', `${what} ${shown(p, dbPath)} is not a regular file`, dbPath);
    if (st.size > maxBytes) {
      throw new DbReadError(
        'unreadable',
        `${what} ${shown(p, dbPath)} is too large to load in memory (${st.size} bytes; this version reads at most ${maxBytes})`,
        dbPath,
      );
    }
    // A file that shrinks or grows while we read it is a torn read (callers retry).
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    try {
      while (off < st.size) {
        const { bytesRead } = await fh.read(buf, off, st.size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      if (off < st.size) throw new DbReadError('torn', `${what} ${shown(p, dbPath)} shrank while it was read`, dbPath);
      const probe = await fh.read(Buffer.alloc(1), 0, 1, st.size);
      if (probe.bytesRead > 0) throw new DbReadError('torn', `${what} ${shown(p, dbPath)} grew while it was read`, dbPath);
    } catch (e) {
      if (e instanceof DbReadError) throw e;
      throw unreadable(p, what, e, dbPath);
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/** Reads at most `n` bytes from the start of a regular file; null when it does not exist. */
async function readHead(p: string, what: string, dbPath: string, n: number): Promise<Buffer | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(p, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0) | (fsc.O_NOCTTY ?? 0));
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
    throw unreadable(p, what, e, dbPath);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new DbReadError('unreadable', `${what} ${shown(p, dbPath)} is not a regular file`, dbPath);
    const buf = Buffer.alloc(n);
    let off = 0;
    while (off < n) {
      const { bytesRead } = await fh.read(buf, off, n - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } catch (e) {
    if (e instanceof DbReadError) throw e;
    throw unreadable(p, what, e, dbPath);
  } finally {
    await fh.close();
  }
}

/** True when the journal header (first 28 bytes) holds anything but zeros. */
function journalIsHot(j: Buffer): boolean {
  const n = Math.min(j.length, JOURNAL_HEADER_SIZE);
  for (let i = 0; i < n; i++) if (j[i] !== 0) return true;
  return false;
}

/** The biggest file we load whole (Node's Buffer limit; sql.js also copies it). */
const MAX_FILE_BYTES = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32 - 1);

/**
 * Reads `dbPath` (absolute) and its `-wal` once, checking that neither changed while they were
 * read. Throws DbReadError: `missing`, `unreadable`, `locked` (hot rollback journal),
 * `corrupt`, `truncated`, `not-decnet` (empty file), `torn` (a file changed during the read;
 * callers retry).
 */
export async function openSnapshot(dbPath: string, opts: OpenSnapshotOptions = {}): Promise<Snapshot> {
  // SQLite names the -wal and -journal after the symlink-resolved path of the database.
  const realPath = await resolveReal(dbPath);
  const walPath = `${realPath}-wal`;
  const journalPath = `${realPath}-journal`;

  const before = {
    db: await stampMain(realPath, dbPath),
    wal: await stampSideFile(walPath, 'the write-ahead log', dbPath),
    journal: await stampSideFile(journalPath, 'the rollback journal', dbPath),
  };

  if (before.journal !== null && before.journal.size > 0) {
    const j = await readHead(journalPath, 'the rollback journal', dbPath, JOURNAL_HEADER_SIZE);
    if (j !== null && journalIsHot(j)) {
      throw new DbReadError(
        'locked',
        `${dbPath} has a hot rollback journal (${shown(journalPath, dbPath)}): another process is in the middle of writing it, so the file may be inconsistent. Try again when DECNET is idle.`,
        dbPath,
      );
    }
  }

  // The WAL first, then the main file: a checkpoint running in between then leaves us with
  // an old-but-complete log over a newer main file, never a reset log over an old main file.
  const wal = before.wal === null ? null : await readWhole(walPath, 'the write-ahead log', dbPath, MAX_FILE_BYTES);
  if (opts.onBetweenReads) await opts.onBetweenReads();
  const main = await readWhole(realPath, 'the DECNET database', dbPath, MAX_FILE_BYTES);
  if (main === null) throw new DbReadError('torn', `${dbPath} disappeared while it was read`, dbPath);

  if ((await resolveReal(dbPath)) !== realPath) {
    throw new DbReadError('torn', `${dbPath} was re-pointed to another file while it was read`, dbPath);
  }
  const after = {
    db: await stampMain(realPath, dbPath),
    wal: await stampSideFile(walPath, 'the write-ahead log', dbPath),
    journal: await stampSideFile(journalPath, 'the rollback journal', dbPath),
  };
  if (
    !sameStamp(before.db, after.db) ||
    !sameStamp(before.wal, after.wal) ||
    !sameStamp(before.journal, after.journal) ||
    main.length !== before.db.size ||
    (wal === null ? before.wal !== null : wal.length !== before.wal?.size)
  ) {
    throw new DbReadError('torn', `${dbPath} changed while it was being read (DECNET is writing to it)`, dbPath);
  }

  return snapshotFromBytes(dbPath, main, wal);
}

/** Builds a snapshot from bytes already read (the main file and the -wal, or null). */
export function snapshotFromBytes(dbPath: string, main: Buffer, wal: Buffer | null): Snapshot {
  if (main.length === 0) {
    // SQLite treats a 0-byte file as an empty database (and ignores, then deletes, a -wal next
    // to it), so there is no topologies table in it.
    throw new DbReadError(
      'not-decnet',
      `${dbPath} is empty (0 bytes): it is not a DECNET database, or DECNET has not created it yet`,
      dbPath,
    );
  }
  if (main.length < 100) {
    const n = Math.min(main.length, SQLITE_MAGIC.length);
    if (main.subarray(0, n).equals(SQLITE_MAGIC.subarray(0, n))) {
      throw new DbReadError('truncated', `${dbPath} is truncated: only ${main.length} bytes, less than a SQLite header`, dbPath);
    }
    throw new DbReadError('corrupt', `${dbPath} is not a SQLite database (it does not start with "SQLite format 3")`, dbPath);
  }
  const header = parseDbHeader(main, dbPath);
  const { pageSize } = header;
  if (main.length % pageSize !== 0) {
    throw new DbReadError(
      'truncated',
      `${dbPath} is truncated or damaged: its size (${main.length} bytes) is not a multiple of its page size (${pageSize})`,
      dbPath,
    );
  }
  const mainPages = main.length / pageSize;

  const parsed = wal === null ? null : parseWal(wal, pageSize);
  const walUsable = parsed !== null && parsed.committedFrames > 0;
  let pageCount: number;
  if (walUsable) {
    pageCount = parsed.dbSizePages;
  } else {
    pageCount = header.headerPageCount ?? mainPages;
  }
  const walPageOffsets: ReadonlyMap<number, number> = walUsable ? parsed.pageOffsets : new Map();
  const walBytes = wal ?? Buffer.alloc(0);

  // Every page must come from the WAL or the main file.
  let missing = 0;
  let firstMissing = 0;
  for (let n = mainPages + 1; n <= pageCount; n++) {
    if (!walPageOffsets.has(n)) {
      if (missing === 0) firstMissing = n;
      missing++;
    }
  }
  if (missing > 0) {
    throw new DbReadError(
      'truncated',
      `${dbPath} is truncated: the database has ${pageCount} pages of ${pageSize} bytes but the file holds only ${mainPages}` +
        ` (page ${firstMissing} and ${missing - 1} more are in neither the file nor its write-ahead log)`,
      dbPath,
    );
  }
  if (pageCount === 0) {
    throw new DbReadError('corrupt', `${dbPath} has no pages: the file is corrupt`, dbPath);
  }

  const readPage = (n: number): Buffer => {
    if (!Number.isInteger(n) || n < 1 || n > pageCount) {
      throw new RangeError(`page ${n} is outside 1..${pageCount}`);
    }
    const off = walPageOffsets.get(n);
    if (off !== undefined) return walBytes.subarray(off, off + pageSize);
    return main.subarray((n - 1) * pageSize, n * pageSize);
  };

  let walIgnoredReason: string | null = null;
  if (parsed === null) walIgnoredReason = 'no write-ahead log';
  else if (parsed.headerProblem !== null) walIgnoredReason = parsed.headerProblem;
  else if (!walUsable) walIgnoredReason = 'no committed frames';

  return {
    path: dbPath,
    pageSize,
    pageCount,
    walFramesApplied: walUsable ? parsed.committedFrames : 0,
    walIgnoredReason,
    walPageOffsets,
    readPage,
    buildImage(): Buffer {
      const image = Buffer.allocUnsafe(pageCount * pageSize);
      for (let n = 1; n <= pageCount; n++) readPage(n).copy(image, (n - 1) * pageSize);
      patchHeaderForRollbackMode(image, pageCount);
      return image;
    },
  };
}

/**
 * Makes page 1 say "rollback journal mode, `pageCount` pages, header size trustworthy", so
 * that SQLite opens the image without looking for a WAL.
 */
export function patchHeaderForRollbackMode(image: Buffer, pageCount: number): void {
  if (image[18] === 2) image[18] = 1;
  if (image[19] === 2) image[19] = 1;
  image.writeUInt32BE(pageCount, 28);
  image.writeUInt32BE(image.readUInt32BE(24), 92);
}

/** The absolute form of a user-supplied path (no symlink resolution: we read what it points to). */
export function absoluteDbPath(p: string): string {
  return path.resolve(p);
}
