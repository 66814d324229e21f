// The tree's nodes: what is shown, in which order, under which parent, and the id VS Code knows
// each one by. Pure (no `vscode` import), so it can be unit tested; topologyTreeItems.ts turns a
// node into a TreeItem, topologyTreeProvider.ts hands the nodes to VS Code. The scan they show is
// a ScanSnapshot (snapshot.ts); what a row's command is handed is decoded in rowArgs.ts.
import type { HostScan } from '../../core/fleet';
import type {
  DbReadError,
  DockerUnavailableError,
  Group,
  NetworkEndpoint,
  NetworkInfo,
  OwnedContainer,
  OwnedNetwork,
} from '../../core/model';
import { ownerOf, type LanOverlap, type NetworkConflict } from '../../core/overlaps';
import { isMisplaced, isTornDown } from '../../core/rules';
import { Commands } from '../constants';
import { Labels } from './labels';
import type { IgnoredSetting } from '../../core/ignoredSettings';

import { conflictOf, type ScanSnapshot } from './snapshot';

export type SectionKind = 'live' | 'orphan' | 'unknown' | 'misplaced';

/** A LAN of a topology that is not torn down whose subnet a Docker network holds. */
export interface Blocked {
  lan: LanOverlap;
  conflict: NetworkConflict;
  /** The DECNET group the network belongs to, when it is DECNET's. */
  group: Group | undefined;
}

/** Every LAN a network blocks, ordered by topology then LAN. */
export function blockedLans(snapshot: ScanSnapshot): Blocked[] {
  const groups = new Map(snapshot.result.groups.map((g) => [g.prefix, g]));
  const out: Blocked[] = [];
  for (const conflict of snapshot.conflicts) {
    for (const o of conflict.overlaps) {
      if (o.kind !== 'lan') continue;
      out.push({ lan: o, conflict, group: conflict.owner.prefix ? groups.get(conflict.owner.prefix) : undefined });
    }
  }
  return out.sort((a, b) => a.lan.topologyName.localeCompare(b.lan.topologyName) || a.lan.lan.localeCompare(b.lan.lan));
}

/** The containers attached to a group's networks that belong to no DECNET group: a removal only disconnects them. */
export function foreignEndpoints(group: Group, snapshot: ScanSnapshot): { endpoint: NetworkEndpoint; network: OwnedNetwork }[] {
  const decnet = new Set(snapshot.result.groups.flatMap((g) => g.containers.map((c) => c.id)));
  return group.networks.flatMap((network) =>
    network.endpoints.filter((e) => !decnet.has(e.containerId)).map((endpoint) => ({ endpoint, network })),
  );
}

/**
 * A group's containers as a decky holds them: base containers, each with the service containers
 * that share its network namespace (`container:<base id>`, as Docker shows DECNET's
 * `network_mode: service:<base>`) or carry its decky's label; the others apart.
 */
export function containerTree(group: Pick<Group, 'containers'>): {
  bases: OwnedContainer[];
  services: Map<string, OwnedContainer[]>;
  others: OwnedContainer[];
} {
  const byId = new Map(group.containers.map((c) => [c.id, c] as const));
  const baseOfDecky = new Map<string, OwnedContainer>();
  for (const c of group.containers) {
    const decky = c.labels['decnet.topology.decky'];
    if (decky && c.labels['decnet.topology.role'] === 'base') baseOfDecky.set(decky, c);
  }
  const services = new Map<string, OwnedContainer[]>();
  const placed = new Set<string>();
  for (const c of group.containers) {
    const mode = /^container:(.+)$/.exec(c.networkMode)?.[1];
    const byMode = mode ? (byId.get(mode) ?? group.containers.find((b) => b.id.startsWith(mode) && mode.length >= 12)) : undefined;
    const decky = c.labels['decnet.topology.service'] === 'true' ? c.labels['decnet.topology.decky'] : undefined;
    const base = byMode ?? (decky !== undefined ? baseOfDecky.get(decky) : undefined);
    if (!base || base.id === c.id) continue;
    services.set(base.id, [...(services.get(base.id) ?? []), c]);
    placed.add(c.id);
  }
  const bases = group.containers.filter((c) => services.has(c.id) && !placed.has(c.id));
  const others = group.containers.filter((c) => !placed.has(c.id) && !services.has(c.id));
  // A base that is itself some other container's service (chains) stays in place: nothing is lost.
  for (const [baseId, list] of services) if (placed.has(baseId)) others.push(...list.filter((c) => !others.includes(c)));
  return { bases, services, others };
}

