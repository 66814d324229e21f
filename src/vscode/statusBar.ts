// One status bar item: how many orphan groups and subnet conflicts the last scan found, or what
// keeps the reaper from knowing (Docker unreachable, database unreadable). Clicking it reveals the
// first problem in the Topologies view. Hidden only when all is well, unless
// decnet.statusBar.alwaysShow says otherwise.
import * as vscode from 'vscode';
import { Commands, FullSettings } from './constants';
import { Disposable } from './disposable';
import { readStatusBarAlwaysShow } from './settings';
import { isTornDown } from '../core/rules';
import { statusBarErrorText, statusBarText, statusBarTooltip, type StatusProblem, type SwarmStatus } from './words/statusBar';
import type { TopologyTreeModel } from './tree/topologyTreeModel';

export const STATUS_BAR_ID = 'decnet.status';

/** What the status bar says of the model's state: the problem first, else the counts. */
export function statusOf(model: Pick<TopologyTreeModel, 'snapshot' | 'failure'>): {
  problem?: StatusProblem;
  message?: string;
  orphans: number;
  conflicts: number;
  tornDown: number;
  /** In a swarm (the database has workers). */
  swarm?: SwarmStatus;
} {
  const snapshot = model.snapshot;
  if (!snapshot) {
    if (model.failure !== undefined) {
      return {
        problem: 'scan',
        message: model.failure instanceof Error ? model.failure.message : 'unexpected error',
        orphans: 0,
        conflicts: 0,
        tornDown: 0,
      };
    }
    return { orphans: 0, conflicts: 0, tornDown: 0 };
  }
  const { result } = snapshot;
  // In a swarm, summed over the hosts (each host's daemon has its own groups and pools).
  const hosts = snapshot.fleet && snapshot.fleet.length > 1 ? snapshot.fleet : [snapshot];
  const counts = {
    orphans: hosts.reduce((n, h) => n + h.result.orphanPrefixes.length, 0),
    conflicts: hosts.reduce((n, h) => n + h.conflicts.length, 0),
    tornDown: hosts.reduce((n, h) => n + h.result.groups.filter((g) => isTornDown(g)).length, 0),
    ...(hosts.length > 1
      ? {
          swarm: {
            misplaced: hosts.reduce((n, h) => n + h.result.groups.filter((g) => g.misplaced).length, 0),
            // The master's own failure is the problem below; a worker's is counted and named.
            hostsDown: hosts
              .slice(1)
              .flatMap((h) => (h.result.docker.ok ? [] : [{ name: h.host?.host.ref.name ?? '?', why: h.result.docker.error.message }])),
          },
        }
      : {}),
  };
  if (snapshot.target.db.origin === 'none') return counts;
  if (!result.docker.ok)
    return { ...counts, problem: 'docker', message: `${result.docker.error.endpoint}: ${result.docker.error.message}` };
  if (!result.db.ok) return { ...counts, problem: 'database', message: result.db.error.message };
  return counts;
}

export class StatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10));

  constructor(private readonly model: TopologyTreeModel) {
    super();
    this.item.name = 'DECNET Topologies';
    this.item.command = { command: Commands.revealFirstProblem, title: 'Show the first DECNET problem' };
    this._register(model.onDidChange(() => this.update()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(FullSettings.statusBarAlwaysShow)) this.update();
      }),
    );
    this.update();
  }

  update(): void {
    const s = statusOf(this.model);
    const finishedAt = this.model.snapshot?.finishedAt;
    if (s.problem) {
      // Never silent when the reaper cannot tell: that is when a stale count would mislead.
      this.item.text = statusBarErrorText(s.problem);
      this.item.tooltip = `${s.message ?? ''}\n\nNothing is classified orphan until this is fixed. Click to show it.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.show();
      return;
    }
    const warn = !!(s.orphans || s.conflicts || s.swarm?.misplaced || s.swarm?.hostsDown.length);
    if (!warn && !readStatusBarAlwaysShow()) {
      this.item.hide();
      return;
    }
    this.item.text = statusBarText(s.orphans, s.conflicts, s.swarm);
    this.item.tooltip = statusBarTooltip(s.orphans, s.conflicts, s.tornDown, finishedAt, s.swarm);
    this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }
}
