// A stand-in for the Docker Engine API calls a removal makes (dockerode's shapes), recording
// every call that changes something, for the unit tests of the removal session.
import type Docker from 'dockerode';
import { describeDbTarget } from '../../src/core/config';
import { listInventory } from '../../src/core/docker';
import { classify } from '../../src/core/grouping';
import type { DockerInventory, Outcome, ScanResult } from '../../src/core/model';
import { DockerUnavailableError } from '../../src/core/model';
import type { RemovalTarget } from '../../src/core/reaper';
import { dbTargetOf, endpointLabel, readDb } from '../../src/core/scan';

interface FakeContainer {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
  /** Answer 409 "removal already in progress" to our removal; the other removal ends after this many inspects. */
  removalInProgress?: number;
}

interface FakeNetwork {
  id: string;
  name: string;
  subnet: string;
  /** Attached container ids. */
  attached: Set<string>;
}

function apiError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });
}

let counter = 0;
const newId = (kind: string): string => `${kind}${(++counter).toString(16).padStart(63, '0')}`;

export class StandInDocker {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, FakeNetwork>();
  /** Every change, in order: `kill <name>`, `remove container <name>`, `disconnect <c> from <n>`, `remove network <name>`, `gone <name>`. */
  readonly changes: string[] = [];
  daemon = { Name: 'stand-in', ID: 'STAND:IN:DAEMON', ServerVersion: '20.10.24' };

  addNetwork(name: string, subnet: string): FakeNetwork {
    const n: FakeNetwork = { id: newId('n'), name, subnet, attached: new Set() };
    this.networks.set(n.id, n);
    return n;
  }

  addContainer(name: string, labels: Record<string, string> = {}, networks: FakeNetwork[] = []): FakeContainer {
    const c: FakeContainer = { id: newId('c'), name, state: 'running', labels };
    this.containers.set(c.id, c);
    for (const n of networks) n.attached.add(c.id);
    return c;
  }

  /** The container goes, and leaves its networks (as a removal by anyone does). */
  private drop(c: FakeContainer): void {
    this.containers.delete(c.id);
    for (const n of this.networks.values()) n.attached.delete(c.id);
  }

  readonly api = {
    getContainer: (id: string) => ({
      inspect: async () => {
        const c = this.containers.get(id);
        if (!c) throw apiError(404, `No such container: ${id}`);
        if (c.removalInProgress !== undefined && --c.removalInProgress <= 0) {
          this.drop(c);
          this.changes.push(`gone ${c.name}`);
        }
        return { Id: c.id, Name: `/${c.name}` };
      },
      kill: async () => {
        const c = this.containers.get(id);
        if (!c) throw apiError(404, `No such container: ${id}`);
        this.changes.push(`kill ${c.name}`);
        c.state = 'exited';
      },
      remove: async () => {
        const c = this.containers.get(id);
        if (!c) throw apiError(404, `No such container: ${id}`);
        if (c.removalInProgress !== undefined) throw apiError(409, `removal of container ${id} is already in progress`);
        this.drop(c);
        this.changes.push(`remove container ${c.name}`);
      },
    }),
    getNetwork: (id: string) => ({
      inspect: async () => {
        const n = this.networks.get(id);
        if (!n) throw apiError(404, `network ${id} not found`);
        const Containers: Record<string, { Name: string }> = {};
        for (const cid of n.attached) Containers[cid] = { Name: this.containers.get(cid)?.name ?? cid };
        return { Id: n.id, Name: n.name, Containers };
      },
      disconnect: async ({ Container }: { Container: string }) => {
        const n = this.networks.get(id);
        if (!n?.attached.has(Container)) throw apiError(404, `container ${Container} is not connected to network ${id}`);
        n.attached.delete(Container);
        this.changes.push(`disconnect ${this.containers.get(Container)?.name ?? Container} from ${n.name}`);
      },
      remove: async () => {
        const n = this.networks.get(id);
        if (!n) throw apiError(404, `network ${id} not found`);
        if (n.attached.size) throw apiError(403, `error while removing network: network ${n.name} id ${id} has active endpoints`);
        this.networks.delete(id);
        this.changes.push(`remove network ${n.name}`);
      },
    }),
    listContainers: async () =>
      [...this.containers.values()].map((c) => ({
        Id: c.id,
        Names: [`/${c.name}`],
        State: c.state,
        Status: c.state,
        Image: 'decnet-test/busybox:latest',
        Labels: c.labels,
        HostConfig: { NetworkMode: 'default' },
        NetworkSettings: {
          Networks: Object.fromEntries(
            [...this.networks.values()]
              .filter((n) => n.attached.has(c.id))
              .map((n) => [n.name, { NetworkID: n.id, EndpointID: `ep-${c.id.slice(0, 8)}` }]),
          ),
        },
      })),
    listNetworks: async () =>
      [...this.networks.values()].map((n) => ({
        Id: n.id,
        Name: n.name,
        Driver: 'bridge',
        Internal: false,
        IPAM: { Config: [{ Subnet: n.subnet }] },
        Labels: {},
      })),
    info: async () => ({ ...this.daemon }),
  };

  /** The stand-in as the removal's Docker client. */
  get client(): Docker {
    return this.api as unknown as Docker;
  }

  /** Reads the DB for real and lists the stand-in, as `scan` reads the DB and a daemon. */
  readonly scan = async (target: RemovalTarget): Promise<ScanResult> => {
    const dbTarget = dbTargetOf(target);
    const endpoint = endpointLabel(target.dockerHost);
    const db = await readDb(dbTarget);
    let docker: Outcome<DockerInventory, DockerUnavailableError>;
    try {
      docker = { ok: true, value: await listInventory(this.client, endpoint) };
    } catch (err) {
      docker = { ok: false, error: err instanceof DockerUnavailableError ? err : new DockerUnavailableError(String(err), endpoint) };
    }
    return {
      db,
      docker,
      dbSource: db.ok ? db.value.source : describeDbTarget(dbTarget),
      dockerEndpoint: endpoint,
      ...(docker.ok ? classify(docker.value, db.ok ? db.value : undefined) : { groups: [], dbPrefixes: [], livePrefixes: [], orphanPrefixes: [] }),
    };
  };
}
