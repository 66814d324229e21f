// Plan files: a removal plan written as JSON to be reviewed, handed over and applied later
// (`decnet-reaper plan` / `apply`, the editor's Save Plan… and Apply Plan…). `plan_sha256` is the
// SHA-256 of the canonical JSON of everything else in the file (keys sorted, no spaces): a file
// changed after it was written is refused whole. It guards against edits and damage, not against
// someone who recomputes it; what a plan may remove is decided again when it is applied.
import { createHash } from 'node:crypto';
import { describeDbTarget, resolveDatabase, type DbTarget } from '../config';
import { describeEndpoint, resolveDockerEndpoint, type DockerEndpoint } from '../dockerEndpoint';
import type { PlannedTopology, RemovalPlan, ResourceMarkers, SkippedItem } from '../model';
import { RefusedError } from '../model';
import { isValidPrefix } from '../naming';

export const PLAN_FORMAT = 'decnet-reaper-plan';
export const PLAN_VERSION = 1;
/** A plan file larger than this is refused. */
export const MAX_PLAN_BYTES = 16 * 1024 * 1024;

export interface PlanFileContainer {
  kind: 'container';
  id: string;
  name: string;
  created: string | null;
  markers: ResourceMarkers;
}

export interface PlanFileNetwork {
  kind: 'network';
  id: string;
  name: string;
  created: string | null;
  markers: ResourceMarkers;
  subnets: string[];
  /** Every container attached when the plan was made, running or not; `state` when known (`exited`, `created`...). */
  endpoints: { container_id: string; name: string; state?: string }[];
}

/** How to reach the plan's endpoint and database again (never a password or TLS material). */
export interface PlanFileTarget {
  docker_host: { url: string; context: string | null };
  database_target:
    | { kind: 'sqlite'; path: string }
    | { kind: 'mysql'; host: string; port: number; database: string; user: string };
}

export interface PlanFile extends PlanFileTarget {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  created_at: string;
  docker_endpoint: string;
  docker_daemon: { name: string; id: string };
  database: string;
  mode: 'orphan' | 'torn_down';
  prefixes: string[];
  /** For `torn_down`: the topology rows as they were when the plan was made. */
  topologies: PlannedTopology[];
  /** Topology rows in the database when the plan was made. */
  db_topology_count: number | null;
  resources: (PlanFileContainer | PlanFileNetwork)[];
  /** Resources of these prefixes the plan leaves alone, and why. */
  kept: SkippedItem[];
  plan_sha256: string;
}

/** The JSON of `value` with object keys sorted and no whitespace: what `plan_sha256` is taken of. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function planSha256(file: Omit<PlanFile, 'plan_sha256'> | PlanFile): string {
  const { plan_sha256: _ignored, ...rest } = file as PlanFile;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

function targetOf(dockerHost: string | DockerEndpoint, db: DbTarget): PlanFileTarget {
  const docker_host = typeof dockerHost === 'string' ? { url: dockerHost, context: null } : { url: dockerHost.url, context: dockerHost.context ?? null };
  if (db.kind === 'sqlite') return { docker_host, database_target: { kind: 'sqlite', path: describeDbTarget(db).slice('sqlite: '.length) } };
  if (db.kind === 'mysql') {
    return { docker_host, database_target: { kind: 'mysql', host: db.host, port: db.port, database: db.database, user: db.user } };
  }
  throw new RefusedError('A plan needs a database that can be read.');
}

/** The plan file of `plan`, made from `dockerHost` and `db`. */
export function planToFile(plan: RemovalPlan, where: { dockerHost: string | DockerEndpoint; db: DbTarget }): PlanFile {
  const body: Omit<PlanFile, 'plan_sha256'> = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    created_at: plan.createdAt,
    docker_endpoint: plan.dockerEndpoint,
    docker_daemon: { name: plan.daemon.name, id: plan.daemon.id },
    database: plan.dbSource,
    ...targetOf(where.dockerHost, where.db),
    mode: plan.mode === 'tornDown' ? 'torn_down' : 'orphan',
    prefixes: plan.prefixes,
    topologies: plan.topologies ?? [],
    db_topology_count: plan.dbTopologyCount ?? null,
    resources: [
      ...plan.containers.map(
        (c): PlanFileContainer => ({
          kind: 'container',
          id: c.id,
          name: c.name,
          created: c.created ?? null,
          markers: c.markers ?? { prefixes: c.prefixes, malformed: [], labels: {} },
        }),
      ),
      ...plan.networks.map(
        (n): PlanFileNetwork => ({
          kind: 'network',
          id: n.id,
          name: n.name,
          created: n.created ?? null,
          markers: n.markers ?? { prefixes: [], malformed: [], labels: {} },
          subnets: n.subnets,
          endpoints: n.endpoints.map((e) => ({ container_id: e.containerId, name: e.name, ...(e.state ? { state: e.state } : {}) })),
        }),
      ),
    ],
    kept: plan.excluded.map((x) => ({ kind: x.kind, name: x.name, reason: x.reason, ...(x.id ? { id: x.id } : {}) })),
  };
  return { ...body, plan_sha256: planSha256(body) };
}

