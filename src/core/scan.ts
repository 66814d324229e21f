// One complete read: the DECNET DB and the Docker daemon, grouped and classified.
import { readSqliteDb } from './db/sqlite';
import { connectDocker, listInventory } from './docker';
import { describeEndpoint, type DockerEndpoint } from './dockerEndpoint';
import { classify } from './grouping';
import type { DbSnapshot, DockerInventory, Outcome, ScanResult } from './model';
import { DbReadError, DockerUnavailableError } from './model';

export interface ScanOptions {
  dbPath: string | undefined;
  /** A URL (`unix:///var/run/docker.sock`) or a resolved endpoint with its TLS material. */
  dockerHost: string | DockerEndpoint;
}

/** The endpoint as people read it. */
export function endpointLabel(target: string | DockerEndpoint): string {
  return typeof target === 'string' ? target : describeEndpoint(target);
}

export async function readDb(dbPath: string | undefined): Promise<Outcome<DbSnapshot, DbReadError>> {
  if (!dbPath) {
    return {
      ok: false,
      error: new DbReadError(
        'not-configured',
        'No DECNET database is configured: set decnet.database.path (or --db), DECNET_DB_PATH, or /etc/decnet/decnet.ini',
      ),
    };
  }
  try {
    return { ok: true, value: await readSqliteDb(dbPath) };
  } catch (err) {
    if (err instanceof DbReadError) return { ok: false, error: err };
    return { ok: false, error: new DbReadError('unreadable', `Cannot read ${dbPath}: ${String(err)}`, dbPath) };
  }
}

export async function readDocker(
  dockerHost: string | DockerEndpoint,
): Promise<Outcome<DockerInventory, DockerUnavailableError>> {
  const label = endpointLabel(dockerHost);
  try {
    return { ok: true, value: await listInventory(connectDocker(dockerHost), label) };
  } catch (err) {
    if (err instanceof DockerUnavailableError) return { ok: false, error: err };
    return { ok: false, error: new DockerUnavailableError(String(err), label) };
  }
}

/** Reads both sides at once. Never throws: failures are in `db` and `docker`. */
export async function scan(opts: ScanOptions): Promise<ScanResult> {
  const [db, docker] = await Promise.all([readDb(opts.dbPath), readDocker(opts.dockerHost)]);
  const classification = docker.ok
    ? classify(docker.value, db.ok ? db.value : undefined)
    : { groups: [], livePrefixes: [], orphanPrefixes: [] };
  return {
    db,
    docker,
    dbSource: db.ok ? db.value.source : opts.dbPath ? `sqlite: ${opts.dbPath}` : '(none)',
    dockerEndpoint: endpointLabel(opts.dockerHost),
    ...classification,
  };
}
