// One scan as the tree shows it (a host's, or the swarm's with every host), and the facts read
// off it that rows share: a host's description, a network's conflict. Pure (no `vscode` import).
import { dbForHost, type HostScan } from '../../core/fleet';
import type { ScanResult } from '../../core/model';
import { conflictsOfScan, type NetworkConflict } from '../../core/overlaps';
import type { ScanTarget } from '../settings';

/** One scan as the tree shows it: removal must use exactly `target`, since the plan shown was made from it. */
export interface ScanSnapshot {
  result: ScanResult;
  target: ScanTarget;
  finishedAt: Date;
  /** Networks whose pools overlap a LAN of a topology that is not torn down, or another pool. */
  conflicts: NetworkConflict[];
  /** The same conflicts by network id. */
  conflictById: ReadonlyMap<string, NetworkConflict>;
  /** In a swarm: the host this snapshot is of (its rows' ids carry its name). */
  host?: HostScan;
  /** In a swarm (the database has `swarm_hosts` rows): every host, the master first, each its own snapshot. */
  fleet?: ScanSnapshot[];
}

/** The host's snapshot, with `target` pointed at its endpoint (removal uses exactly that). */
export function makeHostSnapshot(scan: HostScan, target: ScanTarget, finishedAt = new Date()): ScanSnapshot {
  const hostTarget: ScanTarget = scan.host.endpoint
    ? { db: target.db, options: { ...target.options, dockerHost: scan.host.endpoint, host: scan.host.ref } }
    : { db: target.db, options: { ...target.options, host: scan.host.ref } };
  // A Docker pool is per daemon: the host's networks are compared only with the LANs of the
  // topologies that belong there (or whose host cannot be told).
  const r = scan.result;
  const conflicts = conflictsOfScan(r.db.ok ? { ...r, db: { ok: true, value: dbForHost(r.db.value, scan.host.ref) } } : r);
  return {
    result: r,
    target: hostTarget,
    finishedAt,
    conflicts,
    conflictById: new Map(conflicts.map((c) => [c.network.id, c])),
    host: scan,
  };
}

/**
 * A swarm's snapshot: the master's scan at the top (what the single-daemon code reads), and every
 * host's in `fleet`. `hosts` comes from `scanFleet`, the master first.
 */
export function makeFleetSnapshot(hosts: readonly HostScan[], target: ScanTarget, finishedAt = new Date()): ScanSnapshot {
  return { ...makeSnapshot(hosts[0].result, target, finishedAt), fleet: hosts.map((h) => makeHostSnapshot(h, target, finishedAt)) };
}

/**
 * The host row's description: counts (or why there are none) first, as they are what a narrow
 * view keeps, then endpoint · daemon name · DECNET's status and last heartbeat.
 */
export function hostDescription(snapshot: ScanSnapshot): string {
  const scan = snapshot.host;
  if (!scan) return '';
  const r = scan.result;
  const parts: string[] = [];
  if (!r.docker.ok) parts.push(!scan.host.endpoint ? 'not scanned' : scan.timedOut ? 'did not answer' : 'unreachable');
  else {
    const misplaced = r.groups.filter((g) => g.misplaced).length;
    const counts = [`${r.livePrefixes.length} live`, `${r.orphanPrefixes.length} orphan${r.orphanPrefixes.length === 1 ? '' : 's'}`];
    if (misplaced) counts.push(`${misplaced} misplaced`);
    if (snapshot.conflicts.length) counts.push(`${snapshot.conflicts.length} conflict${snapshot.conflicts.length === 1 ? '' : 's'}`);
    parts.push(counts.join(', '));
  }
  parts.push(scan.endpointLabel);
  if (r.docker.ok) parts.push(r.docker.value.daemon.name);
  if (scan.sameDaemonAs?.length) parts.push(`same Docker daemon as ${scan.sameDaemonAs.join(', ')}`);
  const sw = scan.host.swarm;
  if (sw) parts.push(sw.lastHeartbeat ? `${sw.status}, last heartbeat ${toTheMinute(sw.lastHeartbeat)}` : `${sw.status}, no heartbeat`);
  return parts.join(' · ');
}

/**
 * A heartbeat to the minute: the agents send one every few seconds, and a row that changed at
 * each would refresh the tree (and close a menu opened on it) all the time.
 */
export function toTheMinute(timestamp: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(timestamp.trim());
  return m ? `${m[1]}${m[4] ?? ''}` : timestamp;
}

export function makeSnapshot(result: ScanResult, target: ScanTarget, finishedAt = new Date()): ScanSnapshot {
  const conflicts = conflictsOfScan(result);
  return { result, target, finishedAt, conflicts, conflictById: new Map(conflicts.map((c) => [c.network.id, c])) };
}

/** The network's conflict, when it overlaps anything. */
export function conflictOf(snapshot: ScanSnapshot, networkId: string): NetworkConflict | undefined {
  const c = snapshot.conflictById.get(networkId);
  return c?.overlaps.length ? c : undefined;
}

/** How many of a group's networks are in a subnet conflict. */
