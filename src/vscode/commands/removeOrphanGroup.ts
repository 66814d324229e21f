import * as vscode from 'vscode';
import type { Services } from '../services';
import { tellRowsLeftOut } from './leftOut';
import { fromTreeRows, prefixesOfNodes, shownHostOfNode } from '../tree/rowArgs';

/**
 * decnet.orphanGroup.remove — from the tree (inline or context menu) with the group rows selected
 * (several at once with multi-select), or a blocked topology's row. Also accepts a prefix or a list
 * of prefixes (executeCommand), or nothing (the Command Palette: asks which orphan).
 */
export async function removeOrphanGroup(services: Services, ...args: unknown[]): Promise<void> {
  const [arg] = args;
  const fromTree = prefixesOfNodes(args, 'orphan');
  if (fromTree) {
    const host = shownHostOfNode(args[0]);
    tellRowsLeftOut(args, host);
    await services.removal.run({ kind: 'prefixes', prefixes: fromTree, ...(host ? { host } : {}) });
  } else if (fromTreeRows(args)) {
    void vscode.window.showInformationMessage('DECNET: the rows chosen hold no orphan group of this host now; nothing was done.');
  } else if (typeof arg === 'string') {
    await services.removal.run({ kind: 'prefixes', prefixes: [arg] });
  } else if (Array.isArray(arg) && arg.length > 0 && arg.every((p) => typeof p === 'string')) {
    await services.removal.run({ kind: 'prefixes', prefixes: arg });
  } else {
    await services.removal.run({ kind: 'pick' });
  }
}
