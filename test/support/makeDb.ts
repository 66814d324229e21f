// Builds REAL SQLite databases for the tests with Python's sqlite3 module (decnet_db.py beside
// this file), using DECNET's DDL (test/support/decnet-schema.sql, or $DECNET_SCHEMA_SQL) and
// DECNET's settings (journal_mode=WAL, synchronous=NORMAL).
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { after } from 'node:test';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Lan, Topology } from '../../src/core/model';
import { walChecksum } from '../../src/core/db/walIndex';

const SCRIPT = path.join(__dirname, 'decnet_db.py');

function py<T>(command: string, request: unknown): T {
  const out = execFileSync('python3', [SCRIPT, command], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as T;
}

/**
 * A topology row; status defaults to `active`, mode to `unihost`. `configSnapshotBytes` makes its
 * `config_snapshot` that long (big enough, it spills into overflow pages, and `status`, stored
 * after it, with it).
 */
export type TopologySpec = Pick<Topology, 'id' | 'name'> & Partial<Topology> & { configSnapshotBytes?: number };

export interface MakeDbOptions {
  /** File name inside `dir`; default `decnet.db`. */
  name?: string;
  /** SQLite page size; default 4096. */
  pageSize?: number;
  /** Rows committed and checkpointed into the main file. */
  checkpointed?: TopologySpec[];
  /** Rows committed (one transaction each, in order) that live only in the `-wal`. */
  walOnly?: TopologySpec[];
  /** LANs; each goes in the same transaction as its topology (main file when the topology is not WAL-only). */
  lans?: Lan[];
  /** Rows of a transaction still open when the files were copied, whose pages were spilled into the `-wal`. */
  uncommittedWal?: TopologySpec[];
  /** Leave out the `lans` table. */
  noLans?: boolean;
  /** Rows of `logs` in the main file (to make it bigger). */
  filler?: number;
  /** Fill `logs` (quickly, in bulk) until the main file holds about this many bytes. */
  logsBytes?: number;
  /** Rows of `logs` in each WAL-only transaction (more frames per transaction). */
  walFiller?: number;
  /**
   * After the WAL-only transactions: a transaction with `rows` (and filler) that spills its pages
   * into the `-wal` and is rolled back, then one committed transaction per `then` row, written
   * over the first of the rolled-back frames.
   */
  rolledBack?: { rows: TopologySpec[]; then?: TopologySpec[] };
  /**
   * After the WAL-only transactions: checkpoint, then one more transaction that restarts the
   * WAL (new salts) and is shorter than the previous generation, whose frames stay behind it.
   */
  staleGeneration?: { delete?: string[]; insert?: TopologySpec[] };
  /** Build from DECNET's whole schema (test/support/decnet-schema-full.sql, 39 tables), not only the tables read. */
  fullSchema?: boolean;
}

export interface MadeDb {
  path: string;
  walBytes: number;
  committedWalBytes: number;
}

/** Builds a DECNET database in `dir` and returns its path. The `-wal` is copied only when non-empty; no `-shm`. */
export function makeDecnetDb(dir: string, opts: MakeDbOptions = {}): string {
  return makeDecnetDbInfo(dir, opts).path;
}

export function makeDecnetDbInfo(dir: string, opts: MakeDbOptions = {}): MadeDb {
  return py<MadeDb>('build', { ...opts, dir });
}

export interface OracleResult {
  topologies: Topology[];
  lans: Lan[];
  /** With `checkpoint: true`: a checkpointed copy of the database (in a scratch dir the caller removes). */
  checkpointed?: string;
}

/** What real SQLite reads from a copy of `dbPath` (+ its `-wal` unless withWal is false). */
export function sqliteOracle(dbPath: string, opts: { withWal?: boolean; checkpoint?: boolean } = {}): OracleResult {
  const r = py<{ topologies: string[][]; lans: Array<Array<string | number | null>>; checkpointed?: string }>('oracle', {
    path: dbPath,
    ...opts,
  });
  return {
    topologies: r.topologies.map(([id, name, status, mode]) => ({ id, name, status, mode })),
    lans: r.lans.map(lanOf),
    checkpointed: r.checkpointed,
  };
}

/** A LAN as python3's sqlite3 answers it (id, topology_id, name, subnet, is_dmz, docker_network_id). */
function lanOf(l: Array<string | number | null>): Lan {
  return {
    id: String(l[0]),
    topologyId: String(l[1]),
    name: String(l[2]),
    subnet: String(l[3]),
    isDmz: Boolean(l[4]),
    dockerNetworkId: l[5] === null ? null : String(l[5]),
  };
}

/** A topology row for the options above (uuid4-shaped `id` expected; status `active`, mode `unihost` by default). */
export function topologyRow(id: string, name: string, status = 'active', mode = 'unihost'): Topology {
  return { id, name, status, mode };
}

/**
 * Commits a topology row (and LANs) into an existing database in place, as DECNET would. By
 * default the writing process then exits without closing its connection (like a killed
 * DECNET), so the row lives only in the `-wal` (a stale `-shm` stays, as SQLite leaves it);
 * with `checkpoint: true` it closes normally and the row is checkpointed into the main file.
 */
export async function insertTopologyRow(
  dbPath: string,
  row: TopologySpec,
  opts: { lans?: Lan[]; checkpoint?: boolean } = {},
): Promise<void> {
  py('insert', { path: dbPath, topologies: [row], lans: opts.lans ?? [], checkpoint: opts.checkpoint ?? false });
}

/**
 * Runs SQL statements on an existing database in place, each in its own transaction (a PRAGMA such
 * as `wal_checkpoint(RESTART)` outside any); the writing
 * process then exits without closing its connection, so the changes live only in the `-wal`.
 */
export function execInWal(dbPath: string, statements: string[]): { walBytes: number } {
  return py<{ walBytes: number }>('sql', { path: dbPath, statements });
}

export interface BtreePages {
  /** The table a b-tree belongs to (itself for a table). */
  table: string;
  /** Its b-tree pages (interior and leaf). */
  pages: number[];
  /** The overflow pages of its records. */
  overflow: number[];
}

/** Which pages hold which table or index (`sqlite_master` included), as SQLite's dbstat sees a copy of the database and its -wal. */
export function dbPages(dbPath: string): { pageSize: number; pageCount: number; btrees: Record<string, BtreePages> } {
  return py('pages', { path: dbPath });
}

export interface Damage {
  /** The page patched, and whether it was its last committed copy in the -wal. */
  page: number;
  inWal: boolean;
  /** Rows before, rows real SQLite then reads (NOT INDEXED), and what its count(*) says. */
  rowsBefore: number;
  rowsRead: number;
  count: number;
  /** Ids that SQLite no longer reads, and ids it reads that were not there. */
  vanished: string[];
  appeared: string[];
  /** What real SQLite's `PRAGMA integrity_check(topologies)` then says. */
  integrityCheck: string[];
}

/**
 * Damages `topologies` in place in a way SQLite reads without complaint. `child-pointer`: the
 * first child pointer of its interior root page overwritten with the second (of the first two
 * neighbouring leaves that hold as many rows), so one leaf is read twice, the other never, and
 * the row count is unchanged (needs enough rows for an interior page: ~100 small ones).
 * `id-bit`: one bit flipped in the first character of topology `id` in its table leaf (the
 * primary-key index keeps the old id). `inWal`: the page patched is the copy in the page's last
 * committed -wal frame (the WAL checksums are recomputed), else the main file's.
 */
export function damageTopologies(dbPath: string, kind: 'child-pointer' | 'id-bit', opts: { id?: string; inWal?: boolean } = {}): Damage {
  return py<Damage>('damage', { path: dbPath, kind, ...opts });
}

/** A SQLite database that is not DECNET's (no `topologies` table). */
export function makeForeignDb(dbPath: string): string {
  return py<{ path: string }>('foreign', { path: dbPath }).path;
}

/** A rollback-mode DECNET database copied with its hot `-journal`, mid-transaction. */
export function makeHotJournalDb(dir: string, topologies: TopologySpec[]): string {
  return py<{ path: string }>('hotjournal', { dir, topologies }).path;
}

/** Rewrites a WAL with the other checksum byte order (real SQLite accepts both). */
export function reencodeWal(walPath: string): { frames: number; bigEndian: boolean } {
  return py('reencode', { path: walPath });
}

export interface Writer {
  path: string;
  /** Commits one topology (into the -wal, which is never checkpointed while the writer lives). */
  insert(t: TopologySpec): Promise<void>;
  close(): Promise<void>;
}

/** A live DECNET-like writer process holding the database open (its -wal and -shm present). */
export async function startWriter(dir: string, opts: MakeDbOptions = {}): Promise<Writer> {
  const child: ChildProcessWithoutNullStreams = spawn('python3', [SCRIPT, 'writer', JSON.stringify({ ...opts, dir })]);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const waiters: Array<(err?: Error) => void> = [];
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += String(d);
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (line === 'ready') waiters.shift()?.();
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.on('exit', (code) => {
    for (const w of waiters.splice(0)) w(new Error(`writer exited (${code}): ${stderr}`));
  });
  const ready = () => new Promise<void>((resolve, reject) => waiters.push((err) => (err ? reject(err) : resolve())));
  await ready();
  return {
    path: path.join(dir, opts.name ?? 'decnet.db'),
    async insert(t) {
      const r = ready();
      child.stdin.write(`insert ${JSON.stringify(t)}\n`);
      await r;
    },
    async close() {
      if (child.exitCode === null) {
        child.stdin.write('quit\n');
        child.stdin.end();
        await exited;
      }
    },
  };
}

/** A fresh scratch directory. */
export function tmpDir(prefix = 'decnet-db-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Changes one page of the main file in place, as damage SQLite reads without complaint would: the
 * file keeps its size and its modification time. `edit` changes the page's bytes.
 */
export function editPageInPlace(db: string, page: number, pageSize: number, edit: (page: Buffer) => void): void {
  const buf = Buffer.alloc(pageSize);
  const fd = fs.openSync(db, 'r+');
  try {
    fs.readSync(fd, buf, 0, pageSize, (page - 1) * pageSize);
    edit(buf);
    const before = fs.fstatSync(fd);
    fs.writeSync(fd, buf, 0, pageSize, (page - 1) * pageSize);
    fs.futimesSync(fd, before.atime, before.mtime);
  } finally {
    fs.closeSync(fd);
  }
}

/** Scratch folders for one test file: each call makes one; all are removed after its tests. */
export function scratchDirs(prefix: string): () => string {
  const made: string[] = [];
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = tmpDir(prefix);
    made.push(d);
    return d;
  };
}

/** A deterministic, uuid4-shaped topology (id prefix `<n as 8 hex digits>`). */
export function topo(n: number, extra: Partial<Topology> = {}): Topology {
  const hex = n.toString(16).padStart(8, '0');
  return { id: `${hex}-1111-4111-8111-${hex}0000`, name: `topo-${n}`, status: 'active', mode: 'unihost', ...extra };
}

export interface FileState {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Every entry of `dir` with its size, mtime and content hash (to prove a read changed nothing). */
export function dirState(dir: string): Map<string, FileState> {
  const m = new Map<string, FileState>();
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = fs.statSync(p);
    const sha256 = st.isFile() ? createHash('sha256').update(fs.readFileSync(p)).digest('hex') : '';
    m.set(name, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  }
  return m;
}

export interface WalFrameInfo {
  index: number;
  /** Byte offset of the frame header in the file. */
  offset: number;
  pgno: number;
  /** Database size after commit for a commit frame, else 0. */
  commit: number;
  salt1: number;
  salt2: number;
}

/** The frame headers of a WAL file as laid out (no validation), plus the header's page size and salts. */
export function walLayout(walPath: string): { pageSize: number; salt1: number; salt2: number; frames: WalFrameInfo[] } {
  const b = fs.readFileSync(walPath);
  const pageSize = b.readUInt32BE(8);
  const frames: WalFrameInfo[] = [];
  for (let off = 32, i = 0; off + 24 + pageSize <= b.length; off += 24 + pageSize, i++) {
    frames.push({
      index: i,
      offset: off,
      pgno: b.readUInt32BE(off),
      commit: b.readUInt32BE(off + 4),
      salt1: b.readUInt32BE(off + 8),
      salt2: b.readUInt32BE(off + 12),
    });
  }
  return { pageSize, salt1: b.readUInt32BE(16), salt2: b.readUInt32BE(20), frames };
}

/** Flips the bits of one byte of a file in place. */
export function flipByte(filePath: string, offset: number): void {
  const fd = fs.openSync(filePath, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] ^= 0xff;
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs SQL on a database with the sqlite3 CLI (for damaging schemas in tests). */
export function sqliteCli(dbPath: string, sql: string): string {
  return execFileSync('sqlite3', [dbPath], { input: sql, encoding: 'utf8' });
}

export interface Flood {
  /** Stops the writer; what it did. `restarts`: log restarts it saw (sampled every 16 commits). */
  stop(): Promise<{ commits: number; seconds: number; restarts: number }>;
}

/**
 * A DECNET-like log ingester on an existing database: commits batches of `batch` (40) rows of
 * `logs` as fast as it can (or `rate` commits a second), SQLite's automatic checkpoint on, until
 * stopped.
 */
export async function startFlood(dbPath: string, opts: { batch?: number; rate?: number } = {}): Promise<Flood> {
  const child = spawn('python3', [SCRIPT, 'flood', JSON.stringify({ path: dbPath, ...opts })]);
  let out = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += String(d);
      if (out.includes('ready\n')) {
        out = out.slice(out.indexOf('ready\n') + 6);
        child.stdout.off('data', onData);
        child.stdout.on('data', (e) => (out += String(e)));
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`flood writer exited (${code}): ${stderr}`)));
  });
  return {
    async stop() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`flood writer exited (${code}): ${stderr}`);
      return JSON.parse(out.trim().split('\n').pop() ?? '{}') as { commits: number; seconds: number; restarts: number };
    },
  };
}

