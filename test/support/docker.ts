// The private Docker daemon of the test setup (scripts/private-dockerd.sh) and helpers that
// build DECNET-like topologies on it. Tests never reach any other daemon.
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';

export const TEST_IMAGE = 'decnet-test/busybox:latest';

/** The private daemon's URL. Fails (never skips) when the test setup did not start it. */
export function testDockerHost(): string {
  const host = process.env.DECNET_TEST_DOCKER_HOST;
  if (!host) {
    throw new Error(
      'DECNET_TEST_DOCKER_HOST is not set: run the tests with `npm test`, which starts the private dockerd',
    );
  }
  if (!host.startsWith('unix://') || host === 'unix:///var/run/docker.sock' || host === 'unix:///run/docker.sock') {
    throw new Error(`refusing to run destructive tests against ${host}: only the private test daemon is allowed`);
  }
  return host;
}

export function testDocker(): Docker {
  return new Docker({ socketPath: testDockerHost().slice('unix://'.length) });
}

/** A fresh uuid4 topology id whose prefix is unique in this run. */
export function newTopologyId(): string {
  return randomUUID();
}

export interface FixtureLan {
  name: string;
  subnet: string;
  internal?: boolean;
}

export interface FixtureDecky {
  name: string;
  lan: string;
  services?: string[];
}

export interface FixtureTopology {
  id: string;
  prefix: string;
  networks: { id: string; name: string }[];
  containers: { id: string; name: string }[];
}

/**
 * Builds on the daemon what DECNET deploys for a topology: one unlabelled bridge network per
 * LAN (`decnet_t_<prefix>_<lan>`), a running base container per decky with the topology labels
 * and compose project, and one service container per service that shares the base's network
 * namespace and is named after the decky only.
 */
export async function deployTopology(
  docker: Docker,
  topologyId: string,
  lans: FixtureLan[],
  deckies: FixtureDecky[],
): Promise<FixtureTopology> {
  const prefix = topologyId.slice(0, 8);
  const project = `decnet-topo-${prefix}`;
  const out: FixtureTopology = { id: topologyId, prefix, networks: [], containers: [] };
  for (const lan of lans) {
    const name = `decnet_t_${prefix}_${lan.name.toLowerCase()}`;
    const net = await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      Internal: lan.internal ?? false,
      IPAM: { Driver: 'default', Config: [{ Subnet: lan.subnet }] },
    });
    out.networks.push({ id: net.id, name });
  }
  for (const decky of deckies) {
    const baseName = `decnet_t_${prefix}_${decky.name}`;
    const base = await docker.createContainer({
      name: baseName,
      Image: TEST_IMAGE,
      Labels: {
        'decnet.topology.id': topologyId,
        'decnet.topology.decky': decky.name,
        'decnet.topology.role': 'base',
        'com.docker.compose.project': project,
      },
      HostConfig: { NetworkMode: `decnet_t_${prefix}_${decky.lan.toLowerCase()}` },
    });
    await base.start();
    out.containers.push({ id: base.id, name: baseName });
    for (const service of decky.services ?? []) {
      const name = `${decky.name}-${service}`;
      const svc = await docker.createContainer({
        name,
        Image: TEST_IMAGE,
        Labels: {
          'decnet.topology.id': topologyId,
          'decnet.topology.decky': decky.name,
          'decnet.topology.service_name': service,
          'decnet.topology.service': 'true',
          'com.docker.compose.project': project,
        },
        HostConfig: { NetworkMode: `container:${base.id}` },
      });
      await svc.start();
      out.containers.push({ id: svc.id, name });
    }
  }
  return out;
}

/** Removes everything on the private daemon (between tests). */
export async function wipeDaemon(docker: Docker): Promise<void> {
  const containers = await docker.listContainers({ all: true });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  const networks = await docker.listNetworks();
  await Promise.all(
    networks
      .filter((n) => !['bridge', 'host', 'none'].includes(n.Name))
      .map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)),
  );
}

export async function containerNames(docker: Docker): Promise<string[]> {
  return (await docker.listContainers({ all: true })).map((c) => c.Names[0].replace(/^\//, '')).sort();
}

export async function networkNames(docker: Docker): Promise<string[]> {
  return (await docker.listNetworks())
    .map((n) => n.Name)
    .filter((n) => !['bridge', 'host', 'none'].includes(n))
    .sort();
}
