import * as vscode from 'vscode';
import { findOverlapsWith, parseCidr, type QueryMatch } from '../../core/overlaps';
import { showErrorWithOutput } from '../notify';
import type { Services } from '../services';
import { overlapPickItem } from '../tree/labels';

const INVALID = 'Type a CIDR (172.16.5.0/24, fd00:dec::/64) or an IP address (172.16.5.7).';

/**
 * decnet.overlaps.find — "which network holds my subnet, and who owns it?" Asks for a CIDR or an
 * address (or takes it as the argument), scans again, lists the networks whose pools overlap it
 * with their owners and attached containers, and reveals the one picked in the tree.
 */
export async function findSubnetOverlaps(services: Services, arg?: unknown): Promise<void> {
  const log = services.log.for('overlaps');
  const input =
    typeof arg === 'string'
      ? arg
      : await vscode.window.showInputBox({
          title: 'Find Subnet Overlaps',
          prompt: 'Which Docker networks hold this subnet or address, and who owns them?',
          placeHolder: '172.16.5.0/24, 172.16.5.7 or fd00:dec::/64',
          ignoreFocusOut: true,
          validateInput: (value) => (parseCidr(value) ? undefined : INVALID),
        });
  if (input === undefined) {
    return;
  }
  const query = parseCidr(input);
  if (!query) {
    void vscode.window.showErrorMessage(`"${input}" is not a subnet. ${INVALID}`);
    return;
  }
  // Never answer from what the tree showed a while ago.
  const snapshot = await services.model.refresh();
  if (!snapshot) {
    showErrorWithOutput(services.log, 'Scanning DECNET and Docker failed.');
    return;
  }
  const { result } = snapshot;
  if (!result.docker.ok) {
    showErrorWithOutput(services.log, `Cannot connect to Docker at ${result.docker.error.endpoint}: ${result.docker.error.message}`);
    return;
  }
  const found = findOverlapsWith(query, result.docker.value, result.db.ok ? result.db.value : undefined);
  log.info(
    `${query.text}: ${found.matches.map((m) => `${m.network.name} (${m.owner.state})`).join(', ') || 'no network'}; ` +
      `wanted by ${found.lans.map((l) => `${l.topology.name}/${l.lan.name}`).join(', ') || 'no LAN'}`,
  );
  const wanted = found.lans.length
    ? ` Wanted by ${found.lans.map((l) => `topology ${l.topology.name} (${l.topology.status}), LAN ${l.lan.name}`).join('; ')}.`
    : '';
  if (!found.matches.length) {
    void vscode.window.showInformationMessage(`No Docker network's pool overlaps ${query.text} on ${result.dockerEndpoint}.${wanted}`);
    return;
  }
  const unread = result.db.ok ? '' : ' (the DECNET database could not be read: DECNET networks are not classified)';
  const picked = await vscode.window.showQuickPick(
    found.matches.map((match) => ({ ...overlapPickItem(match), match })),
    {
      title: `Networks whose pools overlap ${query.text}${unread}`,
      placeHolder: `Pick one to show it in the Topologies view.${wanted}`,
      matchOnDescription: true,
      matchOnDetail: true,
    },
  );
  if (picked) {
    await revealMatch(services, picked.match);
  }
}

async function revealMatch(services: Services, match: QueryMatch): Promise<void> {
  const shown = await services.revealNetwork(match.network.id, match.owner.state === 'foreign' ? null : match.owner.prefix);
  if (!shown) {
    void vscode.window.showInformationMessage(`${match.network.name} is no longer on Docker.`);
  }
}
