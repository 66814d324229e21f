// The one destructive flow: fresh scan → plan → modal confirmation (and, for a torn-down
// topology's leftovers, the prefix typed) → removal with progress in the view → report to the
// output channel → one summary message → refresh.
import * as vscode from 'vscode';
import type { ScanResult } from '../core/model';
import { executeRemoval, planRemoval, RefusedError, type RemovalMode, type RemovalPlan } from '../core/reaper';
import { formatPlan, formatReport, summarizeReport, type ReapReport } from '../core/report';
import { REMOVE_ACTION, SHOW_REPORT_ACTION, TOPOLOGIES_VIEW_ID } from './constants';
import { describeError, type ComponentLog, type Log } from './log';
import { showErrorWithOutput } from './notify';
import { confirmMessage, confirmTornDownMessage, isTornDown, leftoverCount, plural } from './tree/labels';
import type { ScanSnapshot, TopologyTreeModel } from './tree/topologyTreeModel';
import type { TreeNode } from './tree/topologyTreeProvider';

export type RemovalRequest =
  /** These prefixes, as chosen in the tree. */
  | { kind: 'prefixes'; prefixes: string[] }
  /** Every orphan prefix of the fresh scan. */
  | { kind: 'allOrphans' }
  /** Let the user pick among the orphan prefixes of the fresh scan. */
  | { kind: 'pick' }
  /** The leftovers of a torn_down topology: this prefix, or one the user picks. */
  | { kind: 'tornDown'; prefix?: string };

export class RemovalFlow {
  private busy = false;
  private readonly log: ComponentLog;

  constructor(
    private readonly output: Log,
    private readonly model: TopologyTreeModel,
    private readonly view: vscode.TreeView<TreeNode>,
  ) {
    this.log = output.for('reaper');
  }

  async run(request: RemovalRequest): Promise<void> {
    if (this.busy) {
      void vscode.window.showInformationMessage('A DECNET removal is already running. Wait for its report.');
      return;
    }
    this.busy = true;
    try {
      await this.runExclusive(request);
    } finally {
      this.busy = false;
    }
  }

  private async runExclusive(request: RemovalRequest): Promise<void> {
    // Never plan from what the tree showed a while ago.
    const snapshot = await this.model.refresh();
    if (!snapshot) {
      this.refuse('Scanning DECNET and Docker failed, so nothing was removed.');
      return;
    }
    const { result } = snapshot;
    if (!this.canClassify(result)) {
      return;
    }
    const prefixes = await this.prefixesFor(request, result);
    if (!prefixes) {
      return;
    }

    const mode: RemovalMode = request.kind === 'tornDown' ? 'tornDown' : 'orphan';
    let plan: RemovalPlan;
    try {
      plan = planRemoval(result, prefixes, { mode });
    } catch (e) {
      if (e instanceof RefusedError) {
        this.refuse(e.message);
        return;
      }
      throw e;
    }
    const detail = formatPlan(plan);
    this.log.info(`asking to confirm:\n${detail}`);

    const message = mode === 'tornDown' ? confirmTornDownMessage(plan) : confirmMessage(plan);
    const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, REMOVE_ACTION);
    if (choice !== REMOVE_ACTION) {
      this.log.info(`cancelled; nothing removed (${plan.prefixes.join(', ')})`);
      return;
    }
    if (mode === 'tornDown' && !(await this.prefixTyped(plan))) {
      this.log.info(`cancelled at the typed confirmation; nothing removed (${plan.prefixes.join(', ')})`);
      return;
    }

