// The one place that creates the extension's tree views.
import * as vscode from 'vscode';
import { TOPOLOGIES_VIEW_ID } from './constants';
import { Disposable } from './disposable';
import type { TreeNode } from './tree/nodes';
import { TopologyTreeProvider } from './tree/topologyTreeProvider';
import type { TopologyTreeModel } from './tree/topologyTreeModel';
import { fleetViewHeader, viewHeader } from './tree/labels';
import { statusOf } from './statusBar';

export class Trees extends Disposable {
  readonly topologies: vscode.TreeView<TreeNode>;
  private readonly provider: TopologyTreeProvider;
  /** A removal's progress, shown instead of the header while it runs. */
  private progress: string | undefined;

  constructor(private readonly model: TopologyTreeModel) {
    super();
    const provider = (this.provider = this._register(new TopologyTreeProvider(model)));
    this.topologies = this._register(
      vscode.window.createTreeView(TOPOLOGIES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true, canSelectMany: true }),
    );
    // Which DB and which daemon the view shows, always in sight (the view's description is hidden
    // when the container holds one view): nobody should clean the wrong host.
    this._register(model.onDidChange(() => this.showHeader()));
  }

  private showHeader(): void {
    if (this.progress !== undefined) {
      this.topologies.message = this.progress;
      return;
    }
    const snapshot = this.model.snapshot;
    if (!snapshot || snapshot.target.db.origin === 'none') {
      this.topologies.message = undefined;
      this.topologies.description = undefined;
      return;
    }
    const fleet = snapshot.fleet && snapshot.fleet.length > 1 ? snapshot.fleet : undefined;
    const header = fleet
      ? fleetViewHeader(snapshot.result, fleet.length, fleet.filter((h) => h.result.docker.ok).length)
      : viewHeader(snapshot.result);
    this.topologies.message = header;
    this.topologies.description = header;
  }

  /** Shows a removal's progress in the view's message; undefined puts the header back. */
  setProgress(text: string | undefined): void {
    this.progress = text;
    this.showHeader();
  }

  /**
   * Shows a network in the Topologies view and selects it: in the group of `prefix`, or (null)
   * under Foreign networks, where a network DECNET did not create is pinned for the purpose.
   */
  async revealNetwork(networkId: string, prefix: string | null): Promise<boolean> {
    if (prefix === null) {
      this.model.pinNetwork(networkId);
    }
    const node = this.provider.findNetwork(networkId, prefix);
    if (!node) {
      return false;
    }
    await vscode.commands.executeCommand(`${TOPOLOGIES_VIEW_ID}.focus`);
    await this.topologies.reveal(node, { select: true, focus: true, expand: true });
    return true;
  }

  /**
   * Opens the view and selects what the status bar's text leads with: the error it shows (the
   * Docker endpoint or the database), else the first orphan group, else the first blocked topology
   * (or network in a conflict), else the first misplaced group, else the first host not scanned.
   * In a swarm, every host's rows count, the master's first.
   */
  async revealFirstProblem(): Promise<void> {
    await vscode.commands.executeCommand(`${TOPOLOGIES_VIEW_ID}.focus`);
    const top = this.provider.getChildren();
    const hosts = top.filter((n) => n.kind === 'host');
    const under = hosts.flatMap((h) => this.provider.getChildren(h));
    const roots = [...top, ...under];
    const status = statusOf(this.model);
    const errorRow = (rows: TreeNode[]) => rows.find((n) => n.kind === 'error');
    const section = (kind: 'orphan' | 'misplaced') =>
      this.firstChild(roots, 'section', (n) => n.kind === 'section' && n.section === kind && n.groups.length > 0);
    const first = status.problem
      ? (errorRow(top) ?? errorRow(under))
      : status.orphans
        ? section('orphan')
        : status.conflicts
          ? (this.firstChild(roots, 'blockedSection') ?? this.firstChild(roots, 'foreignSection') ?? this.firstConflictGroup(roots))
          : status.swarm?.misplaced
            ? section('misplaced')
            : status.swarm?.hostsDown.length
              ? errorRow(under)
              : (errorRow(roots) ?? section('orphan'));
    if (first) await this.topologies.reveal(first, { select: true, focus: true, expand: true });
  }

  /** The first group one of whose networks is in a subnet conflict (with no other network). */
  private firstConflictGroup(roots: TreeNode[]): TreeNode | undefined {
    for (const s of roots.filter((n) => n.kind === 'section')) {
      const g = this.provider
        .getChildren(s)
        .find((n) => n.kind === 'group' && n.group.networks.some((net) => n.snapshot.conflictById.get(net.id)?.overlaps.length));
      if (g) return g;
    }
    return undefined;
  }

  private firstChild(roots: TreeNode[], kind: TreeNode['kind'], also: (n: TreeNode) => boolean = () => true): TreeNode | undefined {
    const parent = roots.find((n) => n.kind === kind && also(n));
    return parent ? this.provider.getChildren(parent)[0] : undefined;
  }
}

export function registerTrees(model: TopologyTreeModel): Trees {
  return new Trees(model);
}
