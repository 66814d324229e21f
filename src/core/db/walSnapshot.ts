// A read-only, page-oriented snapshot of a SQLite database file plus its committed `-wal`
// frames, read with Node's `fs` through read-only fds. SQLite never opens the real file, so
// nothing is ever written, locked or created next to it (no -shm, -wal, -journal).
//
// Pages are read on demand (one pread each) and only when asked for: a multi-gigabyte file
// whose `logs` table the reader never looks at costs the pages of the tables it does read, not
// the size of the file. The -wal is validated frame by frame in bounded chunks (walIndex.ts).
// Every page from 1 to the page count must exist in the file or the log (checked when the
// snapshot is opened), and `changed()` tells whether the files changed while they were
// being read, so that the caller can retry a torn read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DbReadError } from '../model';
import { openNonBlocking, preadFully } from '../fsSafe';
import {
  isValidPageSize,
  readWalFile,
  restartedSinceValidated,
  validateHeader,
  WalValidator,
  type WalState,
  WAL_FRAME_HEADER_SIZE,
  WAL_HEADER_SIZE,
} from './walIndex';
import { readShmHeader, type ShmHeader } from './shm';
import { serverClockFs, settlesAt } from './settledStamp';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const JOURNAL_HEADER_SIZE = 28;

/** What identifies one version of a file, for torn-read detection. `null`: the file did not exist. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
  /**
   * True when the stamp was recorded well after the file's last change (see settledStamp.ts):
   * only then does an equal stamp later prove the file unchanged. Not part of the comparison.
   */
  settled: boolean;
  /** When a stat of the unchanged file gives a settled stamp (ms since the epoch; Infinity: never). */
  settlesAt: number;
  /** The file system, when its file times are set by another machine's clock (`nfs`...), else null. */
  serverFs: string | null;
}

function walPageSizeProblem(walPageSize: number, dbPageSize: number): string {
  return `WAL page size ${walPageSize} differs from the database's ${dbPageSize}`;
}

interface DbHeaderInfo {
  pageSize: number;
  /** In-header database size, or null when offset 92 (version-valid-for) ≠ offset 24 (change counter). */
  headerPageCount: number | null;
  changeCounter: number;
}

