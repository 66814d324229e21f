// One status bar item: how many orphan groups and subnet conflicts the last scan found. Clicking
// it reveals the Topologies view. Hidden when there is nothing to report, unless
// decnet.statusBar.alwaysShow says otherwise.
import * as vscode from 'vscode';
import { FullSettings, TOPOLOGIES_VIEW_ID } from './constants';
import { Disposable } from './disposable';
import { readStatusBarAlwaysShow } from './settings';
import { isTornDown, statusBarText, statusBarTooltip } from './tree/labels';
import type { TopologyTreeModel } from './tree/topologyTreeModel';

export const STATUS_BAR_ID = 'decnet.status';

export class StatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10));

  constructor(private readonly model: TopologyTreeModel) {
    super();
    this.item.name = 'DECNET Topologies';
    // Every view gets a `<view id>.focus` command: it opens the DECNET container and the view.
    this.item.command = { command: `${TOPOLOGIES_VIEW_ID}.focus`, title: 'Show DECNET Topologies' };
    this._register(model.onDidChange(() => this.update()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(FullSettings.statusBarAlwaysShow)) this.update();
      }),
    );
    this.update();
  }

  update(): void {
    const snapshot = this.model.snapshot;
    const result = snapshot?.result;
    const orphans = result?.orphanPrefixes.length ?? 0;
    const conflicts = snapshot?.conflicts.length ?? 0;
    const tornDown = result?.groups.filter((g) => isTornDown(g)).length ?? 0;
    const always = readStatusBarAlwaysShow();
    if (!orphans && !conflicts && !always) {
      this.item.hide();
      return;
    }
    this.item.text = statusBarText(orphans, conflicts);
    this.item.tooltip = statusBarTooltip(orphans, conflicts, tornDown, snapshot?.finishedAt);
    this.item.backgroundColor = orphans || conflicts ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }
}
