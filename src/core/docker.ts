// The Docker Engine API through dockerode: connecting, listing, and the calls removal needs.
import Docker from 'dockerode';
import * as https from 'node:https';
import { describeEndpoint, maskEndpointUrl, type DockerEndpoint } from './dockerEndpoint';
import { RequestTimeoutError, requestTimeoutMs } from './deadline';
import { parseSshUrl, sshDialAgent } from './sshDial';
import type { ContainerInfo, DaemonIdentity, DockerInventory, NetworkEndpoint, NetworkInfo } from './model';
import { DockerUnavailableError } from './model';

export const DOCKER_TIMEOUT_MS = 30_000;

/**
 * A dockerode client for `unix:///path`, `tcp://host:port` (TLS when the endpoint carries TLS
 * material) or `ssh://user@host[:port]` (the system `ssh` running `docker system dial-stdio` on
 * the host, as the Docker CLI does). Every connection option is given explicitly: docker-modem would
 * otherwise fill the gaps from DOCKER_HOST and DOCKER_CERT_PATH, and reach another daemon than
 * the one the user chose.
 */
export function connectDocker(target: string | DockerEndpoint): Docker {
  return withRequestDeadlines(withoutDockerEnv(() => createClient(target)));
}

/** What docker-modem's `dial` is given (the options dockerode builds for one request). */
interface DialOptions {
  isStream?: boolean;
  hijack?: boolean;
  abortSignal?: AbortSignal;
  [key: string]: unknown;
}
type DialCallback = (err: unknown, data?: unknown) => void;

/**
 * Every request of `docker` that is not a stream (the event stream stays open by design) is
 * abandoned at the request deadline (see deadline.ts), whatever the idle timeout: an endpoint that
 * trickles a byte every few seconds never holds a command. A request already given an abort
 * signal (a swarm host's own timeout) keeps it too.
 */
function withRequestDeadlines(docker: Docker): Docker {
  const modem = docker.modem as unknown as { dial: (options: DialOptions, callback: DialCallback) => void };
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    if (options.isStream || options.hijack) {
      dial(options, callback);
      return;
    }
    const ms = requestTimeoutMs();
    const controller = new AbortController();
    const outer = options.abortSignal;
    const onOuter = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) controller.abort(outer.reason);
    else outer?.addEventListener('abort', onOuter, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, ms);
    dial({ ...options, abortSignal: controller.signal }, (err, data) => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
      if (timedOut) callback(new RequestTimeoutError('the Docker daemon', ms));
      else callback(err, data);
    });
  };
  return docker;
}

const MODEM_ENV = ['DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_CLIENT_TIMEOUT', 'DOCKER_PATH_PREFIX'];

/**
 * docker-modem reads these variables while it is constructed (and throws when DOCKER_CERT_PATH
 * names a missing file): hide them for that synchronous moment.
 */
function withoutDockerEnv<T>(fn: () => T): T {
  const saved = MODEM_ENV.map((k) => [k, process.env[k]] as const);
  for (const k of MODEM_ENV) delete process.env[k];
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
  }
}

function createClient(target: string | DockerEndpoint): Docker {
  const endpoint: DockerEndpoint = typeof target === 'string' ? { url: target, source: 'setting' } : target;
  if (endpoint.error) throw new DockerUnavailableError(endpoint.error, describeEndpoint(endpoint));
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    const shown = maskEndpointUrl(endpoint.url);
    throw new DockerUnavailableError(`Invalid Docker endpoint "${shown}"`, shown);
  }
  const base = {
    socketPath: undefined as string | undefined,
    host: undefined as string | undefined,
    port: undefined as number | undefined,
    protocol: undefined as 'http' | 'https' | 'ssh' | undefined,
    username: undefined as string | undefined,
    ca: undefined as Buffer | undefined,
    cert: undefined as Buffer | undefined,
    key: undefined as Buffer | undefined,
    timeout: DOCKER_TIMEOUT_MS,
  };
  switch (url.protocol) {
    case 'unix:':
      return new Docker({ ...base, socketPath: decodeURIComponent(url.pathname) });
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = endpoint.tls ?? (url.protocol === 'https:' ? { verify: true } : undefined);
      return new Docker({
        ...base,
        host: url.hostname,
        port: Number(url.port || (tls ? 2376 : 2375)),
        protocol: tls ? 'https' : 'http',
        ca: tls?.ca,
        cert: tls?.cert,
        key: tls?.key,
        ...(tls && !tls.verify ? { agent: new https.Agent({ rejectUnauthorized: false, ca: tls.ca, cert: tls.cert, key: tls.key }) } : {}),
      });
    }
    case 'ssh:':
      // Plain HTTP over the stdio of `ssh … docker system dial-stdio` (see sshDial.ts).
      return new Docker({
        ...base,
        host: 'docker',
        port: 80,
        protocol: 'http',
        agent: sshDialAgent(parseSshUrl(endpoint.url)),
      } as Docker.DockerOptions);
    default:
      throw new DockerUnavailableError(
        `Unsupported Docker endpoint "${maskEndpointUrl(endpoint.url)}": use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host`,
        maskEndpointUrl(endpoint.url),
      );
  }
}