/** Parses the 100-byte database header. Throws DbReadError (`corrupt`) on a non-SQLite header. */
function parseDbHeader(head: Buffer, dbPath: string): DbHeaderInfo {
  if (head.length < 100 || !head.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new DbReadError('not-sqlite', `${dbPath} is not a SQLite database (it does not start with "SQLite format 3")`, dbPath);
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

/** What one read cost: filled in by openSnapshot (and by the reader for `schemaReused`). */
export interface ReadStats {
  /** Distinct database pages read from the files, in the order they were first read. */
  pagesRead: number[];
  /** Pages read from the main file / from the -wal (a page read twice counts twice). */
  mainPageReads: number;
  walPageReads: number;
  /** Read calls made for pages (several neighbouring pages can come in one call). */
  pageReadCalls: number;
  /** Pages served from what earlier reads of the same file kept (they cannot have changed since). */
  keptPageHits: number;
  /** Every byte read from the database file and its -wal (headers and WAL validation included). */
  bytesRead: number;
  /** WAL frames whose checksum was computed during this read. */
  walFramesChecked: number;
  /** True when the -wal validation resumed from an earlier read of the same log. */
  walResumed: boolean;
  /** Size of the main file, its page size and the database's page count. */
  fileSize: number;
  pageSize: number;
  pageCount: number;
  /** True when the SQL engine reused its parsed schema (the schema had not changed). */
  schemaReused: boolean;
  /**
   * True when nothing had changed since the last read of this file (main file stamp, -wal commit,
   * page 1): SQLite kept the pages it had read instead of reading them again.
   */
  pagesReused: boolean;
  /**
   * True when this read ran the structure check of the tables read (SQLite's integrity check of
   * each, the primary key against its index); false when an earlier read already checked exactly
   * these bytes (`pagesReused`). `integrityCheckMs` is what it took (0 when skipped).
   */
  integrityChecked: boolean;
  integrityCheckMs: number;
  /**
   * True when the answer is the last read's: every byte it was computed from (the pages SQLite
   * read for it, page 1, a page count no smaller) is the same in this snapshot, compared page by
   * page; no statement ran (a commit of other tables, such as `logs` rows).
   */
  resultReused: boolean;
  /** Attempts made (a torn read is retried). */
  attempts: number;
  /**
   * When the read was torn because it rested on file stamps that prove nothing yet (recorded too
   * soon after the file's last change, see settledStamp.ts): the moment they will (ms since the
   * epoch; Infinity: never, the times come from a file server, named in `stampsFromServer`).
   * 0 otherwise.
   */
  stampsSettleAt: number;
  stampsFromServer: string | null;
  /**
   * Frames found in the -wal after the snapshot's last commit when the read was checked (frames
   * appended while it ran): they are not part of the snapshot and do not make the read torn.
   */
  framesAppendedDuringRead: number;
  /**
   * True when the read was torn because the -wal was restarted while it ran (a new header: a
   * checkpoint copied the whole log back and SQLite started it again from its beginning).
   */
  logRestartedDuringRead: boolean;
  /**
   * True when the -wal was restarted once while the read ran and its frames proved that every
   * page read was still the snapshot's (see restartLeftReadIntact): the read was not torn.
   */
  logRestartTolerated: boolean;
}

export function newReadStats(): ReadStats {
  return {
    pagesRead: [],
    mainPageReads: 0,
    walPageReads: 0,
    pageReadCalls: 0,
    keptPageHits: 0,
    bytesRead: 0,
    walFramesChecked: 0,
    walResumed: false,
    fileSize: 0,
    pageSize: 0,
    pageCount: 0,
    schemaReused: false,
    pagesReused: false,
    integrityChecked: false,
    integrityCheckMs: 0,
    resultReused: false,
    attempts: 0,
    stampsSettleAt: 0,
    stampsFromServer: null,
    framesAppendedDuringRead: 0,
    logRestartedDuringRead: false,
    logRestartTolerated: false,
  };
}

function resetStats(s: ReadStats): void {
  const attempts = s.attempts;
  Object.assign(s, newReadStats(), { attempts });
}

export interface Snapshot {
  path: string;
  pageSize: number;
  pageCount: number;
  /** The main file as it was opened (device and inode identify it). */
  file: FileStamp;
  /**
   * What the database holds can differ from another snapshot's of the same file only when this
   * differs, or page 1 does: the main file's stamp, and the -wal's identity, header and last
   * valid commit (its frames up to that commit are checksummed and never rewritten). The main
   * file's stamp proves it only when it was settled (`file.settled`, see settledStamp.ts): a
   * later snapshot with the same version holds what this one held only if this one's was.
   */
  version: string;
  /** Committed WAL frames applied on top of the main file (0 when there is no usable WAL). */
  walFramesApplied: number;
  /** What was read so far. */
  stats: ReadStats;
  /**
   * Page `n` (1-based) as the database holds it, read from the -wal or the main file on first
   * use. Throws RangeError outside 1..pageCount, DbReadError (`torn`) when the file no longer
   * holds the page (it shrank while it was read).
   */
  readPage(n: number): Buffer;
  /** Reads page `n` into `buf` (pageSize bytes) without keeping it: for callers with their own cache. */
  readPageInto(n: number, buf: Buffer): Buffer;
  /** True when the database's copy of page `n` is in the -wal (it must not be read from the main file). */
  isWalPage(n: number): boolean;
  /** True when an earlier read of the file kept page `n`, and it cannot have changed since. */
  isKept(n: number): boolean;
  /**
   * Reads pages `first` .. `first + count - 1`, none of them in the -wal, from the main file in one
   * call into `buf` (count × pageSize bytes).
   */
  readRunInto(first: number, count: number, buf: Buffer): Buffer;
  /** True when the database, its -wal or -journal changed (or the path was re-pointed) since the snapshot was opened. */
  changed(): boolean;
  /** Closes the files. The snapshot cannot read pages afterwards. */
  close(): void;
}

export interface OpenSnapshotOptions {
  /** For tests only: called after the -wal was read and before the main file is opened. */
  onBetweenReads?: () => void | Promise<void>;
  /** Filled in with what the read cost (reset first; `attempts` is left to the caller). */
  stats?: ReadStats;
}

/** The stamp of `p` from `st`, a stat (or fstat) that began at `now` (Date.now()). */
function stampOf(st: fs.Stats, now: number, p: string): FileStamp {
  const serverFs = serverClockFs(p, st.dev);
  const at = settlesAt(st, serverFs !== null);
  return {
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ino: st.ino,
    dev: st.dev,
    settled: now > at,
    settlesAt: at,
    serverFs,
  };
}

function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.dev === b.dev;
}

/** Same file (device and inode), whatever its size and times. */
function sameFile(a: { ino: number; dev: number } | null, b: { ino: number; dev: number } | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ino === b.ino && a.dev === b.dev;
}

/**
 * Of `stamps`, the one that proves nothing yet (not settled when recorded) and settles last, or
 * null when every one proves what it says (a missing file, null, proves that it is missing).
 */
function unsettled(...stamps: Array<FileStamp | null>): FileStamp | null {
  let worst: FileStamp | null = null;
  for (const s of stamps) {
    if (s !== null && !s.settled && (worst === null || s.settlesAt > worst.settlesAt)) worst = s;
  }
  return worst;
}

// When is a read that ran while DECNET wrote still a read of one consistent database?
//
// The snapshot is the main file plus the -wal frames up to the last commit frame validated at
// the start (header H: salts, checkpoint sequence). Its pages come from two places:
//
//  - Pages taken from the -wal. Within one generation of the log (header H unchanged) SQLite
//    only appends frames after the last commit; frames up to a commit are never rewritten. A
//    checkpoint that restarts the log first writes a new header (new salt-1 = old + 1, random
//    salt-2, checkpoint sequence + 1) at offset 0, in sqlite3WalFrames before the first frame
//    of the new generation, and only then overwrites frames from the start of the file. A
//    truncated or deleted log has no header left (our fd still reads the unlinked file, whose
//    header stays H, so the path is checked too). So: if the header read AFTER the last page
//    (and after the scan below) is still H on the same file, no frame was overwritten before
//    that, and every frame we read held what it held at the start.
//
//  - Pages taken from the main file. In WAL mode the main file changes only by checkpoints,
//    which copy into it pages of frames that are in the log (committed frames up to some
//    mxFrame, possibly frames committed after our snapshot), and may truncate it (after the
//    database shrank). A page we read from the main file can therefore hold a newer version
//    only if some committed frame of the current generation holds that page (a checkpoint
//    never copies a frame that no commit frame follows). Frames up to our snapshot's commit hold
//    none of them (those pages are read from the -wal). So if none of the frames after the
//    snapshot's commit that a commit frame follows (appended while we read, up to the first
//    frame that does not carry H's salts) holds a page that we read from the main file, and the
//    log was not restarted (header still H: a restart means a checkpoint copied everything,
//    possibly frames newer than our snapshot), those pages are what they were at the start.
//    One restart is accepted when the frames of both logs prove it harmless: see
//    restartLeftReadIntact below.
//    Any frame a checkpoint copied before our last read was written before it, so the scan,
//    which runs after our last read, sees it, with the commit frame that made it copyable.
//    Frames of a transaction that never committed (rolled back, left after the last commit at
//    rest) are not copied and are ignored. Frames are not checksummed here: a page number or a
//    commit mark from a frame that is not valid only causes a needless retry, which is safe.
//    A main file that shrank, or another file at the path (replaced by rename), is a retry.
//
//  - Pages served from what earlier reads kept, or from SQLite's own cache of an unchanged
//    snapshot, are not read from disk during this read: they are the snapshot's pages already
//    (a kept page is dropped when a frame committed since writes it).
//
//  - The -journal must be as it was (a switch to rollback mode, a hot journal: a retry). Without
//    a usable -wal header at the start, the old rule holds: the main file and the -wal must keep
//    their stamp (size, times, inode) for the whole read, and that stamp must have been settled
//    when the read began (see settledStamp.ts): a file rewritten in place within the clock tick
//    of its last write keeps its stamp. A file written just before the read is read once its
//    stamp has settled.
//
// Reading the -shm is not needed: the -wal file itself says all of this.

interface ValidityInputs {
  mainPath: string;
  /** The main file as opened. */
  main: FileStamp;
  walPath: string;
  /** The -wal as opened (our fd reads it even if the path is re-pointed). */
  walFd: number;
  wal: FileStamp;
  /** The log as validated at the start (header usable). */
  walState: WalState;
  /** The -wal's size when it was opened. */
  walSizeAtOpen: number;
  /** Pages read from the main file on disk during this read. */
  fromMain: ReadonlySet<number>;
  /** File offset of the first (lowest) -wal frame a page was read from during this read, or Infinity. */
  firstFrameRead: number;
  stats: ReadStats;
}

/** True when the pages read so far are the snapshot's (see the comment above). Call after the last page read. */
function readStillValid(v: ValidityInputs): boolean {
  const mainNow = fs.statSync(v.mainPath, { throwIfNoEntry: false });
  if (mainNow === undefined || !sameFile(mainNow, v.main) || mainNow.size < v.main.size) return false;
  const walNow = fs.statSync(v.walPath, { throwIfNoEntry: false });
  if (walNow === undefined || !sameFile(walNow, v.wal)) return false;

  const st = v.walState;
  const frameSize = WAL_FRAME_HEADER_SIZE + st.pageSize;
  const size = fs.fstatSync(v.walFd).size;
  // The frames are read a few at a time (4, then 16, then 64 per read), all after the last page
  // read: a frame that a checkpoint copied before that was written before it, and is seen.
  let chunk = Buffer.alloc(0);
  let chunkStart = 0;
  let chunkLength = 0;
  let perRead = 4;
  let appended = 0;
  let valid = true;
  // Pages read from the main file that frames since the last commit frame seen hold.
  let pending = false;
  for (let off = st.committedEnd; off + frameSize <= size; off += frameSize) {
    if (off + WAL_FRAME_HEADER_SIZE > chunkStart + chunkLength) {
      const n = Math.min(perRead, Math.floor((size - off) / frameSize));
      if (chunk.length < n * frameSize) chunk = Buffer.allocUnsafe(n * frameSize);
      chunkStart = off;
      chunkLength = preadFully(v.walFd, chunk.subarray(0, n * frameSize), off);
      perRead = Math.min(64, perRead * 4);
      if (chunkLength < WAL_FRAME_HEADER_SIZE) break;
    }
    const fh = chunk.subarray(off - chunkStart, off - chunkStart + WAL_FRAME_HEADER_SIZE);
    const pgno = fh.readUInt32BE(0);
    if (pgno === 0 || fh.readUInt32BE(8) !== st.salt1 || fh.readUInt32BE(12) !== st.salt2) break;
    appended++;
    if (v.fromMain.has(pgno)) pending = true;
    if (fh.readUInt32BE(4) !== 0 && pending) {
      // A commit: a checkpoint may copy these frames into the main file, if they are valid.
      // Frames left at rest that fail their checksum (a torn last commit) never will be.
      if (isValidCommit(v.walFd, st, off + frameSize)) valid = false;
      break;
    }
  }
  v.stats.framesAppendedDuringRead = appended;
  if (!valid) return false;
  // Last: the header, after every frame we looked at.
  const header = Buffer.alloc(WAL_HEADER_SIZE);
  if (preadFully(v.walFd, header, 0) < WAL_HEADER_SIZE) {
    v.stats.logRestartedDuringRead = true;
    return false;
  }
  if (!header.equals(st.header)) {
    if (!restartLeftReadIntact(v, header)) {
      v.stats.logRestartedDuringRead = true;
      return false;
    }
    v.stats.logRestartTolerated = true;
  }
  // The log at the path is still the file we read (not deleted after a full checkpoint).
  const walAfter = fs.statSync(v.walPath, { throwIfNoEntry: false });
  return walAfter !== undefined && sameFile(walAfter, v.wal);
}

// One restart of the log during the read (header H → H'), proven harmless from the frames.
//
// Under a writer that commits without pause, SQLite's automatic checkpoint restarts the log
// every few dozen milliseconds; a read of a whole log can take longer than that, so a read
// torn by any restart may never answer. A restart is harmless when nothing it did, and nothing
// done after it, reached a byte this read took. What a restart does (wal.c): a checkpoint first
// copies EVERY committed frame of the old log G (a writer restarts the log only when the
// checkpoint backfilled all of it and no reader uses it), then the writer writes the new
// header H' at offset 0 (salt-1 = H's + 1, checkpoint sequence = H's + 1, new salt-2) and only
// then frames of the new log G' from offset 32 on, one after another, each frame's header
// before its page. TRUNCATE and journal_size_limit may also cut the file. So, checked after the
// last page read, in this order:
//
//  1. H' is a valid header (its checksum holds) and H's successor (same format and page size,
//     salt-1 and sequence + 1): exactly one restart happened before this check began (salt-1
//     grows by one per restart).
//  2. The file is at least as long as when it was opened (a truncation that cut frames below
//     that is seen), and the frames of G after the snapshot's commit E (up to the first frame
//     without G's salts) hold no page read from the main file. These are the only frames a
//     checkpoint of G could copy over a page that the snapshot takes from the main file (frames
//     up to E hold none: their pages are read from the -wal). If this scan ends at the end of
//     the file, the end must fall on a frame boundary: a file cut by journal_size_limit ends
//     there only by chance (the limit then matching a frame boundary exactly, past the size at
//     open, is the one case this cannot see; DECNET sets no limit).
//  3. The frames of G' (from offset 32 while they carry H''s salts) hold no page read from the
//     main file (a checkpoint of G' may have copied one), and G' ends below E and below the
//     first -wal frame this read took a page from. G' is written front to back, so a frame of
//     G that G' overwrote before we read it (or before the scan of 2 read it) lies below G''s
//     end now: every frame read in 2 and every page read from the -wal held G's bytes.
//     A frame of G' that a checkpoint copied before one of our reads was written before it,
//     so this scan, which runs after all of them, sees it.
//  4. The header is still H' (read last): no second restart began before that (a restart writes
//     its header before any of its frames), so no frame looked at in 2 and 3 was overwritten
//     by a later log; the path still names the same -wal (checked by the caller).
//
// The main file must be the same file, no shorter (checked first by the caller): a checkpoint
// that truncated it before a page read makes that read short, which is a torn read.
function restartLeftReadIntact(v: ValidityInputs, now: Buffer): boolean {
  const st = v.walState;
  const old = st.header;
  if (
    now.length < WAL_HEADER_SIZE ||
    !now.subarray(0, 12).equals(old.subarray(0, 12)) ||
    now.readUInt32BE(12) !== (old.readUInt32BE(12) + 1) >>> 0 ||
    now.readUInt32BE(16) !== (old.readUInt32BE(16) + 1) >>> 0 ||
    validateHeader(now).headerProblem !== null
  ) {
    return false;
  }
  const frameSize = WAL_FRAME_HEADER_SIZE + st.pageSize;
  const fh = Buffer.allocUnsafe(WAL_FRAME_HEADER_SIZE);
  // 2. The old log's frames after the snapshot's commit.
  const size = fs.fstatSync(v.walFd).size;
  if (size < v.walSizeAtOpen) return false;
  let off = st.committedEnd;
  for (; off + frameSize <= size; off += frameSize) {
    if (preadFully(v.walFd, fh, off) < WAL_FRAME_HEADER_SIZE) return false;
    if (fh.readUInt32BE(0) === 0 || fh.readUInt32BE(8) !== st.salt1 || fh.readUInt32BE(12) !== st.salt2) break;
    if (v.fromMain.has(fh.readUInt32BE(0))) return false;
  }
  if (off + frameSize > size && off !== size) return false;
  // 3. The new log's frames.
  const salt1 = now.readUInt32BE(16);
  const salt2 = now.readUInt32BE(20);
  for (off = WAL_HEADER_SIZE; ; off += frameSize) {
    const got = preadFully(v.walFd, fh, off);
    if (got < WAL_FRAME_HEADER_SIZE || fh.readUInt32BE(8) !== salt1 || fh.readUInt32BE(12) !== salt2) break;
    // G' must end below E, and at or below the first frame read.
    if (off + frameSize >= st.committedEnd || off + frameSize > v.firstFrameRead) return false;
    if (v.fromMain.has(fh.readUInt32BE(0))) return false;
  }
  // 4. No second restart.
  const again = Buffer.alloc(WAL_HEADER_SIZE);
  return preadFully(v.walFd, again, 0) === WAL_HEADER_SIZE && again.equals(now);
}

/** True when the frames after `st`'s last commit, up to `end`, form a valid commit of its log. */
function isValidCommit(fd: number, st: WalState, end: number): boolean {
  const bytes = Buffer.allocUnsafe(end - st.committedEnd);
  if (preadFully(fd, bytes, st.committedEnd) < bytes.length) return true; // cannot tell: retry
  const v = WalValidator.resume(st);
  v.feed(bytes);
  return v.state(end).committedEnd >= end;
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined;
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

function torn(dbPath: string, why = 'changed while it was being read (DECNET is writing to it)'): DbReadError {
  return new DbReadError('torn', `${dbPath} ${why}`, dbPath);
}

/** Notes in `stats` when the read could rest on `stamp` (see ReadStats.stampsSettleAt). */
function noteUnsettled(stamp: FileStamp, stats: ReadStats): void {
  stats.stampsSettleAt = Math.max(stats.stampsSettleAt, stamp.settlesAt);
  stats.stampsFromServer ??= stamp.serverFs;
}

/** A torn read: it rests on `stamp`, which proves nothing yet. */
function notSettled(dbPath: string, stamp: FileStamp, stats: ReadStats): DbReadError {
  noteUnsettled(stamp, stats);
  return torn(
    dbPath,
    stamp.serverFs !== null
      ? `cannot be proven unchanged while it is read: its file times are set by the file server (${stamp.serverFs})`
      : 'was written too recently for its file times to prove that it does not change while it is read',
  );
}

/** Stats a side file; null when it does not exist. */
function stampSideFile(p: string, what: string, dbPath: string): FileStamp | null {
  try {
    const now = Date.now();
    const st = fs.statSync(p, { throwIfNoEntry: false });
    return st === undefined ? null : stampOf(st, now, p);
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
    throw unreadable(p, what, e, dbPath);
  }
}

function stampMain(realPath: string, dbPath: string): FileStamp {
  let st: fs.Stats;
  const now = Date.now();
  try {
    st = fs.statSync(realPath);
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
  return stampOf(st, now, realPath);
}

/** The symlink-resolved path of the database (SQLite puts the -wal next to the real file). */
function resolveReal(dbPath: string): string {
  try {
    return fs.realpathSync.native(dbPath);
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') {
      throw new DbReadError('missing', `the DECNET database ${dbPath} does not exist`, dbPath);
    }
    throw unreadable(dbPath, 'the DECNET database', e, dbPath);
  }
}

/**
 * Opens a regular file read-only and non-blocking (a FIFO swapped in cannot hang us). Returns
 * null when it does not exist.
 */
function openRegular(p: string, what: string, dbPath: string): { fd: number; st: fs.Stats } | null {
  let f: { fd: number; st: fs.Stats };
  try {
    f = openNonBlocking(p);
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
    throw unreadable(p, what, e, dbPath);
  }
  if (f.st.isFile()) return f;
  fs.closeSync(f.fd);
  if (f.st.isDirectory()) throw new DbReadError('unreadable', `${what} ${shown(p, dbPath)} is a directory, not a file`, dbPath);
  throw new DbReadError('unreadable', `${what} ${shown(p, dbPath)} is not a regular file`, dbPath);
}

/** Reads at most `n` bytes from the start of a regular file; null when it does not exist. */
function readHead(p: string, what: string, dbPath: string, n: number): Buffer | null {
  const f = openRegular(p, what, dbPath);
  if (f === null) return null;
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, preadFully(f.fd, buf, 0));
  } catch (e) {
    throw unreadable(p, what, e, dbPath);
  } finally {
    fs.closeSync(f.fd);
  }
}

