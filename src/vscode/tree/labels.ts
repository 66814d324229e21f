// Pure text for the tree's rows: labels, descriptions, tooltips (the status bar, quick picks and
// error words are in ../words, what a screen reader hears in accessibility.ts). No `vscode` import
// here, so it can be unit tested. Only words: what may be removed, and why something is kept, is
// decided in core/rules.ts.
import { TORN_GRACE_MS } from '../../core/tornHold';
import type { DbPathOrigin } from '../../core/config';
import type { Group, GroupState, NetworkEndpoint, NetworkInfo, OwnedContainer, OwnedNetwork, ScanResult } from '../../core/model';
import { describeOverlap, freedBy, summarizeOverlaps, type LanOverlap, type NetworkConflict } from '../../core/overlaps';
import { keptNote } from '../../core/removal/text';
import { code, codeList, conflictCount, md, plural, SEP } from '../words/common';
import { TORN_DOWN, type PrefixLookup } from '../../core/rules';

type Owned = OwnedContainer | OwnedNetwork;

export function sectionLabel(title: string, count: number): string {
  return `${title} (${count})`;
}

export const Labels = {
  loading: 'Loading…',
  dbBusy: 'Database busy: retrying',
  live: 'Live',
  orphans: 'Orphans',
  notClassified: 'Not classified',
  dbError: 'Cannot read the DECNET database',
  dbNotConfigured: 'No DECNET database configured',
  scanFailed: 'Scan failed',
  selectDatabase: 'Select DECNET Database…',
  openSettings: 'Open Settings',
  showOutput: 'Show Output',
  retry: 'Retry',
  setPassword: 'Set MySQL Password…',
  blocked: 'Blocked topologies',
  notClassifiedTooltip: 'Nothing is classified orphan while the database cannot be read',
  foreignNetworks: 'Foreign networks',
  misplaced: 'Misplaced',
  misplacedTooltip: 'Topologies known to the database found on this host although they belong on another host of the swarm',
  hostError: 'Cannot connect to this host',
  hostNotScanned: 'This host is not scanned',
  setHostEndpoint: 'Set Docker Endpoint…',
  openRemoteSettings: 'Open Remote Settings',
} as const;

/** The row of a machine-scoped setting written in the User settings of a remote window. */
export function ignoredSettingLabel(key: string): string {
  return `Not used here: ${key} in User settings`;
}

export function ignoredSettingTooltip(key: string, value: string): string {
  return (
    `${key} is set to ${value} in your User settings, but this is a remote window (Remote-SSH, code-server): ` +
    `settings of machine scope are read only from the Remote settings here, so the view does not use it. ` +
    'Open Remote Settings and set it there (Copy Value copies it).'
  );
}

// ---- Groups -------------------------------------------------------------------------------

export function liveGroupLabel(group: Group): string {
  return group.topology?.name ?? group.prefix;
}

/** `<status> · <mode> · <prefix>`: the status decides, the prefix identifies. */
export function liveGroupDescription(group: Group): string {
  const t = group.topology;
  return [t?.status ?? 'unknown status', t?.mode ?? 'unknown mode', group.prefix].join(SEP);
}

/** `torn down: maze-old`: the state before the name, so that a narrow view keeps it. */
export function tornDownGroupLabel(group: Group): string {
  return `torn down: ${liveGroupLabel(group)}`;
}

/** `belongs on w1: branch-office`. */
export function misplacedGroupLabel(group: Group): string {
  return `belongs on ${group.misplaced?.belongsOn ?? '?'}: ${liveGroupLabel(group)}`;
}

/** A resource's name without the `decnet_t_<prefix>_` its group's rows all share. */
export function shortName(name: string, prefix: string): string {
  const head = `decnet_t_${prefix}_`;
  return name.startsWith(head) && name.length > head.length ? name.slice(head.length) : name;
}

// ---- Age ----------------------------------------------------------------------------------