/** The plan file as written: pretty JSON, one trailing newline. */
export function serializePlanFile(file: PlanFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

// ---- Reading a plan file ----------------------------------------------------------------

/** A plan file that cannot be used: refused whole (nothing is removed). */
export class PlanFileError extends RefusedError {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFileError';
  }
}

type Json = Record<string, unknown>;

function fail(what: string): never {
  throw new PlanFileError(`The plan file is not a valid DECNET reaper plan: ${what}. Nothing was removed.`);
}

function obj(v: unknown, what: string): Json {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(`${what} is not an object`);
  return v as Json;
}

function str(v: unknown, what: string, { empty = false } = {}): string {
  if (typeof v !== 'string' || (!empty && !v)) fail(`${what} is not a ${empty ? '' : 'non-empty '}string`);
  if (v.length > 4096) fail(`${what} is too long`);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`${what} is not a list`);
  return v;
}

function strings(v: unknown, what: string): string[] {
  return arr(v, what).map((x, i) => str(x, `${what}[${i}]`));
}

function markersFrom(v: unknown, what: string): ResourceMarkers {
  const m = obj(v, what);
  const labels = obj(m.labels, `${what}.labels`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(labels)) out[k] = str(val, `${what}.labels.${k}`, { empty: true });
  return { prefixes: strings(m.prefixes, `${what}.prefixes`), malformed: strings(m.malformed, `${what}.malformed`), labels: out };
}

function createdFrom(v: unknown, what: string): string | null {
  return v === null ? null : str(v, what);
}