/** True when the journal header (first 28 bytes) holds anything but zeros. */
function journalIsHot(j: Buffer): boolean {
  const n = Math.min(j.length, JOURNAL_HEADER_SIZE);
  for (let i = 0; i < n; i++) if (j[i] !== 0) return true;
  return false;
}

/** Where the bytes of the main file or the -wal come from. */
interface ByteSource {
  size: number;
  /** Reads into `buf` from `position` until full or end of data; returns the bytes read. */
  read(buf: Buffer, position: number): number;
}

function fdSource(fd: number, size: number, what: string, p: string, dbPath: string): ByteSource {
  return {
    size,
    read(buf, position) {
      try {
        return preadFully(fd, buf, position);
      } catch (e) {
        throw unreadable(p, what, e, dbPath);
      }
    },
  };
}

/**
 * Opens `dbPath` (absolute) and its `-wal` for reading, validates the committed WAL frames and
 * checks that every page of the database is in one of them. Pages are read later, on demand.
 * Throws DbReadError: `missing`, `unreadable`, `locked` (hot rollback journal), `corrupt`,
 * `truncated`, `not-decnet` (empty file), `torn` (a file changed during the read; callers
 * retry). The caller must `close()` the snapshot, and call `changed()` after its last
 * page read.
 */
export async function openSnapshot(dbPath: string, opts: OpenSnapshotOptions = {}): Promise<Snapshot> {
  const stats = opts.stats ?? newReadStats();
  resetStats(stats);
  // SQLite names the -wal and -journal after the symlink-resolved path of the database.
  const realPath = resolveReal(dbPath);
  const walPath = `${realPath}-wal`;
  const journalPath = `${realPath}-journal`;

  const before = {
    db: stampMain(realPath, dbPath),
    wal: stampSideFile(walPath, 'the write-ahead log', dbPath),
    journal: stampSideFile(journalPath, 'the rollback journal', dbPath),
  };

  if (before.journal !== null && before.journal.size > 0) {
    const j = readHead(journalPath, 'the rollback journal', dbPath, JOURNAL_HEADER_SIZE);
    if (j !== null && journalIsHot(j)) {
      throw new DbReadError(
        'locked',
        `${dbPath} has a hot rollback journal (${shown(journalPath, dbPath)}): another process is in the middle of writing it, so the file may be inconsistent. Try again when DECNET is idle.`,
        dbPath,
      );
    }
  }

  const fds: number[] = [];
  const closeAll = (): void => {
    for (const fd of fds.splice(0)) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
  };
  try {
    // The WAL first, then the main file: a checkpoint running in between then leaves us with
    // an old-but-complete log over a newer main file, never a reset log over an old main file.
    let walState: WalState | null = null;
    let walSource: ByteSource | null = null;
    let walFile: FileStamp | null = null;
    let walFd: number | null = null;
    let page1: EarlyPage1 | null = null;
    // DECNET's -shm, before the -wal: a commit it counts is then already in the -wal we read.
    const shm = before.wal === null ? null : readShmHeader(`${realPath}-shm`);
    if (before.wal !== null) {
      const w = openRegular(walPath, 'the write-ahead log', dbPath);
      // The log may grow between the stat and the open (DECNET commits): what it holds is
      // decided by its content below. Another file, or none, is a torn read.
      if (w === null || !sameFile(w.st, before.wal)) throw torn(dbPath);
      fds.push(w.fd);
      walFd = w.fd;
      let info;
      let walNow: fs.Stats = w.st;
      let walStatAt = 0;
      try {
        // Page 1 of the main file, read after the log's header and before its frames: see
        // SideFiles.page1.
        const header = Buffer.alloc(WAL_HEADER_SIZE);
        if (preadFully(w.fd, header, 0) === WAL_HEADER_SIZE) {
          page1 = readMainPage1(realPath, dbPath);
          if (page1 !== null) {
            page1.walHeader = header;
            // Counted as a page read from the main file (it is one, if no frame holds page 1).
            stats.bytesRead += page1.bytesRead;
            stats.pageReadCalls++;
            stats.mainPageReads++;
          }
        }
        // The log as it is now, after page 1 was read: a commit that a checkpoint copied into
        // the main file before that read was written before it, so it is in the snapshot.
        walStatAt = Date.now();
        walNow = fs.fstatSync(w.fd);
        info = await readWalFile(w.fd, walNow.size, walNow.dev, walNow.ino, walPath);
      } catch (e) {
        if (e instanceof DbReadError) throw e;
        throw unreadable(walPath, 'the write-ahead log', e, dbPath);
      }
      walState = info.state;
      walFile = stampOf(walNow, walStatAt, walPath);
      walSource = fdSource(w.fd, walNow.size, 'the write-ahead log', walPath, dbPath);
      stats.bytesRead += info.bytesRead;
      stats.walFramesChecked = info.framesChecked;
      stats.walResumed = info.resumed;
    }
    if (opts.onBetweenReads) await opts.onBetweenReads();
    const openedAt = Date.now();
    const m = openRegular(realPath, 'the DECNET database', dbPath);
    if (m === null) throw torn(dbPath, 'disappeared while it was read');
    fds.push(m.fd);
    const opened = stampOf(m.st, openedAt, realPath);
    // With a log to check (see readStillValid), a checkpoint that ran since the stat is judged by
    // content; without one, any change to the main file is a torn read.
    const byContent = walState !== null && walState.headerProblem === null;
    if (byContent ? !sameFile(opened, before.db) || opened.size < before.db.size : !sameStamp(opened, before.db)) {
      throw torn(dbPath);
    }
    // The stamps this read rests on must prove what they say (see settledStamp.ts): a file
    // rewritten in place within the clock tick of its last change keeps its stamp. Without a log
    // to check by content, those are every file's; with one, the -journal's only. A stamp
    // recorded too soon after a change makes the read torn: it is read again once the stamp has
    // settled (the caller waits until `stats.stampsSettleAt`).
    const young = byContent ? unsettled(before.journal) : unsettled(before.db, before.wal, before.journal);
    if (young !== null) throw notSettled(dbPath, young, stats);
    const main = fdSource(m.fd, m.st.size, 'the DECNET database', realPath, dbPath);

    // The stamps compared here were settled when recorded (checked above).
    const changed = (fromMain: ReadonlySet<number>, firstFrameRead: number, pageSize: number): boolean => {
      let real: string;
      try {
        real = fs.realpathSync.native(dbPath);
      } catch {
        return true;
      }
      if (real !== realPath) return true;
      try {
        if (!sameStamp(before.journal, stampSideFile(journalPath, 'the rollback journal', dbPath))) return true;
        if (byContent && walState !== null && walFd !== null && walFile !== null && walState.pageSize === pageSize) {
          return !readStillValid({
            mainPath: realPath,
            main: opened,
            walPath,
            walFd,
            wal: walFile,
            walState,
            walSizeAtOpen: walSource?.size ?? 0,
            fromMain,
            firstFrameRead,
            stats,
          });
        }
        return (
          !sameStamp(before.db, stampSideFile(realPath, 'the DECNET database', dbPath)) ||
          !sameStamp(before.wal, stampSideFile(walPath, 'the write-ahead log', dbPath))
        );
      } catch {
        return true;
      }
    };
    // Whether any of the files was written at all since it was opened: a log that looks damaged
    // is damaged when nothing wrote to it meanwhile, and a write in progress otherwise. A stamp
    // that was not settled when recorded cannot tell: written, read again once it has settled.
    const written = (): boolean => {
      const unsure = unsettled(opened, walFile ?? before.wal, before.journal);
      if (unsure !== null) {
        noteUnsettled(unsure, stats);
        return true;
      }
      try {
        return (
          fs.realpathSync.native(dbPath) !== realPath ||
          !sameStamp(before.journal, stampSideFile(journalPath, 'the rollback journal', dbPath)) ||
          !sameStamp(opened, stampSideFile(realPath, 'the DECNET database', dbPath)) ||
          !sameStamp(walFile ?? before.wal, stampSideFile(walPath, 'the write-ahead log', dbPath))
        );
      } catch {
        return true;
      }
    };
    const files: SnapshotFiles = {
      main,
      mainStamp: opened,
      wal: walSource,
      walStamp: walFile,
      changed,
      written,
      close: closeAll,
      keptKey: realPath,
    };
    return buildSnapshot(dbPath, files, walState, stats, {
      wal: shown(walPath, dbPath),
      shm,
      shmName: shown(`${realPath}-shm`, dbPath),
      page1: page1 !== null && sameFile(page1.file, opened) && walState?.header.equals(page1.walHeader) ? page1.bytes : null,
    });
  } catch (e) {
    closeAll();
    throw e;
  }
}

