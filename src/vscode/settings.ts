// The one place the extension's settings are read (and written), and where to scan is resolved.
// The resolution rules live in core.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultAuditLogPath, type AuditTarget } from '../core/audit';
import { MAX_JSON_BYTES, readRegularFileIfExists } from '../core/fsSafe';
import { ignoredUserSettings, type IgnoredSetting } from '../core/ignoredSettings';
import { EDITOR_SETTING_NAMES, resolveDatabase, type DbTarget } from '../core/config';
import { DEFAULT_REQUEST_TIMEOUT_MS, MAX_REQUEST_TIMEOUT_MS, setRequestTimeout } from '../core/deadline';
import { resolveDockerEndpoint } from '../core/dockerEndpoint';
import { DEFAULT_HOST_TIMEOUT_MS, type EndpointMapping } from '../core/fleet';
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
  // Every scan and removal resolves its target first: the request deadline follows the setting.
  setRequestTimeout(readRequestTimeoutMs());
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
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(Settings.databasePath, path, vscode.ConfigurationTarget.Global);
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

/**
 * decnet.fleet.endpoints: swarm host name → endpoint URL or `context:NAME`. Entries that are not
 * non-empty strings are left out (the host then shows as having no endpoint).
 */
export function readFleetEndpoints(): EndpointMapping {
  const value = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<unknown>(Settings.fleetEndpoints);
  const out: Record<string, string> = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [name, endpoint] of Object.entries(value as Record<string, unknown>)) {
    if (typeof endpoint === 'string' && endpoint.trim()) out[name] = endpoint.trim();
  }
  return out;
}

/** decnet.requestTimeoutSeconds, in milliseconds: 1 s to an hour, 30 s when unset or not a number. */
export function readRequestTimeoutMs(): number {
  const value = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<unknown>(Settings.requestTimeoutSeconds);
  return typeof value === 'number' && Number.isFinite(value) && value > 0
    ? Math.min(Math.max(1, value), MAX_REQUEST_TIMEOUT_MS / 1000) * 1000
    : DEFAULT_REQUEST_TIMEOUT_MS;
}

/** decnet.fleet.timeoutSeconds, in milliseconds: at least 1 s, 10 s when unset or not a number. */
export function readFleetTimeoutMs(): number {
  const value = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<unknown>(Settings.fleetTimeoutSeconds);
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(1, value) * 1000 : DEFAULT_HOST_TIMEOUT_MS;
}

/** Stores a swarm host's endpoint in decnet.fleet.endpoints (machine setting: User, or Remote). */
export async function writeFleetEndpoint(name: string, endpoint: string): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const current = config.inspect<Record<string, unknown>>(Settings.fleetEndpoints)?.globalValue;
  const next = { ...(current && typeof current === 'object' ? current : {}), [name]: endpoint };
  await config.update(Settings.fleetEndpoints, next, vscode.ConfigurationTarget.Global);
}

/** A change to any setting that decides which database and which Docker endpoint are scanned. */
export function affectsScanTarget(e: vscode.ConfigurationChangeEvent): boolean {
  return [
    FullSettings.databasePath,
    FullSettings.databaseType,
    FullSettings.databaseUrl,
    FullSettings.dockerHost,
    FullSettings.fleetEndpoints,
    FullSettings.fleetTimeoutSeconds,
    FullSettings.requestTimeoutSeconds,
  ].some((key) => e.affectsConfiguration(key));
}

/**
 * In a remote window (Remote-SSH, code-server): the machine-scoped settings written in the User
 * settings file found beside `globalStorage` (`<user data>/User/settings.json`, where code-server
 * keeps it) that are not the ones in effect. VS Code applies such settings only from the Remote
 * settings there. None in a local window, or when that file cannot be read.
 */
export function readIgnoredUserSettings(globalStorage: vscode.Uri | undefined): IgnoredSetting[] {
  if (!vscode.env.remoteName || !globalStorage || globalStorage.scheme !== 'file') return [];
  try {
    const bytes = readRegularFileIfExists(path.join(globalStorage.fsPath, '..', '..', 'settings.json'), MAX_JSON_BYTES);
    if (!bytes) return [];
    const config = vscode.workspace.getConfiguration();
    return ignoredUserSettings(bytes.toString('utf8'), (key) => config.get(key));
  } catch {
    return [];
  }
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

/** `decnet.audit.logPath` (empty: `$XDG_STATE_HOME/decnet-reaper/audit.jsonl`). */
export function readAuditLogPath(): string {
  return readSetting(Settings.auditLogPath) ?? defaultAuditLogPath(process.env);
}

/** Where the editor's removals are logged: `decnet.audit.logPath`, or nowhere when `decnet.audit.enabled` is off. */
export function editorAuditTarget(): AuditTarget {
  const enabled = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<boolean>(Settings.auditEnabled, true);
  return enabled === false ? { disabled: true } : { path: readAuditLogPath() };
}