/**
 * Changes the header of frame `index` (0-based) of a WAL with `edit` (page number at 0, commit
 * size at 4), then recomputes the checksums of every frame that was valid, in order, so that
 * the log is valid again with the change (as a writer producing it would have made it).
 */
export function editWalFrame(walPath: string, index: number, edit: (frameHeader: Buffer) => void): void {
  const b = fs.readFileSync(walPath);
  const big = (b.readUInt32BE(0) & 1) === 1;
  const pageSize = b.readUInt32BE(8);
  const salt1 = b.readUInt32BE(16);
  const salt2 = b.readUInt32BE(20);
  const frameSize = 24 + pageSize;
  const old: [number, number] = [b.readUInt32BE(24), b.readUInt32BE(28)];
  const neu: [number, number] = [old[0], old[1]];
  for (let i = 0, off = 32; off + frameSize <= b.length; i++, off += frameSize) {
    if (b.readUInt32BE(off + 8) !== salt1 || b.readUInt32BE(off + 12) !== salt2) break;
    walChecksum(b, off, off + 8, big, old);
    walChecksum(b, off + 24, off + frameSize, big, old);
    if (old[0] !== b.readUInt32BE(off + 16) || old[1] !== b.readUInt32BE(off + 20)) break;
    if (i === index) edit(b.subarray(off, off + 24));
    walChecksum(b, off, off + 8, big, neu);
    walChecksum(b, off + 24, off + frameSize, big, neu);
    b.writeUInt32BE(neu[0], off + 16);
    b.writeUInt32BE(neu[1], off + 20);
  }
  fs.writeFileSync(walPath, b);
}