/**
 * Pages that earlier reads of a file read, kept while they cannot have changed: the main file
 * has the same stamp (device, inode, size, mtime, ctime), the -wal is the same file with the same
 * header (generation) and has only grown, and the page is in no frame committed since. Pages are
 * kept only under a main-file stamp that was settled when they were read (see settledStamp.ts):
 * only such a stamp, the same later, proves that the file was not rewritten since.
 * In WAL mode the main file changes only by checkpoints, which copy pages that the -wal
 * overrides anyway; a restarted or truncated -wal, or any other write, starts over.
 */
interface KeptPages {
  base: string;
  /** The -wal offset up to which committed frames were applied when the pages were read. */
  walEnd: number;
  pages: Map<number, Buffer>;
  bytes: number;
}
const keptPages = new Map<string, KeptPages>();
const KEPT_MAX_FILES = 2;
const KEPT_MAX_BYTES = 16 * 1024 * 1024;

/** Forgets the pages kept by earlier reads (tests, benchmarks). */
export function clearKeptPages(): void {
  keptPages.clear();
}

/** How the side files are named in messages, and the -shm header read before the -wal. */
interface SideFiles {
  wal: string;
  shm: ShmHeader | null;
  shmName: string;
  /**
   * The first bytes of the main file (page 1), read after the -wal's header and before its
   * frames were validated, when the header then was the one validated; else null. When no
   * committed frame of the snapshot holds page 1, these are the snapshot's page 1, whatever a
   * checkpoint does later: with the same header before and after, the log was not restarted in
   * between, so every checkpoint that wrote into the main file before this read copied frames
   * of this log up to a commit already written, which the snapshot includes (the log is
   * validated up to its size taken after this read; none of those frames holds page 1), or
   * frames of earlier logs, all older. Page 1 then does not count as read from the
   * main file during the read (see readStillValid): nearly every commit writes page 1, so right
   * after a restart of the log, when no frame holds it yet, every read would otherwise be torn.
   */
  page1: Buffer | null;
}

