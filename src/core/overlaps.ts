// Subnet overlaps: which Docker network holds a subnet, and who owns it. Pure; no I/O.
//
// Docker answers `Pool overlaps with other one on this address space` when a new network's pool
// overlaps the pool of a network it already has. DECNET hands the /24s of torn-down topologies
// out again, so a leftover network blocks the next deploy on "its" subnet. This module finds, for
// every network with an IPAM pool, the LANs of DB topologies (not `torn_down`, not the network's
// own LAN) and the pools of other networks that its pools overlap, IPv4 and IPv6.
//
// Address arithmetic is ipaddr.js: parsing (IPv4 and every IPv6 notation) and prefix matching.
import * as ipaddr from 'ipaddr.js';
import type { DbSnapshot, DockerInventory, Lan, NetworkEndpoint, NetworkInfo, ScanResult, Topology } from './model';
import { isValidPrefix, ownershipOf, prefixOfTopologyId } from './naming';

/** A parsed CIDR. `text` is the canonical form (`172.16.5.0/24`, `fd00:dec::/64`). */
export interface Cidr {
  family: 'ipv4' | 'ipv6';
  address: ipaddr.IPv4 | ipaddr.IPv6;
  prefixLength: number;
  text: string;
}

/** The status DECNET gives a topology whose subnets it may hand out again. */
export const TORN_DOWN = 'torn_down';

/**
 * Parses a CIDR (`172.16.5.0/24`, `fd00:dec::/48`) or a single address (`172.16.5.7`, taken as
 * `/32`, or `/128` for IPv6). Host bits are allowed and cleared (`172.16.5.7/24` → `172.16.5.0/24`).
 * IPv4-mapped IPv6 addresses are taken as the IPv4 address. Undefined when it is neither.
 */