/** Whether a blocking network may be removed, and how: the group's context value decides the menu. */
export function blockerRemoval(b: Blocked): 'orphan' | 'tornDown' | 'misplaced' | undefined {
  if (b.group?.state === 'orphan') return 'orphan';
  // Misplaced first: a topology torn down on one host, found on another, is removed as misplaced.
  if (isMisplaced(b.group)) return 'misplaced';
  if (isTornDown(b.group)) return 'tornDown';
  return undefined;
}
export type ErrorSource = 'db' | 'docker' | 'scan';

export type TreeNode =
  | { kind: 'loading' }
  /** A host of a DECNET swarm (only when the database has workers): its sections below it. */
  | { kind: 'host'; snapshot: ScanSnapshot; pinned: ReadonlySet<string> }
  | { kind: 'section'; section: SectionKind; groups: Group[]; snapshot: ScanSnapshot }
  /** Networks DECNET did not create that are in a subnet conflict, or that the user asked to see. */
  | { kind: 'foreignSection'; networks: NetworkInfo[]; snapshot: ScanSnapshot; pinned: ReadonlySet<string> }
  | { kind: 'foreignNetwork'; network: NetworkInfo; snapshot: ScanSnapshot; pinned?: boolean }
  | { kind: 'blockedSection'; blocked: Blocked[]; snapshot: ScanSnapshot }
  | { kind: 'blocked'; blocked: Blocked; snapshot: ScanSnapshot }
  | { kind: 'group'; group: Group; snapshot: ScanSnapshot }
  /** A container DECNET did not create, attached to one of the group's networks. */
  | { kind: 'foreignEndpoint'; endpoint: NetworkEndpoint; network: OwnedNetwork; group: Group; snapshot: ScanSnapshot }
  /** A container; a decky's base container holds its service containers (`services`). */
  | { kind: 'container'; container: OwnedContainer; group: Group; snapshot: ScanSnapshot; services?: OwnedContainer[] }
  | { kind: 'network'; network: OwnedNetwork; group: Group; snapshot: ScanSnapshot }
  | { kind: 'error'; source: 'db'; error: DbReadError }
  | { kind: 'error'; source: 'docker'; error: DockerUnavailableError; host?: HostScan }
  | { kind: 'error'; source: 'scan'; error: unknown }
  /** The database read torn just now: the tree below is the last good scan, and a retry is due. */
  | { kind: 'dbBusy'; since: number; error: DbReadError; shownAt: Date }
  /** A machine-scoped setting in the User settings of a remote window: not applied here. */
  | { kind: 'ignoredSetting'; setting: IgnoredSetting }
  | { kind: 'action'; parentId: string; label: string; icon: string; command: string; args?: unknown[] };

export type NodeOf<K extends TreeNode['kind']> = Extract<TreeNode, { kind: K }>;

/** The id VS Code knows a node by: its TreeItem's `id`. The one place ids are made. */
export function nodeId(node: TreeNode): string {
  if (node.kind === 'host') return `host/${node.snapshot.host?.host.ref.name ?? ''}`;
  const host =
    node.kind === 'error' ? (node.source === 'docker' ? node.host : undefined) : 'snapshot' in node ? node.snapshot.host : undefined;
  const id = localId(node);
  return host ? `host/${host.host.ref.name}/${id}` : id;
}

function localId(node: Exclude<TreeNode, { kind: 'host' }>): string {
  switch (node.kind) {
    case 'loading':
    case 'dbBusy':
      return node.kind;
    case 'ignoredSetting':
      return `ignored/${node.setting.key}`;
    case 'error':
      return `error/${node.source}`;
    case 'section':
      return `section/${node.section}`;
    case 'foreignSection':
      return 'section/foreign';
    case 'blockedSection':
      return 'section/blocked';
    case 'blocked':
      return `blocked/${node.blocked.lan.topologyId}/${node.blocked.lan.lan}/${node.blocked.conflict.network.id}`;
    case 'foreignEndpoint':
      return `${groupId(node.group)}/foreign/${node.network.id}/${node.endpoint.containerId}`;
    case 'group':
      return groupId(node.group);
    case 'container':
      return `${groupId(node.group)}/container/${node.container.id}`;
    case 'network':
      return `${groupId(node.group)}/network/${node.network.id}`;
    case 'foreignNetwork':
      return `foreign/network/${node.network.id}`;
    case 'action':
      return `${node.parentId}/${node.command}`;
  }
}