interface EarlyPage1 {
  bytes: Buffer;
  bytesRead: number;
  /** The main file it was read from (device and inode). */
  file: { ino: number; dev: number };
  walHeader: Buffer;
}

/** Reads page 1 of the main file (up to the largest page size); null when the file is not there. */
function readMainPage1(realPath: string, dbPath: string): EarlyPage1 | null {
  const f = openRegular(realPath, 'the DECNET database', dbPath);
  if (f === null) return null;
  try {
    const head = Buffer.alloc(100);
    if (preadFully(f.fd, head, 0) < head.length) return null;
    const raw = head.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (!isValidPageSize(pageSize)) return null;
    const buf = Buffer.alloc(pageSize);
    const got = preadFully(f.fd, buf, 0);
    return { bytes: buf.subarray(0, got), file: { ino: f.st.ino, dev: f.st.dev }, walHeader: Buffer.alloc(0), bytesRead: 100 + got };
  } catch (e) {
    throw unreadable(realPath, 'the DECNET database', e, dbPath);
  } finally {
    fs.closeSync(f.fd);
  }
}

/**
 * Why a non-empty -wal cannot be trusted to hold what SQLite would see, or null. SQLite's own
 * recovery ignores a log with a bad header and stops at the first bad frame, but a live SQLite
 * reads through its -shm and never looks again: what it sees may then be more than this reader
 * can validate. Refusing removes nothing, so any doubt refuses.
 */
