// What commands are given: the log, the model and the view. Built once in activate().
import type * as vscode from 'vscode';
import type { ReadOnlyDocuments } from './documents';
import type { Log } from './log';
import type { RemovalFlow } from './removalFlow';
import type { TopologyTreeModel } from './tree/topologyTreeModel';
import type { TreeNode } from './tree/nodes';

export interface Services {
  readonly log: Log;
  readonly model: TopologyTreeModel;
  readonly topologiesView: vscode.TreeView<TreeNode>;
  readonly removal: RemovalFlow;
  readonly secrets: vscode.SecretStorage;
  /**
   * Shows a network in the Topologies view and selects it: in the group of `prefix`, or (null)
   * under Foreign networks. False when it is no longer on Docker.
   */
  readonly revealNetwork: (networkId: string, prefix: string | null) => Promise<boolean>;
  /** Opens the view and selects the first problem (an error, a blocked topology, an orphan). */
  readonly revealFirstProblem: () => Promise<void>;
  /** Read-only editors: reports, `docker inspect`. */
  readonly documents: ReadOnlyDocuments;
}
