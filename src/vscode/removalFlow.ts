// The editor's side of a removal. The session in core runs it (fresh read → plan → confirm →
// re-check → remove → verify → report); this supplies how the editor asks (Quick Pick, modal,
// the prefix typed for a torn-down topology's leftovers), shows progress in the view, and tells
// the outcome (output channel, one summary message, refresh).
import * as vscode from 'vscode';
import type { ReapReport, RemovalMode, RemovalPlan, ScanResult } from '../core/model';
import {
  runRemovalSession,
  SCAN_FAILED,
  type PrefixChoice,
  type RemovalAsker,
  type RemovalOutcome,
  type RemovalProgressSink,
  type RemovalRequest as SessionRequest,
} from '../core/removal/session';
import { confirmDetail, formatReport, formatReportText, removalSubject, reportJson } from '../core/removal/text';
import type { ScanOptions } from '../core/scan';
import { MASTER_NAME, readForMisplaced, runsAtHome, uncheckedHomes, uncheckedHomesRefusal } from '../core/fleet';
import type { ScanFn } from '../core/removal/execute';
import { readFleetEndpoints, readFleetTimeoutMs } from './settings';
import type { DockerEndpoint } from '../core/dockerEndpoint';
import { conflictsOfScan, freedBy } from '../core/overlaps';
import { SAVE_PLAN_ACTION, savePlanFile } from './savePlan';
import { editorAuditTarget } from './settings';
import { REMOVE_ACTION, REVIEW_ACTION, SHOW_REPORT_ACTION, TOPOLOGIES_VIEW_ID } from './constants';
import type { ReadOnlyDocuments } from './documents';
import type { PlanReviews } from './planReview';
import { describeError, type ComponentLog, type Log } from './log';
import { fixesFor, showErrorWithOutput } from './notify';
import type { Trees } from './registerTrees';
import { orphanGroupDescription } from './tree/labels';
import type { ScanSnapshot } from './tree/snapshot';
import type { ShownHost } from './tree/rowArgs';
import type { TopologyTreeModel } from './tree/topologyTreeModel';

export type RemovalRequest =
  /** These prefixes, as chosen in the tree (in a swarm, on the host named). */
  | { kind: 'prefixes'; prefixes: string[]; host?: ShownHost }
  /** Every orphan prefix of the fresh scan (in a swarm, of the host named). */
  | { kind: 'allOrphans'; host?: ShownHost }
  /** Let the user pick among the orphan prefixes of the fresh scan. */
  | { kind: 'pick' }
  /** The leftovers of torn_down topologies: these prefixes, or one the user picks. */
  | { kind: 'tornDown'; prefixes?: string[]; host?: ShownHost }
  /** Topologies found on a swarm host they do not belong on: these prefixes of that host's scan. */
  | { kind: 'misplaced'; prefixes: string[]; host: ShownHost }
  /** A plan file's plan, on the plan's own database and endpoint (Apply Plan…). */
  | { kind: 'plan'; plan: RemovalPlan; target: ScanOptions };

const TITLES: Record<RemovalMode, { title: string; placeHolder: string }> = {
  orphan: { title: 'Force Remove Orphan Group', placeHolder: 'Orphan prefix to remove (you confirm the exact list next)' },
  tornDown: {
    title: 'Remove Leftovers of Torn-Down Topology',
    placeHolder: 'Torn-down topology whose leftovers to remove (you confirm the exact list next)',
  },
  misplaced: {
    title: 'Remove Misplaced Topology Group',
    placeHolder: 'Misplaced topology whose resources to remove from this host (you confirm the exact list next)',
  },
};

export class RemovalFlow {
  private busy = false;
  private readonly log: ComponentLog;