function walDamage(st: WalState, walSize: number, pageSize: number, side: SideFiles): string | null {
  if (walSize === 0) return null; // after a truncating checkpoint, or not written yet
  const tail = "SQLite (through DECNET's -shm) may see commits that this reader cannot";
  if (st.headerProblem !== null) {
    return `the write-ahead log ${side.wal} is damaged: its header is unusable (${st.headerProblem}) though the file holds ${walSize} bytes; ${tail}`;
  }
  if (st.pageSize !== pageSize) {
    return `the write-ahead log ${side.wal} does not belong to the database: ${walPageSizeProblem(st.pageSize, pageSize)}`;
  }
  if (st.stop !== null && st.laterCommitFrame > 0) {
    return (
      `the write-ahead log ${side.wal} is damaged: frame ${st.stop.frame} of ${st.framesInFile} ${st.stop.why} while a later commit` +
      ` of the same log follows (frame ${st.laterCommitFrame}); ${tail}`
    );
  }
  const shm = side.shm;
  if (shm !== null && shm.salt.equals(st.header.subarray(16, 24)) && shm.mxFrame > st.committedFrames) {
    return (
      `the write-ahead log ${side.wal} is damaged: its index ${side.shmName} counts ${shm.mxFrame} committed frames but only` +
      ` ${st.committedFrames} of the log are valid; SQLite (through the -shm) sees commits that this reader cannot`
    );
  }
  return null;
}

/** The open files of one read (see openSnapshot): the main file, its -wal, and what changed. */
interface SnapshotFiles {
  main: ByteSource;
  /** The main file as opened. */
  mainStamp: FileStamp;
  /** The -wal as opened, or null without one. */
  wal: ByteSource | null;
  walStamp: FileStamp | null;
  /** True when the pages read are no longer the snapshot's (see readStillValid). */
  changed(fromMain: ReadonlySet<number>, firstFrameRead: number, pageSize: number): boolean;
  /** True when any of the files was written since it was opened. */
  written(): boolean;
  close(): void;
  /** Under which key the pages read are kept between reads (the main file's real path). */
  keptKey: string;
}

/** What the main file's first 100 bytes say. Throws DbReadError on an empty, short or foreign file. */
function readMainHeader(dbPath: string, main: ByteSource, stats: ReadStats): DbHeaderInfo & { mainPages: number } {
  const size = main.size;
  stats.fileSize = size;
  if (size === 0) {
    // SQLite treats a 0-byte file as an empty database (and ignores, then deletes, a -wal next
    // to it), so there is no topologies table in it.
    throw new DbReadError(
      'not-decnet',
      `${dbPath} is empty (0 bytes): it is not a DECNET database, or DECNET has not created it yet`,
      dbPath,
    );
  }
  const head = Buffer.alloc(Math.min(size, 100));
  const got = main.read(head, 0);
  stats.bytesRead += got;
  if (got < head.length) throw torn(dbPath, 'shrank while it was read');
  if (size < 100) {
    const n = Math.min(size, SQLITE_MAGIC.length);
    if (head.subarray(0, n).equals(SQLITE_MAGIC.subarray(0, n))) {
      throw new DbReadError('truncated', `${dbPath} is truncated: only ${size} bytes, less than a SQLite header`, dbPath);
    }
    throw new DbReadError('not-sqlite', `${dbPath} is not a SQLite database (it does not start with "SQLite format 3")`, dbPath);
  }
  const header = parseDbHeader(head, dbPath);
  if (size % header.pageSize !== 0) {
    throw new DbReadError(
      'truncated',
      `${dbPath} is truncated or damaged: its size (${size} bytes) is not a multiple of its page size (${header.pageSize})`,
      dbPath,
    );
  }
  return { ...header, mainPages: size / header.pageSize };
}

