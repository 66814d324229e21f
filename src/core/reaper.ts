// Removal: plan what goes, re-check against a fresh read just before, remove, verify.
import { Latch, mapLimit, Semaphore } from './concurrency';
import { connectDocker, describeDockerError, inspectEndpoints, listInventory, statusOf } from './docker';
import { isValidPrefix } from './naming';
import { TORN_DOWN } from './overlaps';
import type { DbTarget } from './config';
import type { DockerEndpoint } from './dockerEndpoint';
import type { DaemonIdentity, Group, NetworkEndpoint, OwnedContainer, OwnedNetwork, ScanResult } from './model';
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

/**
 * `orphan`: prefixes no topology row owns (what DECNET's reaper removes). `tornDown`: prefixes
 * whose topology row says exactly `torn_down` yet whose resources are still on the daemon
 * (DECNET keeps the row, so its reaper leaves them, and their networks block subnet reuse).
 */
export type RemovalMode = 'orphan' | 'tornDown';

export interface PlanOptions {
  /** Default `orphan`. */
  mode?: RemovalMode;
}

/** A torn-down topology whose leftovers a `tornDown` plan removes. */
export interface PlannedTopology {
  prefix: string;
  id: string;
  name: string;
  status: string;
}

/** Exactly what the user is asked to confirm. */
export interface RemovalPlan {
  createdAt: string;
  /** What the plan removes; `orphan` when absent. */
  mode?: RemovalMode;
  dockerEndpoint: string;
  /** The daemon that answered when the plan was made; removal refuses to run on another. */
  daemon: DaemonIdentity;
  dbSource: string;
  prefixes: string[];
  /** For `tornDown`: the topology rows of `prefixes`, as they were when the plan was made. */
  topologies?: PlannedTopology[];
  containers: PlannedContainer[];
  networks: PlannedNetwork[];
  /** Resources of these prefixes that will not be touched, and why. */
  excluded: SkippedItem[];
  livePrefixes: string[];
  orphanPrefixes: string[];
  /** Topology rows in the DB when the plan was made (0 makes every prefix an orphan: worth a warning). */
  dbTopologyCount?: number;
}

/** The request cannot be carried out at all (a prefix is live or unknown, the DB is unreadable...). */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

export const DEFAULT_CONCURRENCY = 16;

/** True when every topology row of a live prefix says exactly `torn_down`. */
function allTornDown(g: Group | undefined): boolean {
  return !!g && g.state === 'live' && g.topologies.length > 0 && g.topologies.every((t) => t.status === TORN_DOWN);
}

/**
 * True when a prefix is in the state a removal of this mode may touch: an orphan; or, for
 * `tornDown`, one of the confirmed prefixes whose every topology row says `torn_down`.
 */
function prefixAllowed(prefix: string, groups: Map<string, Group>, mode: RemovalMode, confirmed?: ReadonlySet<string>): boolean {
  const g = groups.get(prefix);
  if (mode === 'orphan') return g?.state === 'orphan';
  return allTornDown(g) && (!confirmed || confirmed.has(prefix));
}

/**
 * A resource goes only when it carries no malformed marker and every prefix its markers point to
 * is in the mode's allowed state: an orphan, or (for `tornDown`) a confirmed prefix whose
 * topology says exactly `torn_down`.
 */
export function removableIn(
  resource: OwnedContainer | OwnedNetwork,
  groups: Map<string, Group>,
  mode: RemovalMode,
  confirmed?: ReadonlySet<string>,
): boolean {
  const { prefixes, malformed } = resource.ownership;
  return malformed.length === 0 && prefixes.length > 0 && prefixes.every((p) => prefixAllowed(p, groups, mode, confirmed));
}

function describePrefix(prefix: string, groups: Map<string, Group>): string {
  const g = groups.get(prefix);
  if (g?.state === 'live') return `topology ${g.topology?.name ?? prefix} (${prefix}, ${g.topology?.status})`;
  if (g?.state === 'orphan') return `orphan prefix ${prefix}`;
  return `prefix ${prefix}`;
}

