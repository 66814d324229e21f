// Plan files: a removal plan written as JSON to be reviewed, handed over and applied later
// (`decnet-reaper plan` / `apply`, the editor's Save Plan… and Apply Plan…). `plan_sha256` is the
// SHA-256 of the canonical JSON of everything else in the file (keys sorted, no spaces): a file
// changed after it was written is refused whole. It guards against edits and damage, not against
// someone who recomputes it; what a plan may remove is decided again when it is applied.
//
// A plan file is input from someone else. It never decides which database tells live from orphan,
// which daemon is the truth, nor where a password is sent: those are what the person applying it
// resolves (flags, environment, settings, decnet.ini), as for every other command, and a plan made
// from another database or on another endpoint is refused (see `planTargetMismatch`).
import { createHash } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { visit } from 'jsonc-parser';
import { describeDbTarget, type DbTarget } from '../config';
import { describeEndpoint, maskEndpointUrl, type DockerEndpoint } from '../dockerEndpoint';
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

export interface PlanFile {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  created_at: string;
  /** The endpoint it was made on, as people read it (no password). Checked, never connected to. */
  docker_endpoint: string;
  docker_daemon: { name: string; id: string };
  /** The database it was made from, as people read it. Checked, never read. */
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

/** The plan file of `plan`. */
export function planToFile(plan: RemovalPlan): PlanFile {
  if (plan.dbSource.startsWith('(')) throw new RefusedError('A plan needs a database that can be read.');
  // A misplaced removal depends on every host of the swarm at the time it runs: no plan file for it.
  if (plan.mode === 'misplaced')
    throw new RefusedError('A misplaced topology is removed from the host where it was found, not from a plan file.');
  const body: Omit<PlanFile, 'plan_sha256'> = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    created_at: plan.createdAt,
    docker_endpoint: plan.dockerEndpoint,
    docker_daemon: { name: plan.daemon.name, id: plan.daemon.id },
    database: plan.dbSource,
    mode: plan.mode === 'tornDown' ? 'torn_down' : 'orphan',
    prefixes: plan.prefixes,
    topologies: plan.topologies ?? [],
    db_topology_count: plan.dbTopologyCount ?? null,
    resources: [
      ...plan.containers.map((c): PlanFileContainer => ({
        kind: 'container',
        id: c.id,
        name: c.name,
        created: c.created ?? null,
        markers: c.markers ?? { prefixes: c.prefixes, malformed: [], labels: {} },
      })),
      ...plan.networks.map((n): PlanFileNetwork => ({
        kind: 'network',
        id: n.id,
        name: n.name,
        created: n.created ?? null,
        markers: n.markers ?? { prefixes: [], malformed: [], labels: {} },
        subnets: n.subnets,
        endpoints: n.endpoints.map((e) => ({ container_id: e.containerId, name: e.name, ...(e.state ? { state: e.state } : {}) })),
      })),
    ],
    kept: plan.excluded.map((x) => ({ kind: x.kind, name: x.name, reason: x.reason, ...(x.id ? { id: x.id } : {}) })),
  };
  return { ...body, plan_sha256: planSha256(body) };
}

/** The plan file as written: pretty JSON, one trailing newline. */
export function serializePlanFile(file: PlanFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Writes the plan file to `dest` whole or not at all (a temporary file beside it, then renamed
 * over it). Throws an Error naming `dest` when it cannot be written.
 */
export function writePlanFile(dest: string, file: PlanFile): void {
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, serializePlanFile(file), { flag: 'wx', mode: 0o644 });
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`The plan cannot be written to ${dest}: ${(err as Error).message}`, { cause: err });
  }
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

/** A plan nests a few levels deep; anything deeper than this is not one (and is never walked). */
export const MAX_PLAN_DEPTH = 16;

/** How deep `value` nests, counted without recursion (a crafted file can nest 200,000 deep). Stops past `limit`. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    deepest = Math.max(deepest, d);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** The first key that appears twice in one object of `text` (JSON), if any. */
function duplicateKey(text: string): string | undefined {
  const open: Set<string>[] = [];
  let dup: string | undefined;
  visit(text, {
    onObjectBegin: () => void open.push(new Set()),
    onObjectEnd: () => void open.pop(),
    onObjectProperty: (key) => {
      const keys = open[open.length - 1];
      if (keys?.has(key)) dup ??= key;
      keys?.add(key);
    },
  });
  return dup;
}

