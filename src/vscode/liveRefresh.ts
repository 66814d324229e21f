// Keeps the Topologies view (and the status bar) true: a core TopologyWatcher runs, and each of
// its debounced signals asks the model for a refresh (refreshes never overlap). While the view is
// visible it watches Docker events, the database file and its -wal, and polls. While it is hidden
// it stays cheap for the status bar: Docker events and the slow poll only (DECNET writes its logs
// into the database all the time); shown again, the view is refreshed once. In a DECNET swarm the
// events of every host whose daemon answered are watched as well.
import * as vscode from 'vscode';
import { endpointLabel } from '../core/scan';
import { TopologyWatcher, type ChangeReason, type ConnectionState } from '../core/watch';
import { FullSettings } from './constants';
import { Disposable } from './disposable';
import type { ComponentLog } from './log';
import { readPollSeconds } from './settings';
import type { TopologyTreeModel } from './tree/topologyTreeModel';
import type { TreeNode } from './tree/nodes';


function describeReasons(reasons: ChangeReason[]): string {
  const parts = reasons.map((r) => {
    switch (r.kind) {
      case 'docker':
        return `${r.type} ${r.action}${r.name ? ` ${r.name}` : ''}`;
      case 'db':
        return `${r.file} changed`;
      case 'reconnected':
        return 'Docker event stream reconnected';
      case 'poll':
        return 'poll';
    }
  });
  const shown = [...new Set(parts)];
  return shown.length > 5 ? `${shown.slice(0, 5).join(', ')} (+${shown.length - 5} more)` : shown.join(', ');
}

export class LiveRefresh extends Disposable {
  /** The master's watcher (Docker events, the database file, the poll), then one per swarm host reached. */
  private watchers: TopologyWatcher[] = [];
  /** What the running watchers watch: restarted when the scanned target, the hosts or the poll change. */
  private watching = '';
  private wasHidden = false;

  constructor(
    private readonly model: TopologyTreeModel,
    private readonly view: vscode.TreeView<TreeNode>,
    private readonly log: ComponentLog,
  ) {
    super();
    this._register(view.onDidChangeVisibility(() => this.update()));
    // The watcher follows what the model last scanned (the settings resolve there).
    this._register(model.onDidChange(() => this.update()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(FullSettings.pollIntervalSeconds)) this.update();
      }),
    );
    this._register({ dispose: () => this.stop('disposed') });
    this.update();
  }

  private update(): void {
    if (this.isDisposed) return;
    const visible = this.view.visible;
    if (!visible) {
      this.wasHidden = true;
    } else if (this.wasHidden) {
      this.wasHidden = false;
      // The database was not watched while hidden: read everything again (the first scan starts itself).
      if (this.model.hasStarted) void this.model.refresh();
    }
    const snapshot = this.model.snapshot;
    const target = snapshot?.target;
    if (!target) return; // The first scan has not finished: started when it has.
    const dbPath = visible && target.db.kind === 'sqlite' ? target.db.path : undefined;
    const poll = readPollSeconds();
    // In a swarm, every other host whose daemon answered the last scan: its events too (a host
    // that did not answer is scanned again at every refresh, and watched once it answers).
    const master = endpointLabel(target.options.dockerHost);
    const hosts = (snapshot.fleet ?? [])
      .filter((h) => h.result.docker.ok && h.host?.host.endpoint && endpointLabel(h.host.host.endpoint) !== master)
      .map((h) => ({ name: h.host!.host.ref.name, endpoint: h.host!.host.endpoint! }));
    const key = JSON.stringify([master, dbPath ?? null, poll, hosts.map((h) => [h.name, endpointLabel(h.endpoint)])]);
    if (this.watchers.length && key === this.watching) return;
    this.stop(visible ? 'target changed or view shown' : 'view hidden');
    const watchLog = { debug: (m: string) => this.log.debug(m), info: (m: string) => this.log.info(m), warn: (m: string) => this.log.warn(m) };
    this.watchers = [
      new TopologyWatcher({ dockerHost: target.options.dockerHost, dbPath, pollIntervalMs: poll * 1000, log: watchLog }),
      ...hosts.map((h) => new TopologyWatcher({ dockerHost: h.endpoint, dbPath: undefined, log: watchLog })),
    ];
    this.watchers.forEach((watcher, i) => {
      const host = i === 0 ? undefined : hosts[i - 1].name;
      let last: ConnectionState = 'idle';
      watcher.onChanged((reasons) => {
        this.log.debug(`refresh: ${host ? `host ${host}: ` : ''}${describeReasons(reasons)}`);
        void this.model.refresh();
      });
      watcher.onConnectionChanged((state) => {
        // The daemon went away: show it now rather than at the next signal.
        if (last === 'connected' && state === 'disconnected') void this.model.refresh();
        last = state;
      });
    });
    this.watching = key;
    for (const w of this.watchers) w.start();
    this.log.info(
      `live refresh on: Docker events at ${master}` +
        (hosts.length ? ` and at ${hosts.map((h) => `${h.name} (${endpointLabel(h.endpoint)})`).join(', ')}` : '') +
        `${dbPath ? `, changes to ${dbPath} and its -wal` : ''}, ${poll ? `a poll every ${poll} s` : 'no poll'}` +
        `${visible ? '' : ' (view hidden: for the status bar)'}`,
    );
  }

  private stop(why: string): void {
    if (!this.watchers.length) return;
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    this.watching = '';
    this.log.info(`live refresh off (${why})`);
  }
}
