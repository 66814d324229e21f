// The tree's nodes: what is shown, in which order, under which parent, and the id VS Code knows
// each one by. Pure (no `vscode` import), so it can be unit tested; topologyTreeItems.ts turns a
// node into a TreeItem, topologyTreeProvider.ts hands the nodes to VS Code.
import type { DbReadError, DockerUnavailableError, Group, NetworkInfo, OwnedContainer, OwnedNetwork, ScanResult } from '../../core/model';
import { conflictsOfScan, ownerOf, type NetworkConflict } from '../../core/overlaps';
import type { ScanTarget } from '../settings';
import { Commands } from '../constants';
import { Labels } from './labels';

/** One scan as the tree shows it: removal must use exactly `target`, since the plan shown was made from it. */
export interface ScanSnapshot {
  result: ScanResult;
  target: ScanTarget;
  finishedAt: Date;
  /** Networks whose pools overlap a LAN of a topology that is not torn down, or another pool. */
  conflicts: NetworkConflict[];
  /** The same conflicts by network id. */
  conflictById: ReadonlyMap<string, NetworkConflict>;
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
export function groupConflicts(group: Group, snapshot: ScanSnapshot): number {
  return group.networks.filter((n) => conflictOf(snapshot, n.id)).length;
}

export type SectionKind = 'live' | 'orphan' | 'unknown';
export type ErrorSource = 'db' | 'docker' | 'scan';

export type TreeNode =
  | { kind: 'loading' }
  | { kind: 'section'; section: SectionKind; groups: Group[]; snapshot: ScanSnapshot }
  /** Networks DECNET did not create that are in a subnet conflict, or that the user asked to see. */
  | { kind: 'foreignSection'; networks: NetworkInfo[]; snapshot: ScanSnapshot }
  | { kind: 'foreignNetwork'; network: NetworkInfo; snapshot: ScanSnapshot }
  | { kind: 'group'; group: Group; snapshot: ScanSnapshot }
  | { kind: 'container'; container: OwnedContainer; group: Group; snapshot: ScanSnapshot }
  | { kind: 'network'; network: OwnedNetwork; group: Group; snapshot: ScanSnapshot }
  | { kind: 'error'; source: 'db'; error: DbReadError }
  | { kind: 'error'; source: 'docker'; error: DockerUnavailableError }
  | { kind: 'error'; source: 'scan'; error: unknown }
  /** The database read torn just now: the tree below is the last good scan, and a retry is due. */
  | { kind: 'dbBusy'; since: number; error: DbReadError; shownAt: Date }
  | { kind: 'action'; parentId: string; label: string; icon: string; command: string; args?: unknown[] };

export type NodeOf<K extends TreeNode['kind']> = Extract<TreeNode, { kind: K }>;

/** The id VS Code knows a node by: its TreeItem's `id`. The one place ids are made. */
export function nodeId(node: TreeNode): string {
  switch (node.kind) {
    case 'loading':
    case 'dbBusy':
      return node.kind;
    case 'error':
      return `error/${node.source}`;
    case 'section':
      return `section/${node.section}`;
    case 'foreignSection':
      return 'section/foreign';
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
  const nodes: TreeNode[] = [];
  if (state.dbBusy) nodes.push({ kind: 'dbBusy', since: state.dbBusy.since, error: state.dbBusy.error, shownAt: snapshot.finishedAt });
  if (!result.db.ok) nodes.push({ kind: 'error', source: 'db', error: result.db.error });
  if (!result.docker.ok) {
    nodes.push({ kind: 'error', source: 'docker', error: result.docker.error });
    return nodes;
  }
  const of = (state: Group['state']) => result.groups.filter((g) => g.state === state);
  const unknown = of('unknown');
  if (result.db.ok) {
    nodes.push({ kind: 'section', section: 'live', groups: of('live'), snapshot });
    nodes.push({ kind: 'section', section: 'orphan', groups: of('orphan'), snapshot });
  }
  if (!result.db.ok || unknown.length) {
    nodes.push({ kind: 'section', section: 'unknown', groups: unknown, snapshot });
  }
  const foreign = result.docker.value.networks.filter(
    (n) => ownerOf(n, undefined).state === 'foreign' && (conflictOf(snapshot, n.id) || state.pinnedNetworks.has(n.id)),
  );
  if (foreign.length) nodes.push({ kind: 'foreignSection', networks: foreign, snapshot });
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
    { label: Labels.openSettings, icon: 'gear', command: Commands.openSettings },
    { label: Labels.showOutput, icon: 'output', command: Commands.showOutput },
  ],
  scan: [{ label: Labels.showOutput, icon: 'output', command: Commands.showOutput }],
};

export function childNodes(node: TreeNode): TreeNode[] {
  switch (node.kind) {
    case 'section':
      return node.groups.map((group) => ({ kind: 'group', group, snapshot: node.snapshot }));
    case 'foreignSection':
      return byName(node.networks).map((network): TreeNode => ({ kind: 'foreignNetwork', network, snapshot: node.snapshot }));
    case 'group':
      return [
        ...byName(node.group.containers).map(
          (container): TreeNode => ({ kind: 'container', container, group: node.group, snapshot: node.snapshot }),
        ),
        ...byName(node.group.networks).map((network): TreeNode => ({ kind: 'network', network, group: node.group, snapshot: node.snapshot })),
      ];
    case 'error': {
      const parentId = nodeId(node);
      return ERROR_ACTIONS[node.source].map((a): TreeNode => ({ kind: 'action', parentId, ...a }));
    }
    default:
      return [];
  }
}

/** For commands run from the tree: the group under the cursor, if the argument is one. */
export function asGroupNode(arg: unknown): NodeOf<'group'> | undefined {
  const node = arg as Partial<TreeNode> | undefined;
  return node && typeof node === 'object' && node.kind === 'group' ? (node as NodeOf<'group'>) : undefined;
}
