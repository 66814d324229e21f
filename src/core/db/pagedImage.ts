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
// The connection stays open between reads of the same file. Every read stamps page 1 with a new
// change counter, so SQLite drops its page cache and reads every page again from the new
// snapshot; what it keeps is the parsed schema, and only while sqlite_master and the schema
// header fields are byte-for-byte what they were (checked on every read, else reopened).
import type { Database, QueryExecResult, SqlJsStatic } from 'sql.js';
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

interface Connection {
  sql: SqlJsStatic;
  db: Database;
  file: PagedFile;
  /** The file it was opened for: path, device, inode, page size. */
  key: string;
  /** sqlite_master and the schema fields of page 1 when the schema was last parsed. */
  schemaKey: string | null;
  /** Derived from the schema (columns present...), kept while schemaKey holds. */
  memo: Map<string, unknown>;
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
      c.db.close();
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
class PageFault {
  constructor(readonly error: DbReadError) {}
}

export interface ImageQuery {
  /** Runs SQL (one or several statements) on the snapshot. */
  exec(sql: string): QueryExecResult[];
  /** Values derived from the schema, computed once per parsed schema. */
  memo<T>(key: string, compute: () => T): T;
}

export interface ImageRun<T> {
  value: T;
  /** True when the schema parsed by an earlier read was reused. */
  schemaReused: boolean;
}

const SCHEMA_SQL = 'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master';
/** Headroom of the virtual file size, so that a growing database does not reopen on every read. */
const HEADROOM_BYTES = 256 * 1024 * 1024;

/**
 * Runs `fn` against `snapshot` through sql.js. Throws what `fn` throws, or DbReadError when a
 * page could not be read (`torn`, `unreadable`) or was asked for outside the database (`corrupt`).
 */
export function queryImage<T>(SQL: SqlJsStatic, snapshot: Snapshot, fn: (q: ImageQuery) => T): ImageRun<T> {
  const { pageSize, pageCount, path: dbPath } = snapshot;
  const key = `${snapshot.file.dev}:${snapshot.file.ino}:${pageSize}:${dbPath}`;
  const needed = pageCount * pageSize;
  let reused = current !== null && current.sql === SQL && current.key === key && current.file.length >= needed;
  if (!reused) dropConnection();

  let fault: PageFault | null = null;
  const zeros = Buffer.alloc(pageSize);
  // MEMFS copies what subarray returns into the WebAssembly heap at once: one scratch page will do.
  const scratch = Buffer.allocUnsafe(pageSize);
  let page1: Buffer | null = null;
  const page = (n: number): Buffer => {
    if (fault) return zeros;
    if (n > pageCount) {
      fault = new PageFault(
        new DbReadError('corrupt', `${dbPath} is damaged: SQLite asked for page ${n} of a database of ${pageCount} pages`, dbPath),
      );
      return zeros;
    }
    if (n === 1) {
      if (page1 === null) {
        try {
          page1 = Buffer.from(snapshot.readPage(1));
        } catch (e) {
          fault = new PageFault(asDbError(e, dbPath));
          return zeros;
        }
        // Rollback mode, the real page count, and a change counter never seen by this
        // connection: SQLite then re-reads every page instead of trusting its cache.
        if (page1[18] === 2) page1[18] = 1;
        if (page1[19] === 2) page1[19] = 1;
        page1.writeUInt32BE(pageCount, 28);
        changeCounter = (changeCounter % 0xfffffff0) + 1;
        const seq = changeCounter;
        page1.writeUInt32BE(seq, 24);
        page1.writeUInt32BE(seq, 92);
      }
      return page1;
    }
    try {
      return snapshot.readPageInto(n, scratch);
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
    for (let pos = start; pos < end; ) {
      const n = Math.floor(pos / pageSize) + 1;
      const po = pos - (n - 1) * pageSize;
      const k = Math.min(pageSize - po, end - pos);
      page(n).copy(out, pos - start, po, po + k);
      pos += k;
    }
    return out;
  };

  const open = (): Connection => {
    const length = Math.ceil((needed + HEADROOM_BYTES) / pageSize) * pageSize;
    const file = new PagedFile(length);
    file.reader = reader;
    const db = new SQL.Database(file as unknown as Uint8Array);
    if (!file.adopted) {
      db.close();
      throw new Error('this sql.js version copies the database it is given; the reader needs the one it was built with');
    }
    const conn: Connection = { sql: SQL, db, file, key, schemaKey: null, memo: new Map() };
    current = conn;
    db.exec('PRAGMA query_only = 1');
    return conn;
  };

  const schemaKeyOf = (conn: Connection): string => {
    const rows = conn.db.exec(SCHEMA_SQL);
    const p1 = page(1);
    // Schema cookie, schema format, default cache size, largest root (auto-vacuum), text
    // encoding, user version, incremental vacuum, application id.
    return p1.subarray(40, 72).toString('hex') + JSON.stringify(rows.length ? rows[0].values : []);
  };

  try {
    let conn = reused ? current! : open();
    conn.file.reader = reader;
    let schemaKey = schemaKeyOf(conn);
    if (fault) throw fault;
    if (conn.schemaKey !== null && conn.schemaKey !== schemaKey) {
      // The schema changed: parse it afresh on a new connection rather than trust a cache.
      dropConnection();
      page1 = null;
      reused = false;
      conn = open();
      schemaKey = schemaKeyOf(conn);
      if (fault) throw fault;
    }
    if (conn.schemaKey !== schemaKey) conn.memo.clear();
    const schemaReused = reused && conn.schemaKey === schemaKey;
    conn.schemaKey = schemaKey;
    const c = conn;
    const value = fn({
      exec: (sql) => {
        const r = c.db.exec(sql);
        if (fault) throw fault;
        return r;
      },
      memo: <V>(k: string, compute: () => V): V => {
        if (c.memo.has(k)) return c.memo.get(k) as V;
        const v = compute();
        if (fault) throw fault;
        c.memo.set(k, v);
        return v;
      },
    });
    if (fault) throw fault;
    c.file.reader = null;
    return { value, schemaReused };
  } catch (e) {
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
