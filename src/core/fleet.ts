// A DECNET swarm in one view: the master's Docker daemon and every worker's (`swarm_hosts`),
// scanned concurrently with one read of the database, each host with its own timeout and its own
// error. A worker's endpoint is never guessed: it comes from a mapping (the setting
// `decnet.fleet.endpoints`, the CLI's `--host NAME=ENDPOINT`), else the worker is shown as having
// none, with `ssh://<address>` offered for the user to confirm.
import { mapLimit } from './concurrency';
import { describeDbTarget, type DbTarget } from './config';
import { classify, dbPrefixesOf } from './grouping';
import { describeEndpoint, maskEndpointUrl, readContext, resolveDockerEndpoint, type DockerEndpoint } from './dockerEndpoint';
import type { DbReadError, DbSnapshot, DockerInventory, Group, HostRef, Outcome, ScanResult, SwarmFacts, SwarmHost } from './model';
import { DockerUnavailableError, MASTER, RefusedError } from './model';
import { homeOf } from './rules';
import { endpointLabel, readDb, readDocker } from './scan';

export const DEFAULT_HOST_TIMEOUT_MS = 10_000;
export const DEFAULT_HOST_CONCURRENCY = 8;
/** The host name the master goes by, in the mapping, `--on` and the JSON. */
export const MASTER_NAME = MASTER.name;

/** `decnet.fleet.endpoints` / `--host`: swarm host name → endpoint URL, or `context:NAME`. */
export type EndpointMapping = Readonly<Record<string, string>>;

/** One host of the swarm, as resolved before it is scanned. */
export interface FleetHost {
  ref: HostRef;
  /** The worker's `swarm_hosts` row; undefined for the master. */
  swarm?: SwarmHost;
  /** The Docker endpoint; undefined when none is configured (a worker missing from the mapping). */
  endpoint?: DockerEndpoint;
  /** For a worker without an endpoint: what the user may confirm (`ssh://<address>`). */
  offer?: string;
  /** Why the host is not scanned at all (a worker whose name cannot be told from the master's). */
  problem?: string;
}

/** What a host without a configured endpoint says. */
export const NO_ENDPOINT = 'no Docker endpoint configured';

/**
 * An endpoint as the mapping gives it: `context:NAME` (a Docker context, with its TLS material),
 * else a URL (`unix://`, `tcp://` with TLS from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, `ssh://`).
 */
export function parseHostEndpoint(value: string, env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const v = value.trim();
  if (v.startsWith('context:')) {
    const name = v.slice('context:'.length).trim();
    if (!name) return { url: v, source: 'setting', error: `"${v}" names no Docker context` };
    return readContext(name, env);
  }
  return resolveDockerEndpoint({ setting: v, env });
}

/** `NAME=ENDPOINT` (the CLI's `--host`), split at the first `=`. Throws on a malformed one. */
export function parseHostMapping(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    const name = at > 0 ? item.slice(0, at).trim() : '';
    const endpoint = at > 0 ? item.slice(at + 1).trim() : '';
    if (!name || !endpoint) throw new Error(`--host takes NAME=ENDPOINT (got "${maskEndpointUrl(item)}")`);
    if (name in out) throw new Error(`--host ${name} is given twice`);
    out[name] = endpoint;
  }
  return out;
}

