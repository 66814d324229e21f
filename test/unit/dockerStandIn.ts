// A stand-in for the Docker Engine API calls a removal makes (dockerode's shapes), recording
// every call that changes something, for the unit tests of the removal session. Stopped
// containers behave as on Docker 20.10 (see the class comment).
import type Docker from 'dockerode';
import { describeDbTarget } from '../../src/core/config';
import { listInventory } from '../../src/core/docker';
import { classify } from '../../src/core/grouping';
import type { DockerInventory, Outcome, ScanResult } from '../../src/core/model';
import { DockerUnavailableError } from '../../src/core/model';
import type { RemovalTarget } from '../../src/core/removal/execute';
import { dbTargetOf, endpointLabel, readDb } from '../../src/core/scan';

/** Docker's container states; `created`: never started, so its networks are named, not yet joined. */
export type FakeState = 'running' | 'paused' | 'restarting' | 'exited' | 'created' | 'dead';

interface FakeContainer {
  id: string;
  name: string;
  state: FakeState;
  labels: Record<string, string>;
  /** Answer 409 "removal already in progress" to our removal; the other removal ends after this many inspects. */
  removalInProgress?: number;
  /** Networks removed while it named them (Docker lets that happen to a stopped container): `start` fails. */
  dangling: { id: string; name: string }[];
}

interface FakeNetwork {
  id: string;
  name: string;
  subnet: string;
  /** Attached container ids, whatever their state. */
  attached: Set<string>;
}

function apiError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });
}

let counter = 0;
const newId = (kind: string): string => `${kind}${(++counter).toString(16).padStart(63, '0')}`;

/** States in which a container holds live endpoints: the only ones a network's inspect lists. */
const ACTIVE: ReadonlySet<FakeState> = new Set(['running', 'paused', 'restarting']);

/** Docker's `filters` query parameter, as dockerode passes it (a JSON string or an object). */
function filtersOf(options: { filters?: unknown } | undefined): Record<string, string[]> {
  const f = options?.filters;
  return (typeof f === 'string' ? JSON.parse(f) : (f ?? {})) as Record<string, string[]>;
}

/**
 * A stand-in for Docker's Engine API as far as a removal uses it, stopped containers included:
 * a network's inspect lists running and paused containers only, the container list gives every
 * container's own networks (a network id once it has run, an endpoint id only while active), a
 * network with only stopped containers attached can be removed (they then fail to start).
 */
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

  addContainer(
    name: string,
    labels: Record<string, string> = {},
    networks: FakeNetwork[] = [],
    state: FakeState = 'running',
  ): FakeContainer {
    const c: FakeContainer = { id: newId('c'), name, state, labels, dangling: [] };
    this.containers.set(c.id, c);
    for (const n of networks) n.attached.add(c.id);
    return c;
  }

  /** The container goes, and leaves its networks (as a removal by anyone does). */
  private drop(c: FakeContainer): void {
    this.containers.delete(c.id);
    for (const n of this.networks.values()) n.attached.delete(c.id);
  }

  /** `docker start`: fails with Docker's words when a network it names is gone. */
  start(id: string): void {
    const c = this.containers.get(id);
    if (!c) throw apiError(404, `No such container: ${id}`);
    // A container never started names its networks by name: any network of that name will do.
    const missing = c.dangling.filter((d) => c.state !== 'created' || ![...this.networks.values()].some((n) => n.name === d.name));
    if (missing.length) throw apiError(404, `network ${c.state === 'created' ? missing[0].name : missing[0].id} not found`);
    if (c.state === 'paused') throw apiError(409, `cannot start a paused container, try unpause instead`);
    c.state = 'running';
  }

  /** A container's own `NetworkSettings.Networks`, as `GET /containers/json` gives it. */
  private ownNetworks(c: FakeContainer): Record<string, { NetworkID: string; EndpointID: string }> {
    const attachments = [
      ...[...this.networks.values()].filter((n) => n.attached.has(c.id)).map((n) => ({ id: n.id, name: n.name })),
      ...c.dangling,
    ];
    return Object.fromEntries(
      attachments.map((n) => [
        n.name,
        {
          NetworkID: c.state === 'created' ? '' : n.id,
          EndpointID: ACTIVE.has(c.state) ? `ep-${c.id.slice(0, 8)}` : '',
        },
      ]),
    );
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
        for (const cid of n.attached) {
          const c = this.containers.get(cid);
          if (c && ACTIVE.has(c.state)) Containers[cid] = { Name: c.name };
        }
        return { Id: n.id, Name: n.name, Containers };
      },
      disconnect: async ({ Container }: { Container: string }) => {
        const n = this.networks.get(id);
        if (!n) throw apiError(404, `network ${id} not found`);
        // Docker's answers to a forced disconnection: 404 for a container that is gone, 500 for one not attached.
        if (!this.containers.has(Container)) throw apiError(404, `endpoint ${Container} not found`);
        if (!n.attached.has(Container)) throw apiError(500, `container ${Container} is not connected to network ${n.name}`);
        n.attached.delete(Container);
        this.changes.push(`disconnect ${this.containers.get(Container)?.name ?? Container} from ${n.name}`);
      },
      remove: async () => {
        const n = this.networks.get(id);
        if (!n) throw apiError(404, `network ${id} not found`);
        const attached = [...n.attached].map((cid) => this.containers.get(cid)).filter((c): c is FakeContainer => !!c);
        if (attached.some((c) => ACTIVE.has(c.state))) {
          throw apiError(403, `error while removing network: network ${n.name} id ${id} has active endpoints`);
        }
        // Stopped containers do not hold it: they keep naming a network that is gone.
        for (const c of attached) c.dangling.push({ id: n.id, name: n.name });
        this.networks.delete(id);
        this.changes.push(`remove network ${n.name}`);
      },
    }),
    listContainers: async (options?: { all?: boolean; filters?: unknown }) =>
      [...this.containers.values()]
        .filter((c) => options?.all || ACTIVE.has(c.state))
        .map((c) => ({
          Id: c.id,
          Names: [`/${c.name}`],
          State: c.state,
          Status: c.state,
          Image: 'decnet-test/busybox:latest',
          Labels: c.labels,
          HostConfig: { NetworkMode: 'default' },
          NetworkSettings: { Networks: this.ownNetworks(c) },
        }))
        // Docker's `network` filter: the entry's key (the name), or the start of its network id.
        .filter((c) => {
          const wanted = filtersOf(options).network;
          if (!wanted?.length) return true;
          return Object.entries(c.NetworkSettings.Networks).some(([name, a]) =>
            wanted.some((v) => v === name || (!!a.NetworkID && a.NetworkID.startsWith(v))),
          );
        }),
    listNetworks: async (options?: { filters?: unknown }) =>
      [...this.networks.values()]
        // Docker's `name` filter matches a part of the name.
        .filter((n) => !filtersOf(options).name?.length || filtersOf(options).name.some((v) => n.name.includes(v)))
        .map((n) => ({
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
      ...(docker.ok
        ? classify(docker.value, db.ok ? db.value : undefined)
        : { groups: [], dbPrefixes: [], livePrefixes: [], orphanPrefixes: [] }),
    };
  };
}