function whyKept(
  resource: OwnedContainer | OwnedNetwork,
  groups: Map<string, Group>,
  mode: RemovalMode = 'orphan',
  confirmed?: ReadonlySet<string>,
): string {
  if (resource.ownership.malformed.length) {
    return `carries a DECNET marker that names no valid topology (${resource.ownership.malformed.join(', ')})`;
  }
  const others = resource.ownership.prefixes.filter((p) => !prefixAllowed(p, groups, mode, confirmed));
  if (mode === 'orphan') return `also belongs to live topology prefix ${others.join(', ')}`;
  const unconfirmed = (p: string) => (allTornDown(groups.get(p)) ? `${describePrefix(p, groups)}, not confirmed` : describePrefix(p, groups));
  return `also belongs to ${others.map(unconfirmed).join(', ')}`;
}

/** Refuses unless both reads succeeded; when both failed, says both. */
function requireReadable(result: ScanResult): void {
  const docker = result.docker.ok ? undefined : `${result.docker.error.message}.`;
  const db = result.db.ok
    ? undefined
    : `The DECNET database could not be read (${result.db.error.kind}): ${result.db.error.message}. Nothing is classified orphan and nothing is removed.`;
  if (docker && db) throw new RefusedError(`${docker}\n${db}`);
  if (db) throw new RefusedError(db);
  if (docker) throw new RefusedError(`${docker} Nothing is removed.`);
}

/**
 * What removing `prefixes` would remove, from one scan. Throws RefusedError when the DB or Docker
 * could not be read, a prefix is not on the daemon, or nothing would be removed; in `orphan` mode
 * (the default) when a prefix is live; in `tornDown` mode when a prefix's topology status is not
 * exactly `torn_down` (any other status, or no row at all).
 */
export function planRemoval(result: ScanResult, prefixes: string[], options: PlanOptions = {}): RemovalPlan {
  const mode: RemovalMode = options.mode ?? 'orphan';
  requireReadable(result);
  const wanted = [...new Set(prefixes.map((p) => p.trim()))].sort();
  if (!wanted.length) throw new RefusedError('No prefix was given.');
  const groups = new Map(result.groups.map((g) => [g.prefix, g]));
  for (const p of wanted) {
    if (!isValidPrefix(p)) throw new RefusedError(`"${p}" is not a topology prefix (8 lowercase hex digits).`);
    const g = groups.get(p);
    if (!g) throw new RefusedError(`Prefix ${p} is unknown: no DECNET resource on ${result.dockerEndpoint} carries it.`);
    if (mode === 'tornDown') {
      refuseUnlessTornDown(g, result.dbSource);
      continue;
    }
    if (g.state === 'live') {
      const t = g.topology;
      throw new RefusedError(
        `Prefix ${p} is live: topology "${t?.name}" (${t?.status}) is in ${result.dbSource}. Only orphans are removed.`,
      );
    }
    if (g.state !== 'orphan') throw new RefusedError(`Prefix ${p} is not classified orphan.`);
  }
  const confirmed = new Set(wanted);
  const containers = new Map<string, PlannedContainer>();
  const networks = new Map<string, PlannedNetwork>();
  const excluded = new Map<string, SkippedItem>();
  for (const p of wanted) {
    const g = groups.get(p)!;
    for (const c of g.containers) {
      if (removableIn(c, groups, mode, confirmed)) containers.set(c.id, { id: c.id, name: c.name, prefixes: c.ownership.prefixes });
      else excluded.set(c.id, { kind: 'container', name: c.name, id: c.id, reason: whyKept(c, groups, mode, confirmed) });
    }
  }
  // A network is removed only if every DECNET container attached to it goes too: the others
  // (a live topology's, one kept above) are never disconnected. Foreign containers attached now
  // are shown in the confirmation and only disconnected.
  const decnetContainers = new Map(result.groups.flatMap((g) => g.containers.map((c) => [c.id, c] as const)));
  for (const p of wanted) {
    const g = groups.get(p)!;
    for (const n of g.networks) {
      if (!removableIn(n, groups, mode, confirmed)) {
        excluded.set(n.id, { kind: 'network', name: n.name, id: n.id, reason: whyKept(n, groups, mode, confirmed) });
        continue;
      }
      const kept = n.endpoints.filter((e) => decnetContainers.has(e.containerId) && !containers.has(e.containerId));
      if (kept.length) {
        excluded.set(n.id, {
          kind: 'network',
          name: n.name,
          id: n.id,
          reason: `DECNET container ${kept.map((e) => e.name).join(', ')} is attached and is not removed`,
        });
        continue;
      }
      networks.set(n.id, { id: n.id, name: n.name, subnets: n.subnets, endpoints: n.endpoints });
    }
  }
  if (!containers.size && !networks.size) {
    throw new RefusedError(
      mode === 'orphan'
        ? `Nothing of ${wanted.join(', ')} can be removed: every resource there also belongs to a live topology.`
        : `Nothing of ${wanted.join(', ')} can be removed: every resource there also belongs to a topology that is not ${TORN_DOWN}.`,
    );
  }
  return {
    createdAt: new Date().toISOString(),
    mode,
    dockerEndpoint: result.dockerEndpoint,
    daemon: result.docker.ok ? result.docker.value.daemon : { name: '', id: '', version: '' },
    dbSource: result.dbSource,
    prefixes: wanted,
    topologies:
      mode === 'tornDown'
        ? wanted.map((p) => {
            const t = groups.get(p)!.topology!;
            return { prefix: p, id: t.id, name: t.name, status: t.status };
          })
        : [],
    containers: [...containers.values()],
    networks: [...networks.values()],
    excluded: [...excluded.values()],
    livePrefixes: result.livePrefixes,
    orphanPrefixes: result.orphanPrefixes,
    dbTopologyCount: result.db.ok ? result.db.value.topologies.length : 0,
  };
}

