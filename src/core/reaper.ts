// Removal: plan what goes, re-check against a fresh read just before, remove, verify.
import { mapLimit } from './concurrency';
import { connectDocker, describeDockerError, inspectEndpoints, listInventory, statusOf } from './docker';
import { isValidPrefix } from './naming';
import type { DockerEndpoint } from './dockerEndpoint';
import type { DaemonIdentity, Group, OwnedContainer, OwnedNetwork, ScanResult } from './model';
import type { ReapReport, SkippedItem } from './report';
import { endpointLabel, scan } from './scan';

export interface PlannedContainer {
  id: string;
  name: string;
  prefixes: string[];
}

export interface PlannedNetwork {
  id: string;
  name: string;
  subnets: string[];
  /** Endpoints attached when the plan was made (containers not in the plan are only disconnected). */
  endpoints: { containerId: string; name: string }[];
}

/** Exactly what the user is asked to confirm. */
export interface RemovalPlan {
  createdAt: string;
  dockerEndpoint: string;
  /** The daemon that answered when the plan was made; removal refuses to run on another. */
  daemon: DaemonIdentity;
  dbSource: string;
  prefixes: string[];
  containers: PlannedContainer[];
  networks: PlannedNetwork[];
  /** Resources of these prefixes that will not be touched, and why. */
  excluded: SkippedItem[];
  livePrefixes: string[];
  orphanPrefixes: string[];
}

/** The request cannot be carried out at all (a prefix is live or unknown, the DB is unreadable...). */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

export const DEFAULT_CONCURRENCY = 16;

function whyKept(resource: OwnedContainer | OwnedNetwork, groups: Map<string, Group>): string {
  if (resource.ownership.malformed.length) {
    return `carries a DECNET marker that names no valid topology (${resource.ownership.malformed.join(', ')})`;
  }
  const live = resource.ownership.prefixes.filter((p) => groups.get(p)?.state !== 'orphan');
  return `also belongs to live topology prefix ${live.join(', ')}`;
}

/** Refuses unless both reads succeeded. */
function requireReadable(result: ScanResult): void {
  if (!result.db.ok) {
    throw new RefusedError(
      `The DECNET database could not be read (${result.db.error.kind}): ${result.db.error.message}. Nothing is classified orphan and nothing is removed.`,
    );
  }
  if (!result.docker.ok) {
    throw new RefusedError(`${result.docker.error.message}. Nothing is removed.`);
  }
}

/**
 * What removing `prefixes` would remove, from one scan. Throws RefusedError when the DB or Docker
 * could not be read, a prefix is live or not on the daemon, or nothing would be removed.
 */
export function planRemoval(result: ScanResult, prefixes: string[]): RemovalPlan {
  requireReadable(result);
  const wanted = [...new Set(prefixes.map((p) => p.trim()))].sort();
  if (!wanted.length) throw new RefusedError('No prefix was given.');
  const groups = new Map(result.groups.map((g) => [g.prefix, g]));
  for (const p of wanted) {
    if (!isValidPrefix(p)) throw new RefusedError(`"${p}" is not a topology prefix (8 lowercase hex digits).`);
    const g = groups.get(p);
    if (!g) throw new RefusedError(`Prefix ${p} is unknown: no DECNET resource on ${result.dockerEndpoint} carries it.`);
    if (g.state === 'live') {
      const t = g.topology;
      throw new RefusedError(
        `Prefix ${p} is live: topology "${t?.name}" (${t?.status}) is in ${result.dbSource}. Only orphans are removed.`,
      );
    }
    if (g.state !== 'orphan') throw new RefusedError(`Prefix ${p} is not classified orphan.`);
  }
  const containers = new Map<string, PlannedContainer>();
  const networks = new Map<string, PlannedNetwork>();
  const excluded = new Map<string, SkippedItem>();
  for (const p of wanted) {
    const g = groups.get(p)!;
    for (const c of g.containers) {
      if (c.removable) containers.set(c.id, { id: c.id, name: c.name, prefixes: c.ownership.prefixes });
      else excluded.set(c.id, { kind: 'container', name: c.name, reason: whyKept(c, groups) });
    }
    for (const n of g.networks) {
      if (n.removable) {
        networks.set(n.id, { id: n.id, name: n.name, subnets: n.subnets, endpoints: n.endpoints });
      } else excluded.set(n.id, { kind: 'network', name: n.name, reason: whyKept(n, groups) });
    }
  }
  if (!containers.size && !networks.size) {
    throw new RefusedError(`Nothing of ${wanted.join(', ')} can be removed: every resource there also belongs to a live topology.`);
  }
  return {
    createdAt: new Date().toISOString(),
    dockerEndpoint: result.dockerEndpoint,
    daemon: result.docker.ok ? result.docker.value.daemon : { name: '', id: '', version: '' },
    dbSource: result.dbSource,
    prefixes: wanted,
    containers: [...containers.values()],
    networks: [...networks.values()],
    excluded: [...excluded.values()],
    livePrefixes: result.livePrefixes,
    orphanPrefixes: result.orphanPrefixes,
  };
}

