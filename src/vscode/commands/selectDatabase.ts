import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { currentDatabasePathSetting, settingsTargetName, writeDatabasePath } from '../settings';

/** SQLite side files: picking one of them means the database beside it. */
const SIDE_FILE = /-(wal|shm|journal)$/;

/** decnet.database.select — picks decnet.db and stores it in decnet.database.path (User settings, or Remote in a remote window). */
export async function selectDatabase(services: Services): Promise<void> {
  const log = services.log.for('settings');
  const current =
    currentDatabasePathSetting() ??
    (services.model.snapshot?.target.db.kind === 'sqlite' ? services.model.snapshot.target.db.path : undefined);
  const uris = await vscode.window.showOpenDialog({
    title: 'Select DECNET Database',
    openLabel: 'Use This Database',
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    defaultUri: current ? vscode.Uri.file(path.dirname(current)) : undefined,
    // DECNET's file is decnet.db; the side files are accepted and mean the database beside them.
    filters: { 'DECNET database (decnet.db)': ['db', 'sqlite', 'sqlite3'] },
  });
  const picked = uris?.[0];
  if (!picked) {
    return;
  }
  let dbPath = picked.fsPath;
  if (SIDE_FILE.test(dbPath)) {
    const main = dbPath.replace(SIDE_FILE, '');
    log.info(`${dbPath} is a SQLite side file; using ${main}`);
    dbPath = main;
  }
  await writeDatabasePath(dbPath);
  log.info(`decnet.database.path set to ${dbPath} (${settingsTargetName()} settings)`);
  await services.model.refresh();
}