function refuseUnlessTornDown(g: Group, dbSource: string): void {
  if (g.state === 'orphan') {
    throw new RefusedError(
      `Prefix ${g.prefix} is an orphan: no topology in ${dbSource} owns it. Remove it as an orphan group, not as torn-down leftovers.`,
    );
  }
  if (g.state !== 'live' || !g.topology) throw new RefusedError(`Prefix ${g.prefix} is not classified.`);
  const notTornDown = g.topologies.find((t) => t.status !== TORN_DOWN);
  if (notTornDown) {
    throw new RefusedError(
      `Prefix ${g.prefix} is live: topology "${notTornDown.name}" is ${notTornDown.status}, not ${TORN_DOWN}. Only the leftovers of a ${TORN_DOWN} topology are removed this way.`,
    );
  }
  if (g.topology.status !== TORN_DOWN) {
    throw new RefusedError(
      `Prefix ${g.prefix} is live: topology "${g.topology.name}" is ${g.topology.status}, not ${TORN_DOWN}. Only the leftovers of a ${TORN_DOWN} topology are removed this way.`,
    );
  }
}

/** How long a container that someone else is removing is waited for before its networks go on. */
const OTHER_REMOVAL_WAIT_MS = 5_000;

/** Resolves once the container is gone (or cannot be inspected), or after `ms`. Never throws. */
async function untilGone(docker: ReturnType<typeof connectDocker>, id: string, ms: number): Promise<void> {
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

/** Docker states in which a container has a process to kill before it is removed. */
const RUNNING_STATES = new Set(['running', 'restarting', 'paused']);

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

export interface RemovalProgress {
  message: string;
  done: number;
  total: number;
}

export interface ExecuteOptions {
  /** The SQLite file; ignored when `db` is given. */
  dbPath?: string | undefined;
  /** The backend the plan was made from (SQLite or MySQL). */
  db?: DbTarget;
  dockerHost: string | DockerEndpoint;
  concurrency?: number;
  onProgress?: (p: RemovalProgress) => void;
  /** Called after the fresh re-read, before anything is removed (tests use it to race the removal). */
  afterRecheck?: () => Promise<void>;
}

/**
 * Removes what `plan` names and nothing else. Just before, the DB and Docker are read again:
 * a resource whose prefix left the plan's allowed state (an orphan became live; a `torn_down`
 * topology got another status or lost its row), or that appeared since the plan, is skipped and reported;
 * one already gone counts as done. Containers are force-removed, several at a time; each of the
 * plan's networks, once the containers attached to it are gone, has its remaining confirmed
 * endpoints force-disconnected and is removed; a final listing tells what is really gone.
 * Per-resource errors are collected; they never stop the sweep.
 */
export async function executeRemoval(plan: RemovalPlan, opts: ExecuteOptions): Promise<ReapReport> {
  const startedAt = new Date().toISOString();
  const endpoint = endpointLabel(opts.dockerHost);
  if (endpoint !== plan.dockerEndpoint) {
    throw new RefusedError(`The Docker endpoint changed since the confirmation (${plan.dockerEndpoint} → ${endpoint}).`);
  }
  const fresh = await scan({ dbPath: opts.dbPath, db: opts.db, dockerHost: opts.dockerHost });
  requireReadable(fresh);
  const daemon = fresh.docker.ok ? fresh.docker.value.daemon : undefined;
  if (!daemon?.id || !plan.daemon.id) {
    throw new RefusedError(`${endpoint} does not say which Docker daemon it is (no id in GET /info): nothing is removed.`);
  }
  if (daemon.id !== plan.daemon.id) {
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
  const mode: RemovalMode = plan.mode ?? 'orphan';
  const confirmed = new Set(plan.prefixes);
  const plannedContainerIds = new Set(plan.containers.map((c) => c.id));
  const plannedNetworkIds = new Set(plan.networks.map((n) => n.id));
  const excludedIds = new Set(plan.excluded.map((x) => x.id));

  // Anything of these prefixes that was not in the confirmed plan (by id) is left alone.
  for (const p of plan.prefixes) {
    const g = groups.get(p);
    for (const c of g?.containers ?? []) {
      if (!plannedContainerIds.has(c.id) && !excludedIds.has(c.id)) {
        skipped.push({ kind: 'container', name: c.name, id: c.id, reason: 'appeared since the confirmation' });
      }
    }
    for (const n of g?.networks ?? []) {
      if (!plannedNetworkIds.has(n.id) && !excludedIds.has(n.id)) {
        skipped.push({ kind: 'network', name: n.name, id: n.id, reason: 'appeared since the confirmation' });
      }
    }
  }

  const containersToRemove: PlannedContainer[] = [];
  const containersKept = new Set<string>();
  for (const c of plan.containers) {
    const now = freshContainers.get(c.id);
    if (!now) continue; // already gone: verified below
    if (!removableIn(now, groups, mode, confirmed)) {
      containersKept.add(c.id);
      skipped.push({ kind: 'container', name: c.name, id: c.id, reason: changedReason(now, groups, mode, confirmed) });
    } else containersToRemove.push(c);
  }
  const networksToRemove: PlannedNetwork[] = [];
  for (const n of plan.networks) {
    const now = freshNetworks.get(n.id);
    if (!now) continue;
    if (!removableIn(now, groups, mode, confirmed)) {
      skipped.push({ kind: 'network', name: n.name, id: n.id, reason: changedReason(now, groups, mode, confirmed) });
    } else networksToRemove.push(n);
  }

  await opts.afterRecheck?.();

  const total = containersToRemove.length + networksToRemove.length;
  let done = 0;
  const progress = (message: string): void => {
    done++;
    try {
      opts.onProgress?.({ message, done, total });
    } catch {
      // Showing progress never stops the sweep halfway.
    }
  };

  // Containers and networks go in one pipeline: each container is killed then force-removed
  // (at most `limit` at a time, the ones holding the plan's networks first), and each network
  // goes as soon as the containers attached to it are gone, while the rest are still removed.
  // The daemon's work for a container is mostly CPU (dockerd, containerd, runc) and a network's
  // mostly waiting, so the networks cost next to no time of their own.
  const schedule = removalSchedule(
    containersToRemove,
    networksToRemove.map((n) => ({ id: n.id, endpoints: freshNetworks.get(n.id)?.endpoints ?? [] })),
  );
  const finished = new Map(containersToRemove.map((c) => [c.id, new Latch()] as const));
  const failedContainers = new Set<string>();
  const removeContainer = async (c: PlannedContainer): Promise<void> => {
    let outcome = 'Removed';
    try {
      // SIGKILL first, as a force-removal does; a container not running, or gone, is left to the
      // removal, which decides and reports.
      if (RUNNING_STATES.has(freshContainers.get(c.id)?.state ?? '')) {
        await docker
          .getContainer(c.id)
          .kill()
          .catch(() => undefined);
      }
      await docker.getContainer(c.id).remove({ force: true, v: false });
    } catch (err) {
      const status = statusOf(err);
      // 404: someone else removed it; 409 "already in progress": the listing below decides. Its
      // networks wait a while for that other removal to end, as for one of ours.
      if (status === 409) await untilGone(docker, c.id, OTHER_REMOVAL_WAIT_MS);
      else if (status !== 404) {
        failedContainers.add(c.id);
        errors.push(`container ${c.name}: ${describeDockerError(err)}`);
        outcome = 'Could not remove';
      }
    } finally {
      finished.get(c.id)?.open();
    }
    progress(`${outcome} container ${c.name}`);
  };

  const endpointsDisconnected: { network: string; container: string }[] = [];
  // Networks not removed, with the reason already reported (an error or a skip).
  const networksNotRemoved = new Set<string>();
  const networkSlots = new Semaphore(limit);
  /** The endpoints attached now, once no container being removed by this sweep is among them. */
  const settledEndpoints = async (id: string): Promise<NetworkEndpoint[] | undefined> => {
    for (;;) {
      const endpoints = await inspectEndpoints(docker, id);
      const pending = (endpoints ?? []).map((e) => finished.get(e.containerId)).filter((l) => l && !l.done);
      if (!pending.length) return endpoints;
      await Promise.all(pending.map((l) => l!.promise));
    }
  };
  const removeNetwork = async (n: PlannedNetwork): Promise<void> => {
    await Promise.all((schedule.waitsFor.get(n.id) ?? []).flatMap((id) => finished.get(id)?.promise ?? []));
    await networkSlots.run(async () => {
      let outcome = 'Removed';
      try {
        const endpoints = await settledEndpoints(n.id);
        if (endpoints === undefined) return; // already gone
        // Only endpoints the user saw in the confirmation are disconnected, and never one of a
        // DECNET container that is not being removed (kept, of a live topology, or new).
        const confirmedEndpoints = new Set(n.endpoints.map((e) => e.containerId));
        const blocking = endpoints.filter((e) =>
          plannedContainerIds.has(e.containerId)
            ? containersKept.has(e.containerId)
            : freshContainers.has(e.containerId) || !confirmedEndpoints.has(e.containerId),
        );
        if (blocking.length) {
          networksNotRemoved.add(n.id);
          outcome = 'Skipped';
          skipped.push({
            kind: 'network',
            name: n.name,
            id: n.id,
            reason: `container ${blocking.map((b) => b.name).join(', ')} is attached and was not confirmed for removal or disconnection`,
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
          if (statusOf(err) !== 404) {
            networksNotRemoved.add(n.id);
            outcome = 'Could not remove';
            errors.push(`network ${n.name}: ${describeDockerError(err)}`);
          }
        }
      } catch (err) {
        networksNotRemoved.add(n.id);
        outcome = 'Could not remove';
        errors.push(`network ${n.name}: ${describeDockerError(err)}`);
      } finally {
        progress(`${outcome} network ${n.name}`);
      }
    });
  };
  await Promise.all([mapLimit(schedule.containers, limit, removeContainer), Promise.all(networksToRemove.map(removeNetwork))]);

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
        if (attemptedNetworks.has(n.id) && !networksNotRemoved.has(n.id)) errors.push(`network ${n.name}: still present after removal`);
        continue;
      }
      networksRemoved.push(n.name);
      if (!freshNetworks.has(n.id)) alreadyGone.push(n.name);
    }
  } catch (err) {
    errors.push(`Could not list Docker resources to verify the removal: ${describeDockerError(err)}`);
  }

  return {
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    mode: mode === 'tornDown' ? 'torn_down' : 'orphan',
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

function changedReason(
  resource: OwnedContainer | OwnedNetwork,
  groups: Map<string, Group>,
  mode: RemovalMode,
  confirmed?: ReadonlySet<string>,
): string {
  if (mode === 'tornDown') {
    const reasons: string[] = [];
    for (const p of resource.ownership.prefixes) {
      if (prefixAllowed(p, groups, mode, confirmed)) continue;
      const g = groups.get(p);
      if (g?.state === 'live') {
        reasons.push(`topology ${g.topology?.name ?? p} (${p}) is now ${g.topology?.status}, no longer ${TORN_DOWN}`);
      } else if (g?.state === 'orphan') {
        reasons.push(`prefix ${p} is now an orphan (its topology row was deleted)`);
      }
    }
    if (reasons.length) return reasons.join('; ');
    return `changed since the confirmation (${whyKept(resource, groups, mode, confirmed)})`;
  }
  const live = resource.ownership.prefixes.filter((p) => groups.get(p)?.state === 'live');
  if (live.length) {
    const names = live.map((p) => groups.get(p)?.topology?.name ?? p);
    return `prefix ${live.join(', ')} is now live (topology ${names.join(', ')})`;
  }
  return `changed since the confirmation (${whyKept(resource, groups, mode, confirmed)})`;
}
