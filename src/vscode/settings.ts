// The one place the extension's settings are read (and written), and where to scan is resolved.
// The resolution rules live in core.
import * as vscode from 'vscode';
import { EDITOR_SETTING_NAMES, resolveDatabase, type DbTarget } from '../core/config';
import { resolveDockerEndpoint } from '../core/dockerEndpoint';
import type { ScanOptions } from '../core/scan';
import { FullSettings, SETTINGS_SECTION, Settings } from './constants';

/** Where the MySQL password is kept: the editor's secret storage, never settings. */
export const MYSQL_PASSWORD_SECRET = 'decnet.database.mysqlPassword';

export interface ScanTarget {
  /** The backend to read, and where its location came from (`none` when nothing was found). */
  db: DbTarget;
  /** Exactly what `scan` and `executeRemoval` are given. */
  options: ScanOptions;
}

function readSetting(key: string): string | undefined {
  // In an untrusted workspace VS Code hides workspace values of these restricted settings.
  const value = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<string>(key);
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * A database setting as given: undefined when empty (the default), otherwise the value as it is,
 * blanks included, so that a setting that cannot be used is reported rather than skipped.
 */
function readDatabaseSetting(key: string): string | undefined {
  const value = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<unknown>(key);
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function resolveScanTarget(secrets: vscode.SecretStorage): Promise<ScanTarget> {
  const db = resolveDatabase({
    settings: {
      type: readDatabaseSetting(Settings.databaseType),
      path: readDatabaseSetting(Settings.databasePath),
      url: readDatabaseSetting(Settings.databaseUrl),
    },
    settingNames: EDITOR_SETTING_NAMES,
    env: process.env,
    workspaceFolders: vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath),
    secretPassword: await secrets.get(MYSQL_PASSWORD_SECRET),
  });
  const dockerHost = resolveDockerEndpoint({ setting: readSetting(Settings.dockerHost), env: process.env });
  return { db, options: { db, dockerHost } };
}

export async function writeDatabasePath(path: string): Promise<void> {
  await vscode.workspace
    .getConfiguration(SETTINGS_SECTION)
    .update(Settings.databasePath, path, vscode.ConfigurationTarget.Global);
}

export function currentDatabasePathSetting(): string | undefined {
  return readSetting(Settings.databasePath);
}

export const DEFAULT_POLL_SECONDS = 60;

/** decnet.refresh.pollIntervalSeconds: at least 5; 0 (or anything not a positive number) turns the poll off. */
export function readPollSeconds(): number {
  const value = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<number>(Settings.pollIntervalSeconds, DEFAULT_POLL_SECONDS);
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.max(5, value) : 0;
}

/** decnet.statusBar.alwaysShow */
export function readStatusBarAlwaysShow(): boolean {
  return vscode.workspace.getConfiguration(SETTINGS_SECTION).get<boolean>(Settings.statusBarAlwaysShow, false) === true;
}

/** A change to any setting that decides which database and which Docker endpoint are scanned. */
export function affectsScanTarget(e: vscode.ConfigurationChangeEvent): boolean {
  return [FullSettings.databasePath, FullSettings.databaseType, FullSettings.databaseUrl, FullSettings.dockerHost].some((key) =>
    e.affectsConfiguration(key),
  );
}

/** The Settings editor's filter for this extension's settings. */
export const EXTENSION_SETTINGS_QUERY = '@ext:decnet-tools.decnet-topology-reaper';

/**
 * Where machine-scoped settings written to the Global target end up, as the Settings editor
 * names the tab: `Remote` in a remote window (Remote-SSH, code-server), else `User`.
 */
export function settingsTargetName(): 'Remote' | 'User' {
  return vscode.env.remoteName ? 'Remote' : 'User';
}