function groupId(group: Group): string {
  return `group/${group.state}/${group.prefix}`;
}

/** What the root of the tree is made from. */
export interface TreeState {
  snapshot: ScanSnapshot | undefined;
  /** An unexpected exception of the last scan. */
  failure: unknown;
  dbBusy: { since: number; error: DbReadError } | undefined;
  /** Foreign networks shown although they are in no conflict (picked in Find Subnet Overlaps…). */
  pinnedNetworks: ReadonlySet<string>;
  /** In a remote window: machine-scoped settings set in the User settings, which are not applied there. */
  ignoredSettings: readonly IgnoredSetting[];
}

export function rootNodes(state: TreeState): TreeNode[] {
  const { snapshot } = state;
  if (!snapshot) {
    return state.failure !== undefined ? [{ kind: 'error', source: 'scan', error: state.failure }] : [{ kind: 'loading' }];
  }
  if (snapshot.target.db.origin === 'none') {
    // Empty on purpose: the view's welcome content (context key decnet.noDatabase) takes over.
    return [];
  }
  const { result } = snapshot;
  const nodes: TreeNode[] = state.ignoredSettings.map((setting): TreeNode => ({ kind: 'ignoredSetting', setting }));
  if (state.dbBusy) nodes.push({ kind: 'dbBusy', since: state.dbBusy.since, error: state.dbBusy.error, shownAt: snapshot.finishedAt });
  if (!result.db.ok) nodes.push({ kind: 'error', source: 'db', error: result.db.error });
  if (snapshot.fleet && snapshot.fleet.length > 1) {
    // A swarm: the hosts, the master first, each with its own sections.
    nodes.push(...snapshot.fleet.map((s): TreeNode => ({ kind: 'host', snapshot: s, pinned: state.pinnedNetworks })));
    return nodes;
  }
  return [...nodes, ...sectionNodes(snapshot, state.pinnedNetworks)];
}

/** What one daemon's scan shows: its Docker error, else its sections. */
function sectionNodes(snapshot: ScanSnapshot, pinned: ReadonlySet<string>): TreeNode[] {
  const { result } = snapshot;
  const nodes: TreeNode[] = [];
  if (!result.docker.ok) {
    nodes.push({ kind: 'error', source: 'docker', error: result.docker.error, ...(snapshot.host ? { host: snapshot.host } : {}) });
    return nodes;
  }
  const blocked = blockedLans(snapshot);
  if (blocked.length) nodes.push({ kind: 'blockedSection', blocked, snapshot });
  const of = (state: Group['state']) => result.groups.filter((g) => g.state === state);
  const unknown = of('unknown');
  if (result.db.ok) {
    // Live by the topology's name, as people know them; the others by prefix.
    const live = of('live')
      .filter((g) => !g.misplaced)
      .sort((a, b) => (a.topology?.name ?? a.prefix).localeCompare(b.topology?.name ?? b.prefix) || a.prefix.localeCompare(b.prefix));
    nodes.push({ kind: 'section', section: 'live', groups: live, snapshot });
    nodes.push({ kind: 'section', section: 'orphan', groups: of('orphan'), snapshot });
    const misplaced = result.groups.filter((g) => g.misplaced);
    if (snapshot.host) nodes.push({ kind: 'section', section: 'misplaced', groups: misplaced, snapshot });
  }
  if (!result.db.ok || unknown.length) {
    nodes.push({ kind: 'section', section: 'unknown', groups: unknown, snapshot });
  }
  const foreign = result.docker.value.networks.filter(
    (n) => ownerOf(n, undefined).state === 'foreign' && (conflictOf(snapshot, n.id) || pinned.has(n.id)),
  );
  if (foreign.length) nodes.push({ kind: 'foreignSection', networks: foreign, snapshot, pinned });
  return nodes;
}

function byName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}

/** The fixes an error row offers, as child rows. */
export const ERROR_ACTIONS: Record<ErrorSource, { label: string; icon: string; command: string }[]> = {
  db: [
    { label: Labels.selectDatabase, icon: 'database', command: Commands.selectDatabase },
    { label: Labels.openSettings, icon: 'gear', command: Commands.openSettings },
    { label: Labels.showOutput, icon: 'output', command: Commands.showOutput },
  ],
  docker: [
    { label: Labels.retry, icon: 'refresh', command: Commands.refreshTopologies },
    { label: Labels.openSettings, icon: 'gear', command: Commands.openSettings },
    { label: Labels.showOutput, icon: 'output', command: Commands.showOutput },
  ],
  scan: [
    { label: Labels.retry, icon: 'refresh', command: Commands.refreshTopologies },
    { label: Labels.showOutput, icon: 'output', command: Commands.showOutput },
  ],
};

