// Reads DECNET's SQLite database without ever opening the real file with SQLite: the bytes of
// the main file and its committed -wal frames are read with fs (see walSnapshot.ts), merged in
// memory, and the in-memory image is queried with sql.js. The file is never written or locked
// and no -shm / -wal / -journal is ever created next to it.
import type { Database, SqlValue } from 'sql.js';
import { DbReadError, type DbSnapshot, type Lan, type Topology } from '../model';
import { absoluteDbPath, openSnapshot, type OpenSnapshotOptions } from './walSnapshot';
import { loadSqlJs } from './sqljs';

export interface ReadDbOptions {
  /** How many times a torn read (a file changed while it was read) is retried. Default 3. */
  retries?: number;
  /** Delay before each retry, in milliseconds. Default 100. */
  retryDelayMs?: number;
  /**
   * For tests only: called during every attempt after the -wal was read and before the main
   * file is read, so that a test can change the files in between.
   */
  onBetweenReads?: OpenSnapshotOptions['onBetweenReads'];
}

const TOPOLOGY_COLUMNS = ['id', 'name', 'status', 'mode'] as const;
const LAN_COLUMNS = ['id', 'topology_id', 'name', 'subnet', 'is_dmz'] as const;

function text(v: SqlValue): string {
  if (v === null) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}

function bool(v: SqlValue): boolean {
  if (v === null) return false;
  if (typeof v === 'number') return v !== 0;
  const s = text(v).trim().toLowerCase();
  return !(s === '' || s === '0' || s === 'false' || s === 'f' || s === 'no');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function all(db: Database, sql: string): SqlValue[][] {
  const res = db.exec(sql);
  return res.length === 0 ? [] : res[0].values;
}

function columnsOf(db: Database, table: string): Set<string> {
  return new Set(all(db, `PRAGMA table_info("${table}")`).map((r) => text(r[1]).toLowerCase()));
}

function countOf(db: Database, table: string): number {
  return Number(all(db, `SELECT count(*) FROM "${table}"`)[0][0]);
}

function queryDecnet(db: Database, dbPath: string): { topologies: Topology[]; lans: Lan[] } {
  const tables = new Set(all(db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => text(r[0])));
  if (!tables.has('topologies')) {
    throw new DbReadError('not-decnet', `${dbPath} is a SQLite database but not DECNET's: it has no "topologies" table`, dbPath);
  }
  const tcols = columnsOf(db, 'topologies');
  const tmissing = TOPOLOGY_COLUMNS.filter((c) => !tcols.has(c));
  if (tmissing.length > 0) {
    throw new DbReadError(
      'not-decnet',
      `${dbPath} has a "topologies" table without the column(s) ${tmissing.join(', ')}: not a DECNET schema this extension knows`,
      dbPath,
    );
  }
  // NOT INDEXED: rows come from the table's own b-tree, while count(*) is free to use an index,
  // so a damaged table or index shows up as a mismatch.
  const topologies: Topology[] = all(db, 'SELECT id, name, status, mode FROM topologies NOT INDEXED').map((r) => {
    if (r[0] === null) {
      throw new DbReadError('corrupt', `${dbPath} has a topology row without an id: the database is damaged`, dbPath);
    }
    return { id: text(r[0]), name: text(r[1]), status: text(r[2]), mode: text(r[3]) };
  });
  const tcount = countOf(db, 'topologies');
  if (tcount !== topologies.length) {
    throw new DbReadError(
      'corrupt',
      `${dbPath} is damaged: count(*) of "topologies" is ${tcount} but ${topologies.length} rows were read`,
      dbPath,
    );
  }

  let lans: Lan[] = [];
  if (tables.has('lans')) {
    const lcols = columnsOf(db, 'lans');
    const lmissing = LAN_COLUMNS.filter((c) => !lcols.has(c));
    if (lmissing.length > 0) {
      throw new DbReadError(
        'not-decnet',
        `${dbPath} has a "lans" table without the column(s) ${lmissing.join(', ')}: not a DECNET schema this extension knows`,
        dbPath,
      );
    }
    const netCol = lcols.has('docker_network_id') ? 'docker_network_id' : 'NULL';
    lans = all(db, `SELECT id, topology_id, name, subnet, is_dmz, ${netCol} FROM lans NOT INDEXED`).map((r) => ({
      id: text(r[0]),
      topologyId: text(r[1]),
      name: text(r[2]),
      subnet: text(r[3]),
      isDmz: bool(r[4]),
      dockerNetworkId: r[5] === null ? null : text(r[5]),
    }));
    const lcount = countOf(db, 'lans');
    if (lcount !== lans.length) {
      throw new DbReadError(
        'corrupt',
        `${dbPath} is damaged: count(*) of "lans" is ${lcount} but ${lans.length} rows were read`,
        dbPath,
      );
    }
  }
  return { topologies, lans };
}

/**
 * Reads every row of DECNET's `topologies` and `lans` tables, committed WAL frames included.
 * Throws only DbReadError.
 */
export async function readSqliteDb(path: string, opts: ReadDbOptions = {}): Promise<DbSnapshot> {
  const dbPath = absoluteDbPath(path);
  try {
    return await readOnce(dbPath, opts);
  } catch (e) {
    if (e instanceof DbReadError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new DbReadError('unreadable', `cannot read ${dbPath}: ${msg}`, dbPath);
  }
}

async function readOnce(dbPath: string, opts: ReadDbOptions): Promise<DbSnapshot> {
  const retries = Math.max(0, opts.retries ?? 3);
  const delay = Math.max(0, opts.retryDelayMs ?? 100);

  let snapshot;
  for (let attempt = 0; ; attempt++) {
    try {
      snapshot = await openSnapshot(dbPath, { onBetweenReads: opts.onBetweenReads });
      break;
    } catch (e) {
      if (e instanceof DbReadError && e.kind === 'torn') {
        if (attempt < retries) {
          await sleep(delay);
          continue;
        }
        throw new DbReadError(
          'torn',
          `${dbPath} kept changing while it was read (${attempt + 1} attempts): DECNET is writing to it; try again`,
          dbPath,
        );
      }
      throw e;
    }
  }

  const image = snapshot.buildImage();
  let SQL;
  try {
    SQL = await loadSqlJs();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new DbReadError('unreadable', `cannot read ${dbPath}: the SQLite engine (sql.js) failed to load: ${msg}`, dbPath);
  }
  let db: Database | null = null;
  try {
    db = new SQL.Database(image);
    const { topologies, lans } = queryDecnet(db, dbPath);
    return {
      source: `sqlite: ${dbPath}`,
      topologies,
      lans,
      walFramesApplied: snapshot.walFramesApplied,
    };
  } catch (e) {
    if (e instanceof DbReadError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new DbReadError('corrupt', `${dbPath} could not be read by SQLite: ${msg}`, dbPath);
  } finally {
    db?.close();
  }
}
