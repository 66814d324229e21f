// Planning: what removing some prefixes would take, from one scan. Exactly what is confirmed.
import type { Group, PlannedContainer, PlannedNetwork, RemovalMode, RemovalPlan, ScanResult, SkippedItem } from '../model';
import { MASTER, RefusedError } from '../model';
import { isValidPrefix } from '../naming';
import { conflictsOfScan, freedBy } from '../overlaps';
import {
  ambiguousNetworkReason,
  ambiguousOn,
  decnetContainersKeptOn,
  groupsByPrefix,
  emptyDatabaseReason,
  homeOf,
  isMisplaced,
  keptOnNetworkReason,
  markersOf,
  namedHost,
  removableIn,
  requireClassified,
  rowNotTornDown,
  TORN_DOWN,
  whyKept,
} from '../rules';

export interface PlanOptions {
  /** Default `orphan`. */
  mode?: RemovalMode;
  /**
   * Return a plan that removes nothing (everything kept, each with its reason) instead of
   * refusing it: "every orphan" where what is left must all be kept is nothing to do, not an error.
   */
  allowEmpty?: boolean;
  /**
   * Plan orphans even when the database holds no topology at all while the daemon holds DECNET
   * resources (see `emptyDatabaseReason`); refused (RefusedError) otherwise.
   */
  allowEmptyDb?: boolean;
}

/** The refusal of an orphan removal from an empty database. */
export function emptyDatabaseRefusal(reason: string): string {
  return `Nothing was removed: ${reason}. Removal is refused unless explicitly allowed (--allow-empty-db, or the Docker daemon's name typed in the editor).`;
}

/** Why nothing of `prefixes` can be removed: each kept resource with its own reason. */
export function nothingRemovableMessage(prefixes: readonly string[], kept: readonly SkippedItem[]): string {
  return `Nothing of ${prefixes.join(', ')} can be removed: ${keptDetails(kept)}.`;
}

/** `every resource there is kept: container a (why); network b (why)`, at most 10 named. */
export function keptDetails(kept: readonly SkippedItem[]): string {
  if (!kept.length) return 'nothing of it is on the daemon';
  const shown = kept.slice(0, 10).map((k) => `${k.kind} ${k.name} (${k.reason})`);
  if (kept.length > shown.length) shown.push(`${kept.length - shown.length} more`);
  return `every resource there is kept: ${shown.join('; ')}`;
}

/**
 * What removing `prefixes` would remove, from one scan. Throws RefusedError when the DB or Docker
 * could not be read, a prefix is not on the daemon, or nothing would be removed; in `orphan` mode
 * (the default) when a prefix is live; in `tornDown` mode when a prefix's topology status is not
 * exactly `torn_down` (any other status, or no row at all); in `misplaced` mode when a prefix is
 * not known to the database or belongs on the host scanned.
 */
export function planRemoval(result: ScanResult, prefixes: string[], options: PlanOptions = {}): RemovalPlan {
  const mode: RemovalMode = options.mode ?? 'orphan';
  requireClassified(result);
  const wanted = [...new Set(prefixes.map((p) => p.trim()))].sort();
  if (!wanted.length) throw new RefusedError('No prefix was given.');
  const groups = groupsByPrefix(result.groups);
  const empty = mode === 'orphan' ? emptyDatabaseReason(result) : undefined;
  if (empty && !options.allowEmptyDb) throw new RefusedError(emptyDatabaseRefusal(empty));
  for (const p of wanted) {
    if (!isValidPrefix(p)) throw new RefusedError(`"${p}" is not a topology prefix (8 lowercase hex digits).`);
    const g = groups.get(p);
    if (!g) throw new RefusedError(`Prefix ${p} is unknown: no DECNET resource on ${result.dockerEndpoint} carries it.`);
    if (mode === 'tornDown') refuseUnlessTornDown(g, result.dbSource);
    else if (mode === 'misplaced') refuseUnlessMisplaced(g, result);
    else refuseUnlessOrphan(g, result.dbSource);
  }
  const confirmed = new Set(wanted);
  const containers = new Map<string, PlannedContainer>();
  const networks = new Map<string, PlannedNetwork>();
  const excluded = new Map<string, SkippedItem>();
  const wantedGroups = wanted.map((p) => groups.get(p)!);
  for (const c of wantedGroups.flatMap((g) => g.containers)) {
    if (removableIn(c, groups, mode, confirmed))
      containers.set(c.id, {
        id: c.id,
        name: c.name,
        prefixes: c.ownership.prefixes,
        ...(c.created ? { created: c.created } : {}),
        markers: markersOf(c),
      });
    else excluded.set(c.id, { kind: 'container', name: c.name, id: c.id, reason: whyKept(c, groups, mode, confirmed) });
  }
  // A network is removed only if every DECNET container attached to it, running or not, goes
  // too: the others (a live topology's, one kept above) are never disconnected. Foreign
  // containers attached now, running or not, are shown in the confirmation and only
  // disconnected. One that may be attached to another network of the same name keeps it.
  const decnetContainers = new Set(result.groups.flatMap((g) => g.containers.map((c) => c.id)));
  const removed = new Set(containers.keys());
  for (const n of wantedGroups.flatMap((g) => g.networks)) {
    if (!removableIn(n, groups, mode, confirmed)) {
      excluded.set(n.id, { kind: 'network', name: n.name, id: n.id, reason: whyKept(n, groups, mode, confirmed) });
      continue;
    }
    const kept = decnetContainersKeptOn(n, decnetContainers, removed);
    if (kept.length) {
      excluded.set(n.id, { kind: 'network', name: n.name, id: n.id, reason: keptOnNetworkReason(kept) });
      continue;
    }
    const ambiguous = ambiguousOn(n, removed);
    if (ambiguous.length) {
      excluded.set(n.id, { kind: 'network', name: n.name, id: n.id, reason: ambiguousNetworkReason(n, ambiguous) });
      continue;
    }
    networks.set(n.id, {
      id: n.id,
      name: n.name,
      ...(n.created ? { created: n.created } : {}),
      markers: markersOf(n),
      subnets: n.subnets,
      endpoints: n.endpoints,
    });
  }
  if (!containers.size && !networks.size && !options.allowEmpty) {
    throw new RefusedError(nothingRemovableMessage(wanted, [...excluded.values()]));
  }
  return {
    createdAt: new Date().toISOString(),
    mode,
    dockerEndpoint: result.dockerEndpoint,
    daemon: result.docker.ok ? result.docker.value.daemon : { name: '', id: '', version: '' },
    dbSource: result.dbSource,
    prefixes: wanted,
    topologies:
      mode !== 'orphan'
        ? wantedGroups.map((g) => {
            const t = g.topology!;
            return { prefix: g.prefix, id: t.id, name: t.name, status: t.status };
          })
        : [],
    containers: [...containers.values()],
    networks: [...networks.values()],
    excluded: [...excluded.values()],
    livePrefixes: result.livePrefixes,
    orphanPrefixes: result.orphanPrefixes,
    dbTopologyCount: result.db.ok ? result.db.value.topologies.length : 0,
    ...(namedHost(result) ? { host: namedHost(result) } : {}),
    ...(mode === 'misplaced' ? { belongsOn: Object.fromEntries(wantedGroups.map((g) => [g.prefix, g.misplaced!.belongsOn])) } : {}),
    ...freesOf(result, networks),
  };
}

