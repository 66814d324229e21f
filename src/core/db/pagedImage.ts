// Lets sql.js query a snapshot without the database ever being copied into memory.
//
// sql.js keeps an opened database in Emscripten's in-memory file system (MEMFS), where a file's
// bytes are `node.contents`, a typed array, and `node.usedBytes` its size. `new SQL.Database(x)`
// stores `x.slice(0, x.length)` as the contents, and every read SQLite makes is
// `contents.subarray(start, end)` copied into the WebAssembly heap. So a PagedFile (which has
// `length`, `slice` and `subarray`) stands in for the bytes: each `subarray` call is answered with
// the pages of the current snapshot, read from disk on first use. SQLite reads only the pages of
// the b-trees it walks (page 1, sqlite_master, the tables and indexes a query uses, their
// overflow chains), so the cost follows the tables read, not the size of the file, and files
// above Node's Buffer limit work. SQLite sees exactly the bytes a full copy would hold: its own
// checks (page types, cell pointers, page numbers against the page count) run as before.
//
// The connection stays open between reads of the same file. Every read that finds the files
// changed (or cannot tell: the last read's file stamp was not settled, see settledStamp.ts)
// stamps page 1 with a new change counter, so SQLite drops its page cache and reads every
// page again from the new snapshot; what it keeps is the parsed schema (and prepared statements),
// and only while every page of sqlite_master and the schema fields of page 1 are byte-for-byte
// what they were when it was parsed (fingerprinted on every such read, else the connection is
// reopened and the schema parsed again). A check (the structure check) that passed is not run
// again while every page it read, page 1's header and the schema are byte-for-byte the same; and
// a whole answer is given again, no statement run, while every page it was computed from is (see
// ResultBytes).
import { createHash } from 'node:crypto';
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { DbReadError } from '../model';
import type { Snapshot } from './walSnapshot';

/** Stands in for the Uint8Array that MEMFS holds as the file's contents. Read-only. */
class PagedFile {
  /** The file size SQLite sees (at least the database's page count × page size). */
  readonly length: number;
  readonly byteOffset = 0;
  /** Answers reads while a query runs; null between reads. */
  reader: ((start: number, end: number) => Uint8Array) | null = null;
  /** Set when sql.js handed the contents over as expected (checked after opening). */
  adopted = false;

  constructor(length: number) {
    this.length = length;
  }

  subarray(start: number, end: number): Uint8Array {
    if (this.reader === null) throw new Error('no read in progress');
    return this.reader(start, end);
  }

  slice(start: number, end: number): PagedFile {
    if (start !== 0 || end !== this.length) throw new Error('unexpected slice of the database image');
    this.adopted = true;
    return this;
  }

  set(): never {
    throw new Error('the database image is read-only');
  }
}

/** At most this many pages in one read call, and kept read ahead at once. */
const MAX_RUN_PAGES = 64;
const MAX_AHEAD_PAGES = 2048;

/** Reads a SQLite varint at `off`; null when it runs past `end`. */
function varint(b: Buffer, off: number, end: number): { value: number; next: number } | null {
  let v = 0;
  for (let i = 0; i < 9; i++) {
    if (off + i >= end) return null;
    const byte = b[off + i];
    if (i === 8) return { value: v * 256 + byte, next: off + 9 };
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return { value: v, next: off + i + 1 };
  }
  return null;
}

/**
 * Serves pages to SQLite with fewer read calls, reading only pages SQLite is about to ask for.
 * Every query the reader runs scans whole b-trees, so when SQLite reads an interior page, all of
 * its children will be read: runs of consecutive child page numbers come in one call. When a
 * table leaf holds a record that spills, its overflow chain's length is known from the payload
 * size: the chain is read in one call from its first page on (SQLite allocates chains in order;
 * when one is not, the pages read past it are simply not used). Page bytes are always the page's
 * own: which pages are read changes, never what a page holds.
 */
class Prefetch {
  private readonly children = new Set<number>();
  /** First overflow page → pages in its chain. */
  private readonly chains = new Map<number, number>();
  /** Pages read ahead and not yet asked for. */
  private readonly ahead = new Map<number, Buffer>();
  /** Pages known to be overflow pages (not b-tree pages): never parsed as b-tree pages. */
  private readonly overflow = new Set<number>();

