// Hands the nodes (nodes.ts) and their items (topologyTreeItems.ts) to VS Code. Holds no data of
// its own beyond the nodes it gave out, shows no notifications, does no I/O.
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { childNodes, nodeId, rootNodes, type TreeNode } from './nodes';
import type { ScanSnapshot } from './snapshot';
import { treeItemOf } from './topologyTreeItems';
import type { TopologyTreeModel } from './topologyTreeModel';

export type { TreeNode } from './nodes';

export class TopologyTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  /**
   * The nodes handed to VS Code since the last change, by id, with their parents: the same object
   * for the same id, so that `getParent` and `TreeView.reveal` work.
   */
  private _nodes = new Map<string, TreeNode>();
  private _parents = new Map<TreeNode, TreeNode | undefined>();
  /** What the tree shows, every row expanded, as of the last refresh handed to VS Code. */
  private _shown: string | undefined;

  constructor(private readonly model: TopologyTreeModel) {
    super();
    this._register(
      model.onDidChange(() => {
        // A refresh that shows exactly what is shown already changes nothing for VS Code: while
        // VS Code fetches a refreshed tree, a row right-clicked reaches its command as `undefined`
        // (its handle is gone), so the live view's many identical rescans must not refresh it.
        const previous = { nodes: this._nodes, parents: this._parents };
        this._nodes = new Map();
        this._parents = new Map();
        const signature = this.signature();
        if (signature === this._shown) {
          this._nodes = previous.nodes;
          this._parents = previous.parents;
          return;
        }
        this._shown = signature;
        this._nodes = new Map();
        this._parents = new Map();
        this._onDidChangeTreeData.fire(undefined);
      }),
    );
  }

  getChildren(node?: TreeNode): TreeNode[] {
    let children: TreeNode[];
    if (node) {
      children = childNodes(node);
    } else {
      if (!this.model.snapshot && this.model.failure === undefined) this.model.ensureLoaded();
      children = rootNodes(this.model);
    }
    return children.map((child) => this.intern(child, node));
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this._parents.get(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return treeItemOf(node);
  }

  /**
   * Everything the rows show (every row, expanded or not) and what their commands act on (the
   * scan's target and daemon): equal strings show the same tree.
   */
  private signature(): string {
    const snapshot = this.model.snapshot;
    const daemon = (s: ScanSnapshot) => (s.result.docker.ok ? s.result.docker.value.daemon.id : null);
    const parts: unknown[] = [
      snapshot?.target,
      snapshot && daemon(snapshot),
      snapshot?.fleet?.map((h) => [h.target, daemon(h)]),
      String(this.model.failure),
    ];
    const walk = (nodes: TreeNode[]): void => {
      for (const n of nodes) {
        const item = treeItemOf(n);
        parts.push([
          nodeId(n),
          item.label,
          item.description,
          item.tooltip,
          item.contextValue,
          item.iconPath,
          item.collapsibleState,
          item.command,
          item.accessibilityInformation,
        ]);
        walk(childNodes(n));
      }
    };
    walk(rootNodes(this.model));
    return JSON.stringify(parts);
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
        if (n.kind === 'host' || n.kind === 'section' || n.kind === 'foreignSection' || n.kind === 'group') {
          const found = walk(this.getChildren(n), anyGroup);
          if (found) return found;
        }
      }
      return undefined;
    };
    return walk(this.getChildren(), prefix === null) ?? walk(this.getChildren(), true);
  }
}