/**
 * `created 3 days ago`, to the hour at most (the tree is not redrawn every minute for it);
 * undefined without a time.
 */
export function ageText(created: string | undefined, now = Date.now()): string | undefined {
  if (!created) return undefined;
  const at = Date.parse(created);
  if (!Number.isFinite(at)) return undefined;
  const hours = Math.max(0, now - at) / 3_600_000;
  if (hours < 1) return 'created within the hour';
  if (hours < 36) return `created ${plural(Math.floor(hours), 'hour')} ago`;
  const days = hours / 24;
  if (days < 60) return `created ${plural(Math.round(days), 'day')} ago`;
  if (days < 730) return `created ${plural(Math.round(days / 30.44), 'month')} ago`;
  return `created ${plural(Math.floor(days / 365.25), 'year')} ago`;
}

/** When the oldest resource of a group was created (ISO 8601), if Docker said. */
export function oldestCreated(group: Pick<Group, 'containers' | 'networks'>): string | undefined {
  let oldest: { at: number; iso: string } | undefined;
  for (const r of [...group.containers, ...group.networks]) {
    const at = r.created ? Date.parse(r.created) : NaN;
    if (Number.isFinite(at) && (!oldest || at < oldest.at)) oldest = { at, iso: r.created! };
  }
  return oldest?.iso;
}

/** `created 3 days ago` for a group (its oldest resource). */
export function groupAge(group: Pick<Group, 'containers' | 'networks'>, now = Date.now()): string | undefined {
  return ageText(oldestCreated(group), now);
}

/**
 * What DECNET's labels and names reveal of an orphan group: its deckies (`decnet.topology.decky`,
 * else the base containers' names after the prefix), sorted, at most three then `+N`.
 */
export function deckiesOf(group: Group): string[] {
  const names = new Set<string>();
  const base = `decnet_t_${group.prefix}_`;
  for (const c of group.containers) {
    const decky = c.labels['decnet.topology.decky'] ?? (c.name.startsWith(base) ? c.name.slice(base.length) : undefined);
    if (decky) names.add(decky);
  }
  return [...names].sort((a, b) => a.localeCompare(b));
}

function shortList(items: readonly string[], max = 3): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} +${items.length - max}` : items.join(', ');
}

/** `decky-01, decky-02 · 2 containers · 1 network · created 3 days ago`: an orphan or unclassified group's description. */
export function orphanGroupDescription(group: Group, now = Date.now()): string {
  const deckies = deckiesOf(group);
  const age = groupAge(group, now);
  return [...(deckies.length ? [shortList(deckies)] : []), groupCountsDescription(group), ...(age ? [age] : [])].join(SEP);
}

/** `2 containers · 1 network`. */
export function groupCountsDescription(group: Group): string {
  return [plural(group.containers.length, 'container'), plural(group.networks.length, 'network')].join(SEP);
}

/** Resources of a group whose markers also name another prefix, and those with a malformed marker. */
export function sharedCounts(group: Group): { containers: number; networks: number; malformed: number } {
  const shared = (r: Owned): boolean => r.ownership.prefixes.some((p) => p !== group.prefix);
  const all: Owned[] = [...group.containers, ...group.networks];
  return {
    containers: group.containers.filter(shared).length,
    networks: group.networks.filter(shared).length,
    malformed: all.filter((r) => r.ownership.malformed.length > 0).length,
  };
}

function countsLines(group: Group): string[] {
  const running = group.containers.filter((c) => c.state === 'running').length;
  const lines = [`- Containers: ${group.containers.length} (${running} running)`, `- Networks: ${group.networks.length}`];
  const shared = sharedCounts(group);
  if (shared.containers || shared.networks) {
    lines.push(
      `- Also marked with another prefix: ${plural(shared.containers, 'container')}, ${plural(shared.networks, 'network')} ` +
        '(removed only when every prefix they name may go)',
    );
  }
  if (shared.malformed) {
    lines.push(`- With a malformed DECNET marker (never removed): ${plural(shared.malformed, 'resource')}`);
  }
  return lines;
}

/**
 * `host`: the swarm host the group was found on, when the database has workers (then where it
 * belongs is said by the misplaced tooltip, or it is at home there).
 */
export function liveGroupTooltip(group: Group, dbSource: string, host?: string): string {
  const t = group.topology;
  const age = groupAge(group);
  const lines = [
    `**${md(liveGroupLabel(group))}** — live topology`,
    '',
    `- Id: ${t ? code(t.id) : '—'}`,
    `- Prefix: ${code(group.prefix)}`,
    `- Status: ${t ? code(t.status) : '—'}`,
    `- Mode: ${t ? code(t.mode) : '—'}`,
    ...countsLines(group),
    ...(age ? [`- ${age[0].toUpperCase()}${age.slice(1)} (its oldest resource)`] : []),
    '',
    `In the DECNET database (${md(dbSource)}): the reaper never removes it.`,
  ];
  if (t?.mode === 'agent' && !group.misplaced) {
    lines.push(
      '',
      host
        ? `Mode \`agent\`: it belongs on this host (${md(host)}), where it was found.`
        : 'Mode `agent` topologies run on remote worker hosts; these resources are on this Docker endpoint anyway.',
    );
  }
  return lines.join('\n');
}

