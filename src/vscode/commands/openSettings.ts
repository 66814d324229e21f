import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../constants';

/** decnet.settings.open — the Settings editor filtered to `decnet.`. */
export async function openSettings(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.`);
}
