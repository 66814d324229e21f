// Holds the latest scan and the refresh state. Knows nothing about how the tree looks.
import * as vscode from 'vscode';
import type { DbReadError, ScanResult } from '../../core/model';
import { describeDbTarget } from '../../core/config';
import { resolveDockerEndpoint } from '../../core/dockerEndpoint';
import { MASTER_NAME, parseHostEndpoint, scanFleet, type FleetScan } from '../../core/fleet';
import { endpointLabel, scan } from '../../core/scan';
import { SerialRunner } from '../../core/serialRunner';
import { TornReadHold } from '../../core/tornHold';
import { ContextKeys, TOPOLOGIES_VIEW_ID } from '../constants';
import { Disposable } from '../disposable';
import { describeError, type ComponentLog } from '../log';
import {
  affectsScanTarget,
  readFleetEndpoints,
  readFleetTimeoutMs,
  readIgnoredUserSettings,
  resolveScanTarget,
  type ScanTarget,
} from '../settings';
import type { IgnoredSetting } from '../../core/ignoredSettings';
import { makeFleetSnapshot, makeSnapshot, type ScanSnapshot } from './snapshot';

export type { ScanSnapshot } from './snapshot';

/** Settings edits arrive one keystroke at a time: wait this long before re-scanning. */
const SETTINGS_DEBOUNCE_MS = 400;

export class TopologyTreeModel extends Disposable {
  private _snapshot: ScanSnapshot | undefined;
  /** An unexpected exception of the last scan (scan() itself reports errors in its result). */
  private _failure: unknown;
  /** Refreshes never overlap; requests made during one share a single follow-up. */
  private readonly _runner = new SerialRunner(
    () => this._start(),
    () => {
      if (!this.isDisposed) this._onDidChange.fire();
    },
  );
  /** Networks DECNET did not create that the user asked to see (Find Subnet Overlaps…). */
  private readonly _pinned = new Set<string>();
  private _noDatabase: boolean | undefined;
  private _debounce: NodeJS.Timeout | undefined;
  /** Torn database reads keep the last good scan on screen for a while (see core/tornHold.ts). */
  private readonly _hold = new TornReadHold();
  private _busy: { since: number; error: DbReadError } | undefined;
  private _retry: NodeJS.Timeout | undefined;

  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** Fires when the snapshot, the failure or the refresh state changes. */
  readonly onDidChange = this._onDidChange.event;

  /** In a remote window: machine-scoped settings of the User settings, not applied there. */
  private _ignoredSettings: readonly IgnoredSetting[] = [];

