// The one place that creates the extension's tree views.
import * as vscode from 'vscode';
import { TOPOLOGIES_VIEW_ID } from './constants';
import { Disposable } from './disposable';
import { TopologyTreeProvider, type TreeNode } from './tree/topologyTreeProvider';
import type { TopologyTreeModel } from './tree/topologyTreeModel';

export class Trees extends Disposable {
  readonly topologies: vscode.TreeView<TreeNode>;

  constructor(model: TopologyTreeModel) {
    super();
    const provider = this._register(new TopologyTreeProvider(model));
    this.topologies = this._register(
      vscode.window.createTreeView(TOPOLOGIES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }),
    );
    // Which DB and which daemon the view shows, always in sight: nobody should clean the wrong host.
    this._register(
      model.onDidChange(() => {
        const result = model.snapshot?.result;
        if (!result) return;
        const daemon = result.docker.ok ? ` · ${result.docker.value.daemon.name}` : '';
        this.topologies.description = `${result.dbSource}${daemon}`;
      }),
    );
  }
}

export function registerTrees(model: TopologyTreeModel): Trees {
  return new Trees(model);
}
