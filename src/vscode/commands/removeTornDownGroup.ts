import * as vscode from 'vscode';
import type { Services } from '../services';
import { tellRowsLeftOut } from './leftOut';
import { fromTreeRows, prefixesOfNodes, shownHostOfNode } from '../tree/rowArgs';

/**
 * decnet.tornDownGroup.remove — from the tree's context menu with the torn-down group rows
 * selected, or a blocked topology's row. Also accepts a prefix (executeCommand), or nothing (the
 * Command Palette: asks which torn-down topology).
 */
export async function removeTornDownGroup(services: Services, ...args: unknown[]): Promise<void> {
  const [arg] = args;
  const fromTree = prefixesOfNodes(args, 'tornDown');
  if (fromTree) {
    const host = shownHostOfNode(args[0]);
    tellRowsLeftOut(args, host);
    await services.removal.run({ kind: 'tornDown', prefixes: fromTree, ...(host ? { host } : {}) });
  } else if (fromTreeRows(args)) {
    void vscode.window.showInformationMessage(
      "DECNET: the rows chosen hold no torn-down topology's leftovers of this host now; nothing was done.",
    );
  } else if (typeof arg === 'string') {
    await services.removal.run({ kind: 'tornDown', prefixes: [arg] });
  } else {
    await services.removal.run({ kind: 'tornDown' });
  }
}
