// The sweep: containers force-removed several at a time, each network as soon as the containers
// attached to it are gone. Per-resource errors are collected; they never stop it.
import type Docker from 'dockerode';
import { Latch, mapLimit, Semaphore } from '../concurrency';
import { attachedContainers, describeDockerError, statusOf } from '../docker';
import type {
  DisconnectedEndpoint,
  NetworkEndpoint,
  PlannedContainer,
  PlannedNetwork,
  RemovalPlan,
  RemovalProgress,
  SkippedItem,
} from '../model';
import { attachedName, blockedNetworkReason, blockingEndpoints, type NetworkCheck } from '../rules';
import type { Recheck } from './recheck';

export const DEFAULT_CONCURRENCY = 16;

/** How long a container that someone else is removing is waited for before its networks go on. */
export const OTHER_REMOVAL_WAIT_MS = 5_000;

/** Docker's answer to disconnecting a container that is not attached (HTTP 500). */
const NOT_CONNECTED = /is not connected to (the )?network/;

/** Docker states in which a container has a process to kill before it is removed. */
const RUNNING_STATES = new Set(['running', 'restarting', 'paused']);

/** The Docker API calls a sweep makes (dockerode's; unit tests give a stand-in). */
export type SweepDocker = Pick<Docker, 'getContainer' | 'getNetwork' | 'listContainers' | 'listNetworks'>;

/**
 * The order a sweep removes containers in, and the containers each network waits for. A network
 * can go once the containers attached to it are gone: those go first, network by network, and the
 * others (service containers sharing a decky's network namespace hold no endpoint) after them, so
 * the networks are removed while the others still are. `networks` carries each network's
 * endpoints as the last listing saw them; containers keep their order otherwise.
 */
export function removalSchedule<C extends { id: string }>(
  containers: readonly C[],
  networks: ReadonlyArray<{ id: string; endpoints: ReadonlyArray<{ containerId: string }> }>,
): { containers: C[]; waitsFor: Map<string, string[]> } {
  const byId = new Map(containers.map((c) => [c.id, c] as const));
  const ordered: C[] = [];
  const placed = new Set<string>();
  const waitsFor = new Map<string, string[]>();
  for (const n of networks) {
    const mine = [...new Set(n.endpoints.map((e) => e.containerId))].filter((id) => byId.has(id));
    waitsFor.set(n.id, mine);
    for (const id of mine) {
      if (placed.has(id)) continue;
      placed.add(id);
      ordered.push(byId.get(id)!);
    }
  }
  for (const c of containers) if (!placed.has(c.id)) ordered.push(c);
  return { containers: ordered, waitsFor };
}