// ---- Torn-down leftovers and subnet conflicts ---------------------------------------------

/** Containers and networks still on Docker. */
export function leftoverCount(group: Group): number {
  return group.containers.length + group.networks.length;
}

/** `3 leftovers · <prefix>` (the label says torn down). */
export function tornDownGroupDescription(group: Group): string {
  return [plural(leftoverCount(group), 'leftover'), group.prefix].join(SEP);
}

/** A group's description with its conflicts, when it has any. */
export function withConflicts(description: string, conflicts: number): string {
  // First: at the default sidebar width the end of a description is cut off.
  return conflicts ? [conflictCount(conflicts), description].join(SEP) : description;
}

/** The topologies whose LAN subnets the networks of `conflicts` hold, by name, once each. */
export function blockedTopologies(conflicts: readonly NetworkConflict[]): string[] {
  return [...new Set(conflicts.flatMap((c) => c.overlaps.flatMap((o) => (o.kind === 'lan' ? [o.topologyName] : []))))].sort((a, b) =>
    a.localeCompare(b),
  );
}

/**
 * What a group's networks do to others, first in its description: `blocks maze-beta` when they
 * hold a subnet a topology wants, else `1 subnet conflict` (pools overlapping other networks').
 */
export function conflictLead(conflicts: readonly NetworkConflict[]): string | undefined {
  if (!conflicts.length) return undefined;
  const blocked = blockedTopologies(conflicts);
  if (blocked.length)
    return `blocks ${blocked.length > 2 ? `${blocked.slice(0, 2).join(', ')} +${blocked.length - 2}` : blocked.join(', ')}`;
  return conflictCount(conflicts.length);
}

/** `lead · description`, or the description alone. */
export function leading(lead: string | undefined, description: string): string {
  return lead ? [lead, description].join(SEP) : description;
}

export function tornDownGroupTooltip(group: Group, dbSource: string, dockerEndpoint: string): string {
  const t = group.topology;
  return [
    `**${md(liveGroupLabel(group))}** — torn down, with leftovers`,
    '',
    `- Id: ${t ? code(t.id) : '—'}`,
    `- Prefix: ${code(group.prefix)}`,
    `- Status: ${code(TORN_DOWN)}`,
    ...countsLines(group),
    '',
    `Its row in the DECNET database (${md(dbSource)}) says ${code(TORN_DOWN)}, yet Docker (${md(dockerEndpoint)}) still ` +
      `holds ${plural(leftoverCount(group), 'resource')} of it. DECNET keeps the row, so it counts as live and its own ` +
      `reaper leaves them; their networks keep their subnets, which DECNET hands out again.`,
    '',
    '**Remove Leftovers of Torn-Down Topology…** shows what goes, asks you to type the prefix, and checks again that the ' +
      `status is still ${code(TORN_DOWN)} just before removing.`,
  ].join('\n');
}

