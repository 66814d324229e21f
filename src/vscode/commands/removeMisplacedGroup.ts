import * as vscode from 'vscode';
import type { Services } from '../services';
import { tellRowsLeftOut } from './leftOut';
import { prefixesOfNodes, shownHostOfNode } from '../tree/rowArgs';

/**
 * decnet.misplacedGroup.remove — from a swarm host's Misplaced section, with the group rows
 * selected: removes those topologies' resources from that host only (their rows stay in the
 * database). The prefix is typed to confirm, and the confirmation names the host.
 */
export async function removeMisplacedGroup(services: Services, ...args: unknown[]): Promise<void> {
  const prefixes = prefixesOfNodes(args, 'misplaced');
  const host = shownHostOfNode(args[0]);
  if (!prefixes || !host) {
    void vscode.window.showInformationMessage("Pick a group under a host's Misplaced section in the DECNET Topologies view.");
    return;
  }
  tellRowsLeftOut(args, host);
  await services.removal.run({ kind: 'misplaced', prefixes, host });
}