/**
 * The log the snapshot uses (its committed frames), or null when it has none to give. Throws
 * DbReadError when a non-empty -wal cannot be trusted (see walDamage): `torn` when a file was
 * written while it was read.
 */
function usableWal(dbPath: string, st: WalState | null, files: SnapshotFiles, pageSize: number, side: SideFiles): WalState | null {
  if (st === null || files.wal === null) return null;
  const damage = walDamage(st, files.wal.size, pageSize, side);
  if (damage !== null) {
    // A log being written while it was read can look damaged: that is a torn read, retried.
    if (files.written()) throw torn(dbPath);
    throw new DbReadError('corrupt', damage, dbPath);
  }
  return st.headerProblem === null && st.pageSize === pageSize && st.committedFrames > 0 ? st : null;
}

/**
 * The database's page count: the last commit's in the log (or the header's, or the file's),
 * checked against what the file and the log hold. Throws DbReadError (`truncated`, `corrupt`).
 */
function snapshotPageCount(
  dbPath: string,
  header: DbHeaderInfo & { mainPages: number },
  wal: WalState | null,
  files: SnapshotFiles,
  early: Buffer | null,
  stats: ReadStats,
): number {
  const { pageSize, mainPages } = header;
  const walOffsets = wal?.pageOffsets ?? new Map<number, number>();
  let pageCount = wal !== null ? wal.dbSizePages : (header.headerPageCount ?? mainPages);
  // Every page must come from the WAL or the main file. The page count comes from the file and
  // may be anything up to 2^32 - 1: count the WAL's pages above the main file instead of looping
  // over the page numbers.
  const above: number[] = [];
  for (const p of walOffsets.keys()) if (p > mainPages && p <= pageCount) above.push(p);
  const missing = pageCount > mainPages ? pageCount - mainPages - above.length : 0;
  if (missing > 0) {
    above.sort((a, b) => a - b);
    let firstMissing = mainPages + 1;
    for (const p of above) {
      if (p !== firstMissing) break;
      firstMissing++;
    }
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
  if (wal !== null) {
    // Page 1 as the database holds it (its -wal copy wins): SQLite trusts the page count in its
    // header when offset 92 matches offset 24, calls a count above the log's corrupt, and uses
    // a smaller one as the database's size.
    const p1 = Buffer.alloc(100);
    const off1 = walOffsets.get(1);
    const got1 =
      off1 !== undefined && files.wal !== null
        ? files.wal.read(p1, off1)
        : early !== null
          ? early.copy(p1, 0, 0, 100)
          : files.main.read(p1, 0);
    stats.bytesRead += got1;
    if (got1 < p1.length) throw torn(dbPath, 'changed while it was being read: page 1 is no longer in the file');
    const inHeader = p1.readUInt32BE(28);
    if (inHeader > 0 && p1.readUInt32BE(92) === p1.readUInt32BE(24)) {
      if (inHeader > pageCount) {
        throw new DbReadError(
          'corrupt',
          `${dbPath} is damaged: its header says ${inHeader} pages but its last commit in the write-ahead log says ${pageCount}`,
          dbPath,
        );
      }
      pageCount = inHeader;
    }
  }
  return pageCount;
}

/**
 * The pages kept from earlier reads of the same file that still hold (see KeptPages), or a new,
 * empty set for this version of the files.
 */
function keptPagesFor(files: SnapshotFiles, pageSize: number, wal: WalState | null, stats: ReadStats): KeptPages | null {
  const file = files.mainStamp;
  if (!file.settled) {
    // The same stamp later would not prove these pages unchanged (the file may be rewritten
    // within the tick of its last change): nothing is kept, and this read takes nothing kept
    // under another stamp.
    keptPages.delete(files.keptKey);
    return null;
  }
  const walFile = files.walStamp;
  const base =
    `${pageSize}|${file.dev}:${file.ino}:${file.size}:${file.mtimeMs}:${file.ctimeMs}|` +
    (wal === null ? 'no-wal' : `${walFile?.dev}:${walFile?.ino}:${wal.header.toString('hex')}`);
  const walEnd = wal?.committedEnd ?? 0;
  const k = keptPages.get(files.keptKey);
  let kept: KeptPages;
  // A log validated from its start again (rewritten in place, not only grown) may hold other
  // bytes in frames whose pages were kept: keep nothing then.
  if (k && k.base === base && walEnd >= k.walEnd && (wal === null || stats.walResumed)) {
    if (walEnd > k.walEnd && wal !== null) {
      // Pages of the frames committed since: their last copy is new.
      for (const [p, o] of wal.pageOffsets) {
        if (o >= k.walEnd && k.pages.delete(p)) k.bytes -= pageSize;
      }
      k.walEnd = walEnd;
    }
    kept = k;
  } else {
    kept = { base, walEnd, pages: new Map(), bytes: 0 };
  }
  keptPages.delete(files.keptKey);
  keptPages.set(files.keptKey, kept);
  while (keptPages.size > KEPT_MAX_FILES) keptPages.delete(keptPages.keys().next().value as string);
  return kept;
}

function buildSnapshot(dbPath: string, files: SnapshotFiles, walState: WalState | null, stats: ReadStats, side: SideFiles): Snapshot {
  const header = readMainHeader(dbPath, files.main, stats);
  const { pageSize } = header;
  const wal = usableWal(dbPath, walState, files, pageSize, side);
  // The snapshot's page 1 read before the log's frames (see SideFiles.page1), when no frame holds it.
  const early = wal !== null && !wal.pageOffsets.has(1) && side.page1 !== null && side.page1.length >= pageSize ? side.page1 : null;
  const pageCount = snapshotPageCount(dbPath, header, wal, files, early, stats);
  stats.pageSize = pageSize;
  stats.pageCount = pageCount;
  return new PagedSnapshot(dbPath, files, wal, pageSize, pageCount, early, keptPagesFor(files, pageSize, wal, stats), stats);
}

/** One snapshot: the main file plus the committed frames of its -wal, read page by page on demand. */
class PagedSnapshot implements Snapshot {
  readonly file: FileStamp;
  readonly version: string;
  readonly walFramesApplied: number;
  private readonly walOffsets: ReadonlyMap<number, number>;
  /**
   * The pages kept between reads; null when the main file's stamp was not settled, or once this
   * read may have seen files that changed.
   */
  private kept: KeptPages | null;
  /**
   * Pages this read took from the main file on disk (kept pages are the snapshot's already):
   * what a checkpoint may have overwritten while they were read (see readStillValid).
   */
  private readonly fromMain = new Set<number>();
  /** File offset of the lowest -wal frame this read took a page from (see readStillValid). */
  private firstFrameRead = Infinity;
  private readonly cache = new Map<number, Buffer>();
  private readonly seen = new Set<number>();
  private closed = false;

  constructor(
    readonly path: string,
    private readonly files: SnapshotFiles,
    wal: WalState | null,
    readonly pageSize: number,
    readonly pageCount: number,
    /** Page 1 read before the log's frames (see SideFiles.page1), or null. */
    private readonly early: Buffer | null,
    kept: KeptPages | null,
    readonly stats: ReadStats,
  ) {
    const file = files.mainStamp;
    const walFile = files.walStamp;
    this.file = file;
    this.walOffsets = wal?.pageOffsets ?? new Map();
    this.walFramesApplied = wal?.committedFrames ?? 0;
    this.kept = kept;
    this.version = [
      `${file.dev}:${file.ino}:${file.size}:${file.mtimeMs}:${file.ctimeMs}`,
      wal === null
        ? 'no-wal'
        : `${walFile?.dev}:${walFile?.ino}:${wal.header.toString('hex')}:${wal.committedFrames}:${wal.committedEnd}:${wal.dbSizePages}:${wal.checksumAtCommit.join(':')}`,
    ].join('|');
    // Page 1's header (page size, page count) came from the main file, unless read early; or
    // from its -wal frame, which the read then used (see restartLeftReadIntact).
    const off1 = this.walOffsets.get(1);
    if (off1 !== undefined) this.firstFrameRead = Math.min(this.firstFrameRead, off1 - WAL_FRAME_HEADER_SIZE);
    else if (early === null) this.fromMain.add(1);
  }

  readPage(n: number): Buffer {
    this.checkPage(n);
    let b = this.cache.get(n);
    if (b === undefined) {
      b = Buffer.allocUnsafe(this.pageSize);
      this.load(n, b);
      this.cache.set(n, b);
    }
    return b;
  }

  readPageInto(n: number, buf: Buffer): Buffer {
    this.checkPage(n);
    const cached = this.cache.get(n);
    if (cached) cached.copy(buf, 0, 0, this.pageSize);
    else this.load(n, buf.subarray(0, this.pageSize));
    return buf;
  }

  isWalPage(n: number): boolean {
    return n <= this.pageCount && this.walOffsets.has(n);
  }

  isKept(n: number): boolean {
    return this.kept?.pages.has(n) ?? false;
  }

  readRunInto(first: number, count: number, buf: Buffer): Buffer {
    const { pageSize } = this;
    this.checkPage(first);
    this.checkPage(first + count - 1);
    for (let n = first; n < first + count; n++) {
      if (this.walOffsets.has(n)) throw new RangeError(`page ${n} is in the write-ahead log`);
    }
    const want = buf.subarray(0, count * pageSize);
    for (let n = first; n < first + count; n++) this.fromMain.add(n);
    const got = this.files.main.read(want, (first - 1) * pageSize);
    this.stats.pageReadCalls++;
    this.stats.mainPageReads += count;
    this.stats.bytesRead += got;
    for (let n = first; n < first + count; n++) this.noteRead(n);
    if (got < want.length) {
      throw torn(this.path, `changed while it was being read: page ${first + Math.floor(got / pageSize)} is no longer in the file`);
    }
    for (let i = 0; i < count; i++) this.keep(first + i, want.subarray(i * pageSize, (i + 1) * pageSize));
    return want;
  }

  changed(): boolean {
    const c = this.files.changed(this.fromMain, this.firstFrameRead, this.pageSize);
    // What this read kept may come from files that were changing: forget it.
    if (c) this.dropKept();
    return c;
  }

  close(): void {
    this.closed = true;
    this.cache.clear();
    this.files.close();
  }

  private checkPage(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.pageCount) {
      throw new RangeError(`page ${n} is outside 1..${this.pageCount}`);
    }
    if (this.closed) throw new Error(`the snapshot of ${this.path} is closed`);
  }

  private noteRead(n: number): void {
    if (!this.seen.has(n)) {
      this.seen.add(n);
      this.stats.pagesRead.push(n);
    }
  }

  /** Reads page n into `buf` (no cache): kept, read early, from the -wal or the main file. */
  private load(n: number, buf: Buffer): void {
    const { pageSize, stats } = this;
    const k = this.kept?.pages.get(n);
    if (k !== undefined) {
      k.copy(buf, 0, 0, pageSize);
      stats.keptPageHits++;
      return;
    }
    if (n === 1 && this.early !== null) {
      this.early.copy(buf, 0, 0, pageSize);
      this.noteRead(1);
      this.keep(1, buf);
      return;
    }
    const off = this.walOffsets.get(n);
    let got: number;
    if (off !== undefined && this.files.wal !== null) {
      this.firstFrameRead = Math.min(this.firstFrameRead, off - WAL_FRAME_HEADER_SIZE);
      got = this.files.wal.read(buf, off);
      stats.walPageReads++;
    } else {
      this.fromMain.add(n);
      got = this.files.main.read(buf, (n - 1) * pageSize);
      stats.mainPageReads++;
    }
    stats.pageReadCalls++;
    stats.bytesRead += got;
    this.noteRead(n);
    if (got < pageSize) {
      throw torn(this.path, `changed while it was being read: page ${n} is no longer in the file`);
    }
    this.keep(n, buf);
  }

  private keep(n: number, b: Buffer): void {
    const kept = this.kept;
    if (kept !== null && !kept.pages.has(n) && kept.bytes + this.pageSize <= KEPT_MAX_BYTES) {
      kept.pages.set(n, Buffer.from(b.subarray(0, this.pageSize)));
      kept.bytes += this.pageSize;
    }
  }

  private dropKept(): void {
    if (keptPages.get(this.files.keptKey) === this.kept) keptPages.delete(this.files.keptKey);
    this.kept = null;
  }
}

/**
 * True when the -wal of `dbPath` was restarted (a new header) since the last read validated it:
 * what made a read torn, when it is.
 */
export function walRestartedSinceRead(dbPath: string): boolean {
  try {
    return restartedSinceValidated(`${fs.realpathSync.native(dbPath)}-wal`);
  } catch {
    return false;
  }
}

/** The absolute form of a user-supplied path (no symlink resolution: we read what it points to). */
export function absoluteDbPath(p: string): string {
  return path.resolve(p);
}
