// Short messages for people; the detail always goes to the output channel first.
import * as vscode from 'vscode';
import { SHOW_OUTPUT_ACTION } from './constants';
import type { Log } from './log';

/**
 * An error message with a "Show Output" action. Not awaited by callers: a command must not
 * stay pending until somebody closes a notification.
 */
export function showErrorWithOutput(log: Log, message: string): void {
  void vscode.window.showErrorMessage(message, SHOW_OUTPUT_ACTION).then((pick) => {
    if (pick === SHOW_OUTPUT_ACTION) {
      log.show();
    }
  });
}
