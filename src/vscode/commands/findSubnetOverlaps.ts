import * as vscode from 'vscode';
import { findOverlapsWith, parseCidr, type QueryMatch } from '../../core/overlaps';
import { Fixes, fixesFor, showErrorWithOutput } from '../notify';
import type { Services } from '../services';
import { overlapPickItem } from '../tree/labels';

const INVALID = 'Type a CIDR (172.16.5.0/24, fd00:dec::/64) or an IP address (172.16.5.7).';

/**
 * decnet.overlaps.find — "which network holds my subnet, and who owns it?" Asks for a CIDR or an
 * address (or takes it as the argument), scans again, lists the networks whose pools overlap it
 * with their owners and attached containers, and reveals the one picked in the tree.
 */
export async function findSubnetOverlaps(services: Services, arg?: unknown): Promise<void> {
  let given = typeof arg === 'string' ? arg : undefined;
  let prompt = PROMPT;
  // A query that finds nothing asks again, with the query kept and the answer in the prompt.
  for (;;) {
    const input = given ?? (await askQuery(prompt));
    given = undefined;
    if (input === undefined) return;
    const again = await findOnce(services, input);
    if (again === undefined) return;
    prompt = again;
  }
}

const PROMPT = 'Which Docker networks hold this subnet or address, and who owns them?';
let lastQuery = '';

function askQuery(prompt: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Find Subnet Overlaps',
    prompt,
    value: lastQuery,
    placeHolder: '172.16.5.0/24, 172.16.5.7 or fd00:dec::/64',
    ignoreFocusOut: true,
    // Quiet while typing; the error only once the text is not the start of an address.
    validateInput: (value) => (!value.trim() || parseCidr(value) ? undefined : { message: INVALID, severity: vscode.InputBoxValidationSeverity.Info }),
  });
}

/** One query: undefined when done, else the prompt to ask again with (nothing matched). */
async function findOnce(services: Services, input: string): Promise<string | undefined> {
  const log = services.log.for('overlaps');
  lastQuery = input.trim();
  const query = parseCidr(input);
  if (!query) {
    return `"${input}" is not a subnet. ${INVALID}`;
  }
  // Never answer from what the tree showed a while ago.
  const snapshot = await services.model.refresh();
  if (!snapshot) {
    showErrorWithOutput(services.log, 'Scanning DECNET and Docker failed.', [Fixes.retry]);
    return undefined;
  }
  const { result } = snapshot;
  if (!result.docker.ok) {
    showErrorWithOutput(services.log, `Cannot connect to Docker at ${result.docker.error.endpoint}: ${result.docker.error.message}`, fixesFor(result));
    return undefined;
  }
  const found = findOverlapsWith(query, result.docker.value, result.db.ok ? result.db.value : undefined);
  log.info(
    `${query.text}: ${found.matches.map((m) => `${m.network.name} (${m.owner.state})`).join(', ') || 'no network'}; ` +
      `wanted by ${found.lans.map((l) => `${l.topology.name}/${l.lan.name}`).join(', ') || 'no LAN'}`,
  );
  const wantedBy = found.lans.map((l) => `topology ${l.topology.name} (${l.topology.status}), LAN ${l.lan.name}`);
  if (!found.matches.length) {
    const wanted = wantedBy.length ? ` It is wanted by ${wantedBy.join('; ')}.` : '';
    return `No Docker network's pool overlaps ${query.text} on ${result.dockerEndpoint}.${wanted} Try another subnet, or Escape.`;
  }
  const unread = result.db.ok ? '' : ' (the DECNET database could not be read: DECNET networks are not classified)';
  type Item = vscode.QuickPickItem & { match?: QueryMatch };
  // Who wants the subnet stays in sight as a separator, whatever is typed to filter.
  const items: Item[] = [
    { label: wantedBy.length ? `Wanted by ${wantedBy.join('; ')}` : 'Wanted by no topology', kind: vscode.QuickPickItemKind.Separator },
    ...found.matches.map((match): Item => ({ ...overlapPickItem(match), match })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Networks whose pools overlap ${query.text}${unread}`,
    placeHolder: 'Pick one to show it in the Topologies view',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked?.match) {
    await revealMatch(services, picked.match);
  }
  return undefined;
}

async function revealMatch(services: Services, match: QueryMatch): Promise<void> {
  const shown = await services.revealNetwork(match.network.id, match.owner.state === 'foreign' ? null : match.owner.prefix);
  if (!shown) {
    void vscode.window.showInformationMessage(`${match.network.name} is no longer on Docker.`);
  }
}
