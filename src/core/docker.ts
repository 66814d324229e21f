// The Docker Engine API through dockerode: connecting, listing, and the calls removal needs.
import Docker from 'dockerode';
import type { ContainerInfo, DockerInventory, NetworkEndpoint, NetworkInfo } from './model';
import { DockerUnavailableError } from './model';

export const DOCKER_TIMEOUT_MS = 30_000;

/** A dockerode client for `unix:///path` or `tcp://host:port` (plain HTTP). */
export function connectDocker(endpoint: string): Docker {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new DockerUnavailableError(`Invalid Docker endpoint "${endpoint}"`, endpoint);
  }
  switch (url.protocol) {
    case 'unix:':
      return new Docker({ socketPath: decodeURIComponent(url.pathname), timeout: DOCKER_TIMEOUT_MS });
    case 'tcp:':
    case 'http:':
      return new Docker({
        host: url.hostname,
        port: Number(url.port || 2375),
        protocol: 'http',
        timeout: DOCKER_TIMEOUT_MS,
      });
    default:
      throw new DockerUnavailableError(
        `Unsupported Docker endpoint "${endpoint}": use unix:///path/to/docker.sock or tcp://host:port`,
        endpoint,
      );
  }
}

export function describeDockerError(err: unknown): string {
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

/** Lists every container (running or not) and every network. Throws DockerUnavailableError. */
export async function listInventory(docker: Docker, endpoint: string): Promise<DockerInventory> {
  let rawContainers: Docker.ContainerInfo[];
  let rawNetworks: Docker.NetworkInspectInfo[];
  try {
    [rawContainers, rawNetworks] = await Promise.all([docker.listContainers({ all: true }), docker.listNetworks()]);
  } catch (err) {
    throw new DockerUnavailableError(
      `Cannot list Docker resources at ${endpoint}: ${describeDockerError(err)}`,
      endpoint,
    );
  }
  const containers: ContainerInfo[] = rawContainers.map((c) => ({
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
    state: c.State,
    status: c.Status,
    image: c.Image,
    labels: c.Labels ?? {},
    networkMode: c.HostConfig?.NetworkMode ?? '',
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
  }));
  // The list call leaves out endpoints; the containers' own network settings hold them.
  const endpoints = new Map<string, NetworkEndpoint[]>();
  for (const c of rawContainers) {
    for (const attachment of Object.values(c.NetworkSettings?.Networks ?? {})) {
      const id = attachment.NetworkID;
      // Only active endpoints count (as in `GET /networks/{id}`); a stopped container has none.
      if (!id || !attachment.EndpointID) continue;
      const list = endpoints.get(id) ?? [];
      list.push({ containerId: c.Id, name: (c.Names?.[0] ?? c.Id).replace(/^\//, '') });
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
  }));
  return { endpoint, containers, networks };
}

/** Endpoints attached to a network now, from `GET /networks/{id}`; undefined when it is gone. */
export async function inspectEndpoints(docker: Docker, networkId: string): Promise<NetworkEndpoint[] | undefined> {
  try {
    const info = (await docker.getNetwork(networkId).inspect()) as Docker.NetworkInspectInfo;
    return Object.entries(info.Containers ?? {}).map(([containerId, c]) => ({
      containerId,
      name: c.Name ?? containerId,
    }));
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}