const SET_PASSWORD = { label: Labels.setPassword, icon: 'key', command: Commands.setMysqlPassword };
const RETRY = { label: Labels.retry, icon: 'refresh', command: Commands.refreshTopologies };

/** The fixes of an error row: for the database, the ones that fit what went wrong. */
export function errorActions(node: NodeOf<'error'>): { label: string; icon: string; command: string; args?: unknown[] }[] {
  if (node.source === 'docker' && node.host && !node.host.host.endpoint && !node.host.host.problem) {
    // A worker missing from decnet.fleet.endpoints: offer ssh://<address> for the user to confirm.
    const [, settings, output] = ERROR_ACTIONS.docker;
    const name = node.host.host.ref.name;
    return [
      { label: Labels.setHostEndpoint, icon: 'plug', command: Commands.setHostEndpoint, args: [name, node.host.host.offer] },
      settings,
      output,
    ];
  }
  if (node.source !== 'db') return ERROR_ACTIONS[node.source];
  // Every database error offers Retry, after the fix that fits it best.
  const [select, settings, output] = ERROR_ACTIONS.db;
  switch (node.error.kind) {
    case 'access-denied':
      return [SET_PASSWORD, RETRY, settings, output];
    case 'unreachable':
    case 'locked':
    case 'torn':
      return [RETRY, settings, output];
    case 'misconfigured':
      return [settings, RETRY, output];
    default:
      return [select, RETRY, settings, output];
  }
}

export function childNodes(node: TreeNode): TreeNode[] {
  switch (node.kind) {
    case 'host':
      return sectionNodes(node.snapshot, node.pinned);
    case 'section':
      return node.groups.map((group) => ({ kind: 'group', group, snapshot: node.snapshot }));
    case 'foreignSection':
      return byName(node.networks).map((network): TreeNode => ({
        kind: 'foreignNetwork',
        network,
        snapshot: node.snapshot,
        // Shown only because it was picked: it can be hidden again.
        pinned: node.pinned.has(network.id) && !conflictOf(node.snapshot, network.id),
      }));
    case 'group': {
      // Each decky's service containers under its base container; the networks, each with the
      // containers DECNET did not create attached to it.
      const { bases, services, others } = containerTree(node.group);
      return [
        ...byName(bases).map((container): TreeNode => ({
          kind: 'container',
          container,
          group: node.group,
          snapshot: node.snapshot,
          services: byName(services.get(container.id) ?? []),
        })),
        ...byName(others).map((container): TreeNode => ({ kind: 'container', container, group: node.group, snapshot: node.snapshot })),
        ...byName(node.group.networks).map((network): TreeNode => ({
          kind: 'network',
          network,
          group: node.group,
          snapshot: node.snapshot,
        })),
      ];
    }
    case 'container':
      return (node.services ?? []).map((container): TreeNode => ({
        kind: 'container',
        container,
        group: node.group,
        snapshot: node.snapshot,
      }));
    case 'network':
      return foreignEndpoints(node.group, node.snapshot)
        .filter((f) => f.network.id === node.network.id)
        .map(({ endpoint, network }): TreeNode => ({
          kind: 'foreignEndpoint',
          endpoint,
          network,
          group: node.group,
          snapshot: node.snapshot,
        }));
    case 'blockedSection':
      return node.blocked.map((blocked): TreeNode => ({ kind: 'blocked', blocked, snapshot: node.snapshot }));
    case 'error': {
      const parentId = nodeId(node);
      return errorActions(node).map((a): TreeNode => ({ kind: 'action', parentId, ...a }));
    }
    case 'ignoredSetting': {
      const parentId = nodeId(node);
      return [
        { kind: 'action', parentId, label: Labels.openRemoteSettings, icon: 'gear', command: Commands.openSettings },
        {
          kind: 'action',
          parentId,
          label: `Copy Value ${node.setting.value.length > 40 ? `${node.setting.value.slice(0, 39)}…` : node.setting.value}`,
          icon: 'copy',
          command: Commands.copySettingValue,
          args: [node.setting.key, node.setting.value],
        },
      ];
    }
    default:
      return [];
  }
}