export interface RemovalProgress {
  message: string;
  done: number;
  total: number;
}

export interface ExecuteOptions {
  dbPath: string | undefined;
  dockerHost: string | DockerEndpoint;
  concurrency?: number;
  onProgress?: (p: RemovalProgress) => void;
  /** Called after the fresh re-read, before anything is removed (tests use it to race the removal). */
  afterRecheck?: () => Promise<void>;
}

/**
 * Removes what `plan` names and nothing else. Just before, the DB and Docker are read again:
 * a resource whose prefix became live, or that appeared since the plan, is skipped and reported;
 * one already gone counts as done. Containers are force-removed, every remaining endpoint of the
 * plan's networks is force-disconnected, the networks removed, and a final listing tells what is
 * really gone. Per-resource errors are collected; they never stop the sweep.
 */
export async function executeRemoval(plan: RemovalPlan, opts: ExecuteOptions): Promise<ReapReport> {
  const startedAt = new Date().toISOString();
  const endpoint = endpointLabel(opts.dockerHost);
  if (endpoint !== plan.dockerEndpoint) {
    throw new RefusedError(`The Docker endpoint changed since the confirmation (${plan.dockerEndpoint} → ${endpoint}).`);
  }
  const fresh = await scan({ dbPath: opts.dbPath, dockerHost: opts.dockerHost });
  requireReadable(fresh);
  const daemon = fresh.docker.ok ? fresh.docker.value.daemon : undefined;
  if (daemon?.id !== plan.daemon.id) {
    throw new RefusedError(
      `${endpoint} now reaches another Docker daemon (${daemon?.name} ${daemon?.id}) than the one confirmed (${plan.daemon.name} ${plan.daemon.id}).`,
    );
  }
  if (fresh.dbSource !== plan.dbSource) {
    throw new RefusedError(`The database changed since the confirmation (${plan.dbSource} → ${fresh.dbSource}).`);
  }
  const docker = connectDocker(opts.dockerHost);
  const limit = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const skipped: SkippedItem[] = [];
  const errors: string[] = [];
  const groups = new Map(fresh.groups.map((g) => [g.prefix, g]));
  const freshContainers = new Map<string, OwnedContainer>();
  const freshNetworks = new Map<string, OwnedNetwork>();
  for (const g of fresh.groups) {
    for (const c of g.containers) freshContainers.set(c.id, c);
    for (const n of g.networks) freshNetworks.set(n.id, n);
  }
  const plannedContainerIds = new Set(plan.containers.map((c) => c.id));
  const plannedNetworkIds = new Set(plan.networks.map((n) => n.id));

  // Anything of these prefixes that was not in the confirmed plan is left alone.
  const appeared = new Set<string>();
  for (const p of plan.prefixes) {
    const g = groups.get(p);
    for (const c of g?.containers ?? []) {
      if (!plannedContainerIds.has(c.id) && !plan.excluded.some((x) => x.kind === 'container' && x.name === c.name)) {
        appeared.add(c.id);
        skipped.push({ kind: 'container', name: c.name, reason: 'appeared since the confirmation' });
      }
    }
    for (const n of g?.networks ?? []) {
      if (!plannedNetworkIds.has(n.id) && !plan.excluded.some((x) => x.kind === 'network' && x.name === n.name)) {
        skipped.push({ kind: 'network', name: n.name, reason: 'appeared since the confirmation' });
      }
    }
  }

  const containersToRemove: PlannedContainer[] = [];
  const containersKept = new Set<string>();
  for (const c of plan.containers) {
    const now = freshContainers.get(c.id);
    if (!now) continue; // already gone: verified below
    if (!now.removable) {
      containersKept.add(c.id);
      skipped.push({ kind: 'container', name: c.name, reason: changedReason(now, groups) });
    } else containersToRemove.push(c);
  }
  const networksToRemove: PlannedNetwork[] = [];
  for (const n of plan.networks) {
    const now = freshNetworks.get(n.id);
    if (!now) continue;
    if (!now.removable) skipped.push({ kind: 'network', name: n.name, reason: changedReason(now, groups) });
    else networksToRemove.push(n);
  }

  await opts.afterRecheck?.();

  const total = containersToRemove.length + networksToRemove.length;
  let done = 0;
  const progress = (message: string): void => {
    done++;
    opts.onProgress?.({ message, done, total });
  };

  // Containers are independent of each other: remove them with bounded concurrency.
  const failedContainers = new Set<string>();
  await mapLimit(containersToRemove, limit, async (c) => {
    try {
      await docker.getContainer(c.id).remove({ force: true, v: false });
    } catch (err) {
      const status = statusOf(err);
      // 404: someone else removed it; 409 "already in progress": the listing below decides.
      if (status !== 404 && status !== 409) {
        failedContainers.add(c.id);
        errors.push(`container ${c.name}: ${describeDockerError(err)}`);
      }
    }
    progress(`Removed container ${c.name}`);
  });

  const endpointsDisconnected: { network: string; container: string }[] = [];
  await mapLimit(networksToRemove, limit, async (n) => {
    try {
      const endpoints = await inspectEndpoints(docker, n.id);
      if (endpoints === undefined) return; // already gone
      const blocking = endpoints.filter((e) => appeared.has(e.containerId) || containersKept.has(e.containerId));
      if (blocking.length) {
        skipped.push({
          kind: 'network',
          name: n.name,
          reason: `container ${blocking.map((b) => b.name).join(', ')} of this group is attached and was not confirmed for removal`,
        });
        return;
      }
      for (const e of endpoints) {
        if (failedContainers.has(e.containerId)) continue;
        try {
          await docker.getNetwork(n.id).disconnect({ Container: e.containerId, Force: true });
          if (!plannedContainerIds.has(e.containerId)) endpointsDisconnected.push({ network: n.name, container: e.name });
        } catch (err) {
          if (statusOf(err) !== 404) errors.push(`disconnect ${e.name} from ${n.name}: ${describeDockerError(err)}`);
        }
      }
      try {
        await docker.getNetwork(n.id).remove();
      } catch (err) {
        if (statusOf(err) !== 404) errors.push(`network ${n.name}: ${describeDockerError(err)}`);
      }
    } catch (err) {
      errors.push(`network ${n.name}: ${describeDockerError(err)}`);
    } finally {
      progress(`Removed network ${n.name}`);
    }
  });

  // Report only what a fresh listing shows is gone.
  const containersRemoved: string[] = [];
  const alreadyGone: string[] = [];
  const networksRemoved: string[] = [];
  try {
    const after = await listInventory(docker, endpoint);
    const containerIds = new Set(after.containers.map((c) => c.id));
    const networkIds = new Set(after.networks.map((n) => n.id));
    const attempted = new Set(containersToRemove.map((c) => c.id));
    for (const c of plan.containers) {
      if (containerIds.has(c.id)) {
        if (attempted.has(c.id) && !failedContainers.has(c.id)) errors.push(`container ${c.name}: still present after removal`);
        continue;
      }
      containersRemoved.push(c.name);
      if (!freshContainers.has(c.id)) alreadyGone.push(c.name);
    }
    const attemptedNetworks = new Set(networksToRemove.map((n) => n.id));
    for (const n of plan.networks) {
      if (networkIds.has(n.id)) {
        const known = errors.some((e) => e.includes(n.name)) || skipped.some((s) => s.name === n.name);
        if (attemptedNetworks.has(n.id) && !known) errors.push(`network ${n.name}: still present after removal`);
        continue;
      }
      networksRemoved.push(n.name);
    }
  } catch (err) {
    errors.push(`Could not list Docker resources to verify the removal: ${describeDockerError(err)}`);
  }

  return {
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    docker_endpoint: endpoint,
    docker_daemon: plan.daemon,
    database: fresh.dbSource,
    live_prefixes: fresh.livePrefixes,
    orphan_prefixes: fresh.orphanPrefixes,
    prefixes_reaped: plan.prefixes,
    containers_removed: containersRemoved.sort(),
    already_gone: alreadyGone.sort(),
    endpoints_disconnected: endpointsDisconnected,
    networks_removed: networksRemoved.sort(),
    skipped,
    errors,
  };
}

function changedReason(resource: OwnedContainer | OwnedNetwork, groups: Map<string, Group>): string {
  const live = resource.ownership.prefixes.filter((p) => groups.get(p)?.state === 'live');
  if (live.length) {
    const names = live.map((p) => groups.get(p)?.topology?.name ?? p);
    return `prefix ${live.join(', ')} is now live (topology ${names.join(', ')})`;
  }
  return `changed since the confirmation (${whyKept(resource, groups)})`;
}