  constructor(
    private readonly snapshot: Snapshot,
    private readonly usable: number,
  ) {}

  get(n: number, scratch: Buffer): Buffer {
    const { pageSize } = this.snapshot;
    let b = this.ahead.get(n);
    if (b !== undefined) {
      this.ahead.delete(n);
    } else if (this.snapshot.isKept(n)) {
      b = this.snapshot.readPageInto(n, scratch);
    } else {
      const count = this.runFrom(n);
      if (count > 1) {
        const run = this.snapshot.readRunInto(n, count, Buffer.allocUnsafe(count * pageSize));
        for (let i = 1; i < count; i++) this.ahead.set(n + i, run.subarray(i * pageSize, (i + 1) * pageSize));
        b = run.subarray(0, pageSize);
      } else {
        b = this.snapshot.readPageInto(n, scratch);
      }
    }
    this.children.delete(n);
    if (!this.overflow.has(n)) this.inspect(n, b);
    return b;
  }

  /** How many pages to read from `n` on (1: just `n`). */
  private runFrom(n: number): number {
    const s = this.snapshot;
    if (s.isWalPage(n) || this.ahead.size >= MAX_AHEAD_PAGES) return 1;
    const ok = (p: number): boolean => p <= s.pageCount && !s.isWalPage(p) && !this.ahead.has(p) && !s.isKept(p);
    let count = 1;
    if (this.children.has(n)) {
      while (count < MAX_RUN_PAGES && this.children.has(n + count) && ok(n + count)) count++;
      return count;
    }
    const chain = this.chains.get(n);
    if (chain !== undefined) {
      this.chains.delete(n);
      const want = Math.min(chain, MAX_RUN_PAGES);
      while (count < want && ok(n + count)) count++;
      for (let i = 0; i < count; i++) this.overflow.add(n + i);
    }
    return count;
  }

  /** Notes the children of an interior page and the overflow chains of a table leaf. */
  inspect(n: number, b: Buffer): void {
    const h = n === 1 ? 100 : 0;
    const type = b[h];
    const U = this.usable;
    const pageCount = this.snapshot.pageCount;
    if (type !== 0x05 && type !== 0x02 && type !== 0x0d) return;
    const interior = type !== 0x0d;
    const cells = b.readUInt16BE(h + 3);
    const ptrs = h + (interior ? 12 : 8);
    if (ptrs + 2 * cells > U) return; // not a b-tree page after all (SQLite judges it)
    if (interior) {
      const right = b.readUInt32BE(h + 8);
      const found: number[] = [];
      for (let i = 0; i < cells; i++) {
        const c = b.readUInt16BE(ptrs + 2 * i);
        if (c < ptrs + 2 * cells || c + 4 > U) return;
        found.push(b.readUInt32BE(c));
      }
      found.push(right);
      for (const p of found) if (p >= 2 && p <= pageCount) this.children.add(p);
      return;
    }
    // Table leaf: payload size, rowid, local payload, then the first overflow page.
    const X = U - 35;
    const M = Math.floor(((U - 12) * 32) / 255) - 23;
    for (let i = 0; i < cells; i++) {
      const c = b.readUInt16BE(ptrs + 2 * i);
      if (c < ptrs + 2 * cells || c >= U) return;
      const size = varint(b, c, U);
      if (size === null) return;
      if (size.value <= X) continue;
      const rowid = varint(b, size.next, U);
      if (rowid === null) return;
      const P = size.value;
      const K = M + ((P - M) % (U - 4));
      const local = K <= X ? K : M;
      const at = rowid.next + local;
      if (at + 4 > U) return;
      const first = b.readUInt32BE(at);
      if (first >= 2 && first <= pageCount) this.chains.set(first, Math.ceil((P - local) / (U - 4)));
    }
  }
}

