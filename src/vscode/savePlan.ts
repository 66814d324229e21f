// "Save Plan…", beside "Remove" in a removal's confirmation: the plan written as a plan file
// (see core/removal/planFile.ts), to review, hand over, and apply later with Apply Plan….
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RemovalPlan } from '../core/model';
import { planToFile, writePlanFile } from '../core/removal/planFile';
import { Commands } from './constants';

const OPEN = 'Open';
const APPLY = 'Apply Plan…';

/** The button beside Remove. */
export const SAVE_PLAN_ACTION = 'Save Plan…';

/** Asks where, writes the plan file whole, and says so. The path, or undefined when cancelled. */
export async function savePlanFile(plan: RemovalPlan): Promise<string | undefined> {
  const file = planToFile(plan);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
  const name = `decnet-plan-${plan.prefixes.length === 1 ? plan.prefixes[0] : `${plan.prefixes.length}-prefixes`}-${plan.createdAt.slice(0, 10)}.json`;
  const uri = await vscode.window.showSaveDialog({
    title: 'Save DECNET Removal Plan',
    defaultUri: vscode.Uri.file(path.join(folder, name)),
    filters: { 'DECNET plan': ['json'] },
    saveLabel: 'Save Plan',
  });
  if (!uri) return undefined;
  const dest = uri.fsPath;
  writePlanFile(dest, file);
  void vscode.window
    .showInformationMessage(`Plan saved to ${dest}. Nothing was removed; apply it with DECNET: Apply Plan….`, OPEN, APPLY)
    .then(async (pick) => {
      if (pick === OPEN) await vscode.window.showTextDocument(vscode.Uri.file(dest), { preview: false });
      else if (pick === APPLY) await vscode.commands.executeCommand(Commands.applyPlan, dest);
    });
  return dest;
}
