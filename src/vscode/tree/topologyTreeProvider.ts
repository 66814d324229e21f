// Renders the model as a tree. Holds no data of its own, shows no notifications, does no I/O.
import * as vscode from 'vscode';
import type { DbReadError, DockerUnavailableError, Group, NetworkInfo, OwnedContainer, OwnedNetwork } from '../../core/model';
import { ownerOf, type NetworkConflict } from '../../core/overlaps';
import { Commands, ContextValues } from '../constants';
import { Disposable } from '../disposable';
import * as L from './labels';
import type { ScanSnapshot, TopologyTreeModel } from './topologyTreeModel';

type SectionKind = 'live' | 'orphan' | 'unknown';

export type TreeNode =
  | { kind: 'loading' }
  | { kind: 'section'; section: SectionKind; groups: Group[]; snapshot: ScanSnapshot }
  /** Networks DECNET did not create that are in a subnet conflict, or that the user asked to see. */
  | { kind: 'foreignSection'; networks: NetworkInfo[]; snapshot: ScanSnapshot }
  | { kind: 'foreignNetwork'; network: NetworkInfo; snapshot: ScanSnapshot }
  | { kind: 'group'; group: Group; snapshot: ScanSnapshot }
  | { kind: 'container'; container: OwnedContainer; group: Group; snapshot: ScanSnapshot }
  | { kind: 'network'; network: OwnedNetwork; group: Group; snapshot: ScanSnapshot }
  | { kind: 'dbError'; error: DbReadError }
  /** The database read torn just now: the tree below is the last good scan, and a retry is due. */
  | { kind: 'dbBusy'; since: number; error: DbReadError; shownAt: Date }
  | { kind: 'dockerError'; error: DockerUnavailableError }
  | { kind: 'scanFailed'; error: unknown }
  | { kind: 'action'; parentId: string; label: string; icon: string; command: vscode.Command };

/** The id VS Code knows a node by: the same as its TreeItem's `id`. */
export function nodeId(node: TreeNode): string {
  switch (node.kind) {
    case 'loading':
    case 'dbBusy':
    case 'dbError':
    case 'dockerError':
    case 'scanFailed':
      return node.kind;
    case 'section':
      return `section/${node.section}`;
    case 'foreignSection':
      return 'section/foreign';
    case 'group':
      return `group/${node.group.state}/${node.group.prefix}`;
    case 'container':
      return `group/${node.group.state}/${node.group.prefix}/container/${node.container.id}`;
    case 'network':
      return `group/${node.group.state}/${node.group.prefix}/network/${node.network.id}`;
    case 'foreignNetwork':
      return `foreign/network/${node.network.id}`;
    case 'action':
      return `${node.parentId}/${node.command.command}`;
  }
}

/** The conflicts of a snapshot by network id, computed once per snapshot. */
const conflictIndex = new WeakMap<ScanSnapshot, Map<string, NetworkConflict>>();
function conflictOf(snapshot: ScanSnapshot, networkId: string): NetworkConflict | undefined {
  let index = conflictIndex.get(snapshot);
  if (!index) {
    index = new Map(snapshot.conflicts.map((c) => [c.network.id, c]));
    conflictIndex.set(snapshot, index);
  }
  return index.get(networkId);
}

/** How many of a group's networks are in a subnet conflict. */
function groupConflicts(group: Group, snapshot: ScanSnapshot): number {
  return group.networks.filter((n) => conflictOf(snapshot, n.id)?.overlaps.length).length;
}

/** For commands run from the tree: the group under the cursor, if the argument is one. */
export function asGroupNode(arg: unknown): Extract<TreeNode, { kind: 'group' }> | undefined {
  const node = arg as Partial<TreeNode> | undefined;
  return node && typeof node === 'object' && node.kind === 'group' ? (node as Extract<TreeNode, { kind: 'group' }>) : undefined;
}

function icon(id: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

function markdown(text: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(text);
  m.isTrusted = false;
  m.supportHtml = false;
  return m;
}

function action(parentId: string, label: string, iconId: string, command: string, args?: unknown[]): TreeNode {
  return { kind: 'action', parentId, label, icon: iconId, command: { command, title: label, arguments: args } };
}

function byName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}