    const report = await this.execute(plan, snapshot);
    if (!report) {
      return;
    }
    this.log.info(`report:\n${formatReport(report)}`);
    const summary = summarizeReport(report);
    const shown =
      report.errors.length > 0
        ? vscode.window.showWarningMessage(summary, SHOW_REPORT_ACTION)
        : vscode.window.showInformationMessage(summary, SHOW_REPORT_ACTION);
    void shown.then((pick) => {
      if (pick === SHOW_REPORT_ACTION) {
        this.output.show();
      }
    });
  }

  /**
   * The stronger confirmation for a torn-down topology's leftovers (its row stays in DECNET's
   * database, so nothing there tells it apart from a topology in use but its status): the user
   * types the prefix.
   */
  private async prefixTyped(plan: RemovalPlan): Promise<boolean> {
    const expected = plan.prefixes.join(' ');
    const names = (plan.topologies ?? []).map((t) => t.name).join(', ');
    const typed = await vscode.window.showInputBox({
      title: 'Remove Leftovers of Torn-Down Topology',
      prompt: `Type ${expected} to remove the leftovers of ${names}: ${plural(plan.containers.length, 'container')} and ${plural(plan.networks.length, 'network')}.`,
      placeHolder: expected,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() === expected ? undefined : `Type ${expected} exactly to confirm.`),
    });
    return typed?.trim() === expected;
  }

  /** Nothing is an orphan unless both reads succeeded: say why and stop otherwise. */
  private canClassify(result: ScanResult): boolean {
    const problems: string[] = [];
    if (!result.docker.ok) {
      const e = result.docker.error;
      problems.push(`cannot connect to Docker at ${e.endpoint}. ${e.message}`);
    }
    if (!result.db.ok) {
      const e = result.db.error;
      problems.push(`the DECNET database cannot be read (${e.kind}), so no topology can be called an orphan. ${e.message}`);
    }
    if (problems.length) {
      this.refuse(`Nothing was removed: ${problems.join(' Also, ')}`);
      return false;
    }
    return true;
  }

  private async prefixesFor(request: RemovalRequest, result: ScanResult): Promise<string[] | undefined> {
    switch (request.kind) {
      case 'prefixes':
        return request.prefixes;
      case 'tornDown': {
        if (request.prefix) {
          return [request.prefix];
        }
        const tornDown = result.groups.filter(isTornDown);
        if (!tornDown.length) {
          const message = `No torn-down DECNET topology has leftovers on ${result.dockerEndpoint}.`;
          this.log.info(message);
          void vscode.window.showInformationMessage(message);
          return undefined;
        }
        const picked = await vscode.window.showQuickPick(
          tornDown.map((g) => ({
            label: g.prefix,
            description: `${g.topology?.name} · ${plural(leftoverCount(g), 'leftover')}`,
          })),
          {
            title: 'Remove Leftovers of Torn-Down Topology',
            placeHolder: 'Torn-down topology whose leftovers to remove (you confirm the exact list next)',
          },
        );
        return picked ? [picked.label] : undefined;
      }
      case 'allOrphans':
      case 'pick': {
        if (result.orphanPrefixes.length === 0) {
          const message = `No orphan DECNET topologies on ${result.dockerEndpoint}: every prefix found there is in the database.`;
          this.log.info(message);
          void vscode.window.showInformationMessage(message);
          return undefined;
        }
        if (request.kind === 'allOrphans') {
          return result.orphanPrefixes;
        }
        const items = result.groups
          .filter((g) => g.state === 'orphan')
          .map((g) => ({
            label: g.prefix,
            description: `${plural(g.containers.length, 'container')} · ${plural(g.networks.length, 'network')}`,
          }));
        const picked = await vscode.window.showQuickPick(items, {
          title: 'Force Remove Orphan Group',
          placeHolder: 'Orphan prefix to remove (you confirm the exact list next)',
        });
        return picked ? [picked.label] : undefined;
      }
    }
  }

  private async execute(plan: RemovalPlan, snapshot: ScanSnapshot): Promise<ReapReport | undefined> {
    const what =
      plan.prefixes.length === 1
        ? plan.prefixes[0]
        : plan.mode === 'tornDown'
          ? plural(plan.prefixes.length, 'torn-down topology', 'torn-down topologies')
          : plural(plan.prefixes.length, 'orphan topology', 'orphan topologies');
    this.log.info(`removing ${plan.prefixes.join(', ')} from ${plan.dockerEndpoint}`);
    try {
      return await vscode.window.withProgress(
        { location: { viewId: TOPOLOGIES_VIEW_ID }, title: `Removing ${what}` },
        () =>
          executeRemoval(plan, {
            // Exactly what the confirmed plan was made from, even if the settings changed since.
            db: snapshot.target.options.db,
            dockerHost: snapshot.target.options.dockerHost,
            onProgress: (p) => {
              this.log.info(`${p.done}/${p.total} ${p.message}`);
              this.view.message = `Removing ${what}: ${p.done}/${p.total} · ${p.message}`;
            },
          }),
      );
    } catch (e) {
      if (e instanceof RefusedError) {
        this.refuse(e.message);
      } else {
        this.log.error(`removal failed: ${describeError(e)}`);
        showErrorWithOutput(this.output, `Removing ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      return undefined;
    } finally {
      this.view.message = undefined;
      void this.model.refresh();
    }
  }

  private refuse(message: string): void {
    this.log.warn(`refused: ${message}`);
    showErrorWithOutput(this.output, message);
  }
}