export function parseCidr(input: string): Cidr | undefined {
  const text = input.trim();
  if (!text) return undefined;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  let prefixLength: number;
  const v6 = text.includes(':');
  try {
    if (text.includes('/')) {
      // IPv4 only in dotted-quad form: ipaddr.js would also take `10.1/8` or `0xa.0.0.1/8`.
      if (v6 ? !ipaddr.IPv6.isValidCIDR(text) : !ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return undefined;
      [address, prefixLength] = ipaddr.parseCIDR(text);
    } else {
      if (v6 ? !ipaddr.IPv6.isValid(text) : !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
      address = ipaddr.parse(text);
      prefixLength = address.kind() === 'ipv4' ? 32 : 128;
    }
  } catch {
    return undefined;
  }
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && prefixLength >= 96) {
    address = (address as ipaddr.IPv6).toIPv4Address();
    prefixLength -= 96;
  }
  const family = address.kind();
  const network = networkAddress(address, prefixLength);
  return { family, address: network, prefixLength, text: `${network.toString()}/${prefixLength}` };
}

function networkAddress(address: ipaddr.IPv4 | ipaddr.IPv6, prefixLength: number): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv4') return ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefixLength}`);
  return ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefixLength}`);
}

/**
 * True when the two ranges share at least one address: one contains the other (CIDR blocks
 * never partly overlap). Different families never overlap.
 */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = a.prefixLength <= b.prefixLength ? a : b;
  const longer = shorter === a ? b : a;
  return longer.address.match(shorter.address, shorter.prefixLength);
}

/** `cidrsOverlap` on text; false when either does not parse. */
export function subnetsOverlap(a: string, b: string): boolean {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  return !!pa && !!pb && cidrsOverlap(pa, pb);
}

// ---- Who owns a network -------------------------------------------------------------------

/**
 * `live`: a DECNET network whose topology is in the DB (a `torn_down` one too); `orphan`: a DECNET
 * network no topology row owns; `foreign`: not DECNET's; `unknown`: DECNET's, but the DB could
 * not be read.
 */
export type OwnerState = 'live' | 'orphan' | 'foreign' | 'unknown';

export interface NetworkOwner {
  /** The topology prefix the network belongs to (the first, if its markers name several). */
  prefix: string | null;
  state: OwnerState;
  topology: Topology | null;
}

/** A LAN of the DB that wants a subnet this network's pool overlaps. */
export interface LanOverlap {
  kind: 'lan';
  /** The network's pool that overlaps. */
  pool: string;
  /** The LAN's subnet. */
  subnet: string;
  topologyId: string;
  topologyName: string;
  topologyStatus: string;
  lan: string;
}

/** Another Docker network whose pool overlaps this network's. */
export interface NetworkOverlap {
  kind: 'network';
  pool: string;
  /** The other network's pool. */
  subnet: string;
  networkId: string;
  networkName: string;
}

export type Overlap = LanOverlap | NetworkOverlap;

export interface NetworkConflict {
  network: NetworkInfo;
  owner: NetworkOwner;
  overlaps: Overlap[];
}

/** A LAN subnet that a topology of the DB reserves (its status is not `torn_down`). */
export interface LanClaim {
  cidr: Cidr;
  lan: Lan;
  topology: Topology;
}

interface Indexed {
  network: NetworkInfo;
  owner: NetworkOwner;
  pools: Cidr[];
}

function topologiesByPrefix(db: DbSnapshot | undefined): Map<string, Topology> {
  const byPrefix = new Map<string, Topology>();
  for (const t of db?.topologies ?? []) {
    const p = prefixOfTopologyId(t.id);
    if (!byPrefix.has(p)) byPrefix.set(p, t);
  }
  return byPrefix;
}

/** Who owns `network`, with the same markers and the same live/orphan rule as the grouping. */
export function ownerOf(network: NetworkInfo, db: DbSnapshot | undefined, byPrefix = topologiesByPrefix(db)): NetworkOwner {
  const { prefixes } = ownershipOf(network.name, network.labels);
  if (!prefixes.length) return { prefix: null, state: 'foreign', topology: null };
  if (!db) return { prefix: prefixes[0], state: 'unknown', topology: null };
  const live = prefixes.find((p) => byPrefix.has(p));
  if (live) return { prefix: live, state: 'live', topology: byPrefix.get(live)! };
  return { prefix: prefixes[0], state: 'orphan', topology: null };
}

/** The LAN subnets the DB reserves: LANs of topologies whose status is not `torn_down`. */
export function lanClaims(db: DbSnapshot | undefined): LanClaim[] {
  if (!db) return [];
  const byId = new Map(db.topologies.map((t) => [t.id, t]));
  const claims: LanClaim[] = [];
  for (const lan of db.lans) {
    const topology = byId.get(lan.topologyId);
    if (!topology || topology.status === TORN_DOWN) continue;
    const cidr = parseCidr(lan.subnet);
    if (cidr) claims.push({ cidr, lan, topology });
  }
  return claims;
}

/** True when `network` is the Docker network DECNET made for `lan` (by id, else by name). */
export function isOwnLan(network: NetworkInfo, lan: Lan): boolean {
  if (lan.dockerNetworkId && lan.dockerNetworkId.length >= 12 && network.id.startsWith(lan.dockerNetworkId)) return true;
  const prefix = prefixOfTopologyId(lan.topologyId);
  return isValidPrefix(prefix) && network.name === `decnet_t_${prefix}_${lan.name.toLowerCase()}`;
}

function index(inventory: DockerInventory, db: DbSnapshot | undefined): Indexed[] {
  const byPrefix = topologiesByPrefix(db);
  return inventory.networks
    .map((network) => ({
      network,
      owner: ownerOf(network, db, byPrefix),
      pools: network.subnets.map(parseCidr).filter((c): c is Cidr => !!c),
    }))
    .filter((n) => n.pools.length > 0);
}

/**
 * For every network with an IPAM pool, what its pools overlap: (a) the LAN subnets of every DB
 * topology that is not `torn_down`, other than the network's own LAN, and (b) the pools of the
 * other networks. Only networks with at least one overlap are returned, sorted by name. With no
 * DB snapshot only (b) is computed and DECNET networks are `unknown`.
 */
export function findConflicts(inventory: DockerInventory, db: DbSnapshot | undefined): NetworkConflict[] {
  const networks = index(inventory, db);
  const claims = lanClaims(db);
  const conflicts: NetworkConflict[] = [];
  for (const n of networks) {
    const overlaps = overlapsOf(n, networks, claims);
    if (overlaps.length) conflicts.push({ network: n.network, owner: n.owner, overlaps });
  }
  return conflicts.sort((a, b) => a.network.name.localeCompare(b.network.name));
}

function overlapsOf(n: Indexed, networks: Indexed[], claims: LanClaim[]): Overlap[] {
  const overlaps: Overlap[] = [];
  for (const pool of n.pools) {
    for (const claim of claims) {
      if (isOwnLan(n.network, claim.lan) || !cidrsOverlap(pool, claim.cidr)) continue;
      overlaps.push({
        kind: 'lan',
        pool: pool.text,
        subnet: claim.lan.subnet,
        topologyId: claim.topology.id,
        topologyName: claim.topology.name,
        topologyStatus: claim.topology.status,
        lan: claim.lan.name,
      });
    }
    for (const other of networks) {
      if (other.network.id === n.network.id) continue;
      for (const otherPool of other.pools) {
        if (!cidrsOverlap(pool, otherPool)) continue;
        overlaps.push({
          kind: 'network',
          pool: pool.text,
          subnet: otherPool.text,
          networkId: other.network.id,
          networkName: other.network.name,
        });
      }
    }
  }
  return overlaps;
}

/** A network whose pools overlap a subnet someone asked about. */
export interface QueryMatch extends NetworkConflict {
  /** The network's pools that overlap the query. */
  matchedPools: string[];
  endpoints: NetworkEndpoint[];
}

export interface QueryResult {
  query: Cidr;
  /** Networks whose pools overlap the query, with their own overlaps; sorted by name. */
  matches: QueryMatch[];
  /** DB LANs (of topologies not `torn_down`) whose subnet overlaps the query. */
  lans: LanClaim[];
}

/** Which networks hold (part of) `query`, who owns them, and which LANs want it. */
export function findOverlapsWith(query: Cidr, inventory: DockerInventory, db: DbSnapshot | undefined): QueryResult {
  const networks = index(inventory, db);
  const claims = lanClaims(db);
  const matches: QueryMatch[] = [];
  for (const n of networks) {
    const matchedPools = n.pools.filter((p) => cidrsOverlap(p, query)).map((p) => p.text);
    if (!matchedPools.length) continue;
    matches.push({
      network: n.network,
      owner: n.owner,
      overlaps: overlapsOf(n, networks, claims),
      matchedPools,
      endpoints: n.network.endpoints,
    });
  }
  matches.sort((a, b) => a.network.name.localeCompare(b.network.name));
  return { query, matches, lans: claims.filter((c) => cidrsOverlap(c.cidr, query)) };
}

/** The conflicts of a scan: none when Docker could not be listed. */
export function conflictsOfScan(result: ScanResult): NetworkConflict[] {
  if (!result.docker.ok) return [];
  return findConflicts(result.docker.value, result.db.ok ? result.db.value : undefined);
}

// ---- Text -------------------------------------------------------------------------------

/**
 * `holds 172.16.5.0/24, wanted by topology maze-2, LAN dmz`; the LAN's subnet is added when the
 * pool only contains it or lies inside it. For another network: `holds 198.18.0.0/16, overlapping
 * network lab-net (198.18.4.0/24)`.
 */
export function describeOverlap(o: Overlap): string {
  if (o.kind === 'lan') {
    const same = parseCidr(o.subnet)?.text === o.pool;
    return `holds ${o.pool}, wanted by topology ${o.topologyName}, LAN ${o.lan}${same ? '' : ` (${o.subnet})`}`;
  }
  return `holds ${o.pool}, overlapping network ${o.networkName} (${o.subnet})`;
}

/** What removing the network that holds a LAN's subnet does for it: `frees 198.18.20.0/24 for maze-beta, LAN dmz`. */
export function freesText(o: LanOverlap): string {
  return `frees ${o.subnet} for ${o.topologyName}, LAN ${o.lan}`;
}

/**
 * What removing these networks frees: for each LAN of a topology that is not torn down whose
 * subnet one of them holds, `frees <subnet> for <topology>, LAN <lan>`, once each.
 */
export function freedBy(networkIds: ReadonlySet<string>, conflicts: readonly NetworkConflict[]): string[] {
  const out = new Set<string>();
  for (const c of conflicts) {
    if (!networkIds.has(c.network.id)) continue;
    for (const o of c.overlaps) if (o.kind === 'lan') out.add(freesText(o));
  }
  return [...out].sort();
}

/** The conflict's first overlap, plus how many more: for one-line descriptions. */
export function summarizeOverlaps(overlaps: readonly Overlap[]): string {
  if (!overlaps.length) return '';
  const first = describeOverlap(overlaps[0]);
  return overlaps.length > 1 ? `${first} (+${overlaps.length - 1} more)` : first;
}

/** The JSON of `decnet-reaper overlaps --json` for one network. */
export function conflictJson(c: NetworkConflict | QueryMatch): Record<string, unknown> {
  const out: Record<string, unknown> = {
    network: { id: c.network.id, name: c.network.name, subnets: c.network.subnets },
    owner_prefix: c.owner.prefix,
    state: c.owner.state,
    owner_topology: c.owner.topology ? { id: c.owner.topology.id, name: c.owner.topology.name, status: c.owner.topology.status } : null,
    containers: c.network.endpoints.map((e) => ({ id: e.containerId, name: e.name, ...(e.state ? { state: e.state } : {}) })),
    overlaps: c.overlaps.map((o) =>
      o.kind === 'lan'
        ? { subnet: o.subnet, topology_id: o.topologyId, topology_name: o.topologyName, lan: o.lan, pool: o.pool }
        : { subnet: o.subnet, network: { id: o.networkId, name: o.networkName }, pool: o.pool },
    ),
  };
  if ('matchedPools' in c) out.matched_subnets = c.matchedPools;
  return out;
}

/** `live 3f2a9c1e, topology maze-1 (active)`, `orphan 0badc0de`, `foreign (not DECNET's)`. */
export function describeOwner(owner: NetworkOwner): string {
  switch (owner.state) {
    case 'live':
      return `live ${owner.prefix}, topology ${owner.topology?.name} (${owner.topology?.status})`;
    case 'orphan':
      return `orphan ${owner.prefix}`;
    case 'unknown':
      return `DECNET ${owner.prefix}, not classified (the database could not be read)`;
    case 'foreign':
      return "foreign (not DECNET's)";
  }
}

/** The JSON of a LAN that wants a queried subnet. */
export function lanClaimJson(c: LanClaim): Record<string, unknown> {
  return {
    subnet: c.lan.subnet,
    topology_id: c.topology.id,
    topology_name: c.topology.name,
    topology_status: c.topology.status,
    lan: c.lan.name,
  };
}