export function describeDockerError(err: unknown): string {
  if (err instanceof RequestTimeoutError) return err.message;
  const e = err as { code?: string; message?: string; statusCode?: number; json?: { message?: string } };
  if (e?.json?.message) return e.json.message;
  if (e?.code === 'ENOENT') return 'the socket does not exist (is Docker running?)';
  if (e?.code === 'ECONNREFUSED') return 'connection refused (is Docker running?)';
  if (e?.code === 'EACCES') return 'permission denied on the socket (is the user in the docker group?)';
  return e?.message ?? String(err);
}

/** The code of a failed request: the system's (`ENOENT`…), `ETIMEDOUT` at the deadline, `HTTP <status>`. */
export function dockerErrorCode(err: unknown): string | undefined {
  if (err instanceof RequestTimeoutError) return 'ETIMEDOUT';
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.statusCode === 'number') return `HTTP ${e.statusCode}`;
  return undefined;
}

/** Docker's HTTP status for an error, if it came from the daemon. */
export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/** The container's own name: with legacy links, Names also holds aliases such as `/other/alias`. */
function containerName(names: string[] | undefined, id: string): string {
  const own = names?.find((n) => !n.slice(1).includes('/')) ?? names?.[0] ?? id;
  return own.replace(/^\//, '');
}

/**
 * The daemon that answered at each endpoint, with the ids of its built-in networks (`bridge`,
 * `host`, `none`, `nat`) at the time. Those ids are random per daemon and kept in its data root,
 * as its engine id is: while they are the same, so is the daemon.
 */
const daemonIdentities = new Map<string, { builtins: string; daemon: DaemonIdentity; at: number }>();
/** Asked again after this long anyway (its name and version can change while its ids do not). */
const DAEMON_IDENTITY_MAX_AGE_MS = 60_000;

function builtinNetworks(networks: Docker.NetworkInspectInfo[]): string {
  return networks
    .filter((n) => ['bridge', 'host', 'none', 'nat'].includes(n.Name))
    .map((n) => `${n.Name}=${n.Id}`)
    .sort()
    .join(',');
}

/**
 * Lists every container (running or not) and every network. Throws DockerUnavailableError.
 * `signal` aborts the requests (a swarm scan's per-host timeout).
 */
export async function listInventory(docker: Docker, endpoint: string, signal?: AbortSignal): Promise<DockerInventory> {
  const abortSignal = signal ? { abortSignal: signal } : {};
  // dockerode's typings leave out the options `info` takes (its abortSignal among them).
  const askInfo = (): Promise<unknown> =>
    signal ? (docker.info as unknown as (o: object) => Promise<unknown>).call(docker, abortSignal) : docker.info();
  let rawContainers: Docker.ContainerInfo[];
  let rawNetworks: Docker.NetworkInspectInfo[];
  let daemon: DaemonIdentity;
  try {
    // GET /info costs more than both listings (the daemon runs runc and docker-init to report
    // their versions): it is asked only when this endpoint's built-in networks, listed anyway,
    // are not the ones its answer was last seen with.
    const cached = daemonIdentities.get(endpoint);
    const known = cached && Date.now() - cached.at < DAEMON_IDENTITY_MAX_AGE_MS ? cached : undefined;
    const infoEarly = known ? undefined : askInfo();
    infoEarly?.catch(() => undefined); // awaited below, unless a listing fails first
    [rawContainers, rawNetworks] = await Promise.all([
      docker.listContainers({ all: true, ...abortSignal }),
      docker.listNetworks({ ...abortSignal }),
    ]);
    const builtins = builtinNetworks(rawNetworks);
    if (known && builtins !== '' && known.builtins === builtins) {
      daemon = known.daemon;
    } else {
      const info = (await (infoEarly ?? askInfo())) as { Name?: string; ID?: string; ServerVersion?: string };
      daemon = { name: info.Name ?? '', id: info.ID ?? '', version: info.ServerVersion ?? '' };
      if (builtins !== '') daemonIdentities.set(endpoint, { builtins, daemon, at: Date.now() });
      else daemonIdentities.delete(endpoint);
    }
  } catch (err) {
    throw new DockerUnavailableError(
      `Cannot list Docker resources at ${endpoint}: ${describeDockerError(err)}`,
      endpoint,
      dockerErrorCode(err),
    );
  }
  const containers: ContainerInfo[] = rawContainers.map((c) => ({
    id: c.Id,
    name: containerName(c.Names, c.Id),
    state: c.State,
    status: c.Status,
    image: c.Image,
    labels: c.Labels ?? {},
    networkMode: c.HostConfig?.NetworkMode ?? '',
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
    ...(typeof c.Created === 'number' ? { created: new Date(c.Created * 1000).toISOString() } : {}),
  }));
  // The list call leaves out endpoints, and a network's inspect the stopped containers: every
  // container's own network settings hold them all.
  const endpoints = new Map<string, NetworkEndpoint[]>();
  const index = networkIndex(rawNetworks);
  for (const c of rawContainers) {
    for (const { networkId, endpoint } of attachmentsOf(c, index)) {
      const list = endpoints.get(networkId) ?? [];
      list.push(endpoint);
      endpoints.set(networkId, list);
    }
  }
  const networks: NetworkInfo[] = rawNetworks.map((n) => ({
    id: n.Id,
    name: n.Name,
    driver: n.Driver,
    internal: !!n.Internal,
    subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s),
    labels: n.Labels ?? {},
    endpoints: endpoints.get(n.Id) ?? [],
    ...(typeof n.Created === 'string' && n.Created ? { created: n.Created } : {}),
  }));
  return { endpoint, daemon, containers, networks };
}