/** Tooltip lines of a network's conflicts. */
export function conflictLines(conflict: NetworkConflict | undefined): string[] {
  if (!conflict?.overlaps.length) return [];
  return [`- **Subnet conflicts (${conflict.overlaps.length}):**`, ...conflict.overlaps.map((o) => `  - ${md(describeOverlap(o))}`)];
}

/**
 * `2 endpoints`, or `3 endpoints (1 exited, 1 created)`: every container attached, running or
 * not (a stopped one still names the network, and needs it to start).
 */
export function endpointCount(n: Pick<NetworkInfo, 'endpoints'>): string {
  const stopped = new Map<string, number>();
  for (const e of n.endpoints) if (e.state && e.state !== 'running') stopped.set(e.state, (stopped.get(e.state) ?? 0) + 1);
  const count = plural(n.endpoints.length, 'endpoint');
  return stopped.size ? `${count} (${[...stopped].map(([state, k]) => `${k} ${state}`).join(', ')})` : count;
}

/** A tooltip line of an attached container: `  - \`web\` (\`0123456789ab\`)`, its state when it is not running. */
function endpointLine(e: NetworkEndpoint): string {
  const state = e.state && e.state !== 'running' ? `, ${md(e.state)}` : '';
  const ambiguous = e.ambiguous ? ', names it only by a name another network bears too' : '';
  return `  - ${code(e.name)} (${code(e.containerId.slice(0, 12))})${state}${ambiguous}`;
}

/** `<subnets> · <n> endpoints`, plus the first conflict. For networks that belong to no DECNET group. */
export function foreignNetworkDescription(n: NetworkInfo, conflict: NetworkConflict | undefined): string {
  const parts = [n.subnets.length ? n.subnets.join(', ') : 'no subnet', endpointCount(n)];
  if (conflict?.overlaps.length) parts.unshift(summarizeOverlaps(conflict.overlaps));
  return parts.join(SEP);
}

export function foreignNetworkTooltip(n: NetworkInfo, conflict: NetworkConflict | undefined): string {
  const endpoints = n.endpoints.map(endpointLine);
  return [
    `**${code(n.name)}** — network DECNET did not create`,
    '',
    `- Id: ${code(n.id)}`,
    `- Driver: ${code(n.driver)}${n.internal ? ' (internal)' : ''}`,
    `- Subnets: ${codeList(n.subnets)}`,
    n.endpoints.length ? `- Endpoints (${n.endpoints.length}):` : '- Endpoints: none',
    ...endpoints,
    ...conflictLines(conflict),
    '',
    'The reaper never removes it.',
  ].join('\n');
}

export function foreignEndpointTooltip(e: NetworkEndpoint, n: NetworkInfo, disconnected: boolean): string {
  return [
    `**${code(e.name)}** — container DECNET did not create (${code(e.containerId.slice(0, 12))})${e.state ? `, ${md(e.state)}` : ''}`,
    '',
    `Attached to ${code(n.name)}${e.state && e.state !== 'running' ? ' (not running: it needs the network to start again)' : ''}.`,
    disconnected
      ? 'Removing this orphan group force-disconnects it from that network, running or not; the container itself is never removed.'
      : 'The reaper never removes it.',
  ].join('\n');
}

export function foreignSectionTooltip(): string {
  return 'Networks DECNET did not create whose pools overlap a LAN of a topology that is not torn down, or another pool (and those picked in Find Subnet Overlaps…). The reaper never removes them.';
}