  constructor(
    private readonly output: Log,
    private readonly model: TopologyTreeModel,
    private readonly trees: Pick<Trees, 'setProgress'>,
    private readonly documents: ReadOnlyDocuments,
    private readonly reviews: PlanReviews,
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
    // Never plan from what the tree showed a while ago: the tree shows the read the plan is made from.
    // A plan file's plan is read afresh by the session, on the plan's own target.
    // In a swarm, the host as its row showed it: the removal refuses another endpoint or daemon.
    const shownHost = 'host' in request ? request.host : undefined;
    const hostName = shownHost?.name;
    const fresh = request.kind === 'plan' ? undefined : await this.model.refresh();
    if (!fresh && request.kind !== 'plan') {
      this.refuse(SCAN_FAILED, undefined);
      return;
    }
    // In a swarm, a removal not made from a host's row acts on the master, at its endpoint in the fleet.
    let snapshot = fresh?.fleet && !hostName ? fresh.fleet[0] : fresh;
    let expectedDaemonId: string | undefined;
    /** For a misplaced removal: whether a host each prefix belongs on holds something of it. */
    let homeHolds: Record<string, boolean> | undefined;
    if (hostName && fresh) {
      if (!fresh.fleet) {
        const why = fresh.result.db.ok
          ? 'the database has no swarm hosts now'
          : `the database cannot be read: ${fresh.result.db.error.message}`;
        this.refuse(`Nothing was removed from host ${hostName}: ${why}.`, fresh.result);
        return;
      }
      snapshot = fresh.fleet.find((s) => s.host?.host.ref.name === hostName);
      if (!snapshot) {
        this.refuse(`Nothing was removed: host ${hostName} is no longer a host of the swarm. Refresh and look again.`, fresh.result);
        return;
      }
      if (!snapshot.host?.host.endpoint) {
        this.refuse(`Nothing was removed: host ${hostName} has no Docker endpoint configured.`, snapshot.result);
        return;
      }
      if (snapshot.host.endpointLabel !== shownHost.endpoint) {
        this.refuse(
          `Nothing was removed: host ${hostName}'s endpoint is now ${snapshot.host.endpointLabel}, not ${shownHost.endpoint} as shown. Look at the tree again.`,
          snapshot.result,
        );
        return;
      }
      if (request.kind === 'misplaced') {
        const homes = this.checkHomes(request.prefixes, snapshot, fresh.fleet);
        if (typeof homes === 'string') {
          this.refuse(homes, snapshot.result);
          return;
        }
        homeHolds = homes;
      }
      expectedDaemonId = shownHost.daemonId;
      if (expectedDaemonId === undefined) {
        this.refuse(
          `Nothing was removed: host ${hostName}'s Docker daemon was not listed when the tree was shown. Refresh and look again.`,
          snapshot.result,
        );
        return;
      }
    }
    let sessionRequest: SessionRequest =
      request.kind === 'tornDown'
        ? { kind: 'tornDown', prefixes: request.prefixes }
        : request.kind === 'misplaced'
          ? { kind: 'misplaced', prefixes: request.prefixes }
          : request.kind === 'plan'
            ? { kind: 'plan', plan: request.plan }
            : request.kind === 'prefixes'
              ? { kind: 'prefixes', prefixes: request.prefixes }
              : request.kind === 'allOrphans'
                ? { kind: 'allOrphans' }
                : request;
    if (
      request.kind === 'allOrphans' &&
      snapshot &&
      snapshot.result.docker.ok &&
      snapshot.result.db.ok &&
      snapshot.result.orphanPrefixes.length > 1
    ) {
      // Reap All: every orphan group picked, any of them can be left out before the confirmation.
      const chosen = await this.chooseOrphans(snapshot.result);
      if (!chosen) {
        this.log.info('cancelled at the choice of orphan groups; nothing removed');
        return;
      }
      sessionRequest =
        chosen.length === snapshot.result.orphanPrefixes.length ? { kind: 'allOrphans' } : { kind: 'prefixes', prefixes: chosen };
    }
    const target: ScanOptions = request.kind === 'plan' ? request.target : snapshot!.target.options;
    let removing: RemovalPlan | undefined;
    const progress: RemovalProgressSink = {
      around: async (plan, removal) => {
        removing = plan;
        const what = removalSubject(plan);
        this.log.info(`removing ${plan.prefixes.join(', ')} from ${plan.dockerEndpoint}`);
        try {
          return await vscode.window.withProgress({ location: { viewId: TOPOLOGIES_VIEW_ID }, title: `Removing ${what}` }, removal);
        } finally {
          this.trees.setProgress(undefined);
          void this.model.refresh();
        }
      },
      step: (p, plan) => {
        this.log.info(`${p.done}/${p.total} ${p.message}`);
        this.trees.setProgress(`Removing ${removalSubject(plan)}: ${p.done}/${p.total} · ${p.message}`);
      },
    };
    let outcome: RemovalOutcome;
    try {
      outcome = await runRemovalSession(sessionRequest, {
        // Exactly what the confirmed plan is made from, even if the settings change meanwhile.
        ...target,
        ...(snapshot ? { firstRead: snapshot.result } : {}),
        ...(expectedDaemonId !== undefined ? { expectedDaemonId } : {}),
        ...(homeHolds ? { runsAtHome: homeHolds } : {}),
        // A misplaced removal is re-checked against every host again, just before removing.
        ...(request.kind === 'misplaced' && fresh
          ? { scan: this.misplacedRecheck(request.prefixes, request.host.name, fresh.target) }
          : {}),
        asker: this.asker(request.kind === 'plan' ? undefined : target),
        progress,
        audit: editorAuditTarget(),
      });
    } catch (e) {
      if (!removing) throw e;
      this.log.error(`removal failed: ${describeError(e)}`);
      showErrorWithOutput(this.output, `Removing ${removalSubject(removing)} failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.tell(outcome, snapshot?.result);
  }

  /**
   * Why a misplaced removal from `snapshot`'s host cannot go ahead: a host one of the topologies
   * belongs on was not checked (no endpoint, no answer, or the same daemon), so "at home on the
   * same daemon" cannot be ruled out. Otherwise, for each prefix, whether a host it belongs on
   * holds something of it.
   */
  private checkHomes(
    prefixes: readonly string[],
    snapshot: ScanSnapshot,
    fleet: readonly ScanSnapshot[],
  ): string | Record<string, boolean> {
    const here = snapshot.host;
    const swarm = snapshot.result.db.ok ? snapshot.result.db.value.swarm : undefined;
    const holds: Record<string, boolean> = {};
    if (!here || !swarm) return holds;
    const hosts = fleet.flatMap((s) => (s.host ? [s.host] : []));
    for (const prefix of prefixes) {
      const g = snapshot.result.groups.find((x) => x.prefix === prefix);
      if (!g?.misplaced) continue;
      const unchecked = uncheckedHomes(hosts, here, g, swarm);
      if (unchecked.length) {
        return uncheckedHomesRefusal(g, unchecked, (u) =>
          u.name === MASTER_NAME
            ? "Make the master's Docker daemon reachable (decnet.docker.host, or master in decnet.fleet.endpoints), then refresh."
            : u.noEndpoint
              ? `Give ${u.name} its Docker endpoint (Set Docker Endpoint… on its row), then refresh.`
              : '',
        );
      }
      holds[prefix] = runsAtHome(hosts, g, swarm);
    }
    return holds;
  }

  /**
   * How a misplaced removal reads again just before removing: every host of the swarm, as the
   * tree does (its settings now), the host the rows were under taken, and the hosts the topologies
   * belong on checked again (a refusal if one no longer answers or now shares this daemon).
   */
  private misplacedRecheck(prefixes: readonly string[], hostName: string, target: ScanSnapshot['target']): ScanFn {
    return async () =>
      (
        await readForMisplaced({
          db: target.db,
          master: resolveMasterEndpoint(target),
          mapping: readFleetEndpoints(),
          env: process.env,
          timeoutMs: readFleetTimeoutMs(),
          hostName,
          prefixes,
          fix: (u) =>
            u.name === MASTER_NAME
              ? "Make the master's Docker daemon reachable, then refresh."
              : u.noEndpoint
                ? `Give ${u.name} its Docker endpoint, then refresh.`
                : '',
        })
      ).result;
  }

  /** A multi-select Quick Pick of the orphan groups, all picked: undefined when cancelled or none is left. */
  private async chooseOrphans(result: ScanResult): Promise<string[] | undefined> {
    const conflicts = conflictsOfScan(result);
    const items = result.groups
      .filter((g) => g.state === 'orphan')
      .map((g) => {
        // What matters most before deciding: a subnet a topology wants, freed by removing it.
        const frees = freedBy(new Set(g.networks.map((n) => n.id)), conflicts);
        return {
          label: g.prefix,
          description: orphanGroupDescription(g),
          ...(frees.length ? { detail: frees.join('; ') } : {}),
          picked: true,
        };
      });
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Reap All Orphans: which groups?',
      placeHolder: 'Untick the groups to keep; you confirm the exact list next',
      canPickMany: true,
      ignoreFocusOut: true,
    });
    return picked?.length ? picked.map((p) => p.label) : undefined;
  }

  private tell(outcome: RemovalOutcome, firstRead: ScanResult | undefined): void {
    switch (outcome.kind) {
      case 'refused':
        this.refuse(outcome.message, firstRead);
        return;
      case 'nothing': {
        // In a swarm the status bar sums every host: say where the orphans it counts are.
        const elsewhere = (this.model.snapshot?.fleet ?? [])
          .filter((h) => h.result.dockerEndpoint !== firstRead?.dockerEndpoint && h.result.orphanPrefixes.length)
          .map((h) => `${h.host?.host.ref.name ?? '?'} (${h.result.orphanPrefixes.length})`);
        const message = elsewhere.length
          ? `${outcome.message} Other hosts of the swarm have orphans: ${elsewhere.join(', ')}; use Reap All Orphans… on their Orphans row.`
          : outcome.message;
        this.log.info(message);
        void vscode.window.showInformationMessage(message);
        return;
      }
      case 'cancelled':
      case 'planned':
        this.log.info(`cancelled; nothing removed${outcome.plan ? ` (${outcome.plan.prefixes.join(', ')})` : ''}`);
        return;
      case 'removed': {
        this.log.info(`report:\n${formatReport(outcome.report)}`);
        const shown =
          outcome.report.errors.length > 0
            ? vscode.window.showWarningMessage(outcome.summary, SHOW_REPORT_ACTION)
            : vscode.window.showInformationMessage(outcome.summary, SHOW_REPORT_ACTION);
        const report = outcome.report;
        void shown.then((pick) => {
          if (pick === SHOW_REPORT_ACTION) void this.showReport(report);
        });
        return;
      }
    }
  }

  /** `planTarget`: offer Save Plan… beside Remove, saving a plan made from it. */
  private asker(planTarget?: ScanOptions): RemovalAsker {
    return {
      pick: async (choices: PrefixChoice[], mode: RemovalMode) => {
        const picked = await vscode.window.showQuickPick(
          choices.map((c) => ({ label: c.prefix, description: c.description })),
          TITLES[mode],
        );
        return picked?.label;
      },
      confirm: async (plan, question, detail) => {
        this.log.info(`asking to confirm:\n${detail}`);
        // Plan files hold orphan and torn-down removals (a misplaced one depends on every host of the swarm).
        const canSave = !!planTarget && plan.mode !== 'misplaced';
        const save = async (): Promise<false> => {
          const saved = await savePlanFile(plan);
          if (saved) this.log.info(`plan saved to ${saved}; nothing removed`);
          return false;
        };
        // A modal's first button is its default (Enter): never Remove. It opens the whole plan in a
        // read-only editor, where the decision is made (a long plan is cut off in a modal).
        const choice = await vscode.window.showWarningMessage(
          question,
          { modal: true, detail: confirmDetail(plan, detail) },
          { title: REVIEW_ACTION },
          { title: REMOVE_ACTION },
          ...(canSave ? [{ title: SAVE_PLAN_ACTION }] : []),
          { title: 'Cancel', isCloseAffordance: true },
        );
        if (choice?.title === SAVE_PLAN_ACTION && canSave) return save();
        if (choice?.title !== REVIEW_ACTION) return choice?.title === REMOVE_ACTION;
        const decision = await this.reviews.review(plan, question, detail, canSave);
        this.log.info(`review: ${decision}`);
        if (decision === 'save' && canSave) return save();
        return decision === 'remove';
      },
      typeDaemonName: async (_plan, expected, prompt) => {
        const typed = await vscode.window.showInputBox({
          title: 'The DECNET database holds no topology',
          prompt,
          placeHolder: expected,
          ignoreFocusOut: true,
          validateInput: (value) => (value.trim() === expected ? undefined : `Type ${expected} exactly to confirm.`),
        });
        if (typed === undefined) this.log.info("cancelled at the Docker daemon's name");
        return typed;
      },
      typePrefix: async (plan, expected, prompt) => {
        const typed = await vscode.window.showInputBox({
          title:
            plan.mode === 'misplaced'
              ? `${TITLES.misplaced.title}${plan.host ? ` from host ${plan.host.name}` : ''}`
              : TITLES.tornDown.title,
          prompt,
          placeHolder: 'the prefix shown above',
          ignoreFocusOut: true,
          // Quiet while it can still become the prefix; red only once it cannot.
          validateInput: (value) => {
            const typed = value.trim();
            if (typed === expected) return undefined;
            if (expected.startsWith(typed))
              return { message: `Type ${expected} to confirm.`, severity: vscode.InputBoxValidationSeverity.Info };
            return `Type ${expected} exactly to confirm.`;
          },
        });
        if (typed === undefined) this.log.info('cancelled at the typed confirmation');
        return typed;
      },
    };
  }

  /** The report as a read-only Markdown document: its text, then its JSON. The log keeps the log. */
  private async showReport(report: ReapReport): Promise<void> {
    const stamp = report.finished_at.replace(/[:.]/g, '-');
    const text = [
      '# DECNET reap report',
      '',
      '```text',
      formatReportText(report),
      '```',
      '',
      '```json',
      reportJson(report),
      '```',
      '',
    ].join('\n');
    await this.documents.open(`decnet-reap-report-${stamp}.md`, text);
  }

  private refuse(message: string, read: ScanResult | undefined): void {
    this.log.warn(`refused: ${message}`);
    showErrorWithOutput(this.output, message, fixesFor(read));
  }
}

/** The master's endpoint as the tree resolved it (decnet.docker.host and the rest; a mapping's `master` entry wins in readForMisplaced). */
function resolveMasterEndpoint(target: ScanSnapshot['target']): DockerEndpoint {
  const d = target.options.dockerHost;
  return typeof d === 'string' ? { url: d, source: 'setting' } : d;
}
