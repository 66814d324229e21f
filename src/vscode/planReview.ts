// A removal's plan reviewed in an editor, not in a modal: the whole plan as a read-only document
// (it scrolls, it can be searched), with the decision at its top (CodeLens: Remove N Resources,
// Save Plan…, Cancel) and in the editor's title bar. Nothing is removed until Remove is clicked;
// closing the document cancels. The removal's re-check runs after the decision, as always.
import * as vscode from 'vscode';
import type { RemovalPlan } from '../core/model';
import { plural } from '../core/removal/text';
import { ContextKeys, ReviewCommands } from './constants';
import { Disposable } from './disposable';

export const REVIEW_SCHEME = 'decnet-plan';

export type ReviewDecision = 'remove' | 'save' | 'cancel';

interface Pending {
  uri: vscode.Uri;
  text: string;
  count: number;
  canSave: boolean;
  decide: (d: ReviewDecision) => void;
}

/** What the review document says: the question, then the plan as the modal would list it. */
export function reviewText(question: string, detail: string): string {
  return [
    '# DECNET removal plan',
    '',
    question,
    '',
    'Nothing is removed until you choose **Remove** above; closing this document cancels.',
    '',
    '```text',
    detail,
    '```',
    '',
  ].join('\n');
}

export class PlanReviews extends Disposable implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider {
  private readonly pending = new Map<string, Pending>();
  private counter = 0;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(REVIEW_SCHEME, this));
    this._register(vscode.languages.registerCodeLensProvider({ scheme: REVIEW_SCHEME }, this));
    this._register(vscode.commands.registerCommand(ReviewCommands.remove, (uri?: vscode.Uri) => this.decide(uri, 'remove')));
    this._register(vscode.commands.registerCommand(ReviewCommands.save, (uri?: vscode.Uri) => this.decide(uri, 'save')));
    this._register(vscode.commands.registerCommand(ReviewCommands.cancel, (uri?: vscode.Uri) => this.decide(uri, 'cancel')));
    // Closing the document is Cancel.
    this._register(
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          if (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === REVIEW_SCHEME)
            this.settle(tab.input.uri.toString(), 'cancel');
        }
      }),
    );
    this._register({ dispose: () => [...this.pending.keys()].forEach((k) => this.settle(k, 'cancel')) });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.pending.get(uri.toString())?.text ?? 'This removal plan is no longer open for a decision: nothing was removed from it here.'
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const p = this.pending.get(document.uri.toString());
    if (!p) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: `$(trash) Remove ${plural(p.count, 'Resource')}`,
        command: ReviewCommands.remove,
        arguments: [p.uri],
      }),
      ...(p.canSave ? [new vscode.CodeLens(top, { title: '$(save) Save Plan…', command: ReviewCommands.save, arguments: [p.uri] })] : []),
      new vscode.CodeLens(top, { title: 'Cancel', command: ReviewCommands.cancel, arguments: [p.uri] }),
    ];
  }

  /**
   * Opens the plan for review and resolves with the decision: `remove` (the button), `save`
   * (Save Plan…), or `cancel` (the button, or the document closed).
   */
  async review(plan: RemovalPlan, question: string, detail: string, canSave: boolean): Promise<ReviewDecision> {
    const name = `decnet-plan-${plan.prefixes.length === 1 ? plan.prefixes[0] : `${plan.prefixes.length}-groups`}.md`;
    const uri = vscode.Uri.from({ scheme: REVIEW_SCHEME, path: `/${++this.counter}/${name}` });
    const decision = new Promise<ReviewDecision>((resolve) => {
      this.pending.set(uri.toString(), {
        uri,
        text: reviewText(question, detail),
        count: plan.containers.length + plan.networks.length,
        canSave,
        decide: resolve,
      });
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    await vscode.commands.executeCommand('setContext', ContextKeys.planReviewCanSave, canSave);
    return decision;
  }

  /** From the CodeLens (its document) or the title bar (the active editor's document). */
  private async decide(uri: vscode.Uri | undefined, d: ReviewDecision): Promise<void> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!target || !this.pending.has(target.toString())) {
      void vscode.window.showInformationMessage('This removal plan is no longer waiting for a decision.');
      return;
    }
    this.settle(target.toString(), d);
    // The decision is made: the document has nothing more to ask.
    const tab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === target.toString());
    if (tab) await vscode.window.tabGroups.close(tab);
  }

  private settle(key: string, d: ReviewDecision): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    p.decide(d);
  }
}
