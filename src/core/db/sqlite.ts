// Reads DECNET's SQLite database without ever opening the real file with SQLite: the pages of
// the main file and its committed -wal frames are read with fs (see walSnapshot.ts), only those
// SQLite asks for, and queried with sql.js (see pagedImage.ts). The file is never written or
// locked and no -shm / -wal / -journal is ever created next to it.
import type { SqlJsStatic, SqlValue } from 'sql.js';
import { DbReadError, type DbSnapshot, type Lan, type Topology } from '../model';
import { closeCachedConnection, queryImage, type ImageQuery } from './pagedImage';
import { clearWalCache } from './walIndex';
import {
  absoluteDbPath,
  clearKeptPages,
  newReadStats,
  openSnapshot,
  type OpenSnapshotOptions,
  type ReadStats,
  walRestartedSinceRead,
} from './walSnapshot';
import { loadSqlJs } from './sqljs';
import { requestTimeoutMs } from '../deadline';
import { WHOLE_SECOND_SETTLE_MARGIN_MS } from './settledStamp';
import { querySqliteSwarm } from './swarm';

export type { ReadStats } from './walSnapshot';

export interface ReadDbOptions {
  /** How many times a torn read (a file changed while it was read) is retried. Default 10. */
  retries?: number;
  /**
   * Delay before the first retry, in milliseconds; it doubles at each retry, up to 250 ms (with a
   * little jitter, so that a retry does not fall into step with a writer). Default 10. A read torn
   * by a restart of the -wal is retried at once; one that rested on file stamps recorded too soon
   * after a write is retried as soon as they prove something (see settledStamp.ts), at most 3 s
   * later.
   */
  retryDelayMs?: number;
  /**
   * For tests only: called during every attempt after the -wal was read and before the main
   * file is read, so that a test can change the files in between.
   */
  onBetweenReads?: OpenSnapshotOptions['onBetweenReads'];
  /** For tests only: called during every attempt once the files are open, before SQLite reads any page. */
  onBeforeQuery?: () => void | Promise<void>;
  /** Filled in with what the read cost: pages read, bytes read, WAL frames checked, attempts. */
  stats?: ReadStats;
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

/** The wait before retry `attempt` (0-based) of a torn read: `base` doubling, at most 250 ms, plus up to 25% jitter. */
export function retryBackoffMs(base: number, attempt: number): number {
  const d = Math.min(base * 2 ** attempt, Math.max(base, 250));
  return Math.round(d * (1 + Math.random() / 4));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How long to wait before retrying a read that was torn because it rested on file stamps that
 * proved nothing yet (`settleAt`, see ReadStats.stampsSettleAt): until they do, when that is at
 * most a whole-second file system's margin away; null when it is further (a time in the future)
 * or never (a file server's times): the ordinary backoff then.
 */
export function settleWaitMs(settleAt: number, now: number): number | null {
  const wait = Math.max(0, Math.ceil(settleAt - now) + 1);
  return wait <= WHOLE_SECOND_SETTLE_MARGIN_MS + 1 ? wait : null;
}

function columnsOf(q: ImageQuery, table: string): Set<string> {
  return new Set(q.all(`PRAGMA table_info("${table}")`).map((r) => text(r[1]).toLowerCase()));
}

interface SchemaFacts {
  tables: Set<string>;
  tcols: Set<string>;
  lcols: Set<string> | null;
  /** The index that enforces the primary key `id` of topologies (sqlite_autoindex_topologies_1), or null. */
  tpk: string | null;
}

/** The index behind `table`'s primary key when it is the one column `col`, else null. */
function primaryKeyIndex(q: ImageQuery, table: string, col: string): string | null {
  for (const r of q.all(`PRAGMA index_list("${table}")`)) {
    if (text(r[3]) !== 'pk') continue;
    const name = text(r[1]);
    const cols = q.all(`PRAGMA index_info("${name.replace(/"/g, '""')}")`).map((c) => text(c[2]).toLowerCase());
    return cols.length === 1 && cols[0] === col ? name : null;
  }
  return null;
}

/** What `PRAGMA integrity_check(TABLE)` found wrong, in its first words, or null for "ok". */
function integrityProblem(rows: SqlValue[][]): string | null {
  const lines = rows
    .flatMap((r) => text(r[0]).split('\n'))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^\*\*\* in database /.test(l));
  if (lines.length === 1 && lines[0] === 'ok') return null;
  if (lines.length === 0) return 'it gave no answer';
  let shown = lines.slice(0, 2).join('; ');
  if (shown.length > 300) shown = `${shown.slice(0, 297)}...`;
  return lines.length > 2 ? `${shown}; and ${lines.length - 2} more` : shown;
}

function damaged(dbPath: string, what: string): DbReadError {
  return new DbReadError('corrupt', `${dbPath} is damaged: ${what}; nothing is classified orphan`, dbPath);
}

/**
 * The structure of what is read, checked before anything is classified (SQLite reads some
 * damage without complaint: a child page pointer repeated, so that a leaf is read twice and
 * another never; a bit flipped in a topology id): SQLite's own integrity check of each table
 * read (its b-tree, page references, cells, overflow chains, every index entry against the rows,
 * UNIQUE constraints; "partial", so the freelist and the rest of the file are not walked), and the
 * ids of `topologies` against its primary-key index. Returns the ids in that index, or null when
 * DECNET's schema has none.
 */
function checkStructure(q: ImageQuery, dbPath: string, facts: SchemaFacts): string[] | null {
  const tables = ['sqlite_master', 'topologies', ...(facts.lcols !== null ? ['lans'] : [])];
  for (const table of tables) {
    let rows: SqlValue[][];
    try {
      rows = q.all(`PRAGMA integrity_check("${table}")`);
    } catch (e) {
      if (e instanceof DbReadError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw damaged(dbPath, `SQLite's integrity check of "${table}" failed (${msg})`);
    }
    const problem = integrityProblem(rows);
    if (problem !== null) throw damaged(dbPath, `SQLite's integrity check of "${table}" failed (${problem})`);
  }
  if (facts.tpk === null) return null;
  const [row] = q.all(`SELECT json_group_array(${asText('id')}) FROM topologies INDEXED BY "${facts.tpk.replace(/"/g, '""')}"`);
  return (JSON.parse(text(row[0])) as SqlValue[]).map(text);
}

/** A column as a value, a BLOB as its text (as text() reads it). */
function asText(col: string): string {
  return `iif(typeof(${col}) = 'blob', CAST(${col} AS TEXT), ${col})`;
}

interface DecnetRows {
  topologies: Topology[];
  lans: Lan[];
  /** What the structure check took, or null when an earlier read checked these very bytes. */
  integrityCheckMs: number | null;
  swarm: DbSnapshot['swarm'];
}

function queryDecnet(q: ImageQuery, dbPath: string): DecnetRows {
  // What the schema holds is worked out once per parsed schema.
  const facts = q.memo<SchemaFacts>('decnet-schema', () => {
    const tables = new Set(q.all("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => text(r[0])));
    const has = tables.has('topologies');
    return {
      tables,
      tcols: has ? columnsOf(q, 'topologies') : new Set(),
      lcols: tables.has('lans') ? columnsOf(q, 'lans') : null,
      tpk: has ? primaryKeyIndex(q, 'topologies', 'id') : null,
    };
  });
  if (!facts.tables.has('topologies')) {
    throw new DbReadError('not-decnet', `${dbPath} is a SQLite database but not DECNET's: it has no "topologies" table`, dbPath);
  }
  const tmissing = TOPOLOGY_COLUMNS.filter((c) => !facts.tcols.has(c));
  if (tmissing.length > 0) {
    throw new DbReadError(
      'not-decnet',
      `${dbPath} has a "topologies" table without the column(s) ${tmissing.join(', ')}: not a DECNET schema this extension knows`,
      dbPath,
    );
  }
  const lcols = facts.lcols;
  if (lcols !== null) {
    const lmissing = LAN_COLUMNS.filter((c) => !lcols.has(c));
    if (lmissing.length > 0) {
      throw new DbReadError(
        'not-decnet',
        `${dbPath} has a "lans" table without the column(s) ${lmissing.join(', ')}: not a DECNET schema this extension knows`,
        dbPath,
      );
    }
  }

  // The structure check, in the same read transaction as the rows (one snapshot). Skipped only
  // when an earlier read checked exactly these bytes (nothing changed, SQLite kept its pages).
  let indexIds: string[] | null = null;
  const started = performance.now();
  const checked = q.once('structure', () => {
    indexIds = checkStructure(q, dbPath, facts);
  });
  const integrityCheckMs = checked ? performance.now() - started : null;

  // NOT INDEXED: rows come from the table's own b-tree, while count(*) is free to use an index,
  // so a damaged table or index shows up as a mismatch. One statement returns both tables (as
  // JSON arrays: a handful of calls into sql.js instead of several per value) and both counts.
  // A BLOB becomes its text, as text() does.
  const v = asText;
  const netCol = lcols?.has('docker_network_id') ? 'docker_network_id' : 'NULL';
  const [row] = q.all(
    'SELECT' +
      ` (SELECT json_group_array(json_array(${['id', 'name', 'status', 'mode'].map(v).join(', ')})) FROM topologies NOT INDEXED),` +
      ' (SELECT count(*) FROM topologies),' +
      (lcols !== null
        ? ` (SELECT json_group_array(json_array(${['id', 'topology_id', 'name', 'subnet', 'is_dmz', netCol].map(v).join(', ')}))` +
          ' FROM lans NOT INDEXED), (SELECT count(*) FROM lans)'
        : " '[]', 0"),
  );
  const rows = (x: SqlValue): SqlValue[][] => JSON.parse(text(x)) as SqlValue[][];
  const topologies: Topology[] = rows(row[0]).map((r) => {
    if (r[0] === null || text(r[0]) === '') {
      throw damaged(dbPath, `a topology row has ${r[0] === null ? 'no' : 'an empty'} id`);
    }
    return { id: text(r[0]), name: text(r[1]), status: text(r[2]), mode: text(r[3]) };
  });
  const tcount = Number(row[1]);
  if (tcount !== topologies.length) {
    throw new DbReadError(
      'corrupt',
      `${dbPath} is damaged: count(*) of "topologies" is ${tcount} but ${topologies.length} rows were read`,
      dbPath,
    );
  }
  // Topology ids are the primary key: each once, and each in the primary-key index.
  const ids = topologies.map((t) => t.id).sort();
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === ids[i - 1]) throw damaged(dbPath, `topology id ${ids[i]} was read twice from "topologies"`);
  }
  const inIndex = indexIds as string[] | null;
  if (inIndex !== null) {
    const known = new Set(inIndex);
    const missing = ids.find((id) => !known.has(id));
    if (missing !== undefined) {
      throw damaged(dbPath, `topology id ${missing} read from "topologies" is not in its primary-key index ${facts.tpk}`);
    }
    if (inIndex.length !== ids.length) {
      const read = new Set(ids);
      const extra = inIndex.find((id) => !read.has(id));
      throw damaged(
        dbPath,
        `the primary-key index ${facts.tpk} of "topologies" holds ${inIndex.length} ids but ${ids.length} rows were read` +
          (extra !== undefined ? ` (${extra} is not among them)` : ''),
      );
    }
  }
  const lans: Lan[] = rows(row[2]).map((r) => ({
    id: text(r[0]),
    topologyId: text(r[1]),
    name: text(r[2]),
    subnet: text(r[3]),
    isDmz: bool(r[4]),
    dockerNetworkId: r[5] === null ? null : text(r[5]),
  }));
  const lcount = Number(row[3]);
  if (lcount !== lans.length) {
    throw new DbReadError('corrupt', `${dbPath} is damaged: count(*) of "lans" is ${lcount} but ${lans.length} rows were read`, dbPath);
  }
  // The swarm (workers, where topologies are pinned), in the same snapshot: see swarm.ts.
  // Its own check, run again whenever a page it read changed (a heartbeat), whatever the others do.
  const swarm = querySqliteSwarm(
    (sql) => q.all(sql),
    facts.tables,
    dbPath,
    (run) => void q.once('swarm-structure', run),
    (k, f) => q.memo(k, f),
  );
  return { topologies, lans, integrityCheckMs, swarm };
}

/** A copy of what a read found that shares no object with it (a kept answer is given out again). */
function copyRows(r: DecnetRows): DecnetRows {
  return {
    topologies: r.topologies.map((t) => ({ ...t })),
    lans: r.lans.map((l) => ({ ...l })),
    integrityCheckMs: r.integrityCheckMs,
    swarm: r.swarm && { ...r.swarm, hosts: r.swarm.hosts.map((h) => ({ ...h })), targetHost: { ...r.swarm.targetHost } },
  };
}

/**
 * Forgets what earlier reads kept (the open connection with its pages and parsed schema, the
 * pages read, the -wal validations): the next read starts from nothing. For tests and benchmarks.
 */
export function forgetCachedReads(): void {
  closeCachedConnection();
  clearWalCache();
  clearKeptPages();
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
  const retries = Math.max(0, opts.retries ?? 10);
  const delay = Math.max(0, opts.retryDelayMs ?? 10);
  const stats = opts.stats ?? newReadStats();
  stats.attempts = 0;
  // Compiling sql.js overlaps the first file reads; its failure is reported after them.
  const engine = loadSqlJs().then(
    (SQL) => ({ SQL, error: null }),
    (e: unknown) => ({ SQL: null, error: e }),
  );

  // Retries end at the request deadline too, however many are left.
  const deadline = Date.now() + requestTimeoutMs();
  for (let attempt = 0; ; attempt++) {
    stats.attempts = attempt + 1;
    try {
      return await readAttempt(dbPath, opts, stats, engine);
    } catch (e) {
      if (e instanceof DbReadError && e.kind === 'torn') {
        if (attempt < retries && Date.now() < deadline) {
          // A log restarted during the read has just begun again: its next restart is a whole
          // log away (about 1,000 pages), and the new log is short, so it is read again at once.
          // Waiting would only let it grow, and make the next attempt longer.
          // A read that rested on file stamps recorded too soon after a write is read again as
          // soon as they prove something, not earlier (it would rest on them again), not later.
          const settle = stats.stampsSettleAt > 0 ? settleWaitMs(stats.stampsSettleAt, Date.now()) : null;
          if (settle !== null) await sleep(settle);
          else if (stats.logRestartedDuringRead || walRestartedSinceRead(dbPath))
            await new Promise<void>((resolve) => setImmediate(resolve));
          else await sleep(retryBackoffMs(delay, attempt));
          continue;
        }
        throw new DbReadError('torn', tornMessage(dbPath, attempt + 1, stats), dbPath);
      }
      throw e;
    }
  }
}

/** Why a read torn on every attempt gave no answer. */
function tornMessage(dbPath: string, attempts: number, stats: ReadStats): string {
  if (stats.stampsSettleAt > 0) {
    // The last attempt rested on file stamps that proved nothing (see settledStamp.ts).
    const without =
      'it has no write-ahead log to check by content, so a write while it is read could only be told from its file times, and';
    if (stats.stampsFromServer !== null) {
      return `${dbPath} cannot be read safely (${attempts} attempts): ${without} these are set by a file server's clock (${stats.stampsFromServer}); nothing is classified orphan`;
    }
    if (settleWaitMs(stats.stampsSettleAt, Date.now()) === null) {
      return `${dbPath} cannot be read safely (${attempts} attempts): ${without} these are in the future (was the clock set back?); try again once the clock has passed them, or after DECNET writes to it`;
    }
  }
  return `${dbPath} kept changing while it was read (${attempts} attempts): DECNET is writing to it; try again`;
}

async function readAttempt(
  dbPath: string,
  opts: ReadDbOptions,
  stats: ReadStats,
  engine: Promise<{ SQL: SqlJsStatic | null; error: unknown }>,
): Promise<DbSnapshot> {
  const snapshot = await openSnapshot(dbPath, { onBetweenReads: opts.onBetweenReads, stats });
  try {
    const { SQL, error } = await engine;
    if (opts.onBeforeQuery) await opts.onBeforeQuery();
    // The query runs synchronously: let pending I/O go first (a scan's Docker requests, sent while
    // the files were opened), so that the daemon works while SQLite does.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (SQL === null) {
      const msg = error instanceof Error ? error.message : String(error);
      throw new DbReadError('unreadable', `cannot read ${dbPath}: the SQLite engine (sql.js) failed to load: ${msg}`, dbPath);
    }
    // queryImage judges, after its last page read, whether the files changed meanwhile (torn).
    // It may give the last answer again when the pages it came from are the same (pagedImage.ts,
    // ResultBytes): queryDecnet must depend on what its statements return, and on nothing else.
    let result;
    try {
      result = queryImage(SQL, snapshot, (q) => queryDecnet(q, dbPath), { key: 'decnet-rows', copy: copyRows });
    } catch (e) {
      // Pages read while the files changed can look damaged: that is a torn read, retried.
      if (e instanceof DbReadError && e.kind === 'torn') throw e;
      if (snapshot.changed()) {
        throw new DbReadError('torn', `${dbPath} changed while it was being read (DECNET is writing to it)`, dbPath);
      }
      if (e instanceof DbReadError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new DbReadError('corrupt', `${dbPath} could not be read by SQLite: ${msg}`, dbPath);
    }
    stats.schemaReused = result.schemaReused;
    stats.pagesReused = result.pagesReused;
    stats.resultReused = result.resultReused;
    stats.integrityChecked = !result.resultReused && result.value.integrityCheckMs !== null;
    stats.integrityCheckMs = stats.integrityChecked ? (result.value.integrityCheckMs ?? 0) : 0;
    return {
      source: `sqlite: ${dbPath}`,
      topologies: result.value.topologies,
      lans: result.value.lans,
      walFramesApplied: snapshot.walFramesApplied,
      swarm: result.value.swarm,
    };
  } finally {
    snapshot.close();
  }
}
