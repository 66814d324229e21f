// Entry point: activate() only wires things up. The first scan happens when the view asks for it.
import type * as vscode from 'vscode';
import { Log } from './log';
import { registerCommands } from './registerCommands';
import { registerTrees } from './registerTrees';
import { RemovalFlow } from './removalFlow';
import { TopologyTreeModel } from './tree/topologyTreeModel';

export function activate(context: vscode.ExtensionContext): void {
  const log = new Log();
  const model = new TopologyTreeModel(log.for('scan'), context.secrets);
  const trees = registerTrees(model);
  const removal = new RemovalFlow(log, model, trees.topologies);
  // Disposed in reverse: commands, then the tree, then the model, then the log.
  context.subscriptions.push(log, model, trees);
  context.subscriptions.push(...registerCommands({ log, model, topologiesView: trees.topologies, removal, secrets: context.secrets }));
  log.for('extension').info('activated');
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