export function orphanGroupTooltip(
  group: Group,
  dbSource: string,
  dockerEndpoint: string,
  conflicts: readonly NetworkConflict[] = [],
): string {
  const removableContainers = group.containers.filter((c) => c.removable).length;
  const removableNetworks = group.networks.filter((n) => n.removable).length;
  const frees = freedBy(new Set(group.networks.map((n) => n.id)), conflicts);
  const age = groupAge(group);
  return [
    `**${code(group.prefix)}** — orphan`,
    '',
    `No topology in the DECNET database (${md(dbSource)}) has an id starting with ${code(group.prefix)}, ` +
      `yet Docker (${md(dockerEndpoint)}) still holds resources named or labelled after it.`,
    '',
    ...(frees.length ? [`**Removing it ${md(frees.join('; '))}.**`, ''] : []),
    ...countsLines(group),
    ...(age ? [`- ${age[0].toUpperCase()}${age.slice(1)} (its oldest resource)`] : []),
    '',
    `**Force Remove Orphan Group…** first shows exactly what goes and asks to confirm. It then force-removes ` +
      `${plural(removableContainers, 'container')}, force-disconnects every endpoint of ` +
      `${plural(removableNetworks, 'network')} and removes them. Resources that also belong to another prefix are kept.`,
  ].join('\n');
}

export function unknownGroupTooltip(group: Group): string {
  return [`**${code(group.prefix)}** — not classified`, '', ...countsLines(group), '', `${Labels.notClassifiedTooltip}.`].join('\n');
}

// ---- Resources ----------------------------------------------------------------------------

/**
 * Why a resource of an orphan group stays, or undefined when it goes with the group.
 * `kept: also belongs to live topology prefix 1a2b3c4d`.
 */
export function keptReason(resource: Owned, group: Group, livePrefixes: readonly string[]): string | undefined {
  // The tree knows the group and which prefixes are live; with the DB read, the rest are orphans.
  const stateOf = (p: string): GroupState => (p === group.prefix ? group.state : livePrefixes.includes(p) ? 'live' : 'orphan');
  const lookup: PrefixLookup = {
    get: (p) => (p === group.prefix ? group : { prefix: p, state: stateOf(p), topology: null, topologies: [] }),
  };
  return keptNote(resource, group, lookup);
}

/** `<state> · <image>`, after why it is kept when it is (what decides comes first). */
export function containerDescription(c: OwnedContainer, group: Group, livePrefixes: readonly string[]): string {
  const kept = keptReason(c, group, livePrefixes);
  return [...(kept ? [kept] : []), c.state, c.image].join(SEP);
}

/**
 * The first subnet conflict when it has any (`holds 172.16.5.0/24, wanted by topology maze-2, LAN
 * dmz`), then `<subnets joined by ", "> · <n> endpoint(s)`, plus why it is kept when it is.
 */
export function networkDescription(n: OwnedNetwork, group: Group, livePrefixes: readonly string[], conflict?: NetworkConflict): string {
  const kept = keptReason(n, group, livePrefixes);
  return [
    ...(conflict?.overlaps.length ? [summarizeOverlaps(conflict.overlaps)] : []),
    ...(kept ? [kept] : []),
    n.subnets.length ? n.subnets.join(', ') : 'no subnet',
    endpointCount(n),
  ].join(SEP);
}

const MARKER_LABEL = /^(decnet\.|com\.docker\.compose\.project$)/;

function markerLines(labels: Record<string, string>): string[] {
  return Object.keys(labels)
    .filter((k) => MARKER_LABEL.test(k))
    .sort()
    .map((k) => `  - ${code(`${k}=${labels[k]}`)}`);
}

function ownershipLines(resource: Owned, group: Group, livePrefixes: readonly string[]): string[] {
  const lines = [`- Owner prefixes: ${codeList(resource.ownership.prefixes)}`];
  if (resource.ownership.malformed.length) {
    lines.push(`- Malformed markers: ${codeList(resource.ownership.malformed)}`);
  }
  const kept = keptReason(resource, group, livePrefixes);
  if (kept) {
    lines.push(`- ${md(kept[0].toUpperCase() + kept.slice(1))}`);
  } else if (group.state === 'orphan') {
    lines.push('- Removed with this orphan group');
  }
  return lines;
}