interface Connection {
  sql: SqlJsStatic;
  db: Database;
  file: PagedFile;
  /** The file it was opened for: path, device, inode, page size. */
  key: string;
  /** Fingerprint of sqlite_master and the schema fields of page 1 when the schema was parsed. */
  schemaKey: string | null;
  /** Derived from the schema (columns present...), kept while schemaKey holds. */
  memo: Map<string, unknown>;
  /** Prepared statements, by SQL text (SQLite re-prepares them itself if the schema changes). */
  statements: Map<string, Statement>;
  /**
   * The last read: the snapshot's version, page 1 as the database held it, the change counter
   * stamped, and the checks (`once`) that passed on exactly these bytes; `settled`: whether the
   * main file's stamp in the version was settled then (see settledStamp.ts), so that the same
   * version later proves the same bytes.
   */
  last: { version: string; page1: Buffer; counter: number; passed: ReadonlySet<string>; settled: boolean } | null;
  /** Per check (`once`): the bytes it passed on, so that it is not run again on the same bytes. */
  checked: Map<string, CheckedBytes>;
  /** The last read's answer and every byte it depended on (see ResultBytes), or null. */
  result: ResultBytes | null;
}

/**
 * The answer of a read that passed, and every byte it was computed from: each page SQLite was
 * served in that read (SQLite had dropped its page cache at its start: a new change counter),
 * each page compared for a check it skipped (see CheckedBytes), page 1 as the database held it,
 * and the page count. SQLite computes every statement from those bytes alone, so a later read of
 * a database holding the same bytes in all of them (a page count no smaller) gets the same answer
 * (the same rows, the same checks passing) without running a statement: a commit of `logs` rows
 * writes none of them. Any byte of them changed, and the read runs.
 *
 * Two assumptions keep this true; whoever changes them must change the rule too:
 * - the query's answer depends on the statements' results alone (no clock, no environment, no
 *   state kept between reads): see `queryDecnet` and `querySqliteSwarm`;
 * - the structure checks are per table (`integrity_check(<table>)`), which do not look at the
 *   free pages nor at pages no b-tree uses: a page count grown by other tables' commits cannot
 *   change their result. A whole-file check would need the same page count.
 */
interface ResultBytes {
  /** Which query (`queryImage`'s `reuse.key`) gave it. */
  key: string;
  pageCount: number;
  page1: Buffer;
  pages: Map<number, Buffer>;
  value: unknown;
}

/**
 * What a check that passed read: every page SQLite was served in that read up to the end of the
 * check (page 1 aside), page 1 as the database held it, the page count and the schema. SQLite's
 * checks (a per-table integrity_check, queries of those tables) read only pages reachable from
 * the roots of the b-trees they walk, named in the schema, plus fields of page 1's header: run
 * again on the same schema, the same page 1 and the same bytes of every page they read, they read
 * the same pages and find the same. A larger page count changes nothing for a check that passed
 * (a page reference is refused only above the count; the freelist and the accounting of every
 * page of the file are not part of a per-table check).
 */
interface CheckedBytes {
  schemaKey: string;
  pageCount: number;
  page1: Buffer;
  pages: Map<number, Buffer>;
}

/** At most this many bytes of pages are recorded for a check (DECNET's tables are far smaller). */
const CHECKED_MAX_BYTES = 8 * 1024 * 1024;

/** Page 1 as a check depends on it: all but the change counter, page count and version-valid-for fields. */
function samePage1ForCheck(a: Buffer, b: Buffer): boolean {
  return (
    a.length === b.length &&
    a.subarray(0, 24).equals(b.subarray(0, 24)) &&
    a.subarray(32, 92).equals(b.subarray(32, 92)) &&
    a.subarray(96).equals(b.subarray(96))
  );
}

/** One connection, for the file read last (the extension reads one database). */
let current: Connection | null = null;
/** The change counter stamped into page 1 by the last read: every read gets a new one. */
let changeCounter = 0;

function dropConnection(): void {
  const c = current;
  current = null;
  if (c) {
    c.file.reader = null;
    try {
      c.db.close(); // frees its statements too
    } catch {
      // nothing left to release
    }
  }
}

/** Closes the cached connection (tests, or to release memory). */
export function closeCachedConnection(): void {
  dropConnection();
}

/** A read failure seen while SQLite was reading pages: it decides the outcome over SQLite's own error. */
class PageFault extends Error {
  constructor(readonly error: DbReadError) {
    super(error.message);
    this.name = 'PageFault';
  }
}

