// Entry point: activate() only wires things up. The first scan happens when the view asks for it.
import type * as vscode from 'vscode';
import { ReadOnlyDocuments } from './documents';
import { LiveRefresh } from './liveRefresh';
import { Log } from './log';
import { PlanReviews } from './planReview';
import { registerCommands } from './registerCommands';
import { registerTrees } from './registerTrees';
import { RemovalFlow } from './removalFlow';
import { StatusBar } from './statusBar';
import { TopologyTreeModel } from './tree/topologyTreeModel';

export function activate(context: vscode.ExtensionContext): void {
  const log = new Log();
  const model = new TopologyTreeModel(log.for('scan'), context.secrets, context.globalStorageUri);
  const trees = registerTrees(model);
  const documents = new ReadOnlyDocuments();
  const reviews = new PlanReviews();
  const removal = new RemovalFlow(log, model, trees, documents, reviews);
  // Watches Docker and the database only while the view is visible.
  const live = new LiveRefresh(model, trees.topologies, log.for('live'));
  const statusBar = new StatusBar(model);
  // Disposed in reverse: commands, then the status bar and the watcher, the tree, the model, the log.
  context.subscriptions.push(log, documents, reviews, model, trees, live, statusBar);
  context.subscriptions.push(
    ...registerCommands({
      log,
      model,
      topologiesView: trees.topologies,
      removal,
      secrets: context.secrets,
      revealNetwork: (id, prefix) => trees.revealNetwork(id, prefix),
      revealFirstProblem: () => trees.revealFirstProblem(),
      documents,
    }),
  );
  log.for('extension').info('activated');
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
