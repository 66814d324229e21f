// The one place that creates the extension's tree views.
import * as vscode from 'vscode';
import { TOPOLOGIES_VIEW_ID } from './constants';
import { Disposable } from './disposable';
import type { TreeNode } from './tree/nodes';
import { TopologyTreeProvider } from './tree/topologyTreeProvider';
import type { TopologyTreeModel } from './tree/topologyTreeModel';

export class Trees extends Disposable {
  readonly topologies: vscode.TreeView<TreeNode>;
  private readonly provider: TopologyTreeProvider;

  constructor(private readonly model: TopologyTreeModel) {
    super();
    const provider = (this.provider = this._register(new TopologyTreeProvider(model)));
    this.topologies = this._register(
      vscode.window.createTreeView(TOPOLOGIES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }),
    );
    // Which DB and which daemon the view shows, always in sight: nobody should clean the wrong host.
    this._register(
      model.onDidChange(() => {
        const result = model.snapshot?.result;
        if (!result) return;
        const daemon = result.docker.ok ? ` · daemon ${result.docker.value.daemon.name} (${result.docker.value.daemon.id.slice(0, 14)}…)` : '';
        this.topologies.description = `${result.dbSource}${daemon}`;
      }),
    );
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
}

export function registerTrees(model: TopologyTreeModel): Trees {
  return new Trees(model);
}
