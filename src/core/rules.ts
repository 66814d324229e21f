// The rules of what a removal may touch, in one place: live, orphan, torn down, resources shared
// between prefixes or carrying a malformed marker, the networks a container holds, and why a
// resource is kept. Pure. The tree, the confirmation, the CLI and the sweep all ask here.
import type {
  DisconnectedEndpoint,
  Group,
  HostRef,
  NetworkEndpoint,
  OwnedContainer,
  OwnedNetwork,
  Ownership,
  RemovalMode,
  RemovalPlan,
  ResourceMarkers,
  ScanResult,
  SwarmFacts,
  Topology,
} from './model';
import { RefusedError } from './model';
import { TORN_DOWN } from './overlaps';

export { TORN_DOWN };

/** What the rules need to know of a prefix's group. A `Map<string, Group>` is one. */
export interface PrefixLookup {
  get(prefix: string): Pick<Group, 'prefix' | 'state' | 'topology' | 'topologies' | 'misplaced'> | undefined;
}

export function groupsByPrefix(groups: readonly Group[]): Map<string, Group> {
  return new Map(groups.map((g) => [g.prefix, g] as const));
}

// ---- Can anything be classified? ----------------------------------------------------------

/**
 * Why nothing can be classified orphan (so nothing may be removed), or undefined when both reads
 * succeeded. The one wording of it, for the tree, the CLI and every refusal.
 */
export function unclassifiedReason(result: ScanResult): string | undefined {
  // When both failed, both are said: one problem never hides the other.
  const problems: string[] = [];
  if (!result.docker.ok) {
    const e = result.docker.error;
    problems.push(`cannot connect to Docker at ${e.endpoint}. ${e.message}`);
  }
  if (!result.db.ok) {
    const e = result.db.error;
    problems.push(`the DECNET database could not be read (${e.kind}), so no topology can be called an orphan. ${e.message}`);
  }
  return problems.length ? problems.join(' Also, ') : undefined;
}

/** Refuses (RefusedError) unless both reads succeeded. */
export function requireClassified(result: ScanResult): void {
  const why = unclassifiedReason(result);
  if (why) throw new RefusedError(`Nothing was removed: ${why}`);
}

// ---- An empty database ------------------------------------------------------------------

/**
 * Why removing orphans from this read needs an explicit go-ahead: the database holds no topology
 * at all while the daemon holds DECNET resources, so every group would be an orphan (most often a
 * wrong path or a freshly created database). Undefined otherwise.
 */
export function emptyDatabaseReason(result: ScanResult): string | undefined {
  if (!result.db.ok || !result.docker.ok) return undefined;
  if (result.db.value.topologies.length > 0 || result.groups.length === 0) return undefined;
  const n = result.groups.length;
  return (
    `${result.dbSource} holds no topology at all while ${result.dockerEndpoint} holds DECNET resources of ${n} prefix${n === 1 ? '' : 'es'}, ` +
    'so every group would be an orphan: most often a wrong database path or a freshly created database'
  );
}

// ---- Markers ------------------------------------------------------------------------------

