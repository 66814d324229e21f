// The data the core works on. No `vscode` import anywhere under src/core.

/** A row of DECNET's `topologies` table (the columns the reaper needs). */
export interface Topology {
  id: string;
  name: string;
  status: string;
  mode: string;
}

/** A row of DECNET's `lans` table. */
export interface Lan {
  id: string;
  topologyId: string;
  name: string;
  subnet: string;
  isDmz: boolean;
  dockerNetworkId: string | null;
}

/** A complete, consistent read of the DECNET database. */
export interface DbSnapshot {
  /** What was read, for people: `sqlite: /var/lib/decnet/decnet.db`. */
  source: string;
  topologies: Topology[];
  lans: Lan[];
  /** Committed WAL frames that were applied on top of the main file. */
  walFramesApplied: number;
  /** The swarm in the same snapshot: enrolled workers and where topologies are pinned (see db/swarm.ts). */
  swarm?: SwarmFacts;
}

/** A row of DECNET's `swarm_hosts`: an enrolled worker host. */
export interface SwarmHost {
  uuid: string;
  name: string;
  address: string;
  status: string;
  lastHeartbeat: string | null;
  agentPort: number | null;
}

export interface SwarmFacts {
  /** Every row of `swarm_hosts`, sorted by name; empty without workers. */
  hosts: SwarmHost[];
  /** `topologies.target_host_uuid` by topology id (null when not pinned). */
  targetHost: Record<string, string | null>;
}

/** The Docker host a scan looks at: the master (`uuid` null) or one worker of `swarm_hosts`. */
export interface HostRef {
  /** `master`, or the worker's `swarm_hosts.name`. */
  name: string;
  /** The worker's `swarm_hosts.uuid`; null for the master. */
  uuid: string | null;
}

export const MASTER: HostRef = { name: 'master', uuid: null };

export type DbErrorKind =
  | 'not-configured'
  /** A database named in a flag, setting, variable or decnet.ini cannot be used as given. */
  | 'misconfigured'
  | 'missing'
  /** The file is not a SQLite database at all (a text file, say). */
  | 'not-sqlite'
  | 'unreadable'
  | 'locked'
  | 'corrupt'
  | 'truncated'
  | 'not-decnet'
  | 'torn'
  | 'unreachable'
  | 'access-denied';

/** The DB could not be read completely and correctly: nothing may be called an orphan. */
export class DbReadError extends Error {
  constructor(
    readonly kind: DbErrorKind,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'DbReadError';
  }
}

/** The Docker daemon could not be listed. */
export class DockerUnavailableError extends Error {
  constructor(
    message: string,
    readonly endpoint: string,
    /**
     * What went wrong, when it is known: the system's code (`ENOENT`, `ECONNREFUSED`, `EACCES`,
     * `ETIMEDOUT`), `NOENDPOINT` (a swarm host without one), `HTTP <status>` (the daemon's answer).
     */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'DockerUnavailableError';
  }
}

export interface ContainerInfo {
  id: string;
  /** Without Docker's leading `/`. */
  name: string;
  /** Docker's state: running, exited, created, paused, ... */
  state: string;
  status: string;
  image: string;
  labels: Record<string, string>;
  /** `HostConfig.NetworkMode`: `bridge`, `container:<id>`, a network name... */
  networkMode: string;
  /** Names of the networks the container is attached to. */
  networks: string[];
  /** When Docker created it (ISO 8601), if the daemon says. */
  created?: string;
}

/**
 * A container attached to a network, whatever its state. Docker's network inspect (`Containers`)
 * lists running and paused containers only; a created, exited or dead one is attached all the
 * same (it names the network in its own `NetworkSettings.Networks`) and fails `docker start` once
 * the network is gone.
 */
export interface NetworkEndpoint {
  containerId: string;
  name: string;
  /** Docker's state of the container (`running`, `paused`, `exited`, `created`...); absent when not known. */
  state?: string;
  /**
   * The container names the network by a name that several networks bear, without a network id
   * (a container created and never started has none): which of them it joins on start cannot be
   * told, so none of them is removed while it is attached.
   */
  ambiguous?: boolean;
}