/** The networks a container's settings are matched against: their ids, and the ids of each name. */
export interface NetworkIndex {
  ids: ReadonlySet<string>;
  /** Docker lets two networks share a name. */
  byName: ReadonlyMap<string, readonly string[]>;
}

export function networkIndex(networks: readonly { Id: string; Name: string }[]): NetworkIndex {
  const byName = new Map<string, string[]>();
  for (const n of networks) byName.set(n.Name, [...(byName.get(n.Name) ?? []), n.Id]);
  return { ids: new Set(networks.map((n) => n.Id)), byName };
}

/**
 * The networks a container is attached to, from its own `NetworkSettings.Networks`, whatever its
 * state. An entry names its network by id once the container has run (running, paused, exited);
 * one created and never started has only the network's name (the entry's key): it is matched by
 * name, and `ambiguous` on every network of that name when there are several. An id or a name
 * no network of `networks` has is left out.
 */
export function attachmentsOf(
  c: Pick<Docker.ContainerInfo, 'Id' | 'Names' | 'State' | 'NetworkSettings'>,
  networks: NetworkIndex,
): { networkId: string; endpoint: NetworkEndpoint }[] {
  const out: { networkId: string; endpoint: NetworkEndpoint }[] = [];
  for (const [key, attachment] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
    const endpoint: NetworkEndpoint = { containerId: c.Id, name: containerName(c.Names, c.Id), state: c.State };
    const id = attachment?.NetworkID;
    if (id) {
      if (networks.ids.has(id)) out.push({ networkId: id, endpoint });
      continue;
    }
    const named = networks.byName.get(key) ?? [];
    for (const networkId of named) out.push({ networkId, endpoint: named.length > 1 ? { ...endpoint, ambiguous: true } : endpoint });
  }
  return out;
}

/** Endpoints attached to a network now, from `GET /networks/{id}` (running and paused containers only); undefined when it is gone. */
export async function inspectEndpoints(docker: Pick<Docker, 'getNetwork'>, networkId: string): Promise<NetworkEndpoint[] | undefined> {
  try {
    const info = await docker.getNetwork(networkId).inspect();
    return Object.entries(info.Containers ?? {}).map(([containerId, c]) => ({
      containerId,
      name: c.Name ?? containerId,
    }));
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/** The Docker API calls `attachedContainers` makes. */
export type AttachmentDocker = Pick<Docker, 'getNetwork' | 'listContainers' | 'listNetworks'>;

/**
 * Every container attached to a network now, running or not, or undefined when the network is
 * gone: its inspect (active endpoints) and the containers listed with the network's name and
 * with its id (Docker's `network` filter: the name finds every state, the id misses a container
 * never started). A container that names the network only by a name another network bears too is
 * `ambiguous`.
 */
export async function attachedContainers(
  docker: AttachmentDocker,
  network: { id: string; name: string },
): Promise<NetworkEndpoint[] | undefined> {
  const listed = (value: string): Promise<Docker.ContainerInfo[]> =>
    docker.listContainers({ all: true, filters: JSON.stringify({ network: [value] }) });
  const [active, byName, byId] = await Promise.all([inspectEndpoints(docker, network.id), listed(network.name), listed(network.id)]);
  if (active === undefined) return undefined;
  const containers = new Map([...byName, ...byId].map((c) => [c.Id, c] as const));
  // Only a container naming the network without an id needs to know whether the name is shared.
  const nameOnly = [...containers.values()].some((c) => {
    const entry = c.NetworkSettings?.Networks?.[network.name];
    return !!entry && !entry.NetworkID;
  });
  const sameName = nameOnly
    ? (await docker.listNetworks({ filters: JSON.stringify({ name: [network.name] }) })).filter((n) => n.Name === network.name)
    : [];
  const index = networkIndex([{ Id: network.id, Name: network.name }, ...sameName.filter((n) => n.Id !== network.id)]);
  const attached = new Map<string, NetworkEndpoint>();
  for (const c of containers.values()) {
    for (const { networkId, endpoint } of attachmentsOf(c, index)) {
      if (networkId === network.id) attached.set(c.Id, endpoint);
    }
  }
  // An active endpoint the listings missed (a container created meanwhile) counts all the same.
  for (const e of active) if (!attached.has(e.containerId)) attached.set(e.containerId, e);
  return [...attached.values()];
}