/** The `ssh://` endpoint offered for a worker without one: its address as `swarm_hosts` has it. */
export function offeredEndpoint(host: Pick<SwarmHost, 'address'>): string | undefined {
  const a = host.address.trim();
  if (!a || /[\s/@?#]/.test(a)) return undefined;
  return `ssh://${a.includes(':') && !a.startsWith('[') ? `[${a}]` : a}`;
}

/**
 * The hosts: the master first (its endpoint as resolved today, or `master` in the mapping), then
 * every row of `swarm_hosts` by name, each with its mapped endpoint or none.
 */
export function resolveFleetHosts(
  master: DockerEndpoint,
  swarm: SwarmFacts | undefined,
  mapping: EndpointMapping,
  env: NodeJS.ProcessEnv = process.env,
): FleetHost[] {
  const masterMapped = mapping[MASTER_NAME];
  const hosts: FleetHost[] = [{ ref: MASTER, endpoint: masterMapped ? parseHostEndpoint(masterMapped, env) : master }];
  for (const h of swarm?.hosts ?? []) {
    if (h.name === MASTER_NAME) {
      // `master` names the master here (the mapping, --on, the tree): such a worker cannot be
      // told from it, so it is shown under another name and never scanned.
      hosts.push({
        ref: { name: `${MASTER_NAME} (worker ${h.uuid.slice(0, 8)})`, uuid: h.uuid },
        swarm: h,
        problem: `this worker of swarm_hosts is named "${MASTER_NAME}", the name the reaper gives the master: rename it in DECNET to scan it`,
      });
      continue;
    }
    const mapped = Object.prototype.hasOwnProperty.call(mapping, h.name) ? mapping[h.name] : undefined;
    hosts.push({
      ref: { name: h.name, uuid: h.uuid },
      swarm: h,
      ...(mapped?.trim() ? { endpoint: parseHostEndpoint(mapped, env) } : { offer: offeredEndpoint(h) }),
    });
  }
  return hosts;
}

/** Names in the mapping that are neither `master` nor a swarm host (a typo, a host since removed). */
export function unknownMappings(mapping: EndpointMapping, swarm: SwarmFacts | undefined): string[] {
  const known = new Set([MASTER_NAME, ...(swarm?.hosts ?? []).map((h) => h.name)]);
  return Object.keys(mapping)
    .filter((n) => !known.has(n))
    .sort();
}

/**
 * The database as one host sees it, for the subnet overlaps: a Docker pool is per daemon, so only
 * the LANs of topologies that belong on this host (or whose host cannot be told) are wanted here.
 * Without workers, the whole database.
 */
export function dbForHost(db: DbSnapshot, here: HostRef): DbSnapshot {
  const swarm = db.swarm;
  if (!swarm?.hosts.length) return db;
  const elsewhere = new Set(
    db.topologies
      .filter((t) => {
        const home = homeOf(t, swarm);
        return home !== undefined && home.uuid !== here.uuid;
      })
      .map((t) => t.id),
  );
  return { ...db, lans: db.lans.filter((l) => !elsewhere.has(l.topologyId)) };
}

/** One host's scan: its classification against the fleet's one database read. */
export interface HostScan {
  host: FleetHost;
  /** The host's endpoint as people read it, or `NO_ENDPOINT`. */
  endpointLabel: string;
  result: ScanResult;
  /** How long the host took to answer (or to fail), in milliseconds. */
  ms: number;
  timedOut: boolean;
  /**
   * Other hosts whose endpoint reached this same daemon (its engine id): a worker enrolled on the
   * master's machine, or two endpoints for one daemon. A group belonging on any of them is live
   * here, never misplaced.
   */
  sameDaemonAs?: string[];
}

export interface FleetScan {
  db: Outcome<DbSnapshot, DbReadError>;
  dbSource: string;
  hosts: HostScan[];
  /** Mapping names that match no host. */
  unknownMappings: string[];
}

export interface FleetScanOptions {
  db: DbTarget;
  /** The master's endpoint, as resolved today (`decnet.docker.host`, `--docker-host`, DOCKER_HOST...). */
  master: DockerEndpoint;
  mapping?: EndpointMapping;
  env?: NodeJS.ProcessEnv;
  /** Per host; default 10 s. */
  timeoutMs?: number;
  /** Hosts scanned at once; default 8. */
  concurrency?: number;
  /** How a host's daemon is listed (default `readDocker`); benchmarks and tests stand in. */
  readDocker?: (endpoint: DockerEndpoint, signal: AbortSignal) => Promise<Outcome<DockerInventory, DockerUnavailableError>>;
  /** Called as each host's scan is done, in the order they finish (the tree fills in as hosts answer). */
  onHost?: (scan: HostScan) => void;
  /**
   * The master's scan just made at `master` (`scan()`): its database read and its daemon's listing
   * are used as they are, so a refresh reads neither twice.
   */
  masterRead?: Pick<ScanResult, 'db' | 'docker'>;
}

/** Reads `promise` or, after `ms`, aborts and answers `onTimeout`. */
async function withTimeout<T>(
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => T,
): Promise<{ value: T; timedOut: boolean }> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ value: T; timedOut: boolean }>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve({ value: onTimeout(), timedOut: true });
    }, ms);
  });
  try {
    return await Promise.race([run(abort.signal).then((value) => ({ value, timedOut: false })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The scan of one host from an inventory (or its failure) and the fleet's database read. */
export function hostResult(
  host: FleetHost,
  docker: Outcome<DockerInventory, DockerUnavailableError>,
  db: Outcome<DbSnapshot, DbReadError>,
  dbSource: string,
  sameDaemon: readonly HostRef[] = [],
): ScanResult {
  const label = host.endpoint ? endpointLabel(host.endpoint) : NO_ENDPOINT;
  const classification = docker.ok
    ? classify(docker.value, db.ok ? db.value : undefined, host.ref, sameDaemon)
    : { groups: [], dbPrefixes: dbPrefixesOf(db.ok ? db.value : undefined), livePrefixes: [], orphanPrefixes: [], misplacedPrefixes: [] };
  return { db, docker, dbSource, dockerEndpoint: label, ...classification, host: host.ref };
}

/**
 * Reads the database once, then every host's daemon, at most `concurrency` at once, each within
 * `timeoutMs`: a slow or dead host never holds the others back, and its error is its own. Never
 * throws. With the database unreadable, only the master is known (and nothing is classified).
 */
export async function scanFleet(opts: FleetScanOptions): Promise<FleetScan> {
  const env = opts.env ?? process.env;
  const mapping = opts.mapping ?? {};
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HOST_TIMEOUT_MS;
  const read = opts.readDocker ?? ((endpoint, signal) => readDocker(endpoint, signal));
  const db = opts.masterRead ? opts.masterRead.db : await readDb(opts.db);
  const dbSource = db.ok ? db.value.source : describeDbTarget(opts.db);
  const swarm = db.ok ? db.value.swarm : undefined;
  const hosts = resolveFleetHosts(opts.master, swarm, mapping, env);
  const scans = await mapLimit(hosts, opts.concurrency ?? DEFAULT_HOST_CONCURRENCY, async (host): Promise<HostScan> => {
    const started = performance.now();
    const endpoint = host.endpoint;
    let docker: Outcome<DockerInventory, DockerUnavailableError>;
    let timedOut = false;
    if (host.problem) {
      docker = { ok: false, error: new DockerUnavailableError(host.problem, NO_ENDPOINT) };
    } else if (!endpoint) {
      docker = { ok: false, error: new DockerUnavailableError(NO_ENDPOINT, NO_ENDPOINT, 'NOENDPOINT') };
    } else if (opts.masterRead && endpoint === opts.master) {
      docker = opts.masterRead.docker;
    } else {
      const label = describeEndpoint(endpoint);
      const answer = await withTimeout(
        timeoutMs,
        (signal) => read(endpoint, signal),
        () => ({
          ok: false as const,
          error: new DockerUnavailableError(`${label} did not answer within ${Math.round(timeoutMs / 100) / 10} s`, label, 'ETIMEDOUT'),
        }),
      );
      docker = answer.value;
      timedOut = answer.timedOut;
    }
    const scan: HostScan = {
      host,
      endpointLabel: endpoint ? describeEndpoint(endpoint) : NO_ENDPOINT,
      result: hostResult(host, docker, db, dbSource),
      ms: performance.now() - started,
      timedOut,
    };
    opts.onHost?.(scan);
    return scan;
  });
  return { db, dbSource, hosts: withSharedDaemons(scans, db, dbSource), unknownMappings: unknownMappings(mapping, swarm) };
}

/**
 * Hosts whose endpoints reached one daemon (same engine id) are classified together: a topology
 * found there is misplaced only when it belongs on none of them. Each names the others.
 */
function withSharedDaemons(scans: HostScan[], db: Outcome<DbSnapshot, DbReadError>, dbSource: string): HostScan[] {
  const byDaemon = new Map<string, HostScan[]>();
  for (const s of scans) {
    if (!s.result.docker.ok || !s.result.docker.value.daemon.id) continue;
    const id = s.result.docker.value.daemon.id;
    byDaemon.set(id, [...(byDaemon.get(id) ?? []), s]);
  }
  return scans.map((s) => {
    const shared =
      s.result.docker.ok && s.result.docker.value.daemon.id
        ? (byDaemon.get(s.result.docker.value.daemon.id) ?? []).filter((o) => o !== s)
        : [];
    if (!shared.length) return s;
    const others = shared.map((o) => o.host.ref);
    return { ...s, result: hostResult(s.host, s.result.docker, db, dbSource, others), sameDaemonAs: others.map((r) => r.name) };
  });
}

/** A host a misplaced topology belongs on whose daemon could not be compared with the one it was found on. */
export interface UncheckedHome {
  /** `master` or the worker's name. */
  name: string;
  /** Why: it has no endpoint, it did not answer, it reaches this same daemon. */
  why: string;
  /** For a worker without an endpoint: the `ssh://<address>` its swarm_hosts row suggests. */
  offer?: string;
  /** True when the host has no Docker endpoint configured at all. */
  noEndpoint: boolean;
}

/**
 * The hosts a misplaced group belongs on that do not prove it misplaced on `here`: "at home on the
 * same daemon" can be ruled out only for a home host that answered and is another daemon (by
 * engine id). A home host that is not scanned (no endpoint), did not answer, or reaches the same
 * daemon as `here` is listed with why; an empty list means every home was checked.
 */
export function uncheckedHomes(
  hosts: readonly HostScan[],
  here: HostScan,
  group: Pick<Group, 'topologies'>,
  swarm: SwarmFacts,
): UncheckedHome[] {
  const hereDaemon = here.result.docker.ok ? here.result.docker.value.daemon.id : undefined;
  const out = new Map<string, UncheckedHome>();
  for (const t of group.topologies) {
    const home = homeOf(t, swarm);
    if (!home) continue;
    const scan = hosts.find((h) => h.host.ref.uuid === home.uuid);
    if (!scan) {
      out.set(home.name, { name: home.name, why: 'it is not among the hosts scanned', noEndpoint: false });
      continue;
    }
    const r = scan.result;
    if (!scan.host.endpoint) {
      out.set(home.name, { name: home.name, why: NO_ENDPOINT, noEndpoint: true, ...(scan.host.offer ? { offer: scan.host.offer } : {}) });
    } else if (!r.docker.ok) {
      out.set(home.name, { name: home.name, why: r.docker.error.message, noEndpoint: false });
    } else if (!r.docker.value.daemon.id || !hereDaemon) {
      out.set(home.name, { name: home.name, why: 'its Docker daemon does not say which it is (no id)', noEndpoint: false });
    } else if (r.docker.value.daemon.id === hereDaemon) {
      out.set(home.name, {
        name: home.name,
        why: `its endpoint reaches the same Docker daemon as ${here.host.ref.name}'s`,
        noEndpoint: false,
      });
    }
  }
  return [...out.values()];
}

/**
 * Whether any host a misplaced group belongs on holds something of it (checked hosts only): when
 * none does, removing it where it was found leaves the topology running nowhere.
 */
export function runsAtHome(hosts: readonly HostScan[], group: Pick<Group, 'prefix' | 'topologies'>, swarm: SwarmFacts): boolean {
  return group.topologies.some((t) => {
    const home = homeOf(t, swarm);
    const scan = home && hosts.find((h) => h.host.ref.uuid === home.uuid);
    return !!scan && scan.result.groups.some((g) => g.prefix === group.prefix);
  });
}

/**
 * The refusal of a misplaced removal whose home hosts were not all checked: each named with why,
 * then what the front end says to do (`fix`).
 */
export function uncheckedHomesRefusal(
  group: Pick<Group, 'prefix' | 'topology'>,
  unchecked: readonly UncheckedHome[],
  fix: (u: UncheckedHome) => string,
): string {
  const what = group.topology ? `topology "${group.topology.name}" (${group.prefix})` : `prefix ${group.prefix}`;
  const homes = unchecked
    .map((u) => `${u.name === MASTER_NAME ? 'the master' : `host ${u.name}`}, which could not be checked (${u.why})`)
    .join('; and on ');
  const fixes = unchecked.map(fix).filter(Boolean).join(' ');
  return (
    `Nothing was removed: ${what} belongs on ${homes}. A topology is removed as misplaced only when the host it belongs on answered and is another Docker daemon` +
    `${fixes ? `. ${fixes}` : '.'}`
  );
}

/** What a misplaced removal is planned from and re-checked with (see `readForMisplaced`). */
export interface MisplacedRead {
  /** The host's scan, classified with every host that reaches the same daemon. */
  result: ScanResult;
  /** For each misplaced prefix asked for: whether a host it belongs on holds something of it. */
  runsAtHome: Record<string, boolean>;
}

/**
 * The read a misplaced removal is planned from, and re-checked with just before removing: every
 * host of the swarm scanned (hosts reaching one daemon are classified together), the host named
 * `hostName` taken, and for each of `prefixes` misplaced there, the hosts it belongs on checked
 * (they answered, and are another daemon). Throws RefusedError when one was not checked (`fix`
 * says what to do), or when no host has that name any more. A host that does not answer is
 * returned as it is: nothing is classified then.
 */
export async function readForMisplaced(
  opts: FleetScanOptions & { hostName: string; prefixes: readonly string[]; fix: (u: UncheckedHome) => string },
): Promise<MisplacedRead> {
  const fleet = await scanFleet(opts);
  const here = fleet.hosts.find((h) => h.host.ref.name === opts.hostName);
  if (!here) throw new RefusedError(`Nothing was removed: no host of the swarm is named "${opts.hostName}" now.`);
  const result = here.result;
  const runsHere: Record<string, boolean> = {};
  const swarm = result.db.ok ? result.db.value.swarm : undefined;
  if (!result.docker.ok || !swarm) return { result, runsAtHome: runsHere };
  for (const prefix of opts.prefixes) {
    const g = result.groups.find((x) => x.prefix === prefix);
    if (!g?.misplaced) continue;
    const unchecked = uncheckedHomes(fleet.hosts, here, g, swarm);
    if (unchecked.length) throw new RefusedError(uncheckedHomesRefusal(g, unchecked, opts.fix));
    runsHere[prefix] = runsAtHome(fleet.hosts, g, swarm);
  }
  return { result, runsAtHome: runsHere };
}

/** The fleet as JSON (`decnet-reaper fleet --json`). */
export function fleetJson(fleet: FleetScan): object {
  return {
    database: fleet.dbSource,
    database_error: fleet.db.ok ? null : `${fleet.db.error.kind}: ${fleet.db.error.message}`,
    hosts: fleet.hosts.map(hostJson),
    ...(fleet.unknownMappings.length ? { unknown_hosts: fleet.unknownMappings } : {}),
  };
}

function hostJson(s: HostScan): object {
  const r = s.result;
  const h = s.host;
  return {
    name: h.ref.name,
    uuid: h.ref.uuid,
    endpoint: h.endpoint ? s.endpointLabel : null,
    ...(h.swarm ? { address: h.swarm.address, status: h.swarm.status, last_heartbeat: h.swarm.lastHeartbeat } : {}),
    ...(h.offer && !h.endpoint ? { offered_endpoint: h.offer } : {}),
    daemon: r.docker.ok ? r.docker.value.daemon : null,
    ...(s.sameDaemonAs ? { same_daemon_as: s.sameDaemonAs } : {}),
    error: r.docker.ok ? null : r.docker.error.message,
    live_prefixes: r.livePrefixes,
    orphan_prefixes: r.orphanPrefixes,
    misplaced_prefixes: r.misplacedPrefixes ?? [],
    groups: r.groups.map((g) => ({
      prefix: g.prefix,
      state: g.misplaced ? 'misplaced' : g.state,
      ...(g.misplaced ? { belongs_on: g.misplaced.belongsOn } : {}),
      topology: g.topology ? { id: g.topology.id, name: g.topology.name, status: g.topology.status, mode: g.topology.mode } : null,
      containers: g.containers.map((c) => ({ id: c.id, name: c.name, state: c.state })),
      networks: g.networks.map((n) => ({ id: n.id, name: n.name, subnets: n.subnets })),
    })),
  };
}

/**
 * The host named `name` (`master` or a worker of `swarm_hosts`) with its endpoint, for `--on`;
 * throws with the names known when there is none, or when it has no endpoint.
 */
export function hostNamed(name: string, hosts: readonly FleetHost[]): FleetHost & { endpoint: DockerEndpoint } {
  const host = hosts.find((h) => h.ref.name === name);
  if (!host) throw new Error(`no swarm host is named "${name}" (hosts: ${hosts.map((h) => h.ref.name).join(', ')})`);
  if (!host.endpoint) {
    const offer = host.offer ? ` (for example --host ${name}=${host.offer})` : '';
    throw new Error(`host ${name} has ${NO_ENDPOINT}: give it with --host ${name}=ENDPOINT${offer}`);
  }
  return host as FleetHost & { endpoint: DockerEndpoint };
}