/** Resolves once the container is gone (or cannot be inspected), or after `ms`. Never throws. */
async function untilGone(docker: SweepDocker, id: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      await docker.getContainer(id).inspect();
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface SweepOptions {
  concurrency?: number;
  /** Called after each resource; a sink that throws never stops the sweep. */
  onProgress?: (p: RemovalProgress) => void;
  /**
   * Awaited just before each resource is removed (the audit log takes its `docker inspect`
   * there). One that throws never stops the sweep.
   */
  beforeRemove?: (kind: 'container' | 'network', id: string) => Promise<void>;
}

export interface SweepResult {
  errors: string[];
  /** Networks kept because of what was attached when their turn came. */
  skipped: SkippedItem[];
  endpointsDisconnected: DisconnectedEndpoint[];
  /** Containers whose removal failed (their error is in `errors`). */
  failedContainers: Set<string>;
  /** Networks not removed, with the reason already reported (an error or a skip). */
  networksNotRemoved: Set<string>;
  /** Containers and networks someone else removed first (Docker answered 404 for them): not removed by this sweep. */
  goneBefore: Set<string>;
}

/**
 * Removes what the re-check left of the plan. Each container is killed then force-removed (at
 * most `concurrency` at a time, the ones holding the plan's networks first), and each network
 * goes as soon as the containers attached to it are gone, while the rest are still removed: its
 * confirmed endpoints are force-disconnected first. The daemon's work for a container is mostly
 * CPU (dockerd, containerd, runc) and a network's mostly waiting, so the networks cost next to
 * no time of their own.
 */
export async function sweep(docker: SweepDocker, plan: RemovalPlan, checked: Recheck, opts: SweepOptions = {}): Promise<SweepResult> {
  const limit = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const result: SweepResult = {
    errors: [],
    skipped: [],
    endpointsDisconnected: [],
    failedContainers: new Set(),
    networksNotRemoved: new Set(),
    goneBefore: new Set(),
  };
  const { errors } = result;
  const total = checked.containers.length + checked.networks.length;
  let done = 0;
  const progress = (message: string): void => {
    done++;
    try {
      opts.onProgress?.({ message, done, total });
    } catch {
      // Showing progress never stops the sweep halfway.
    }
  };

  const schedule = removalSchedule(
    checked.containers,
    checked.networks.map((n) => ({ id: n.id, endpoints: checked.freshNetworks.get(n.id)?.endpoints ?? [] })),
  );
  const finished = new Map(checked.containers.map((c) => [c.id, new Latch()] as const));

  const before = async (kind: 'container' | 'network', id: string): Promise<void> => {
    try {
      await opts.beforeRemove?.(kind, id);
    } catch {
      // Never stops the sweep.
    }
  };

  const removeContainer = async (c: PlannedContainer): Promise<void> => {
    let outcome = 'Removed';
    try {
      await before('container', c.id);
      // SIGKILL first, as a force-removal does; a container not running, or gone, is left to the
      // removal, which decides and reports.
      if (RUNNING_STATES.has(checked.freshContainers.get(c.id)?.state ?? '')) {
        await docker
          .getContainer(c.id)
          .kill()
          .catch(() => undefined);
      }
      await docker.getContainer(c.id).remove({ force: true, v: false });
    } catch (err) {
      const status = statusOf(err);
      // 404: someone else removed it; 409 "already in progress": the listing afterwards decides.
      // Its networks wait a while for that other removal to end, as for one of ours.
      if (status === 409) {
        // Another client is removing it: when it is gone, it was that client.
        result.goneBefore.add(c.id);
        await untilGone(docker, c.id, OTHER_REMOVAL_WAIT_MS);
      } else if (status === 404) result.goneBefore.add(c.id);
      else {
        result.failedContainers.add(c.id);
        errors.push(`container ${c.name}: ${describeDockerError(err)}`);
        outcome = 'Could not remove';
      }
    } finally {
      finished.get(c.id)?.open();
    }
    progress(`${outcome} container ${c.name}`);
  };

  const planned = new Set(plan.containers.map((c) => c.id));
  const decnet = new Set(checked.freshContainers.keys());
  const networkSlots = new Semaphore(limit);
  /**
   * The containers attached now, running or not, once no container being removed by this sweep
   * is among them.
   */
  const settledEndpoints = async (n: PlannedNetwork): Promise<NetworkEndpoint[] | undefined> => {
    for (;;) {
      const endpoints = await attachedContainers(docker, n);
      const pending = (endpoints ?? []).map((e) => finished.get(e.containerId)).filter((l) => l && !l.done);
      if (!pending.length) return endpoints;
      await Promise.all(pending.map((l) => l!.promise));
    }
  };
  const removeNetwork = async (n: PlannedNetwork): Promise<void> => {
    await Promise.all((schedule.waitsFor.get(n.id) ?? []).flatMap((id) => finished.get(id)?.promise ?? []));
    await networkSlots.run(async () => {
      let outcome = 'Removed';
      const check: NetworkCheck = {
        planned,
        kept: checked.keptContainers,
        failed: result.failedContainers,
        decnet,
        confirmedEndpoints: new Set(n.endpoints.map((e) => e.containerId)),
      };
      const keep = (reason: string): void => {
        result.networksNotRemoved.add(n.id);
        outcome = 'Skipped';
        result.skipped.push({ kind: 'network', name: n.name, id: n.id, reason });
      };
      try {
        const endpoints = await settledEndpoints(n);
        if (endpoints === undefined) {
          result.goneBefore.add(n.id); // someone else removed it
          return;
        }
        const blocking = blockingEndpoints(endpoints, check);
        if (blocking.length) return keep(blockedNetworkReason(blocking, check));
        await before('network', n.id);
        for (const e of endpoints) {
          try {
            await docker.getNetwork(n.id).disconnect({ Container: e.containerId, Force: true });
            if (!planned.has(e.containerId)) {
              result.endpointsDisconnected.push({ network: n.name, container: e.name, ...(e.state ? { state: e.state } : {}) });
            }
          } catch (err) {
            // Gone, or disconnected by someone else meanwhile: the look below tells.
            if (statusOf(err) !== 404 && !NOT_CONNECTED.test(describeDockerError(err))) {
              errors.push(`disconnect ${e.name} from ${n.name}: ${describeDockerError(err)}`);
            }
          }
        }
        // Docker removes a network that stopped containers still name: one more look, so that
        // nothing attached meanwhile, or left attached by a failed disconnection, is broken.
        const left = await attachedContainers(docker, n);
        if (left === undefined) {
          result.goneBefore.add(n.id); // someone else removed it
          return;
        }
        if (left.length) {
          const late = blockingEndpoints(left, check);
          const stuck = left.filter((e) => !late.includes(e));
          return keep(
            [
              ...(late.length ? [blockedNetworkReason(late, check)] : []),
              ...(stuck.length ? [`container ${stuck.map(attachedName).join(', ')} is still attached (its disconnection failed)`] : []),
            ].join('; '),
          );
        }
        try {
          await docker.getNetwork(n.id).remove();
        } catch (err) {
          if (statusOf(err) === 404) result.goneBefore.add(n.id);
          else {
            result.networksNotRemoved.add(n.id);
            outcome = 'Could not remove';
            errors.push(`network ${n.name}: ${describeDockerError(err)}`);
          }
        }
      } catch (err) {
        result.networksNotRemoved.add(n.id);
        outcome = 'Could not remove';
        errors.push(`network ${n.name}: ${describeDockerError(err)}`);
      } finally {
        progress(`${outcome} network ${n.name}`);
      }
    });
  };
  await Promise.all([mapLimit(schedule.containers, limit, removeContainer), Promise.all(checked.networks.map(removeNetwork))]);
  return result;
}