export class TopologyTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  /**
   * The nodes handed to VS Code since the last change, by id, with their parents: the same object
   * for the same id, so that `getParent` and `TreeView.reveal` work.
   */
  private _nodes = new Map<string, TreeNode>();
  private _parents = new Map<TreeNode, TreeNode | undefined>();

  constructor(private readonly model: TopologyTreeModel) {
    super();
    this._register(
      model.onDidChange(() => {
        this._nodes = new Map();
        this._parents = new Map();
        this._onDidChangeTreeData.fire(undefined);
      }),
    );
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return this.children(node).map((child) => this.intern(child, node));
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this._parents.get(node);
  }

  private intern(node: TreeNode, parent: TreeNode | undefined): TreeNode {
    const id = nodeId(node);
    const known = this._nodes.get(id);
    if (known) {
      return known;
    }
    this._nodes.set(id, node);
    this._parents.set(node, parent);
    return node;
  }

  /**
   * The node of a network, for `TreeView.reveal`: in the group of `prefix` when given (else the
   * first group that holds it), or under Foreign networks. Walks the tree as VS Code would.
   */
  findNetwork(networkId: string, prefix: string | null): TreeNode | undefined {
    const walk = (nodes: TreeNode[], anyGroup: boolean): TreeNode | undefined => {
      for (const n of nodes) {
        if (n.kind === 'foreignNetwork' && n.network.id === networkId) return n;
        if (n.kind === 'network' && n.network.id === networkId && (anyGroup || n.group.prefix === prefix)) return n;
        if (n.kind === 'section' || n.kind === 'foreignSection' || n.kind === 'group') {
          const found = walk(this.getChildren(n), anyGroup);
          if (found) return found;
        }
      }
      return undefined;
    };
    return walk(this.getChildren(), prefix === null) ?? walk(this.getChildren(), true);
  }

  private children(node?: TreeNode): TreeNode[] {
    if (!node) {
      return this.rootNodes();
    }
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
          ...byName(node.group.networks).map(
            (network): TreeNode => ({ kind: 'network', network, group: node.group, snapshot: node.snapshot }),
          ),
        ];
      case 'dbError':
        return [
          action('dbError', L.Labels.selectDatabase, 'database', Commands.selectDatabase),
          action('dbError', L.Labels.openSettings, 'gear', Commands.openSettings),
          action('dbError', L.Labels.showOutput, 'output', Commands.showOutput),
        ];
      case 'dockerError':
        return [
          action('dockerError', L.Labels.openSettings, 'gear', Commands.openSettings),
          action('dockerError', L.Labels.showOutput, 'output', Commands.showOutput),
        ];
      case 'scanFailed':
        return [action('scanFailed', L.Labels.showOutput, 'output', Commands.showOutput)];
      default:
        return [];
    }
  }

  private rootNodes(): TreeNode[] {
    const snapshot = this.model.snapshot;
    if (!snapshot) {
      if (this.model.failure !== undefined) {
        return [{ kind: 'scanFailed', error: this.model.failure }];
      }
      this.model.ensureLoaded();
      return [{ kind: 'loading' }];
    }
    if (snapshot.target.db.origin === 'none') {
      // Empty on purpose: the view's welcome content (context key decnet.noDatabase) takes over.
      return [];
    }
    const { result } = snapshot;
    const nodes: TreeNode[] = [];
    const busy = this.model.dbBusy;
    if (busy) nodes.push({ kind: 'dbBusy', since: busy.since, error: busy.error, shownAt: snapshot.finishedAt });
    if (!result.db.ok) {
      nodes.push({ kind: 'dbError', error: result.db.error });
    }
    if (!result.docker.ok) {
      nodes.push({ kind: 'dockerError', error: result.docker.error });
      return nodes;
    }
    const live = result.groups.filter((g) => g.state === 'live');
    const orphan = result.groups.filter((g) => g.state === 'orphan');
    const unknown = result.groups.filter((g) => g.state === 'unknown');
    if (result.db.ok) {
      nodes.push({ kind: 'section', section: 'live', groups: live, snapshot });
      nodes.push({ kind: 'section', section: 'orphan', groups: orphan, snapshot });
    }
    if (!result.db.ok || unknown.length) {
      nodes.push({ kind: 'section', section: 'unknown', groups: unknown, snapshot });
    }
    const foreign = result.docker.value.networks.filter(
      (n) =>
        ownerOf(n, undefined).state === 'foreign' &&
        (conflictOf(snapshot, n.id)?.overlaps.length || this.model.pinnedNetworks.has(n.id)),
    );
    if (foreign.length) {
      nodes.push({ kind: 'foreignSection', networks: foreign, snapshot });
    }
    return nodes;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'loading': {
        const item = new vscode.TreeItem(L.Labels.loading);
        item.id = 'loading';
        item.iconPath = icon('loading~spin');
        item.contextValue = ContextValues.loading;
        return item;
      }
      case 'section':
        return this.sectionItem(node.section, node.groups, node.snapshot);
      case 'foreignSection': {
        const item = new vscode.TreeItem(
          L.sectionLabel(L.Labels.foreignNetworks, node.networks.length),
          vscode.TreeItemCollapsibleState.Expanded,
        );
        item.id = nodeId(node);
        item.contextValue = ContextValues.foreignSection;
        const conflicts = node.networks.filter((n) => conflictOf(node.snapshot, n.id)?.overlaps.length).length;
        item.iconPath = conflicts ? icon('warning', 'list.warningForeground') : icon('type-hierarchy');
        if (conflicts) item.description = L.conflictCount(conflicts);
        item.tooltip = L.foreignSectionTooltip();
        return item;
      }
      case 'foreignNetwork': {
        const conflict = conflictOf(node.snapshot, node.network.id);
        const item = new vscode.TreeItem(node.network.name);
        item.id = nodeId(node);
        item.description = L.foreignNetworkDescription(node.network, conflict);
        item.tooltip = markdown(L.foreignNetworkTooltip(node.network, conflict));
        item.iconPath = conflict?.overlaps.length ? icon('warning', 'list.warningForeground') : icon('type-hierarchy');
        item.contextValue = ContextValues.foreignNetwork;
        return item;
      }
      case 'group':
        return this.groupItem(node.group, node.snapshot);
      case 'container':
        return this.containerItem(node.container, node.group, node.snapshot);
      case 'network':
        return this.networkItem(node.network, node.group, node.snapshot);
      case 'dbBusy': {
        const item = new vscode.TreeItem(L.Labels.dbBusy);
        item.id = 'dbBusy';
        item.description = L.dbBusyDescription(node.shownAt);
        item.tooltip = L.dbBusyTooltip(node.error.message, node.since, node.shownAt);
        item.iconPath = icon('sync~spin');
        item.contextValue = ContextValues.dbBusy;
        return item;
      }
      case 'dbError': {
        const label = node.error.kind === 'not-configured' ? L.Labels.dbNotConfigured : L.Labels.dbError;
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = 'dbError';
        item.description = node.error.kind;
        item.tooltip = node.error.message;
        item.iconPath = icon('error', 'list.errorForeground');
        item.contextValue = ContextValues.dbError;
        return item;
      }
      case 'dockerError': {
        const item = new vscode.TreeItem(L.Labels.dockerError, vscode.TreeItemCollapsibleState.Expanded);
        item.id = 'dockerError';
        item.description = node.error.endpoint;
        item.tooltip = node.error.message;
        item.iconPath = icon('error', 'list.errorForeground');
        item.contextValue = ContextValues.dockerError;
        return item;
      }
      case 'scanFailed': {
        const item = new vscode.TreeItem(L.Labels.scanFailed, vscode.TreeItemCollapsibleState.Expanded);
        item.id = 'scanFailed';
        const message = node.error instanceof Error ? node.error.message : String(node.error);
        item.description = message;
        item.tooltip = message;
        item.iconPath = icon('error', 'list.errorForeground');
        item.contextValue = ContextValues.scanFailed;
        return item;
      }
      case 'action': {
        const item = new vscode.TreeItem(node.label);
        item.id = `${node.parentId}/${node.command.command}`;
        item.iconPath = icon(node.icon);
        item.command = node.command;
        item.contextValue = ContextValues.action;
        return item;
      }
    }
  }

  private sectionItem(section: SectionKind, groups: Group[], snapshot: ScanSnapshot): vscode.TreeItem {
    const { result, target } = snapshot;
    const title = section === 'live' ? L.Labels.live : section === 'orphan' ? L.Labels.orphans : L.Labels.notClassified;
    const item = new vscode.TreeItem(L.sectionLabel(title, groups.length), vscode.TreeItemCollapsibleState.Expanded);
    item.id = `section/${section}`;
    switch (section) {
      case 'live':
        item.contextValue = ContextValues.liveSection;
        item.iconPath = icon('pass');
        item.tooltip = markdown(L.liveSectionTooltip(result.dbSource, target.db.origin, L.dockerWithDaemon(result)));
        break;
      case 'orphan':
        item.contextValue = ContextValues.orphanSection;
        item.iconPath = groups.length ? icon('warning', 'list.warningForeground') : icon('pass');
        item.tooltip = markdown(L.orphanSectionTooltip(result.dbSource, L.dockerWithDaemon(result)));
        break;
      case 'unknown':
        item.contextValue = ContextValues.unknownSection;
        item.iconPath = icon('question');
        item.tooltip = L.Labels.notClassifiedTooltip;
        break;
    }
    return item;
  }

  private groupItem(group: Group, snapshot: ScanSnapshot): vscode.TreeItem {
    const { result } = snapshot;
    const collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    let item: vscode.TreeItem;
    const conflicts = groupConflicts(group, snapshot);
    switch (group.state) {
      case 'live':
        item = new vscode.TreeItem(L.liveGroupLabel(group), collapsed);
        if (L.isTornDown(group)) {
          // DECNET keeps the row, so it is live; but what is left of it holds its subnets.
          item.description = L.withConflicts(L.tornDownGroupDescription(group), conflicts);
          item.contextValue = ContextValues.tornDownGroup;
          item.iconPath = icon('history', 'list.warningForeground');
          item.tooltip = markdown(L.tornDownGroupTooltip(group, result.dbSource, result.dockerEndpoint));
        } else {
          item.description = L.withConflicts(L.liveGroupDescription(group), conflicts);
          item.contextValue = ContextValues.liveGroup;
          item.iconPath = icon('vm-running');
          item.tooltip = markdown(L.liveGroupTooltip(group, result.dbSource));
        }
        break;
      case 'orphan':
        item = new vscode.TreeItem(group.prefix, collapsed);
        item.description = L.withConflicts(L.groupCountsDescription(group), conflicts);
        item.contextValue = ContextValues.orphanGroup;
        item.iconPath = icon('trash', 'list.warningForeground');
        item.tooltip = markdown(L.orphanGroupTooltip(group, result.dbSource, result.dockerEndpoint));
        break;
      default:
        item = new vscode.TreeItem(group.prefix, collapsed);
        item.description = L.withConflicts(L.groupCountsDescription(group), conflicts);
        item.contextValue = ContextValues.unknownGroup;
        item.iconPath = icon('question');
        item.tooltip = markdown(L.unknownGroupTooltip(group));
        break;
    }
    if (conflicts) {
      // One of its networks blocks a topology's subnet (the network says which).
      item.iconPath = icon('warning', 'list.warningForeground');
    }
    item.id = `group/${group.state}/${group.prefix}`;
    return item;
  }

  private containerItem(c: OwnedContainer, group: Group, snapshot: ScanSnapshot): vscode.TreeItem {
    const live = snapshot.result.livePrefixes;
    const item = new vscode.TreeItem(c.name);
    item.id = `group/${group.state}/${group.prefix}/container/${c.id}`;
    item.description = L.containerDescription(c, group, live);
    item.tooltip = markdown(L.containerTooltip(c, group, live));
    item.iconPath = icon(c.state === 'running' ? 'vm-active' : 'vm-outline');
    item.contextValue = ContextValues.container;
    return item;
  }

  private networkItem(n: OwnedNetwork, group: Group, snapshot: ScanSnapshot): vscode.TreeItem {
    const live = snapshot.result.livePrefixes;
    const conflict = conflictOf(snapshot, n.id);
    const item = new vscode.TreeItem(n.name);
    item.id = `group/${group.state}/${group.prefix}/network/${n.id}`;
    item.description = L.networkDescription(n, group, live, conflict);
    item.tooltip = markdown(L.networkTooltip(n, group, live, conflict));
    item.iconPath = conflict?.overlaps.length ? icon('warning', 'list.warningForeground') : icon('type-hierarchy');
    item.contextValue = ContextValues.network;
    return item;
  }
}
