import * as vscode from 'vscode';
import { dbForHost } from '../../core/fleet';
import { findOverlapsWith, parseCidr, type QueryMatch } from '../../core/overlaps';
import { Fixes, fixesFor, showErrorWithOutput } from '../notify';
import type { Services } from '../services';
import { plural } from '../words/common';
import { overlapPickItem } from '../words/quickPick';

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
    validateInput: (value) =>
      !value.trim() || parseCidr(value) ? undefined : { message: INVALID, severity: vscode.InputBoxValidationSeverity.Info },
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
  // In a swarm, every host that answered: a Docker pool belongs to one daemon, so each host's
  // networks are compared with the LANs of the topologies that belong there.
  const hosts = snapshot.fleet && snapshot.fleet.length > 1 ? snapshot.fleet : [snapshot];
  const answered = hosts.filter((h) => h.result.docker.ok);
  if (!answered.length) {
    const { result } = hosts[0];
    if (!result.docker.ok) {
      showErrorWithOutput(
        services.log,
        `Cannot connect to Docker at ${result.docker.error.endpoint}: ${result.docker.error.message}`,
        fixesFor(result),
      );
    }
    return undefined;
  }
  const swarm = hosts.length > 1;
  const perHost = answered.flatMap((h) => {
    const r = h.result;
    if (!r.docker.ok) return [];
    const db = r.db.ok ? (h.host ? dbForHost(r.db.value, h.host.host.ref) : r.db.value) : undefined;
    const found = findOverlapsWith(query, r.docker.value, db);
    const name = h.host?.host.ref.name;
    log.info(
      `${query.text}${name ? ` on host ${name}` : ''}: ${found.matches.map((m) => `${m.network.name} (${m.owner.state})`).join(', ') || 'no network'}; ` +
        `wanted by ${found.lans.map((l) => `${l.topology.name}/${l.lan.name}`).join(', ') || 'no LAN'}`,
    );
    const wantedBy = found.lans.map((l) => `topology ${l.topology.name} (${l.topology.status}), LAN ${l.lan.name}`);
    return [{ name, endpoint: r.dockerEndpoint, found, wantedBy, dbOk: r.db.ok }];
  });
  const notScanned = hosts.filter((h) => !h.result.docker.ok).map((h) => h.host?.host.ref.name ?? '?');
  if (!perHost.some((h) => h.found.matches.length)) {
    const where = swarm
      ? `on any host of the swarm (${perHost.map((h) => h.name).join(', ')})${notScanned.length ? `; not scanned: ${notScanned.join(', ')}` : ''}`
      : `on ${perHost[0].endpoint}`;
    const wantedBy = [...new Set(perHost.flatMap((h) => h.wantedBy))];
    const wanted = wantedBy.length ? ` It is wanted by ${wantedBy.join('; ')}.` : '';
    return `No Docker network's pool overlaps ${query.text} ${where}.${wanted} Try another subnet, or Escape.`;
  }
  const unread = perHost.every((h) => h.dbOk) ? '' : ' (the DECNET database could not be read: DECNET networks are not classified)';
  type Item = vscode.QuickPickItem & { match?: QueryMatch };
  // Per host: the networks holding it, then the LANs that want it, one item each (a broad CIDR
  // is wanted by many: a list, not one line over the first network).
  const items: Item[] = perHost
    .filter((h) => h.found.matches.length)
    .flatMap((h) => {
      const host = h.name ? `Host ${h.name}: ` : '';
      // A separator with no item under it is not shown: "wanted by no topology" joins the first.
      const holding = `${host}${plural(h.found.matches.length, 'network')} holding it`;
      return [
        { label: h.found.lans.length ? holding : `${holding}, wanted by no topology`, kind: vscode.QuickPickItemKind.Separator },
        ...h.found.matches.map((match): Item => ({ ...overlapPickItem(match), match })),
        ...(h.found.lans.length
          ? [{ label: `${host}wanted by ${plural(h.found.lans.length, 'LAN')}`, kind: vscode.QuickPickItemKind.Separator }]
          : []),
        // Picking a LAN shows the network that holds its subnet.
        ...h.found.lans.map((l): Item => ({
          label: `$(symbol-namespace) ${l.topology.name}, LAN ${l.lan.name}`,
          description: [l.lan.subnet, l.topology.status].join(' · '),
          match: h.found.matches[0],
        })),
      ];
    });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Networks whose pools overlap ${query.text}${swarm ? ' on the hosts of the swarm' : ''}${unread}`,
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