/** Checks a plan file's shape and its `plan_sha256`. Throws PlanFileError (a RefusedError). */
export function parsePlanFile(text: string): PlanFile {
  if (text.length > MAX_PLAN_BYTES) fail(`it is larger than ${MAX_PLAN_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`it is not JSON (${(e as Error).message})`);
  }
  const o = obj(raw, 'the file');
  if (o.format !== PLAN_FORMAT) fail(`"format" is not "${PLAN_FORMAT}"`);
  if (o.version !== PLAN_VERSION) fail(`version ${JSON.stringify(o.version)} is not supported (this reaper reads version ${PLAN_VERSION})`);
  const sha = str(o.plan_sha256, 'plan_sha256');
  if (planSha256(o as unknown as PlanFile) !== sha) {
    throw new PlanFileError('The plan file does not match its plan_sha256: it was changed after it was written. Nothing was removed.');
  }
  const daemon = obj(o.docker_daemon, 'docker_daemon');
  const dockerHost = obj(o.docker_host, 'docker_host');
  const dbt = obj(o.database_target, 'database_target');
  let database_target: PlanFile['database_target'];
  if (dbt.kind === 'sqlite') database_target = { kind: 'sqlite', path: str(dbt.path, 'database_target.path') };
  else if (dbt.kind === 'mysql') {
    const port = dbt.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) fail('database_target.port is not a port');
    database_target = {
      kind: 'mysql',
      host: str(dbt.host, 'database_target.host'),
      port,
      database: str(dbt.database, 'database_target.database'),
      user: str(dbt.user, 'database_target.user'),
    };
  } else fail('database_target.kind is neither sqlite nor mysql');
  if (o.mode !== 'orphan' && o.mode !== 'torn_down') fail('mode is neither orphan nor torn_down');
  const prefixes = strings(o.prefixes, 'prefixes');
  if (!prefixes.length) fail('prefixes is empty');
  for (const p of prefixes) if (!isValidPrefix(p)) fail(`"${p}" is not a topology prefix`);
  const count = o.db_topology_count;
  if (count !== null && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) fail('db_topology_count is not a count');
  const resources = arr(o.resources, 'resources').map((r, i): PlanFileContainer | PlanFileNetwork => {
    const x = obj(r, `resources[${i}]`);
    const base = {
      id: str(x.id, `resources[${i}].id`),
      name: str(x.name, `resources[${i}].name`),
      created: createdFrom(x.created, `resources[${i}].created`),
      markers: markersFrom(x.markers, `resources[${i}].markers`),
    };
    if (x.kind === 'container') return { kind: 'container', ...base };
    if (x.kind !== 'network') fail(`resources[${i}].kind is neither container nor network`);
    return {
      kind: 'network',
      ...base,
      subnets: strings(x.subnets, `resources[${i}].subnets`),
      endpoints: arr(x.endpoints, `resources[${i}].endpoints`).map((e, j) => {
        const ep = obj(e, `resources[${i}].endpoints[${j}]`);
        return {
          container_id: str(ep.container_id, `resources[${i}].endpoints[${j}].container_id`),
          name: str(ep.name, `resources[${i}].endpoints[${j}].name`),
          ...(ep.state !== undefined ? { state: str(ep.state, `resources[${i}].endpoints[${j}].state`) } : {}),
        };
      }),
    };
  });
  if (!resources.length) fail('it plans to remove nothing');
  const ids = new Set<string>();
  for (const r of resources) {
    if (ids.has(r.id)) fail(`resource ${r.id} is listed twice`);
    ids.add(r.id);
  }
  const topologies = arr(o.topologies, 'topologies').map((t, i) => {
    const x = obj(t, `topologies[${i}]`);
    return { prefix: str(x.prefix, `topologies[${i}].prefix`), id: str(x.id, `topologies[${i}].id`), name: str(x.name, `topologies[${i}].name`, { empty: true }), status: str(x.status, `topologies[${i}].status`) };
  });
  const kept = arr(o.kept, 'kept').map((k, i): SkippedItem => {
    const x = obj(k, `kept[${i}]`);
    if (x.kind !== 'container' && x.kind !== 'network') fail(`kept[${i}].kind is neither container nor network`);
    return { kind: x.kind, name: str(x.name, `kept[${i}].name`), reason: str(x.reason, `kept[${i}].reason`), ...(x.id !== undefined ? { id: str(x.id, `kept[${i}].id`) } : {}) };
  });
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    created_at: str(o.created_at, 'created_at'),
    docker_endpoint: str(o.docker_endpoint, 'docker_endpoint'),
    docker_daemon: { name: str(daemon.name, 'docker_daemon.name', { empty: true }), id: str(daemon.id, 'docker_daemon.id') },
    database: str(o.database, 'database'),
    docker_host: { url: str(dockerHost.url, 'docker_host.url'), context: dockerHost.context === null ? null : str(dockerHost.context, 'docker_host.context') },
    database_target,
    mode: o.mode,
    prefixes,
    topologies,
    db_topology_count: count,
    resources,
    kept,
    plan_sha256: sha,
  };
}

/** The removal plan a plan file holds, for the session (`{ kind: 'plan', plan }`). */
export function planFromFile(file: PlanFile): RemovalPlan {
  const containers = file.resources.filter((r): r is PlanFileContainer => r.kind === 'container');
  const networks = file.resources.filter((r): r is PlanFileNetwork => r.kind === 'network');
  return {
    createdAt: file.created_at,
    mode: file.mode === 'torn_down' ? 'tornDown' : 'orphan',
    dockerEndpoint: file.docker_endpoint,
    daemon: { name: file.docker_daemon.name, id: file.docker_daemon.id, version: '' },
    dbSource: file.database,
    prefixes: file.prefixes,
    topologies: file.topologies,
    containers: containers.map((c) => ({
      id: c.id,
      name: c.name,
      prefixes: c.markers.prefixes,
      ...(c.created ? { created: c.created } : {}),
      markers: c.markers,
    })),
    networks: networks.map((n) => ({
      id: n.id,
      name: n.name,
      ...(n.created ? { created: n.created } : {}),
      markers: n.markers,
      subnets: n.subnets,
      endpoints: n.endpoints.map((e) => ({ containerId: e.container_id, name: e.name, ...(e.state ? { state: e.state } : {}) })),
    })),
    excluded: file.kept,
    livePrefixes: [],
    orphanPrefixes: [],
    ...(file.db_topology_count !== null ? { dbTopologyCount: file.db_topology_count } : {}),
  };
}

/** The Docker endpoint a plan was made on, resolved again (TLS material from the environment or context). */
export function planDockerEndpoint(file: PlanFile, env: NodeJS.ProcessEnv): DockerEndpoint {
  return file.docker_host.context
    ? resolveDockerEndpoint({ context: file.docker_host.context, env })
    : resolveDockerEndpoint({ setting: file.docker_host.url, env });
}

/** The database a plan was made from (a MySQL password from DECNET_DB_PASSWORD or `password`). */
export function planDatabase(file: PlanFile, env: NodeJS.ProcessEnv, password?: string): DbTarget {
  const t = file.database_target;
  if (t.kind === 'sqlite') return { kind: 'sqlite', path: t.path, origin: 'setting' };
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return resolveDatabase({
    settings: { url: `mysql://${encodeURIComponent(t.user)}@${host}:${t.port}/${encodeURIComponent(t.database)}` },
    env,
    secretPassword: password,
  });
}

/**
 * Refuses (PlanFileError) unless `dockerHost` and `db` name the plan's endpoint and database (as
 * `docker_endpoint` and `database` say them).
 */
export function requirePlanTarget(file: PlanFile, dockerHost: DockerEndpoint, db: DbTarget): void {
  const endpoint = describeEndpoint(dockerHost);
  if (endpoint !== file.docker_endpoint) {
    throw new PlanFileError(`The plan was made on ${file.docker_endpoint}, not ${endpoint}. Nothing was removed.`);
  }
  const database = describeDbTarget(db);
  if (database !== file.database) {
    throw new PlanFileError(`The plan was made from ${file.database}, not ${database}. Nothing was removed.`);
  }
}

/** Apply's exit status: every planned resource gone and no error. */
export function everyPlannedResourceGone(
  plan: Pick<RemovalPlan, 'containers' | 'networks'>,
  report: { containers_removed: string[]; networks_removed: string[]; errors: string[] },
): boolean {
  const containers = new Set(report.containers_removed);
  const networks = new Set(report.networks_removed);
  return (
    report.errors.length === 0 && plan.containers.every((c) => containers.has(c.name)) && plan.networks.every((n) => networks.has(n.name))
  );
}
