// Reads the extension's settings and resolves where to scan. The resolution rules live in core.
import * as vscode from 'vscode';
import { resolveDbPath, type DbLocation } from '../core/config';
import { resolveDockerEndpoint } from '../core/dockerEndpoint';
import type { ScanOptions } from '../core/scan';
import { SETTINGS_SECTION, Settings } from './constants';

export interface ScanTarget {
  /** Where the DB path came from (`none` when nothing was found). */
  db: DbLocation;
  /** Exactly what `scan` and `executeRemoval` are given. */
  options: ScanOptions;
}

function readSetting(key: string): string | undefined {
  // In an untrusted workspace VS Code hides workspace values of these restricted settings.
  const value = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<string>(key);
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function resolveScanTarget(): ScanTarget {
  const db = resolveDbPath({
    setting: readSetting(Settings.databasePath),
    env: process.env,
    workspaceFolders: vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath),
  });
  const dockerHost = resolveDockerEndpoint({ setting: readSetting(Settings.dockerHost), env: process.env });
  return { db, options: { dbPath: db.path, dockerHost } };
}

export async function writeDatabasePath(path: string): Promise<void> {
  await vscode.workspace
    .getConfiguration(SETTINGS_SECTION)
    .update(Settings.databasePath, path, vscode.ConfigurationTarget.Global);
}

export function currentDatabasePathSetting(): string | undefined {
  return readSetting(Settings.databasePath);
}
