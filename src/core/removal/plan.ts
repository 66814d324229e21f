// Planning: what removing some prefixes would take, from one scan. Exactly what is confirmed.
import type { Group, PlannedContainer, PlannedNetwork, RemovalMode, RemovalPlan, ScanResult, SkippedItem } from '../model';
import { RefusedError } from '../model';
import { isValidPrefix } from '../naming';
import {
  decnetContainersKeptOn,
  groupsByPrefix,
  isMisplaced,
  keptOnNetworkReason,
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
    if (removableIn(c, groups, mode, confirmed)) containers.set(c.id, { id: c.id, name: c.name, prefixes: c.ownership.prefixes });
    else excluded.set(c.id, { kind: 'container', name: c.name, id: c.id, reason: whyKept(c, groups, mode, confirmed) });
  }
  // A network is removed only if every DECNET container attached to it goes too: the others
  // (a live topology's, one kept above) are never disconnected. Foreign containers attached now
  // are shown in the confirmation and only disconnected.
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
    networks.set(n.id, { id: n.id, name: n.name, subnets: n.subnets, endpoints: n.endpoints });
  }
  if (!containers.size && !networks.size) {
    throw new RefusedError(
      mode === 'orphan'
        ? `Nothing of ${wanted.join(', ')} can be removed: every resource there also belongs to a live topology.`
        : mode === 'misplaced'
          ? `Nothing of ${wanted.join(', ')} can be removed: every resource there also belongs to a topology that belongs on this host.`
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
  };
}

function refuseUnlessMisplaced(g: Group, result: ScanResult): void {
  if (g.state === 'orphan') {
    throw new RefusedError(`Prefix ${g.prefix} is an orphan: no topology in ${result.dbSource} owns it. Remove it as an orphan group.`);
  }
  if (g.state !== 'live' || !g.topology) throw new RefusedError(`Prefix ${g.prefix} is not classified.`);
  if (!isMisplaced(g)) {
    const where = result.host ? `host ${result.host.name}` : 'this host';
    throw new RefusedError(`Prefix ${g.prefix} is live: topology "${g.topology.name}" belongs on ${where}. Only a misplaced topology is removed this way.`);
  }
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
