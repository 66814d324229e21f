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
    [rawContainers, rawNetworks] = await Promise.all([docker.listContainers({ all: true, ...abortSignal }), docker.listNetworks({ ...abortSignal })]);
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
  // The list call leaves out endpoints; the containers' own network settings hold them.
  const endpoints = new Map<string, NetworkEndpoint[]>();
  for (const c of rawContainers) {
    for (const attachment of Object.values(c.NetworkSettings?.Networks ?? {})) {
      const id = attachment.NetworkID;
      // Only active endpoints count (as in `GET /networks/{id}`); a stopped container has none.
      if (!id || !attachment.EndpointID) continue;
      const list = endpoints.get(id) ?? [];
      list.push({ containerId: c.Id, name: containerName(c.Names, c.Id) });
      endpoints.set(id, list);
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

/** Endpoints attached to a network now, from `GET /networks/{id}`; undefined when it is gone. */
export async function inspectEndpoints(docker: Docker, networkId: string): Promise<NetworkEndpoint[] | undefined> {
  try {
    const info = (await docker.getNetwork(networkId).inspect());
    return Object.entries(info.Containers ?? {}).map(([containerId, c]) => ({
      containerId,
      name: c.Name ?? containerId,
    }));
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}
