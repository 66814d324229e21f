import * as vscode from 'vscode';
import { EXTENSION_SETTINGS_QUERY, settingsTargetName } from '../settings';

/**
 * decnet.settings.open — the Settings editor filtered to this extension, on the tab where its
 * machine-scoped settings are edited: **Remote** in a remote window (Remote-SSH, code-server),
 * **User** otherwise.
 */
export async function openSettings(): Promise<void> {
  const command = settingsTargetName() === 'Remote' ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
  await vscode.commands.executeCommand(command, EXTENSION_SETTINGS_QUERY);
}

/** decnet.setting.copyValue — copies a setting's value (JSON) to paste into the Remote settings. */
export async function copySettingValue(_services: unknown, key?: unknown, value?: unknown): Promise<void> {
  if (typeof key !== 'string' || typeof value !== 'string') return;
  await vscode.env.clipboard.writeText(value);
  void vscode.window.showInformationMessage(`Copied the value of ${key}: paste it into the Remote settings (Open Remote Settings).`);
}