/** What the planned networks free for LANs that want their subnets, when they free anything. */
function freesOf(result: ScanResult, networks: ReadonlyMap<string, PlannedNetwork>): Pick<RemovalPlan, 'frees'> {
  if (!networks.size) return {};
  const frees = freedBy(new Set(networks.keys()), conflictsOfScan(result));
  return frees.length ? { frees } : {};
}

function refuseUnlessMisplaced(g: Group, result: ScanResult): void {
  if (g.state === 'orphan') {
    throw new RefusedError(`Prefix ${g.prefix} is an orphan: no topology in ${result.dbSource} owns it. Remove it as an orphan group.`);
  }
  if (g.state !== 'live' || !g.topology) throw new RefusedError(`Prefix ${g.prefix} is not classified.`);
  if (!isMisplaced(g)) {
    throw new RefusedError(
      `Prefix ${g.prefix} is live: topology "${g.topology.name}" ${whereItBelongs(g, result)}. Only a misplaced topology is removed this way.`,
    );
  }
}

/** Where a topology found at home on the host scanned belongs, in words. */
function whereItBelongs(g: Group, result: ScanResult): string {
  const swarm = result.db.ok ? result.db.value.swarm : undefined;
  const here = result.host ?? MASTER;
  const named = (name: string): string => (name === MASTER.name ? 'the master' : `host ${name}`);
  const homes = swarm ? g.topologies.map((t) => homeOf(t, swarm)) : [];
  if (!swarm?.hosts.length || !homes.length || homes.some((h) => h === undefined)) {
    return 'is pinned to no host of swarm_hosts that can be told, so it is live on every host';
  }
  const names = [...new Set(homes.map((h) => h!.name))];
  if (homes.some((h) => h!.uuid === here.uuid)) return `belongs on ${named(here.name)}, where it was found`;
  return `belongs on ${names.map(named).join(', ')}, whose Docker daemon is the one ${here.name === MASTER.name ? "the master's" : `${here.name}'s`} endpoint reaches`;
}

function refuseUnlessOrphan(g: Group, dbSource: string): void {
  if (g.state === 'live') {
    const t = g.topology;
    throw new RefusedError(`Prefix ${g.prefix} is live: topology "${t?.name}" (${t?.status}) is in ${dbSource}. Only orphans are removed.`);
  }
  if (g.state !== 'orphan') throw new RefusedError(`Prefix ${g.prefix} is not classified orphan.`);
}

function refuseUnlessTornDown(g: Group, dbSource: string): void {
  if (g.state === 'orphan') {
    throw new RefusedError(
      `Prefix ${g.prefix} is an orphan: no topology in ${dbSource} owns it. Remove it as an orphan group, not as torn-down leftovers.`,
    );
  }
  if (g.state !== 'live' || !g.topology) throw new RefusedError(`Prefix ${g.prefix} is not classified.`);
  const notTornDown = rowNotTornDown(g) ?? (g.topology.status !== TORN_DOWN ? g.topology : undefined);
  if (notTornDown) {
    throw new RefusedError(
      `Prefix ${g.prefix} is live: topology "${notTornDown.name}" is ${notTornDown.status}, not ${TORN_DOWN}. Only the leftovers of a ${TORN_DOWN} topology are removed this way.`,
    );
  }
}
