// In-memory inventories and snapshots for the pure unit tests.
import type { ContainerInfo, DbSnapshot, DockerInventory, NetworkInfo, Topology } from '../../src/core/model';

export function topology(id: string, name: string, status = 'active', mode = 'unihost'): Topology {
  return { id, name, status, mode };
}

export function snapshot(...topologies: Topology[]): DbSnapshot {
  return { source: 'sqlite: /test/decnet.db', topologies, lans: [], walFramesApplied: 0 };
}

let counter = 0;
export function container(name: string, labels: Record<string, string> = {}, extra: Partial<ContainerInfo> = {}): ContainerInfo {
  counter++;
  return {
    id: `c${counter.toString().padStart(63, '0')}`,
    name,
    state: 'running',
    status: 'Up 2 minutes',
    image: 'decnet-test/busybox:latest',
    labels,
    networkMode: 'default',
    networks: [],
    ...extra,
  };
}

export function network(name: string, subnets: string[] = [], extra: Partial<NetworkInfo> = {}): NetworkInfo {
  counter++;
  return {
    id: `n${counter.toString().padStart(63, '0')}`,
    name,
    driver: 'bridge',
    internal: false,
    subnets,
    labels: {},
    endpoints: [],
    ...extra,
  };
}

export function inventory(containers: ContainerInfo[], networks: NetworkInfo[]): DockerInventory {
  return {
    endpoint: 'unix:///test/docker.sock',
    daemon: { name: 'test-host', id: 'TEST:DAEMON:ID', version: '20.10' },
    containers,
    networks,
  };
}

export const decnetLabels = (id: string, decky: string, service?: string): Record<string, string> => ({
  'decnet.topology.id': id,
  'decnet.topology.decky': decky,
  ...(service ? { 'decnet.topology.service_name': service, 'decnet.topology.service': 'true' } : { 'decnet.topology.role': 'base' }),
  'com.docker.compose.project': `decnet-topo-${id.slice(0, 8)}`,
});
