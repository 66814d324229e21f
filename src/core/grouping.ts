// Grouping Docker resources by topology prefix and classifying prefixes live or orphan. Pure.
import type { DbSnapshot, DockerInventory, Group, GroupState, HostRef, OwnedContainer, OwnedNetwork, Ownership, Topology } from './model';
import { isDecnetOwned, ownershipOf, prefixOfTopologyId } from './naming';
import { misplacedOn, ownershipAllows, shownTopology } from './rules';

export interface Classification {
  groups: Group[];
  /** Every topology prefix in the database, sorted, whether or not anything of it is on Docker (DECNET's `live_prefixes`). */
  dbPrefixes: string[];
  /** The live prefixes found on Docker. */
  livePrefixes: string[];
  orphanPrefixes: string[];
  /** Only when `here` was given: live prefixes that belong on another host of the swarm. */
  misplacedPrefixes?: string[];
}

/**
 * Groups every DECNET-marked resource under each prefix its markers point to. With no DB
 * snapshot (it could not be read), every group is `unknown`: nothing is an orphan.
 * A resource is removable only when the DB was read, it carries no malformed marker, and every
 * prefix it points to is an orphan. With `here` (the swarm host the inventory comes from) and
 * workers in the database's `swarm_hosts`, a live group that belongs on another host is marked
 * `misplaced` (see rules.ts) and listed in `misplacedPrefixes` rather than `livePrefixes`.
 */
export function classify(
  inventory: DockerInventory,
  db: DbSnapshot | undefined,
  here?: HostRef,
  sameDaemon: readonly HostRef[] = [],
): Classification {
  const byPrefix = new Map<string, Topology[]>();
  for (const t of db?.topologies ?? []) {
    const p = prefixOfTopologyId(t.id);
    const rows = byPrefix.get(p) ?? [];
    rows.push(t);
    byPrefix.set(p, rows);
  }
  const stateOf = (prefix: string): GroupState => (!db ? 'unknown' : byPrefix.has(prefix) ? 'live' : 'orphan');
  const groups = new Map<string, Group>();
  const groupOf = (prefix: string): Group => {
    let g = groups.get(prefix);
    if (!g) {
      g = {
        prefix,
        state: stateOf(prefix),
        topology: shownTopology(byPrefix.get(prefix)),
        topologies: byPrefix.get(prefix) ?? [],
        containers: [],
        networks: [],
      };
      groups.set(prefix, g);
    }
    return g;
  };
  // What an orphan removal may take (see rules.ts); nothing while the DB is unread.
  const removable = (ownership: Ownership): boolean => !!db && ownershipAllows(ownership, (p) => stateOf(p) === 'orphan');

  for (const c of inventory.containers) {
    const ownership = ownershipOf(c.name, c.labels);
    if (!isDecnetOwned(ownership)) continue;
    const owned: OwnedContainer = { ...c, ownership, removable: removable(ownership) };
    for (const p of ownership.prefixes) groupOf(p).containers.push(owned);
  }
  for (const n of inventory.networks) {
    const ownership = ownershipOf(n.name, n.labels);
    if (!isDecnetOwned(ownership)) continue;
    const owned: OwnedNetwork = { ...n, ownership, removable: removable(ownership) };
    for (const p of ownership.prefixes) groupOf(p).networks.push(owned);
  }

  const sorted = [...groups.values()].sort((a, b) => a.prefix.localeCompare(b.prefix));
  for (const g of sorted) {
    g.containers.sort((a, b) => a.name.localeCompare(b.name));
    g.networks.sort((a, b) => a.name.localeCompare(b.name));
    const belongsOn = here && g.state === 'live' ? misplacedOn(g.topologies, here, db?.swarm) : undefined;
    // Hosts that reach this very daemon (see fleet.ts): where it belongs on any of them, it is home.
    if (belongsOn !== undefined && sameDaemon.every((h) => misplacedOn(g.topologies, h, db?.swarm) !== undefined))
      g.misplaced = { belongsOn };
  }
  return {
    groups: sorted,
    dbPrefixes: dbPrefixesOf(db),
    livePrefixes: sorted.filter((g) => g.state === 'live' && !g.misplaced).map((g) => g.prefix),
    orphanPrefixes: sorted.filter((g) => g.state === 'orphan').map((g) => g.prefix),
    ...(here ? { misplacedPrefixes: sorted.filter((g) => g.misplaced).map((g) => g.prefix) } : {}),
  };
}

/** Every topology prefix of a database read, sorted (DECNET's `live_prefixes`); none when unread. */
export function dbPrefixesOf(db: DbSnapshot | undefined): string[] {
  return [...new Set((db?.topologies ?? []).map((t) => prefixOfTopologyId(t.id)))].sort();
}