export function containerTooltip(c: OwnedContainer, group: Group, livePrefixes: readonly string[]): string {
  const markers = markerLines(c.labels);
  return [
    `**${code(c.name)}** — container, ${md(c.state)}`,
    '',
    `- Id: ${code(c.id)}`,
    `- Image: ${code(c.image)}`,
    `- Status: ${md(c.status)}`,
    `- Network mode: ${code(c.networkMode)}`,
    `- Networks: ${codeList(c.networks)}`,
    markers.length ? '- DECNET markers:' : '- DECNET markers: none (matched by name)',
    ...markers,
    ...ownershipLines(c, group, livePrefixes),
  ].join('\n');
}

export function networkTooltip(n: OwnedNetwork, group: Group, livePrefixes: readonly string[], conflict?: NetworkConflict): string {
  const endpoints = n.endpoints.map(endpointLine);
  return [
    `**${code(n.name)}** — network`,
    '',
    `- Id: ${code(n.id)}`,
    `- Driver: ${code(n.driver)}${n.internal ? ' (internal)' : ''}`,
    `- Subnets: ${codeList(n.subnets)}`,
    n.endpoints.length ? `- Endpoints (${n.endpoints.length}):` : '- Endpoints: none',
    ...endpoints,
    ...ownershipLines(n, group, livePrefixes),
    ...conflictLines(conflict),
  ].join('\n');
}

// ---- Sections and the database location ---------------------------------------------------

export function originText(origin: DbPathOrigin | 'environment'): string {
  switch (origin) {
    case 'setting':
      return 'the decnet.database settings';
    case 'environment':
      return 'the DECNET_DB_* environment variables';
    case 'DECNET_DB_PATH':
      return 'the DECNET_DB_PATH environment variable';
    case 'DECNET_DB_URL':
      return 'the DECNET_DB_URL environment variable';
    case 'decnet.ini':
      return '/etc/decnet/decnet.ini';
    case 'workspace':
      return 'a decnet.db in an open workspace folder';
    case 'none':
      return 'nowhere';
  }
}

/**
 * The view's message: which database and which daemon the tree shows.
 * `Database: sqlite: /srv/decnet.db · Docker: unix:///var/run/docker.sock (daemon host-a, 4XQZ:…)`.
 */
export function viewHeader(result: ScanResult): string {
  const daemon = result.docker.ok ? ` (daemon ${result.docker.value.daemon.name}, ${result.docker.value.daemon.id.slice(0, 14)}…)` : '';
  return `Database: ${result.dbSource}${SEP}Docker: ${result.dockerEndpoint}${daemon}`;
}

/**
 * The view's header in a DECNET swarm: the database, the master's endpoint and daemon, and how
 * many hosts answered.
 */
export function fleetViewHeader(result: ScanResult, hosts: number, answered: number): string {
  const daemon = result.docker.ok ? ` (daemon ${result.docker.value.daemon.name}, ${result.docker.value.daemon.id.slice(0, 14)}…)` : '';
  return `Database: ${result.dbSource}${SEP}Master: ${result.dockerEndpoint}${daemon}${SEP}${answered} of ${plural(hosts, 'host')} answered`;
}

/** The endpoint and the daemon that answered there: its name and id. */
export function dockerWithDaemon(result: ScanResult): string {
  if (!result.docker.ok) return result.dockerEndpoint;
  const d = result.docker.value.daemon;
  return `${result.dockerEndpoint}, daemon ${d.name} (id ${d.id})`;
}

export function liveSectionTooltip(dbSource: string, origin: DbPathOrigin | 'environment', dockerEndpoint: string): string {
  return [
    `Topologies of the DECNET database that have resources on Docker.`,
    '',
    `- Database: ${code(dbSource)} (from ${md(originText(origin))})`,
    `- Docker: ${code(dockerEndpoint)}`,
  ].join('\n');
}

