// Keeps the Topologies view (and the status bar) true: a core TopologyWatcher runs, and each of
// its debounced signals asks the model for a refresh (refreshes never overlap). While the view is
// visible it watches Docker events, the database file and its -wal, and polls. While it is hidden
// it stays cheap for the status bar: Docker events and the slow poll only (DECNET writes its logs
// into the database all the time); shown again, the view is refreshed once. In a DECNET swarm the
// events of every host whose daemon answered are watched as well.
import * as vscode from 'vscode';
import type { DockerEndpoint } from '../core/dockerEndpoint';
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
  /** The master's watcher: Docker events, the database file, the poll. */
  private watcher: TopologyWatcher | undefined;
  /** What it watches: restarted when the scanned target or the poll changes. */
  private watching = '';
  /** In a swarm, one watcher per endpoint of the other hosts that answered the last scan. */
  private readonly hostWatchers = new Map<string, TopologyWatcher>();
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
    const master = endpointLabel(target.options.dockerHost);
    const key = JSON.stringify([master, dbPath ?? null, poll]);
    if (!this.watcher || key !== this.watching) {
      this.stopMaster(visible ? 'target changed or view shown' : 'view hidden');
      this.watcher = this.watch(target.options.dockerHost, dbPath, poll, undefined);
      this.watching = key;
      this.log.info(
        `live refresh on: Docker events at ${master}` +
          `${dbPath ? `, changes to ${dbPath} and its -wal` : ''}, ${poll ? `a poll every ${poll} s` : 'no poll'}` +
          `${visible ? '' : ' (view hidden: for the status bar)'}`,
      );
    }
    // In a swarm, every other host whose daemon answered the last scan: its events too (a host
    // that did not answer is scanned again at every refresh, and watched once it answers). Only
    // the hosts that changed are started or stopped.
    const hosts = new Map<string, { name: string; endpoint: DockerEndpoint }>();
    for (const h of snapshot.fleet ?? []) {
      const endpoint = h.host?.host.endpoint;
      if (!h.result.docker.ok || !endpoint || endpointLabel(endpoint) === master) continue;
      // One watcher per endpoint, however many hosts share it.
      const k = endpointLabel(endpoint);
      if (!hosts.has(k)) hosts.set(k, { name: h.host!.host.ref.name, endpoint });
    }
    for (const [k, w] of this.hostWatchers) {
      if (hosts.has(k)) continue;
      w.dispose();
      this.hostWatchers.delete(k);
      this.log.info(`live refresh off at ${k}`);
    }
    for (const [k, h] of hosts) {
      if (this.hostWatchers.has(k)) continue;
      this.hostWatchers.set(k, this.watch(h.endpoint, undefined, 0, h.name));
      this.log.info(`live refresh on for host ${h.name}: Docker events at ${endpointLabel(h.endpoint)}`);
    }
  }

  private watch(dockerHost: string | DockerEndpoint, dbPath: string | undefined, poll: number, host: string | undefined): TopologyWatcher {
    const watcher = new TopologyWatcher({
      dockerHost,
      dbPath,
      pollIntervalMs: poll * 1000,
      log: { debug: (m) => this.log.debug(m), info: (m) => this.log.info(m), warn: (m) => this.log.warn(m) },
    });
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
    watcher.start();
    return watcher;
  }

  private stopMaster(why: string): void {
    if (!this.watcher) return;
    this.watcher.dispose();
    this.watcher = undefined;
    this.watching = '';
    this.log.info(`live refresh off (${why})`);
  }

  private stop(why: string): void {
    this.stopMaster(why);
    for (const w of this.hostWatchers.values()) w.dispose();
    this.hostWatchers.clear();
  }
}
