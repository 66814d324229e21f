// Short messages for people; the detail always goes to the output channel first. Every error
// offers the action that fixes it, not only the log.
import * as vscode from 'vscode';
import type { ScanResult } from '../core/model';
import { Commands, SHOW_OUTPUT_ACTION } from './constants';
import type { Log } from './log';

export interface Fix {
  title: string;
  command: string;
  args?: unknown[];
}

export const Fixes = {
  retry: { title: 'Retry', command: Commands.refreshTopologies },
  selectDatabase: { title: 'Select DECNET Database…', command: Commands.selectDatabase },
  openSettings: { title: 'Open Settings', command: Commands.openSettings },
  setPassword: { title: 'Set MySQL Password…', command: Commands.setMysqlPassword },
} as const satisfies Record<string, Fix>;

/** The fixes of what kept a scan from classifying: Docker's first, then the database's. */
export function fixesFor(result: ScanResult | undefined): Fix[] {
  if (!result) return [Fixes.retry];
  const fixes: Fix[] = [];
  if (!result.docker.ok) fixes.push(Fixes.retry, Fixes.openSettings);
  if (!result.db.ok) {
    const kind = result.db.error.kind;
    if (kind === 'access-denied') fixes.push(Fixes.setPassword);
    else if (kind === 'torn' || kind === 'locked' || kind === 'unreachable') fixes.push(Fixes.retry);
    else if (kind !== 'misconfigured') fixes.push(Fixes.selectDatabase);
    fixes.push(Fixes.openSettings);
  }
  return [...new Set(fixes)].slice(0, 2);
}

/**
 * An error message with its fixes, then "Show Output". Not awaited by callers: a command must not
 * stay pending until somebody closes a notification.
 */
export function showErrorWithOutput(log: Log, message: string, fixes: readonly Fix[] = []): void {
  const titles = [...fixes.map((f) => f.title), SHOW_OUTPUT_ACTION];
  void vscode.window.showErrorMessage(message, ...titles).then((pick) => {
    if (pick === SHOW_OUTPUT_ACTION) {
      log.show();
      return;
    }
    const fix = fixes.find((f) => f.title === pick);
    if (fix) void vscode.commands.executeCommand(fix.command, ...(fix.args ?? []));
  });
}