export function orphanSectionTooltip(dbSource: string, dockerEndpoint: string): string {
  return [
    `Prefixes found on Docker that no topology id in the DECNET database starts with.`,
    '',
    `- Database: ${code(dbSource)}`,
    `- Docker: ${code(dockerEndpoint)}`,
  ].join('\n');
}

/** Beside "Database busy": the tree below is the scan of that time. */
export function dbBusyDescription(shownAt: Date): string {
  return `showing the scan of ${shownAt.toLocaleTimeString()}`;
}

export function dbBusyTooltip(message: string, since: number, shownAt: Date): string {
  return (
    `DECNET is writing to its database: ${message}. The tree shows the last complete scan ` +
    `(${shownAt.toLocaleTimeString()}) while the read is retried; it shows the error if the database ` +
    `stays unreadable for ${Math.round(TORN_GRACE_MS / 1000)} s (torn since ${new Date(since).toLocaleTimeString()}). ` +
    'A removal always reads the database again first.'
  );
}

// ---- Topologies whose LAN a network blocks ------------------------------------------------

/** What holds a LAN's subnet: `orphan ecbbe627`, `torn-down maze-old (7a7a7a7a)`, `foreign network lab-net`. */
export function blockerText(conflict: NetworkConflict, tornDown: boolean): string {
  const o = conflict.owner;
  switch (o.state) {
    case 'orphan':
      return `orphan ${o.prefix}`;
    case 'live':
      return tornDown ? `torn-down ${o.topology?.name ?? o.prefix} (${o.prefix})` : `${o.topology?.name ?? o.prefix} (${o.prefix})`;
    case 'unknown':
      return `unclassified ${o.prefix}`;
    case 'foreign':
      return `foreign network ${conflict.network.name}`;
  }
}

/** `dmz blocked by orphan ecbbe627`. */
export function blockedDescription(lan: LanOverlap, conflict: NetworkConflict, tornDown: boolean): string {
  return `${lan.lan} blocked by ${blockerText(conflict, tornDown)}`;
}

/** A blocked LAN's row: who blocks it first (`blocked by orphan ecbbe627`), then whose LAN (`maze-beta · LAN dmz · 198.18.20.0/24`). */
export function blockedRow(
  lan: LanOverlap,
  conflict: NetworkConflict,
  tornDown: boolean,
): { label: string; description: string; accessibility: string } {
  return {
    label: `blocked by ${blockerText(conflict, tornDown)}`,
    description: [lan.topologyName, `LAN ${lan.lan}`, lan.subnet].join(SEP),
    accessibility: `blocked by ${blockerText(conflict, tornDown)}: topology ${lan.topologyName}, ${lan.topologyStatus}, LAN ${lan.lan}`,
  };
}

export function blockedTooltip(lan: LanOverlap, conflict: NetworkConflict, tornDown: boolean): string {
  const fix =
    conflict.owner.state === 'orphan'
      ? '**Force Remove Orphan Group…** frees it.'
      : tornDown
        ? '**Remove Leftovers of Torn-Down Topology…** frees it.'
        : 'The reaper does not remove it: free the subnet by hand, or give the LAN another one.';
  return [
    `**${md(lan.topologyName)}** (${code(lan.topologyStatus)}) — LAN ${code(lan.lan)} wants ${code(lan.subnet)}`,
    '',
    `Docker network ${code(conflict.network.name)} (${md(blockerText(conflict, tornDown))}) holds ${code(lan.pool)}, ` +
      "so deploying this topology fails with Docker's `Pool overlaps with other one on this address space`.",
    '',
    fix,
  ].join('\n');
}

export function blockedSectionTooltip(): string {
  return 'Topologies of the DECNET database (not torn down) whose LAN subnet a Docker network already holds: their next deploy fails.';
}
