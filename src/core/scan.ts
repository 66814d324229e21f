// One complete read: the DECNET DB and the Docker daemon, grouped and classified.
import { describeDbTarget, type DbTarget } from './config';
import { readMysqlDb } from './db/mysql';
import { readSqliteDb } from './db/sqlite';
import { connectDocker, listInventory } from './docker';
import { describeEndpoint, type DockerEndpoint } from './dockerEndpoint';
import { classify, dbPrefixesOf } from './grouping';
import type { DbSnapshot, DockerInventory, HostRef, Outcome, ScanResult } from './model';
import { DbReadError, DockerUnavailableError } from './model';

export interface ScanOptions {
  /** The SQLite file; ignored when `db` is given. */
  dbPath?: string | undefined;
  /** The backend to read (SQLite or MySQL), as `resolveDatabase` gives it. */
  db?: DbTarget;
  /** A URL (`unix:///var/run/docker.sock`) or a resolved endpoint with its TLS material. */
  dockerHost: string | DockerEndpoint;
  /**
   * The swarm host `dockerHost` reaches (the master, or a worker of `swarm_hosts`): with it, a
   * topology found off the host it belongs on is `misplaced` (see rules.ts).
   */
  host?: HostRef;
}

/** The endpoint as people read it. */
export function endpointLabel(target: string | DockerEndpoint): string {
  return typeof target === 'string' ? target : describeEndpoint(target);
}

/** DECNET's topology ids are uuids: what matters here is 8 hex digits first. */
const TOPOLOGY_ID = /^[0-9a-fA-F]{8}/;

/** The DB a scan reads: `db` when given, else the SQLite file `dbPath`. */
export function dbTargetOf(opts: Pick<ScanOptions, 'db' | 'dbPath'>): DbTarget {
  if (opts.db) return opts.db;
  return opts.dbPath ? { kind: 'sqlite', path: opts.dbPath, origin: 'setting' } : { kind: 'none', origin: 'none' };
}

export async function readDb(target: DbTarget): Promise<Outcome<DbSnapshot, DbReadError>> {
  if (target.kind === 'none') {
    return {
      ok: false,
      error: new DbReadError(
        'not-configured',
        'No DECNET database is configured: set decnet.database.path (or --db), DECNET_DB_PATH, or /etc/decnet/decnet.ini',
      ),
    };
  }
  if (target.kind === 'invalid') {
    // Named but not usable: never replaced by another database.
    return { ok: false, error: new DbReadError('misconfigured', `Cannot read the DECNET database: ${target.message}`) };
  }
  const source = describeDbTarget(target);
  try {
    const snapshot = target.kind === 'mysql' ? await readMysqlDb(target) : await readSqliteDb(target.path);
    // An id whose prefix cannot be read would protect nothing: its resources would look orphan.
    const odd = snapshot.topologies.find((t) => !TOPOLOGY_ID.test(t.id));
    if (odd) {
      return {
        ok: false,
        error: new DbReadError(
          'not-decnet',
          `${source} holds a topology id that is not DECNET's (${JSON.stringify(odd.id)}): nothing is classified orphan`,
          source,
        ),
      };
    }
    return { ok: true, value: snapshot };
  } catch (err) {
    if (err instanceof DbReadError) return { ok: false, error: err };
    return { ok: false, error: new DbReadError('unreadable', `Cannot read ${source}: ${String(err)}`, source) };
  }
}

export async function readDocker(
  dockerHost: string | DockerEndpoint,
  signal?: AbortSignal,
): Promise<Outcome<DockerInventory, DockerUnavailableError>> {
  const label = endpointLabel(dockerHost);
  try {
    return { ok: true, value: await listInventory(connectDocker(dockerHost), label, signal) };
  } catch (err) {
    if (err instanceof DockerUnavailableError) return { ok: false, error: err };
    return { ok: false, error: new DockerUnavailableError(String(err), label) };
  }
}

/** Reads both sides at once. Never throws: failures are in `db` and `docker`. */
export async function scan(opts: ScanOptions): Promise<ScanResult> {
  const target = dbTargetOf(opts);
  const [db, docker] = await Promise.all([readDb(target), readDocker(opts.dockerHost)]);
  const classification = docker.ok
    ? classify(docker.value, db.ok ? db.value : undefined, opts.host)
    : {
        groups: [],
        dbPrefixes: dbPrefixesOf(db.ok ? db.value : undefined),
        livePrefixes: [],
        orphanPrefixes: [],
        ...(opts.host ? { misplacedPrefixes: [] } : {}),
      };
  return {
    db,
    docker,
    dbSource: db.ok ? db.value.source : describeDbTarget(target),
    dockerEndpoint: endpointLabel(opts.dockerHost),
    ...classification,
    ...(opts.host ? { host: opts.host } : {}),
  };
}