/** Checks a plan file's shape and its `plan_sha256`. Throws PlanFileError (a RefusedError). */
export function parsePlanFile(text: string): PlanFile {
  try {
    return parseOrThrow(text);
  } catch (e) {
    if (e instanceof PlanFileError) throw e;
    // Whatever else a crafted file provokes is a bad plan, never a crash.
    fail(`it cannot be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

function parseOrThrow(text: string): PlanFile {
  if (text.length > MAX_PLAN_BYTES) fail(`it is larger than ${MAX_PLAN_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`it is not JSON (${(e as Error).message})`);
  }
  if (depthOf(raw, MAX_PLAN_DEPTH) > MAX_PLAN_DEPTH) fail(`it nests deeper than ${MAX_PLAN_DEPTH} levels`);
  // JSON.parse keeps the last of two equal keys: a reviewer may have read the first.
  const dup = duplicateKey(text);
  if (dup !== undefined) fail(`the key ${JSON.stringify(dup)} appears twice in one object`);
  const o = obj(raw, 'the file');
  if (o.format !== PLAN_FORMAT) fail(`"format" is not "${PLAN_FORMAT}"`);
  if (o.version !== PLAN_VERSION) fail(`version ${JSON.stringify(o.version)} is not supported (this reaper reads version ${PLAN_VERSION})`);
  const sha = str(o.plan_sha256, 'plan_sha256');
  if (planSha256(o as unknown as PlanFile) !== sha) {
    throw new PlanFileError('The plan file does not match its plan_sha256: it was changed after it was written. Nothing was removed.');
  }
  // docker_host and database_target, written by earlier versions, are covered by the checksum and
  // otherwise ignored: where to connect is never taken from a plan file.
  const daemon = obj(o.docker_daemon, 'docker_daemon');
  if (o.mode !== 'orphan' && o.mode !== 'torn_down') fail('mode is neither orphan nor torn_down');
  const prefixes = strings(o.prefixes, 'prefixes');
  if (!prefixes.length) fail('prefixes is empty');
  if (new Set(prefixes).size !== prefixes.length) fail('a prefix is listed twice');
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
    return {
      prefix: str(x.prefix, `topologies[${i}].prefix`),
      id: str(x.id, `topologies[${i}].id`),
      name: str(x.name, `topologies[${i}].name`, { empty: true }),
      status: str(x.status, `topologies[${i}].status`),
    };
  });
  const kept = arr(o.kept, 'kept').map((k, i): SkippedItem => {
    const x = obj(k, `kept[${i}]`);
    if (x.kind !== 'container' && x.kind !== 'network') fail(`kept[${i}].kind is neither container nor network`);
    return {
      kind: x.kind,
      name: str(x.name, `kept[${i}].name`),
      reason: str(x.reason, `kept[${i}].reason`),
      ...(x.id !== undefined ? { id: str(x.id, `kept[${i}].id`) } : {}),
    };
  });
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    created_at: str(o.created_at, 'created_at'),
    // Masked as every endpoint shown is: a plan written by hand, or by an earlier version, may hold a password.
    docker_endpoint: maskEndpointUrl(str(o.docker_endpoint, 'docker_endpoint')),
    docker_daemon: { name: str(daemon.name, 'docker_daemon.name', { empty: true }), id: str(daemon.id, 'docker_daemon.id') },
    database: str(o.database, 'database'),
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

/** Where a plan was made, beside what the person applying it resolved, when they differ. */
export interface PlanTargetMismatch {
  /** The plan's database and the one resolved here, when they differ. */
  database?: { plan: string; here: string };
  /** The plan's endpoint and the one resolved here, when they differ. */
  endpoint?: { plan: string; here: string };
}

/**
 * How the plan's database and endpoint differ from the ones resolved here (`here`: flags,
 * environment, settings, decnet.ini, as for every other command), or undefined when they are the
 * same. A plan is applied only where it was made; which database and daemon are the truth is
 * never the plan's to say.
 */
export function planTargetMismatch(
  file: Pick<PlanFile, 'database' | 'docker_endpoint'>,
  here: { db: DbTarget; dockerHost: string | DockerEndpoint },
): PlanTargetMismatch | undefined {
  const out: PlanTargetMismatch = {};
  const database = describeDbTarget(here.db);
  if (database !== file.database) out.database = { plan: file.database, here: database };
  const endpoint = typeof here.dockerHost === 'string' ? maskEndpointUrl(here.dockerHost) : describeEndpoint(here.dockerHost);
  if (endpoint !== file.docker_endpoint) out.endpoint = { plan: file.docker_endpoint, here: endpoint };
  return out.database || out.endpoint ? out : undefined;
}

/**
 * The refusal of a plan made elsewhere: both databases and both endpoints named, then how to
 * accept the plan's (`fixes`: the front end's words for naming them explicitly).
 */
export function planTargetRefusal(m: PlanTargetMismatch, fixes: { database: string; endpoint: string }): string {
  const parts: string[] = [];
  if (m.database) {
    parts.push(`The plan was made from ${m.database.plan}, not from the database configured here, ${m.database.here}. ${fixes.database}`);
  }
  if (m.endpoint) {
    parts.push(
      `The plan was made on ${m.endpoint.plan}, not on the Docker endpoint configured here, ${m.endpoint.here}. ${fixes.endpoint}`,
    );
  }
  return `${parts.join(' ')} A plan file never chooses which database or daemon decides what is live. Nothing was removed.`;
}

/** The flag that names the plan's database explicitly (`--db PATH`, `--db-url mysql://…`), from its `database`. */
export function databaseFlagOf(database: string): string | undefined {
  if (database.startsWith('sqlite: ')) return `--db ${shellWord(database.slice('sqlite: '.length))}`;
  if (database.startsWith('mysql: ')) return `--db-url ${shellWord(`mysql://${database.slice('mysql: '.length)}`)}`;
  return undefined;
}

/** The flag that names the plan's endpoint explicitly, from its `docker_endpoint`. */
export function endpointFlagOf(endpoint: string): string | undefined {
  const context = / \[context ([^\]]+)\]$/.exec(endpoint);
  if (context) return `--context ${shellWord(context[1])}`;
  const url = endpoint.replace(/ \(TLS(, not verified)?\)$/, '');
  return url.includes('***') ? undefined : `--docker-host ${shellWord(url)}`;
}

/** A word as a POSIX shell reads it back. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Apply's exit status: every planned resource gone, nothing skipped, and no error. */
export function everyPlannedResourceGone(
  plan: Pick<RemovalPlan, 'containers' | 'networks'>,
  report: { containers_removed: string[]; networks_removed: string[]; errors: string[]; skipped: unknown[] },
): boolean {
  const containers = new Set(report.containers_removed);
  const networks = new Set(report.networks_removed);
  return (
    report.errors.length === 0 &&
    report.skipped.length === 0 &&
    plan.containers.every((c) => containers.has(c.name)) &&
    plan.networks.every((n) => networks.has(n.name))
  );
}
