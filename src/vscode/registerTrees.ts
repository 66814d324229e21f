// The one place that creates the extension's tree views.
import * as vscode from 'vscode';
import { TOPOLOGIES_VIEW_ID } from './constants';
import { Disposable } from './disposable';
import type { TreeNode } from './tree/nodes';
import { TopologyTreeProvider } from './tree/topologyTreeProvider';
import type { TopologyTreeModel } from './tree/topologyTreeModel';
import { fleetViewHeader, viewHeader } from './tree/labels';

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
   * Opens the view and selects the first problem: an error row (in a swarm, a host's too), else
   * the first blocked topology, else the first orphan group, else the first misplaced group, else
   * the first network in a conflict.
   */
  async revealFirstProblem(): Promise<void> {
    await vscode.commands.executeCommand(`${TOPOLOGIES_VIEW_ID}.focus`);
    const top = this.provider.getChildren();
    // In a swarm, the rows under each host (the master first) count as well.
    const roots = [...top, ...top.filter((n) => n.kind === 'host').flatMap((h) => this.provider.getChildren(h))];
    const first =
      roots.find((n) => n.kind === 'error') ??
      this.firstChild(roots, 'blockedSection') ??
      this.firstChild(roots, 'section', (n) => n.kind === 'section' && n.section === 'orphan' && n.groups.length > 0) ??
      this.firstChild(roots, 'section', (n) => n.kind === 'section' && n.section === 'misplaced' && n.groups.length > 0) ??
      this.firstChild(roots, 'foreignSection');
    if (first) await this.topologies.reveal(first, { select: true, focus: true, expand: true });
  }

  private firstChild(roots: TreeNode[], kind: TreeNode['kind'], also: (n: TreeNode) => boolean = () => true): TreeNode | undefined {
    const parent = roots.find((n) => n.kind === kind && also(n));
    return parent ? this.provider.getChildren(parent)[0] : undefined;
  }
}

export function registerTrees(model: TopologyTreeModel): Trees {
  return new Trees(model);
}