export interface Stepper {
  /** One write (an insert, or the delete of the row the step before inserted), then SQLite's read of the file. */
  step(): Promise<OracleResult>;
  close(): Promise<void>;
}

/**
 * A writer on an existing database that rewrites the main file in place with every write (the
 * `stepper` of decnet_db.py): in WAL mode each commit is followed by a checkpoint with TRUNCATE;
 * with `journal: 'delete'` the database is switched to rollback mode and each commit writes it.
 * The file keeps its size from one write to the next.
 */
export async function startStepper(dbPath: string, opts: { journal?: 'wal' | 'delete' } = {}): Promise<Stepper> {
  const child: ChildProcessWithoutNullStreams = spawn('python3', [
    SCRIPT,
    'stepper',
    JSON.stringify({ path: dbPath, journal: opts.journal ?? 'wal' }),
  ]);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const waiters: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += String(d);
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiters.shift()?.resolve(line);
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.on('exit', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`stepper exited (${code}): ${stderr}`));
  });
  const next = (): Promise<string> => new Promise<string>((resolve, reject) => waiters.push({ resolve, reject }));
  const ready = await next();
  if (ready !== 'ready') throw new Error(`stepper said ${ready}: ${stderr}`);
  return {
    async step() {
      const answer = next();
      child.stdin.write('step\n');
      const r = JSON.parse(await answer) as { topologies: string[][]; lans: Array<Array<string | number | null>> };
      return {
        topologies: r.topologies.map(([id, name, status, mode]) => ({ id, name, status, mode })),
        lans: r.lans.map(lanOf),
      };
    },
    async close() {
      if (child.exitCode === null) {
        child.stdin.write('quit\n');
        child.stdin.end();
        await exited;
      }
    },
  };
}
