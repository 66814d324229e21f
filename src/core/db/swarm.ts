// A DECNET swarm in the database: the enrolled worker hosts (`swarm_hosts`) and the host each
// topology is pinned to (`topologies.target_host_uuid`). Read in the same snapshot (SQLite) or
// transaction (MySQL) as the topologies, so that where a topology belongs and whether it exists
// are one consistent answer. A database without `swarm_hosts` has no workers.
import type { SqlValue } from 'sql.js';
import { DbReadError, type SwarmFacts, type SwarmHost } from '../model';

export type { SwarmFacts, SwarmHost };

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function orNull(v: unknown): string | null {
  return v === null || v === undefined ? null : text(v);
}

/** One statement's rows (the SQLite reader's `ImageQuery.all`). */
export type AllRows = (sql: string) => SqlValue[][];

function asText(col: string): string {
  return `iif(typeof(${col}) = 'blob', CAST(${col} AS TEXT), ${col})`;
}

/**
 * `swarm_hosts` and `topologies.target_host_uuid` from the SQLite snapshot being read. `tables`
 * are the snapshot's table names. `swarm_hosts` is checked with SQLite's integrity check and a
 * row count; a uuid read twice is damage. Throws DbReadError('corrupt').
 */
export function querySqliteSwarm(
  all: AllRows,
  tables: ReadonlySet<string>,
  dbPath: string,
  /**
   * Runs the structure check of `swarm_hosts` it is given, unless an earlier read checked exactly
   * the bytes it reads (see ImageQuery.once).
   */
  check: (run: () => void) => void,
  memo: <T>(key: string, compute: () => T) => T = (_key, compute) => compute(),
): SwarmFacts {
  const damaged = (what: string): DbReadError =>
    new DbReadError('corrupt', `${dbPath} is damaged: ${what}; nothing is classified orphan`, dbPath);
  // The columns, once per parsed schema.
  const columns = (table: string): Set<string> =>
    memo(`swarm-columns-${table}`, () => new Set(all(`PRAGMA table_info("${table}")`).map((r) => text(r[1]).toLowerCase())));
  const tcols = columns('topologies');
  const targetHost: Record<string, string | null> = {};
  if (tcols.has('target_host_uuid')) {
    for (const r of all(`SELECT ${asText('id')}, ${asText('target_host_uuid')} FROM topologies NOT INDEXED`)) {
      targetHost[text(r[0])] = orNull(r[1]);
    }
  }
  if (!tables.has('swarm_hosts')) return { hosts: [], targetHost };
  const hcols = columns('swarm_hosts');
  for (const c of ['uuid', 'name', 'address']) {
    if (!hcols.has(c)) {
      throw new DbReadError(
        'not-decnet',
        `${dbPath} has a "swarm_hosts" table without the column ${c}: not a DECNET schema this extension knows`,
        dbPath,
      );
    }
  }
  check(() => {
    const problem = all('PRAGMA integrity_check("swarm_hosts")')
      .map((r) => text(r[0]).trim())
      .filter((l) => l !== '' && !l.startsWith('*** in database '));
    if (!(problem.length === 1 && problem[0] === 'ok')) {
      throw damaged(`SQLite's integrity check of "swarm_hosts" failed (${problem.slice(0, 2).join('; ') || 'no answer'})`);
    }
  });
  const col = (c: string): string => (hcols.has(c) ? asText(c) : 'NULL');
  const rows = all(
    `SELECT ${['uuid', 'name', 'address', 'status', 'last_heartbeat', 'agent_port'].map(col).join(', ')} FROM swarm_hosts NOT INDEXED`,
  );
  const [[count]] = all('SELECT count(*) FROM swarm_hosts');
  if (Number(count) !== rows.length) throw damaged(`count(*) of "swarm_hosts" is ${text(count)} but ${rows.length} rows were read`);
  return { hosts: hostsOf(rows, damaged), targetHost };
}

function hostsOf(rows: unknown[][], damaged: (what: string) => Error): SwarmHost[] {
  const hosts = rows.map((r) => ({
    uuid: text(r[0]),
    name: text(r[1]),
    address: text(r[2]),
    status: text(r[3]),
    lastHeartbeat: orNull(r[4]),
    agentPort: r[5] === null || r[5] === undefined ? null : Number(r[5]),
  }));
  const seen = new Set<string>();
  for (const h of hosts) {
    if (!h.uuid) throw damaged('a swarm_hosts row has no uuid');
    if (seen.has(h.uuid)) throw damaged(`swarm host uuid ${h.uuid} was read twice`);
    seen.add(h.uuid);
  }
  return hosts.sort((a, b) => a.name.localeCompare(b.name));
}

/** What the MySQL reader needs of its connection: one query, rows as objects. */
export type MysqlQuery = (sql: string) => Promise<Record<string, unknown>[]>;

/** The same from MySQL, inside the reader's READ ONLY transaction. */
export async function queryMysqlSwarm(query: MysqlQuery, source: string): Promise<SwarmFacts> {
  const columns = async (table: string): Promise<Set<string>> =>
    new Set(
      (
        await query(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '${table}'`)
      ).map((r) => text(r.c ?? r.C ?? r.COLUMN_NAME).toLowerCase()),
    );
  const targetHost: Record<string, string | null> = {};
  if ((await columns('topologies')).has('target_host_uuid')) {
    for (const r of await query('SELECT id, target_host_uuid FROM topologies')) targetHost[text(r.id)] = orNull(r.target_host_uuid);
  }
  const hcols = await columns('swarm_hosts');
  if (!hcols.has('uuid')) return { hosts: [], targetHost };
  const col = (c: string): string => (hcols.has(c) ? c : `NULL AS ${c}`);
  const rows = await query(
    `SELECT ${['uuid', 'name', 'address', 'status', 'last_heartbeat', 'agent_port'].map(col).join(', ')} FROM swarm_hosts`,
  );
  const damaged = (what: string): DbReadError => new DbReadError('corrupt', `${source}: ${what}; nothing is classified orphan`, source);
  return {
    hosts: hostsOf(
      rows.map((r) => [r.uuid, r.name, r.address, r.status, r.last_heartbeat, r.agent_port]),
      damaged,
    ),
    targetHost,
  };
}
