import * as vscode from 'vscode';
import type { Services } from '../services';
import { shownHostOfNode, isNode } from '../tree/rowArgs';

/**
 * decnet.orphans.reapAll — the view's title bar and the Command Palette: every orphan prefix of a
 * fresh scan of the master's daemon (in a swarm, the master's), after one modal confirmation. Its
 * arguments are ignored: from the title bar VS Code passes whichever row has the focus.
 */
export async function reapAllOrphans(services: Services): Promise<void> {
  await services.removal.run({ kind: 'allOrphans' });
}

/**
 * decnet.orphans.reapAllOnHost — the Orphans section's inline button: the orphans of that
 * section's daemon (in a swarm, of its host).
 */
export async function reapAllOrphansOnHost(services: Services, arg?: unknown): Promise<void> {
  if (!isNode(arg) || arg.kind !== 'section' || arg.section !== 'orphan') {
    void vscode.window.showInformationMessage("Use Reap All Orphans… on an Orphans section's row in the DECNET Topologies view.");
    return;
  }
  const host = shownHostOfNode(arg);
  await services.removal.run({ kind: 'allOrphans', ...(host ? { host } : {}) });
}
