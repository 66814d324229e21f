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
}

export type DbErrorKind =
  | 'not-configured'
  /** A database named in a flag, setting, variable or decnet.ini cannot be used as given. */
  | 'misconfigured'
  | 'missing'
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
}

export interface NetworkEndpoint {
  containerId: string;
  name: string;
}

export interface NetworkInfo {
  id: string;
  name: string;
  driver: string;
  internal: boolean;
  subnets: string[];
  labels: Record<string, string>;
  /** Attached endpoints, from `GET /networks/{id}` (the list call leaves them out). */
  endpoints: NetworkEndpoint[];
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
  livePrefixes: string[];
  orphanPrefixes: string[];
}