export interface ImageQuery {
  /** Every row of one statement (prepared once per connection), as arrays of values. */
  all(sql: string): SqlValue[][];
  /** Values derived from the schema, computed once per parsed schema. */
  memo<T>(key: string, compute: () => T): T;
  /**
   * Runs `check` (which throws when it fails), unless it already passed in an earlier read of
   * this connection that saw exactly the same database: same main-file stamp (settled then),
   * same -wal commit, same page 1, and SQLite kept the pages it read then (so every statement of
   * this read sees the bytes that were checked). Returns true when it ran. A check passes only
   * with the read it belongs to: a read that fails keeps nothing.
   */
  once(key: string, check: () => void): boolean;
}

export interface ImageRun<T> {
  value: T;
  /** True when the schema parsed by an earlier read was reused. */
  schemaReused: boolean;
  /** True when the database was unchanged since the last read, and SQLite kept the pages it had read. */
  pagesReused: boolean;
  /**
   * True when the answer is the last read's, every byte it was computed from being the same in
   * this snapshot (see ResultBytes): no statement ran.
   */
  resultReused: boolean;
}

/**
 * Walks every record of sqlite_master to its last column: SQLite reads every page of its b-tree,
 * overflow pages included, and the reader fingerprints exactly those bytes.
 */
const SCHEMA_WALK_SQL = 'SELECT count(*), sum(length(sql)), sum(rootpage) FROM sqlite_master';
/** Headroom of the virtual file size, so that a growing database does not reopen on every read. */
const HEADROOM_BYTES = 256 * 1024 * 1024;

/**
 * True when `snapshot` holds exactly `pages` (page number → bytes), read through the snapshot
 * (so that its validity check covers them), runs of consecutive main-file pages in one call.
 * Stops at the first page that differs.
 */
function holdsPages(snapshot: Snapshot, pages: ReadonlyMap<number, Buffer>): boolean {
  const { pageSize } = snapshot;
  const nums = [...pages.keys()].sort((a, b) => a - b);
  const one = Buffer.allocUnsafe(pageSize);
  let run: Buffer | null = null;
  const onDisk = (n: number): boolean => !snapshot.isWalPage(n) && !snapshot.isKept(n);
  for (let i = 0; i < nums.length;) {
    const n = nums[i];
    let count = 1;
    if (onDisk(n)) {
      while (i + count < nums.length && count < MAX_RUN_PAGES && nums[i + count] === n + count && onDisk(n + count)) count++;
    }
    if (count > 1) {
      run ??= Buffer.allocUnsafe(MAX_RUN_PAGES * pageSize);
      snapshot.readRunInto(n, count, run);
      for (let k = 0; k < count; k++) {
        if (!run.subarray(k * pageSize, (k + 1) * pageSize).equals(pages.get(n + k)!)) return false;
      }
    } else if (!snapshot.readPageInto(n, one).equals(pages.get(n)!)) {
      return false;
    }
    i += count;
  }
  return true;
}

/**
 * Runs `fn` against `snapshot` through sql.js. Throws what `fn` throws, or DbReadError when a
 * page could not be read (`torn`, `unreadable`) or was asked for outside the database (`corrupt`),
 * or when the files changed while it read (`torn`: `snapshot.changed()` after the last page read).
 * With `reuse`, the answer of the last read that ran `fn` under that key is given again (a
 * `copy`), without running any statement, when every byte it was computed from is the same in this
 * snapshot (see ResultBytes); `fn` must then depend on nothing but what its statements return.
 */
