// DECNET-like resources on the private test daemon, built fast (several at a time) and labelled
// so that the benchmark removes exactly what it created, and nothing of anyone else's.
import Docker from 'dockerode';
import { mapLimit } from '../src/core/concurrency';

export const TEST_IMAGE = 'decnet-test/busybox:latest';
/** Every resource the benchmark creates carries this label (value: the run id). */
export const BENCH_LABEL = 'decnet-reaper-bench';

export function benchDocker(host: string): Docker {
  return new Docker({ socketPath: host.slice('unix://'.length), timeout: 120_000 });
}

export interface TopologyLayout {
  /** Full topology id (uuid-shaped); its first 8 characters are the prefix. */
  topologyId: string;
  /** One network per LAN: `decnet_t_<prefix>_<lan>`. */
  lans: Array<{ name: string; subnet: string; internal?: boolean }>;
  /** Decky base containers per LAN, and service containers per base (sharing its network namespace). */
  basesPerLan: number;
  servicesPerBase: (baseIndex: number) => number;
}

export interface Deployed {
  prefix: string;
  networks: string[];
  containers: string[];
}

/**
 * Builds what DECNET deploys for a topology: unlabelled-by-DECNET bridge networks, running base
 * containers with the topology labels and compose project, and running service containers named
 * after their decky that share the base's network namespace.
 */
export async function deploy(docker: Docker, layout: TopologyLayout, runId: string, concurrency = 8): Promise<Deployed> {
  const prefix = layout.topologyId.slice(0, 8);
  const project = `decnet-topo-${prefix}`;
  const networks = await mapLimit(layout.lans, concurrency, async (lan) => {
    const n = await docker.createNetwork({
      Name: `decnet_t_${prefix}_${lan.name}`,
      Driver: 'bridge',
      Internal: lan.internal ?? false,
      Labels: { [BENCH_LABEL]: runId },
      IPAM: { Driver: 'default', Config: [{ Subnet: lan.subnet }] },
    });
    return n.id;
  });
  const bases = layout.lans.flatMap((lan, li) =>
    Array.from({ length: layout.basesPerLan }, (_, k) => ({ lan, index: li * layout.basesPerLan + k })),
  );
  const labels = (decky: string, extra: Record<string, string>): Record<string, string> => ({
    'decnet.topology.id': layout.topologyId,
    'decnet.topology.decky': decky,
    'com.docker.compose.project': project,
    [BENCH_LABEL]: runId,
    ...extra,
  });
  const containers = (
    await mapLimit(bases, concurrency, async ({ lan, index }) => {
      const decky = `decky-${String(index + 1).padStart(2, '0')}`;
      const base = await docker.createContainer({
        name: `decnet_t_${prefix}_${decky}`,
        Image: TEST_IMAGE,
        Labels: labels(decky, { 'decnet.topology.role': 'base' }),
        HostConfig: { NetworkMode: `decnet_t_${prefix}_${lan.name}` },
      });
      await base.start();
      const ids = [base.id];
      for (let s = 0; s < layout.servicesPerBase(index); s++) {
        const service = ['ssh', 'http', 'smb', 'ftp'][s % 4];
        const svc = await docker.createContainer({
          // Named after the decky only, as DECNET names them (unique per prefix here).
          name: `${decky}-${service}-${prefix}`,
          Image: TEST_IMAGE,
          Labels: labels(decky, { 'decnet.topology.service_name': service, 'decnet.topology.service': 'true' }),
          HostConfig: { NetworkMode: `container:${base.id}` },
        });
        await svc.start();
        ids.push(svc.id);
      }
      return ids;
    })
  ).flat();
  return { prefix, networks, containers };
}

/** Removes the containers and networks this benchmark labelled (one run, or every earlier run). */
export async function removeBenchResources(docker: Docker, runId?: string): Promise<{ containers: number; networks: number }> {
  const filter = runId ? `${BENCH_LABEL}=${runId}` : BENCH_LABEL;
  const containers = await docker.listContainers({ all: true, filters: { label: [filter] } });
  await mapLimit(containers, 16, (c) =>
    docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined),
  );
  const networks = await docker.listNetworks({ filters: { label: [filter] } });
  await mapLimit(networks, 16, (n) =>
    docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined),
  );
  return { containers: containers.length, networks: networks.length };
}

/** What is left of a run's resources (to verify a removal). */
export async function remaining(docker: Docker, runId: string, prefix: string): Promise<{ containers: number; networks: number }> {
  const filter = `${BENCH_LABEL}=${runId}`;
  const containers = (await docker.listContainers({ all: true, filters: { label: [filter] } })).filter((c) =>
    c.Labels['decnet.topology.id']?.startsWith(prefix),
  );
  const networks = (await docker.listNetworks({ filters: { label: [filter] } })).filter((n) => n.Name.includes(`_${prefix}_`));
  return { containers: containers.length, networks: networks.length };
}

export function randomHex(n: number): string {
  let s = '';
  while (s.length < n)
    s += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, n);
}