export interface NetworkInfo {
  id: string;
  name: string;
  driver: string;
  internal: boolean;
  subnets: string[];
  labels: Record<string, string>;
  /**
   * Every container attached, running or not, from each container's own network settings (the
   * list call leaves them out; `GET /networks/{id}` leaves out the stopped ones).
   */
  endpoints: NetworkEndpoint[];
  /** When Docker created it (ISO 8601), if the daemon says. */
  created?: string;
}

export interface DaemonIdentity {
  name: string;
  id: string;
  version: string;
}

export interface DockerInventory {
  /** The endpoint as people read it: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  endpoint: string;
  /** Which daemon answered (`GET /info`): its host name, its id, its version. */
  daemon: DaemonIdentity;
  containers: ContainerInfo[];
  networks: NetworkInfo[];
}

/** Where a resource's DECNET ownership markers point. */
export interface Ownership {
  /** Valid prefixes found in the name, the `decnet.topology.id` label, the compose project. */
  prefixes: string[];
  /** Markers that look like DECNET's but do not hold a valid prefix; such a resource is never removable. */
  malformed: string[];
}

export type GroupState = 'live' | 'orphan' | 'unknown';

export interface OwnedContainer extends ContainerInfo {
  ownership: Ownership;
  /** True when every marker points to an orphan prefix. */
  removable: boolean;
}

export interface OwnedNetwork extends NetworkInfo {
  ownership: Ownership;
  removable: boolean;
}

export interface Group {
  prefix: string;
  /** `unknown` when the DB could not be read: nothing is an orphan then. */
  state: GroupState;
  /** The topology shown for the prefix (a row that is not torn_down first), or null. */
  topology: Topology | null;
  /** Every topology row whose id starts with the prefix (more than one is rare, but possible). */
  topologies: Topology[];
  containers: OwnedContainer[];
  networks: OwnedNetwork[];
  /**
   * Known to the database (so `state` stays `live` for every orphan rule) but belonging on
   * another host of the swarm: the name of that host (`master` or a worker's name).
   */
  misplaced?: { belongsOn: string };
}

export type Outcome<T, E extends Error> = { ok: true; value: T } | { ok: false; error: E };

export interface ScanResult {
  db: Outcome<DbSnapshot, DbReadError>;
  docker: Outcome<DockerInventory, DockerUnavailableError>;
  /** The DB path or source that was asked for, even when reading it failed. */
  dbSource: string;
  dockerEndpoint: string;
  /** Every prefix found on Docker, sorted; empty when Docker could not be listed. */
  groups: Group[];
  /** Every topology prefix in the database, sorted (DECNET's `live_prefixes`); empty when it could not be read. */
  dbPrefixes: string[];
  /** The live prefixes found on Docker. */
  livePrefixes: string[];
  orphanPrefixes: string[];
  /** With workers in `swarm_hosts`: prefixes known to the database that belong on another host (not in `livePrefixes`). */
  misplacedPrefixes?: string[];
  /** The host scanned, when the scan was asked for one (see fleet.ts). */
  host?: HostRef;
}

// ---- Removal ------------------------------------------------------------------------------

/**
 * `misplaced`: prefixes known to the database found on a host of the swarm they do not belong on
 * (typed confirmation, as for `tornDown`).
 * `orphan`: prefixes no topology row owns (what DECNET's reaper removes). `tornDown`: prefixes
 * whose topology row says exactly `torn_down` yet whose resources are still on the daemon
 * (DECNET keeps the row, so its reaper leaves them, and their networks block subnet reuse).
 */
export type RemovalMode = 'orphan' | 'tornDown' | 'misplaced';

/** A resource's DECNET ownership markers as the plan saw them. */
export interface ResourceMarkers {
  /** Prefixes its name, `decnet.topology.id` label and compose project point to. */
  prefixes: string[];
  malformed: string[];
  /** Its `decnet.*` and `com.docker.compose.project` labels. */
  labels: Record<string, string>;
}

export interface PlannedContainer {
  id: string;
  name: string;
  prefixes: string[];
  created?: string;
  /** When given, the re-check skips the container unless its name and markers are still these. */
  markers?: ResourceMarkers;
}