  constructor(
    private readonly log: ComponentLog,
    private readonly secrets: vscode.SecretStorage,
    /** The extension's global storage: the User settings file lies two folders up (code-server). */
    private readonly globalStorage?: vscode.Uri,
  ) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsScanTarget(e)) {
          this.log.info('settings changed');
          this.refreshSoon();
        }
      }),
    );
    // A decnet.db in a workspace folder is one of the places the DB is looked for.
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.refreshSoon()));
    // Trust unlocks the workspace values of the restricted settings.
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refreshSoon()));
    this._register({ dispose: () => clearTimeout(this._debounce) });
    this._register({ dispose: () => clearTimeout(this._retry) });
  }

  get snapshot(): ScanSnapshot | undefined {
    return this._snapshot;
  }

  /**
   * Set while the database reads torn (DECNET writing) and the tree still shows the last good
   * scan: a retry is scheduled. Cleared by the next scan shown.
   */
  get dbBusy(): { since: number; error: DbReadError } | undefined {
    return this._busy;
  }

  get ignoredSettings(): readonly IgnoredSetting[] {
    return this._ignoredSettings;
  }

  get failure(): unknown {
    return this._failure;
  }

  get isRefreshing(): boolean {
    return this._runner.isRunning;
  }

  /** True once anything asked for data: before that, nobody is looking and nothing is scanned. */
  get hasStarted(): boolean {
    return this._snapshot !== undefined || this._runner.isRunning || this._failure !== undefined;
  }

  /** Ids of foreign networks shown in the tree although they are in no conflict. */
  get pinnedNetworks(): ReadonlySet<string> {
    return this._pinned;
  }

  /** Shows a network DECNET did not create in the tree (until the window reloads). */
  pinNetwork(id: string): void {
    if (this._pinned.has(id)) return;
    this._pinned.add(id);
    this._onDidChange.fire();
  }

  /** Hides a pinned network again (it stays shown while it is in a subnet conflict). */
  unpinNetwork(id: string): void {
    if (this._pinned.delete(id)) this._onDidChange.fire();
  }

  /** Starts the first scan if none has run yet. For the tree's getChildren: never waits, never throws. */
  ensureLoaded(): void {
    if (!this.hasStarted) {
      void this.refresh();
    }
  }

  /**
   * Scans again. Refreshes never overlap: asked while one runs, this returns a single follow-up
   * scan that starts when the running one ends (so the answer is never older than the request).
   * Never rejects: an unexpected exception is logged, kept in `failure`, and yields undefined.
   */
  refresh(): Promise<ScanSnapshot | undefined> {
    clearTimeout(this._debounce);
    this._debounce = undefined;
    if (this.isDisposed) {
      return Promise.resolve(this._snapshot);
    }
    return this._runner.run();
  }

  /** A refresh after a short quiet period, only if someone has looked at the data already. */
  private refreshSoon(): void {
    if (!this.hasStarted || this.isDisposed) {
      return;
    }
    clearTimeout(this._debounce);
    this._debounce = setTimeout(() => {
      this._debounce = undefined;
      void this.refresh();
    }, SETTINGS_DEBOUNCE_MS);
  }

  private _start(): Promise<ScanSnapshot | undefined> {
    const run = this._scan();
    // Progress shows in the view itself, never as a notification.
    void vscode.window.withProgress({ location: { viewId: TOPOLOGIES_VIEW_ID } }, () => run);
    return run;
  }

  private async _scan(): Promise<ScanSnapshot | undefined> {
    // Leave the caller's stack first: the first scan is started from the tree's getChildren, and
    // resolving the DB location touches the file system (decnet.ini, workspace folders).
    await Promise.resolve();
    const started = Date.now();
    try {
      let target = await resolveScanTarget(this.secrets);
      this._ignoredSettings = readIgnoredUserSettings(this.globalStorage);
      for (const s of this._ignoredSettings)
        this.log.warn(`${s.key} is set in the User settings, which a remote window does not apply: set it in the Remote settings`);
      await this._setNoDatabase(target.db.origin === 'none');
      await this._setDatabaseKind(target.db.kind);
      this.log.info(
        `scanning: database ${describeDbTarget(target.db)} (origin ${target.db.origin}), docker ${endpointLabel(target.options.dockerHost)}`,
      );
      // In a swarm, decnet.fleet.endpoints may give the master another endpoint: that one is
      // scanned (once), not decnet.docker.host as well.
      const mappedMaster = readFleetEndpoints()[MASTER_NAME]?.trim();
      const swarmTarget: ScanTarget = mappedMaster
        ? { ...target, options: { ...target.options, dockerHost: parseHostEndpoint(mappedMaster, process.env) } }
        : target;
      let result = await scan(swarmTarget.options);
      const swarm = result.db.ok && !!result.db.value.swarm?.hosts.length;
      if (swarm) {
        target = swarmTarget;
      } else if (swarmTarget !== target) {
        // No workers: the mapping is not used, the master is decnet.docker.host's.
        result = await scan(target.options);
      }
      let fresh: ScanSnapshot;
      if (swarm) {
        // A DECNET swarm: the master and every worker, at once, each within its own timeout.
        const fleet = await this._scanFleet(target, result);
        result = fleet.hosts[0].result;
        this._logResult(result, Date.now() - started);
        fresh = fleet.db.ok ? makeFleetSnapshot(fleet.hosts, target) : makeSnapshot(result, target);
      } else {
        this._logResult(result, Date.now() - started);
        fresh = makeSnapshot(result, target);
      }
      if (fresh.conflicts.length) {
        this.log.info(`subnet conflicts: ${fresh.conflicts.map((c) => `${c.network.name} (${c.overlaps.length})`).join(', ')}`);
      }
      const shown = this._snapshot;
      const decision = this._hold.decide(result, shown?.result, shown !== undefined && sameTarget(shown.target, target));
      clearTimeout(this._retry);
      this._retry = undefined;
      if (decision.kind === 'keep' || decision.retryInMs !== undefined) {
        this._retry = setTimeout(() => {
          this._retry = undefined;
          void this.refresh();
        }, decision.retryInMs);
      }
      if (decision.kind === 'keep' && !result.db.ok) {
        // DECNET is writing: keep the last good tree, retry soon. The caller (a removal) still
        // gets this scan, with its error: nothing is planned from the tree kept on screen.
        this.log.info(
          `database busy (${result.db.error.message}); keeping the scan of ${shown!.finishedAt.toLocaleTimeString()}, retrying in ${decision.retryInMs} ms`,
        );
        this._busy = { since: decision.since, error: result.db.error };
        return fresh;
      }
      this._busy = undefined;
      this._snapshot = fresh;
      this._failure = undefined;
      return this._snapshot;
    } catch (e) {
      this.log.error(`scan failed unexpectedly: ${describeError(e)}`);
      this._failure = e;
      // Show the failure rather than data that may no longer be true.
      this._snapshot = undefined;
      return undefined;
    }
  }

  private async _scanFleet(target: ScanTarget, masterRead: ScanResult): Promise<FleetScan> {
    const dockerHost = target.options.dockerHost;
    const master = typeof dockerHost === 'string' ? resolveDockerEndpoint({ setting: dockerHost, env: process.env }) : dockerHost;
    // The master's own entry is applied already (target): the listing just made is reused.
    const mapping = Object.fromEntries(Object.entries(readFleetEndpoints()).filter(([name]) => name !== MASTER_NAME));
    const fleet = await scanFleet({ db: target.db, master, mapping, timeoutMs: readFleetTimeoutMs(), masterRead });
    for (const h of fleet.hosts) {
      const r = h.result;
      this.log.info(
        `host ${h.host.ref.name} (${h.endpointLabel}) in ${Math.round(h.ms)} ms: ` +
          (r.docker.ok
            ? `live [${r.livePrefixes.join(', ')}]; orphan [${r.orphanPrefixes.join(', ')}]; misplaced [${(r.misplacedPrefixes ?? []).join(', ')}]`
            : `not listed: ${r.docker.error.message}`),
      );
    }
    if (fleet.unknownMappings.length) {
      this.log.warn(`decnet.fleet.endpoints names no host of the swarm: ${fleet.unknownMappings.join(', ')}`);
    }
    return fleet;
  }

  private _logResult(result: ScanResult, ms: number): void {
    if (result.db.ok) {
      const db = result.db.value;
      this.log.info(
        `database ${db.source}: ${db.topologies.length} topologies` +
          (db.walFramesApplied ? ` (${db.walFramesApplied} committed WAL frames applied)` : ''),
      );
    } else {
      const e = result.db.error;
      this.log.warn(`database ${e.path ?? result.dbSource} not read (${e.kind}): ${e.message}`);
    }
    if (result.docker.ok) {
      const d = result.docker.value;
      this.log.info(`docker ${d.endpoint}: ${d.containers.length} containers and ${d.networks.length} networks listed`);
    } else {
      const e = result.docker.error;
      this.log.warn(`docker ${e.endpoint} not listed: ${e.message}`);
    }
    this.log.info(
      `scan done in ${ms} ms: ${result.groups.length} prefixes on Docker; live [${result.livePrefixes.join(', ')}]; ` +
        `orphan [${result.orphanPrefixes.join(', ')}]`,
    );
  }

  private _dbKind: string | undefined;
  private async _setDatabaseKind(kind: string): Promise<void> {
    if (this._dbKind === kind) return;
    this._dbKind = kind;
    await vscode.commands.executeCommand('setContext', ContextKeys.databaseKind, kind);
  }

  private async _setNoDatabase(value: boolean): Promise<void> {
    if (this._noDatabase === value) {
      return;
    }
    this._noDatabase = value;
    await vscode.commands.executeCommand('setContext', ContextKeys.noDatabase, value);
  }
}

/** The same database and Docker endpoint: a scan of one may stand in for the other's. */
function sameTarget(a: ScanTarget, b: ScanTarget): boolean {
  return describeDbTarget(a.db) === describeDbTarget(b.db) && endpointLabel(a.options.dockerHost) === endpointLabel(b.options.dockerHost);
}