export function queryImage<T>(
  SQL: SqlJsStatic,
  snapshot: Snapshot,
  fn: (q: ImageQuery) => T,
  reuse?: { key: string; copy: (value: T) => T },
): ImageRun<T> {
  const { pageSize, pageCount, path: dbPath } = snapshot;
  const key = `${snapshot.file.dev}:${snapshot.file.ino}:${pageSize}:${dbPath}`;
  const needed = pageCount * pageSize;
  let reused = current !== null && current.sql === SQL && current.key === key && current.file.length >= needed;
  if (!reused) dropConnection();

  let fault: PageFault | null = null;
  /** Throws the page read failure seen while SQLite ran, if any. */
  const throwFault = (): void => {
    if (fault) throw fault;
  };
  const zeros = Buffer.alloc(pageSize);
  // MEMFS copies what subarray returns into the WebAssembly heap at once: one scratch page will do.
  const scratch = Buffer.allocUnsafe(pageSize);
  let page1: Buffer | null = null;
  let prefetch: Prefetch | null = null;
  /**
   * While set, every page SQLite reads is recorded in it (page number → its bytes, first read):
   * the pages of sqlite_master, read while the schema is parsed or walked.
   */
  let schemaPages: Map<number, Buffer> | null = null;
  /** Every page served to SQLite in this read (page 1 aside), a copy each; null once too many. */
  let served: Map<number, Buffer> | null = new Map();
  let servedBytes = 0;
  /** Pages read before SQLite asked for them, to compare them with what a check passed on. */
  const compared = new Map<number, Buffer>();
  const page = (n: number): Buffer => {
    if (fault) return zeros;
    if (n > pageCount) {
      fault = new PageFault(
        new DbReadError('corrupt', `${dbPath} is damaged: SQLite asked for page ${n} of a database of ${pageCount} pages`, dbPath),
      );
      return zeros;
    }
    if (n === 1) return page1 ?? zeros;
    try {
      const b = compared.get(n) ?? prefetch!.get(n, scratch);
      if (schemaPages !== null && !schemaPages.has(n)) schemaPages.set(n, Buffer.from(b));
      if (served !== null && !served.has(n)) {
        servedBytes += pageSize;
        if (servedBytes > CHECKED_MAX_BYTES) served = null;
        else served.set(n, Buffer.from(b));
      }
      return b;
    } catch (e) {
      fault = new PageFault(asDbError(e, dbPath));
      return zeros;
    }
  };
  const reader = (start: number, end: number): Uint8Array => {
    const first = Math.floor(start / pageSize) + 1;
    const off = start - (first - 1) * pageSize;
    if (off + (end - start) <= pageSize) return page(first).subarray(off, off + (end - start));
    const out = Buffer.allocUnsafe(end - start);
    for (let pos = start; pos < end;) {
      const n = Math.floor(pos / pageSize) + 1;
      const po = pos - (n - 1) * pageSize;
      const k = Math.min(pageSize - po, end - pos);
      page(n).copy(out, pos - start, po, po + k);
      pos += k;
    }
    return out;
  };

  // Page 1 as the database holds it (from the -wal or the main file).
  let raw: Buffer;
  try {
    raw = Buffer.from(snapshot.readPage(1));
  } catch (e) {
    dropConnection();
    throw asDbError(e, dbPath);
  }
  // The last read's answer, when every byte it was computed from is the same in this snapshot
  // (not when nothing changed at all: SQLite then answers from the pages it kept, reading none).
  // The same version proves nothing when the last read's file stamp was not settled: the pages
  // are compared then.
  const last = reused ? current!.last : null;
  const sameVersion = last !== null && last.settled && last.version === snapshot.version && last.page1.equals(raw);
  const rec = reused && !sameVersion ? current!.result : null;
  if (rec !== null && rec.key === reuse?.key && rec.pageCount <= pageCount && samePage1ForCheck(rec.page1, raw)) {
    let holds: boolean;
    try {
      holds = holdsPages(snapshot, rec.pages);
    } catch (e) {
      throw asDbError(e, dbPath);
    }
    if (holds) {
      // Every page compared is read: did the files change meanwhile (see walSnapshot.ts)?
      if (snapshot.changed()) throw new DbReadError('torn', `${dbPath} changed while it was being read (DECNET is writing to it)`, dbPath);
      return { value: reuse.copy(rec.value as T), schemaReused: true, pagesReused: false, resultReused: true };
    }
  }

  /**
   * What SQLite is given as page 1: rollback mode, the real page count, and a change counter.
   * A counter this connection has not seen makes SQLite drop its page cache and read every page
   * again; the last read's counter lets it keep them.
   */
  let counter = 0;
  const stamp = (c: number): void => {
    counter = c;
    const p1 = Buffer.from(raw);
    if (p1[18] === 2) p1[18] = 1;
    if (p1[19] === 2) p1[19] = 1;
    p1.writeUInt32BE(pageCount, 28);
    p1.writeUInt32BE(c, 24);
    p1.writeUInt32BE(c, 92);
    page1 = p1;
    // Usable size: the page size less the bytes reserved at the end of every page.
    prefetch = new Prefetch(snapshot, pageSize - p1[20]);
    prefetch.inspect(1, p1);
  };
  const fresh = (): number => (changeCounter = (changeCounter % 0xfffffff0) + 1);

  const open = (): Connection => {
    const length = Math.ceil((needed + HEADROOM_BYTES) / pageSize) * pageSize;
    const file = new PagedFile(length);
    file.reader = reader;
    const db = new SQL.Database(file as unknown as Uint8Array);
    if (!file.adopted) {
      db.close();
      throw new Error('this sql.js version copies the database it is given; the reader needs the one it was built with');
    }
    const conn: Connection = {
      sql: SQL,
      db,
      file,
      key,
      schemaKey: null,
      memo: new Map(),
      statements: new Map(),
      last: null,
      checked: new Map(),
      result: null,
    };
    current = conn;
    // Never write; keep up to 8 MiB of pages between reads (DECNET's tables are far smaller).
    db.exec('PRAGMA query_only = 1; PRAGMA cache_size = -8192');
    return conn;
  };

  const rowsOf = (conn: Connection, sql: string): SqlValue[][] => {
    let stmt = conn.statements.get(sql);
    if (stmt === undefined) {
      stmt = conn.db.prepare(sql);
      conn.statements.set(sql, stmt);
    }
    const rows: SqlValue[][] = [];
    try {
      while (stmt.step()) rows.push(stmt.get());
    } finally {
      stmt.reset();
    }
    throwFault();
    return rows;
  };

  /**
   * The schema as SQLite parses it: every byte of the sqlite_master b-tree (its pages, read from
   * this snapshot) and the header fields the parse depends on. A fresh connection reads those
   * pages while it parses the schema (`open`); a kept one, whose page cache the new change
   * counter dropped, while it walks sqlite_master here: the same pages either way, recorded by
   * page number so that the order SQLite reads them in does not matter.
   */
  const schemaKeyOf = (conn: Connection, pages: Map<number, Buffer>): string => {
    schemaPages = pages;
    let summary: SqlValue[][];
    try {
      summary = rowsOf(conn, SCHEMA_WALK_SQL);
    } finally {
      schemaPages = null;
    }
    const h = createHash('sha1');
    for (const n of [...pages.keys()].sort((a, b) => a - b)) h.update(`${n}:`).update(pages.get(n)!);
    // Page size, reserved bytes, payload fractions; the schema cookie, schema format, text
    // encoding, user version, application id...; and page 1's own b-tree: sqlite_master's root.
    // (Not 24..40 and 92..96: the change counter and page count stamped for this read.)
    h.update(raw.subarray(16, 24)).update(raw.subarray(40, 92)).update(raw.subarray(96));
    return `${h.digest('hex')}:${JSON.stringify(summary)}`;
  };
  /** Opens a connection, recording the pages its schema parse reads into `pages`. */
  const openRecording = (pages: Map<number, Buffer>): Connection => {
    schemaPages = pages;
    try {
      return open();
    } finally {
      schemaPages = null;
    }
  };

  let torn: DbReadError | null = null;
  try {
    stamp(fresh());
    let pages = new Map<number, Buffer>();
    let conn = reused ? current! : openRecording(pages);
    // Nothing changed since the last read of this file (same main file stamp, settled then, same
    // -wal commit, same page 1): SQLite may keep the pages and the schema it has.
    const unchanged =
      reused && conn.last !== null && conn.last.settled && conn.last.version === snapshot.version && conn.last.page1.equals(raw);
    if (unchanged) stamp(conn.last!.counter);
    conn.file.reader = reader;
    // One read transaction for every statement of this read: one snapshot, one cache check.
    rowsOf(conn, 'BEGIN');
    let schemaKey = unchanged ? conn.schemaKey! : schemaKeyOf(conn, pages);
    if (conn.schemaKey !== null && conn.schemaKey !== schemaKey) {
      // The schema changed: parse it afresh on a new connection rather than trust a cache.
      dropConnection();
      reused = false;
      stamp(fresh());
      pages = new Map();
      served = new Map();
      servedBytes = 0;
      conn = openRecording(pages);
      rowsOf(conn, 'BEGIN');
      schemaKey = schemaKeyOf(conn, pages);
    }
    if (conn.schemaKey !== schemaKey) conn.memo.clear();
    const schemaReused = reused && conn.schemaKey === schemaKey;
    conn.schemaKey = schemaKey;
    const c = conn;
    // Checks that passed on these very bytes (only when SQLite keeps the pages it read then).
    const passedBefore: ReadonlySet<string> = unchanged && c.last !== null ? c.last.passed : new Set();
    const passed = new Set(passedBefore);
    const sk = schemaKey;
    /** True when `rec` holds for this read: same schema, page 1 and bytes of every page it read. */
    const stillHolds = (rec: CheckedBytes | undefined): boolean => {
      if (rec === undefined || rec.schemaKey !== sk || rec.pageCount > pageCount || !samePage1ForCheck(rec.page1, raw)) return false;
      for (const [n, bytes] of rec.pages) {
        let b = compared.get(n);
        if (b === undefined) {
          // Read through this snapshot (so the read's own validity covers it); SQLite is served
          // these very bytes when it asks.
          b = prefetch!.get(n, Buffer.allocUnsafe(pageSize));
          compared.set(n, b);
        }
        if (!b.equals(bytes)) return false;
      }
      return true;
    };
    const recorded = new Map<string, CheckedBytes>();
    const value = fn({
      all: (sql) => rowsOf(c, sql),
      memo: <V>(k: string, compute: () => V): V => {
        if (c.memo.has(k)) return c.memo.get(k) as V;
        const v = compute();
        throwFault();
        c.memo.set(k, v);
        return v;
      },
      once: (k: string, check: () => void): boolean => {
        if (passedBefore.has(k)) return false;
        if (!unchanged && stillHolds(c.checked.get(k))) {
          passed.add(k);
          return false;
        }
        check();
        throwFault();
        passed.add(k);
        // SQLite dropped its page cache at the start of this read (a new change counter), so
        // every page the check used was served in this read: those are the bytes it passed on.
        if (!unchanged && served !== null) {
          recorded.set(k, { schemaKey: sk, pageCount, page1: raw, pages: new Map(served) });
        }
        return true;
      },
    });
    rowsOf(c, 'COMMIT');
    throwFault();
    c.file.reader = null;
    // Every page is read: did the files change meanwhile (see walSnapshot.ts)?
    if (snapshot.changed()) {
      // What this read saw may mix versions of the files: nothing it saw is kept (not the pages
      // SQLite cached, not what its checks passed on). The connection stays: its parsed schema
      // and the earlier checks are judged again by content on the next read.
      c.last = null;
      torn = new DbReadError('torn', `${dbPath} changed while it was being read (DECNET is writing to it)`, dbPath);
      throw torn;
    }
    c.last = { version: snapshot.version, page1: raw, counter, passed, settled: snapshot.file.settled };
    for (const [k, r] of recorded) c.checked.set(k, r);
    if (reuse !== undefined && !unchanged && served !== null) {
      // SQLite dropped its page cache at the start of this read: every page it computed the
      // answer from was served in this read; a check skipped depended on the pages compared.
      const pages = new Map(served);
      for (const [n, b] of compared) if (!pages.has(n)) pages.set(n, Buffer.from(b));
      c.result = { key: reuse.key, pageCount, page1: raw, pages, value: reuse.copy(value) };
    }
    return { value, schemaReused, pagesReused: unchanged, resultReused: false };
  } catch (e) {
    if (e === torn) throw e;
    // Whatever SQLite made of a failed page read, or of a damaged file, this connection is not
    // kept: the next read starts from a fresh one.
    dropConnection();
    const f = fault as PageFault | null;
    if (f) throw f.error;
    if (e instanceof PageFault) throw e.error;
    throw e;
  }
}

function asDbError(e: unknown, dbPath: string): DbReadError {
  if (e instanceof DbReadError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new DbReadError('unreadable', `cannot read ${dbPath}: ${msg}`, dbPath);
}