export interface PlannedNetwork {
  id: string;
  name: string;
  created?: string;
  /** When given, the re-check skips the network unless its name and markers are still these. */
  markers?: ResourceMarkers;
  subnets: string[];
  /** Containers attached when the plan was made, running or not (those not in the plan are only disconnected). */
  endpoints: NetworkEndpoint[];
}

/** A torn-down topology whose leftovers a `tornDown` plan removes. */
export interface PlannedTopology {
  prefix: string;
  id: string;
  name: string;
  status: string;
}

/** A resource left alone, and why. */
export interface SkippedItem {
  kind: 'container' | 'network';
  name: string;
  reason: string;
  /** Docker's id: resources are told apart by id, since a name can be reused. */
  id?: string;
}

/** Exactly what the user is asked to confirm. */
export interface RemovalPlan {
  createdAt: string;
  /** What the plan removes; `orphan` when absent. */
  mode?: RemovalMode;
  dockerEndpoint: string;
  /** The daemon that answered when the plan was made; removal refuses to run on another. */
  daemon: DaemonIdentity;
  dbSource: string;
  prefixes: string[];
  /** For `tornDown`: the topology rows of `prefixes`, as they were when the plan was made. */
  topologies?: PlannedTopology[];
  containers: PlannedContainer[];
  networks: PlannedNetwork[];
  /** Resources of these prefixes that will not be touched, and why. */
  excluded: SkippedItem[];
  livePrefixes: string[];
  orphanPrefixes: string[];
  /** Topology rows in the DB when the plan was made (0 makes every prefix an orphan: worth a warning). */
  dbTopologyCount?: number;
  /** The swarm host the plan acts on, when it was made for one (`master` or a worker's name). */
  host?: HostRef;
  /** For `misplaced`: where each prefix belongs, as the plan saw it. */
  belongsOn?: Record<string, string>;
  /**
   * For `misplaced`, when the front end scanned the hosts it belongs on: prefix → whether any of
   * them holds something of it (false: after this removal it runs nowhere).
   */
  runsAtHome?: Record<string, boolean>;
  /** What removing the planned networks frees: `frees 198.18.20.0/24 for maze-beta, LAN dmz`. */
  frees?: string[];
}

/** A container only disconnected from a network a removal takes (planned, or done). */
export interface DisconnectedEndpoint {
  network: string;
  container: string;
  /** Docker's state of the container, when known: a stopped one is disconnected as a running one is. */
  state?: string;
}

/** Keys follow DECNET's `POST /api/v1/topologies/reap-orphans` report; the rest are additions. */
export interface ReapReport {
  started_at: string;
  finished_at: string;
  /** `orphan` (the default when absent) or `torn_down`: leftovers of a topology whose row says `torn_down`. */
  mode?: 'orphan' | 'torn_down' | 'misplaced';
  /** The swarm host removed on (`master` or a worker's name), when the removal named one. */
  host?: string;
  docker_endpoint: string;
  /** The daemon that answered at the endpoint: its host name and id. */
  docker_daemon: DaemonIdentity;
  database: string;
  /** As DECNET means it: every topology prefix in the database, whether or not anything of it is on the daemon. */
  live_prefixes: string[];
  /** The live prefixes found on the daemon. */
  live_prefixes_on_daemon: string[];
  orphan_prefixes: string[];
  /** The prefixes something was removed from by this removal (not those only found gone, or all kept). */
  prefixes_reaped: string[];
  /** Containers verified gone after the removal (including those already gone before it). */
  containers_removed: string[];
  /**
   * Of those (containers and networks), the ones this removal did not remove: gone before it, or
   * removed by someone else while it ran (a resource skipped, then removed by another client).
   */
  already_gone: string[];
  /** Containers not removed but disconnected; `state` is the container's when it was disconnected (`exited`, `created`...). */
  endpoints_disconnected: DisconnectedEndpoint[];
  /** Networks verified gone after the removal. */
  networks_removed: string[];
  skipped: SkippedItem[];
  errors: string[];
  /** Resources of the prefixes asked for that were left alone at planning, and why (not in DECNET's report). */
  kept?: SkippedItem[];
}

export interface RemovalProgress {
  message: string;
  done: number;
  total: number;
}

/** The request cannot be carried out at all (a prefix is live or unknown, the DB is unreadable...). */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}