/** The markers a plan records of a resource, and compares just before removing it. */
export function markersOf(resource: OwnedContainer | OwnedNetwork): ResourceMarkers {
  const labels: Record<string, string> = {};
  for (const key of Object.keys(resource.labels ?? {}).sort()) {
    if (key.startsWith('decnet.') || key === 'com.docker.compose.project') labels[key] = resource.labels[key];
  }
  return { prefixes: [...resource.ownership.prefixes], malformed: [...resource.ownership.malformed], labels };
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Why a resource is not the one planned (renamed, other markers), or undefined when it is. */
export function changedSincePlan(
  planned: { name: string; markers?: ResourceMarkers },
  now: OwnedContainer | OwnedNetwork,
): string | undefined {
  if (!planned.markers) return undefined;
  if (now.name !== planned.name) return `renamed since the plan (was ${planned.name}, now ${now.name})`;
  const m = markersOf(now);
  const labelsSame =
    sameStrings(Object.keys(m.labels), Object.keys(planned.markers.labels)) &&
    Object.keys(m.labels).every((k) => m.labels[k] === planned.markers!.labels[k]);
  if (!labelsSame || !sameStrings(m.prefixes, planned.markers.prefixes) || !sameStrings(m.malformed, planned.markers.malformed)) {
    return 'its DECNET markers changed since the plan';
  }
  return undefined;
}

// ---- Torn down ----------------------------------------------------------------------------

export function isTornDownRow(t: Pick<Topology, 'status'>): boolean {
  return t.status === TORN_DOWN;
}

/** The row shown for a prefix: one that is not torn_down when there is one, else the first. */
export function shownTopology(rows: readonly Topology[] | undefined): Topology | null {
  return rows?.find((t) => !isTornDownRow(t)) ?? rows?.[0] ?? null;
}

/**
 * A live prefix whose every topology row says exactly `torn_down`: what is left of it on Docker
 * are leftovers, which a `tornDown` removal may take.
 */
export function isTornDown(g: Pick<Group, 'state' | 'topologies'> | undefined): boolean {
  return !!g && g.state === 'live' && g.topologies.length > 0 && g.topologies.every(isTornDownRow);
}

/** The topology row of a torn-down-mode prefix that is not torn_down, if any. */
export function rowNotTornDown(g: Pick<Group, 'topologies'>): Topology | undefined {
  return g.topologies.find((t) => !isTornDownRow(t));
}

// ---- Where a topology belongs (a DECNET swarm) ------------------------------------------

/**
 * The host a topology row belongs on: `master` for `unihost`; for `agent`, the worker its
 * `target_host_uuid` names, by uuid. Undefined when that cannot be told for certain (an agent
 * topology pinned to no host, or to a host that is not in `swarm_hosts`; a mode DECNET does not
 * have): such a topology is live on every host, never misplaced.
 */
export function homeOf(t: Pick<Topology, 'id' | 'mode'>, swarm: SwarmFacts): HostRef | undefined {
  if (t.mode === 'unihost') return { name: 'master', uuid: null };
  if (t.mode !== 'agent') return undefined;
  const target = swarm.targetHost[t.id];
  const host = target ? swarm.hosts.find((h) => h.uuid === target) : undefined;
  return host ? { name: host.name, uuid: host.uuid } : undefined;
}

/**
 * Where a prefix known to the database belongs when it is found on `here`, or undefined when it
 * belongs there (it is live): misplaced only when the swarm has workers, `here` is the master or
 * one of them, and every topology row of the prefix belongs, for certain, on another host (an
 * agent topology found off its `target_host_uuid`, a `unihost` topology found on a worker).
 */
export function misplacedOn(rows: readonly Topology[], here: HostRef, swarm: SwarmFacts | undefined): string | undefined {
  if (!swarm?.hosts.length || !rows.length) return undefined;
  if (here.uuid !== null && !swarm.hosts.some((h) => h.uuid === here.uuid)) return undefined;
  const homes = rows.map((t) => homeOf(t, swarm));
  if (homes.some((h) => h === undefined || h.uuid === here.uuid)) return undefined;
  return [...new Set(homes.map((h) => h!.name))].join(', ');
}

/**
 * The swarm host a scan names in plans and reports: a worker always; the master only when the
 * database has workers (without them, nothing changes for the user).
 */
export function namedHost(result: Pick<ScanResult, 'host' | 'db'>): HostRef | undefined {
  if (!result.host) return undefined;
  if (result.host.uuid !== null) return result.host;
  return result.db.ok && result.db.value.swarm?.hosts.length ? result.host : undefined;
}

/** A live prefix found on a host it does not belong on: what a `misplaced` removal may take. */
export function isMisplaced(g: Pick<Group, 'state' | 'misplaced'> | undefined): boolean {
  return !!g && g.state === 'live' && !!g.misplaced;
}

// ---- Which resources may go ---------------------------------------------------------------

/**
 * True when a prefix is in the state a removal of this mode may touch: an orphan; or, for
 * `tornDown`, one of the confirmed prefixes whose every topology row says `torn_down`.
 */
export function prefixAllowed(prefix: string, groups: PrefixLookup, mode: RemovalMode, confirmed?: ReadonlySet<string>): boolean {
  const g = groups.get(prefix);
  if (mode === 'orphan') return g?.state === 'orphan';
  if (mode === 'misplaced') return isMisplaced(g) && (!confirmed || confirmed.has(prefix));
  return isTornDown(g) && (!confirmed || confirmed.has(prefix));
}

/** A resource's markers allow it to go: none malformed, and every prefix they name allowed. */
export function ownershipAllows(ownership: Ownership, allowed: (prefix: string) => boolean): boolean {
  return ownership.malformed.length === 0 && ownership.prefixes.length > 0 && ownership.prefixes.every(allowed);
}

/**
 * A resource goes only when it carries no malformed marker and every prefix its markers point to
 * is in the mode's allowed state: an orphan, or (for `tornDown`) a confirmed prefix whose
 * topology says exactly `torn_down`.
 */
export function removableIn(
  resource: OwnedContainer | OwnedNetwork,
  groups: PrefixLookup,
  mode: RemovalMode,
  confirmed?: ReadonlySet<string>,
): boolean {
  return ownershipAllows(resource.ownership, (p) => prefixAllowed(p, groups, mode, confirmed));
}

function describePrefix(prefix: string, groups: PrefixLookup): string {
  const g = groups.get(prefix);
  if (g?.state === 'live') return `topology ${g.topology?.name ?? prefix} (${prefix}, ${g.topology?.status})`;
  if (g?.state === 'orphan') return `orphan prefix ${prefix}`;
  return `prefix ${prefix}`;
}

/** Why a resource of the prefixes being removed stays. */
export function whyKept(
  resource: Pick<OwnedContainer | OwnedNetwork, 'ownership'>,
  groups: PrefixLookup,
  mode: RemovalMode = 'orphan',
  confirmed?: ReadonlySet<string>,
): string {
  if (resource.ownership.malformed.length) {
    return `carries a DECNET marker that names no valid topology (${resource.ownership.malformed.join(', ')})`;
  }
  const others = resource.ownership.prefixes.filter((p) => !prefixAllowed(p, groups, mode, confirmed));
  if (mode === 'orphan') {
    const live = others.filter((p) => groups.get(p)?.state === 'live');
    if (live.length === others.length) return `also belongs to live topology prefix ${others.join(', ')}`;
    return `also belongs to ${others.map((p) => describePrefix(p, groups)).join(', ')}`;
  }
  const unconfirmed = (p: string): string =>
    prefixAllowed(p, groups, mode) ? `${describePrefix(p, groups)}, not confirmed` : describePrefix(p, groups);
  return `also belongs to ${others.map(unconfirmed).join(', ')}`;
}

/** Why a resource confirmed for removal is skipped after the re-check just before removing. */
export function changedReason(
  resource: OwnedContainer | OwnedNetwork,
  groups: PrefixLookup,
  mode: RemovalMode,
  confirmed?: ReadonlySet<string>,
): string {
  const reasons: string[] = [];
  if (mode === 'misplaced') {
    for (const p of resource.ownership.prefixes) {
      if (prefixAllowed(p, groups, mode, confirmed)) continue;
      const g = groups.get(p);
      if (g?.state === 'live') reasons.push(`topology ${g.topology?.name ?? p} (${p}) now belongs on this host`);
      else if (g?.state === 'orphan') reasons.push(`prefix ${p} is now an orphan (its topology row was deleted)`);
    }
  } else if (mode === 'tornDown') {
    for (const p of resource.ownership.prefixes) {
      if (prefixAllowed(p, groups, mode, confirmed)) continue;
      const g = groups.get(p);
      if (g?.state === 'live') {
        reasons.push(`topology ${g.topology?.name ?? p} (${p}) is now ${g.topology?.status}, no longer ${TORN_DOWN}`);
      } else if (g?.state === 'orphan') {
        reasons.push(`prefix ${p} is now an orphan (its topology row was deleted)`);
      }
    }
  } else {
    const live = resource.ownership.prefixes.filter((p) => groups.get(p)?.state === 'live');
    if (live.length) {
      const names = live.map((p) => groups.get(p)?.topology?.name ?? p);
      reasons.push(`prefix ${live.join(', ')} is now live (topology ${names.join(', ')})`);
    }
  }
  if (reasons.length) return reasons.join('; ');
  return `changed since the confirmation (${whyKept(resource, groups, mode, confirmed)})`;
}

// ---- Networks -----------------------------------------------------------------------------
// A network's endpoints are every container attached to it, running or not: Docker removes a
// network that only stopped containers name, and they then fail `docker start`.

/** `web`, or `web (exited)` for a container that is not running: how plans and reports name one. */
export function attachedName(e: Pick<NetworkEndpoint, 'name' | 'state'>): string {
  return e.state && e.state !== 'running' ? `${e.name} (${e.state})` : e.name;
}

function names(endpoints: readonly NetworkEndpoint[]): string {
  return endpoints.map(attachedName).join(', ');
}

/**
 * At planning: the DECNET containers attached to a network that do not go with it (a live
 * topology's, one kept), running or not. A network with any is kept: they are never disconnected.
 */
export function decnetContainersKeptOn(
  network: Pick<OwnedNetwork, 'endpoints'>,
  decnetContainers: ReadonlySet<string>,
  removed: ReadonlySet<string>,
): NetworkEndpoint[] {
  return network.endpoints.filter((e) => decnetContainers.has(e.containerId) && !removed.has(e.containerId));
}

export function keptOnNetworkReason(kept: readonly NetworkEndpoint[]): string {
  return `DECNET container ${names(kept)} is attached and is not removed`;
}

/**
 * At planning: the containers that name a network only by a name several networks bear, and do
 * not go with it. Which network they join on start cannot be told: the network is kept.
 */
export function ambiguousOn(network: Pick<OwnedNetwork, 'endpoints'>, removed: ReadonlySet<string>): NetworkEndpoint[] {
  return network.endpoints.filter((e) => e.ambiguous && !removed.has(e.containerId));
}

export function ambiguousNetworkReason(network: Pick<OwnedNetwork, 'name'>, ambiguous: readonly NetworkEndpoint[]): string {
  return (
    `container ${names(ambiguous)} names its network only as ${network.name}, a name that more than one network bears: ` +
    'which of them it joins when started cannot be told'
  );
}

/** What the sweep knows when a network's turn comes. */
export interface NetworkCheck {
  /** The containers of the confirmed plan. */
  planned: ReadonlySet<string>;
  /** Of those, the ones the re-check kept. */
  kept: ReadonlySet<string>;
  /** Of those, the ones whose removal failed. */
  failed?: ReadonlySet<string>;
  /** DECNET's containers on the daemon at the re-check. */
  decnet: ReadonlySet<string>;
  /** The network's endpoints the user saw in the confirmation. */
  confirmedEndpoints: ReadonlySet<string>;
}

/** Why an attached container keeps the network at removal, or undefined when it does not. */
function blockedBy(e: NetworkEndpoint, check: NetworkCheck): 'failed' | 'ambiguous' | 'unconfirmed' | undefined {
  if (e.ambiguous) return 'ambiguous';
  if (check.planned.has(e.containerId)) {
    if (check.kept.has(e.containerId)) return 'unconfirmed';
    return check.failed?.has(e.containerId) ? 'failed' : undefined;
  }
  return check.decnet.has(e.containerId) || !check.confirmedEndpoints.has(e.containerId) ? 'unconfirmed' : undefined;
}

/**
 * At removal: the containers attached now, running or not, that keep the network. Only those the
 * user saw are disconnected, and never one of a DECNET container that is not being removed (kept,
 * of a live topology, or new), one whose removal failed, or one that may be attached to another
 * network of the same name.
 */
export function blockingEndpoints(endpoints: readonly NetworkEndpoint[], check: NetworkCheck): NetworkEndpoint[] {
  return endpoints.filter((e) => blockedBy(e, check) !== undefined);
}

/** Why the sweep kept a network: each blocking container with its reason. */
export function blockedNetworkReason(blocking: readonly NetworkEndpoint[], check?: NetworkCheck): string {
  const of = (why: ReturnType<typeof blockedBy>) => blocking.filter((e) => (check ? blockedBy(e, check) : 'unconfirmed') === why);
  const reasons: string[] = [];
  const unconfirmed = of('unconfirmed');
  if (unconfirmed.length) reasons.push(`container ${names(unconfirmed)} is attached and was not confirmed for removal or disconnection`);
  const failed = of('failed');
  if (failed.length) reasons.push(`container ${names(failed)} could not be removed and is still attached`);
  const ambiguous = of('ambiguous');
  if (ambiguous.length) {
    reasons.push(
      `container ${names(ambiguous)} names this network only by a name that another network bears too: which one it joins when started cannot be told`,
    );
  }
  return reasons.join('; ');
}

/** Containers that are not removed but only disconnected from the plan's networks, running or not. */
export function endpointsToDisconnect(plan: Pick<RemovalPlan, 'containers' | 'networks'>): DisconnectedEndpoint[] {
  const planned = new Set(plan.containers.map((c) => c.id));
  return plan.networks.flatMap((n) =>
    n.endpoints
      .filter((e) => !planned.has(e.containerId))
      .map((e) => ({ network: n.name, container: e.name, ...(e.state ? { state: e.state } : {}) })),
  );
}

/** `web from net`, `db (exited) from net`: a disconnection as plans and reports say it. */
export function describeDisconnection(e: DisconnectedEndpoint): string {
  return `${attachedName({ name: e.container, state: e.state })} from ${e.network}`;
}
