import * as vscode from 'vscode';
import { describeDbTarget } from '../../core/config';
import type { Services } from '../services';
import { MYSQL_PASSWORD_SECRET, resolveScanTarget } from '../settings';

/**
 * decnet.database.setPassword — keeps the MySQL password in the editor's secret storage (never in
 * settings, never in the log). An empty answer forgets it. DECNET_DB_PASSWORD, when set, wins.
 */
export async function setMysqlPassword(services: Services): Promise<void> {
  const log = services.log.for('settings');
  const target = (await resolveScanTarget(services.secrets)).db;
  const which = target.kind === 'mysql' ? describeDbTarget(target) : 'the DECNET MySQL database';
  const password = await vscode.window.showInputBox({
    title: 'Set MySQL Password',
    prompt: `Password for ${which}. Kept in the editor's secret storage; leave empty to forget it.`,
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return;
  if (password === '') {
    await services.secrets.delete(MYSQL_PASSWORD_SECRET);
    log.info('MySQL password removed from secret storage');
  } else {
    await services.secrets.store(MYSQL_PASSWORD_SECRET, password);
    log.info(`MySQL password stored in secret storage for ${which}`);
  }
  if (process.env.DECNET_DB_PASSWORD !== undefined) {
    void vscode.window.showInformationMessage('DECNET_DB_PASSWORD is set in the environment: it is used instead of the stored password.');
  }
  await services.model.refresh();
}
