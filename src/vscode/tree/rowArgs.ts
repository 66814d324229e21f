// What a tree command is handed: the row clicked and the selection (VS Code passes both), decoded
// into the prefixes and the host it acts on, or recognised as a row lost to a refresh. Pure.
import { isMisplaced, isTornDown } from '../../core/rules';
import { Commands } from '../constants';

import { nodeId, type TreeNode } from './nodes';

export function isNode(arg: unknown): arg is TreeNode {
  return !!arg && typeof arg === 'object' && typeof (arg as { kind?: unknown }).kind === 'string';
}

/**
 * The prefixes a tree command acts on: the rows selected (VS Code passes the row clicked, then
 * every selected row), each a group of `state` or a LAN blocked by one.
 */
export function prefixesOfNodes(args: readonly unknown[], state: 'orphan' | 'tornDown' | 'misplaced'): string[] | undefined {
  const [clicked, selected] = args;
  if (!isNode(clicked)) return undefined;
  // In a swarm, one removal acts on one host: the clicked row's.
  const host = hostOfNode(clicked);
  // The selection counts only when the row clicked is part of it (as VS Code's own lists do):
  // a right-click outside the selection acts on that row alone.
  const inSelection = Array.isArray(selected) && selected.every(isNode) && selected.some((n) => nodeId(n) === nodeId(clicked));
  const nodes: TreeNode[] = inSelection ? selected : [clicked];
  const prefixes: string[] = [];
  for (const node of nodes) {
    if (hostOfNode(node) !== host) continue;
    const group = node.kind === 'group' ? node.group : node.kind === 'blocked' ? node.blocked.group : undefined;
    if (!group) continue;
    const ok =
      state === 'orphan'
        ? group.state === 'orphan' && !group.misplaced
        : state === 'misplaced'
          ? isMisplaced(group)
          : isTornDown(group) && !group.misplaced;
    if (ok && !prefixes.includes(group.prefix)) prefixes.push(group.prefix);
  }
  return prefixes.length ? prefixes : undefined;
}

/** How many selected rows of groups belong to another host than the row clicked (left out: a removal acts on one host). */
export function rowsOnOtherHosts(args: readonly unknown[]): number {
  const [clicked, selected] = args;
  if (!isNode(clicked) || !Array.isArray(selected) || !selected.every(isNode)) return 0;
  if (!selected.some((n) => nodeId(n) === nodeId(clicked))) return 0;
  const host = hostOfNode(clicked);
  return selected.filter((n) => (n.kind === 'group' || n.kind === 'blocked') && hostOfNode(n) !== host).length;
}

/**
 * Whether a command's arguments came from the tree (the row clicked, and the selection): such a
 * command never falls back to asking which one (the Command Palette's way), for a row that no
 * longer offers it would then act on whatever is picked, on the master.
 */
export function fromTreeRows(args: readonly unknown[]): boolean {
  const [clicked, selected] = args;
  return isNode(clicked) || (Array.isArray(selected) && selected.some(isNode));
}

/** The swarm host a row was shown under, as it was shown: a removal from the row acts on exactly that. */
export interface ShownHost {
  name: string;
  /** The endpoint as the row's host showed it (`HostScan.endpointLabel`). */
  endpoint: string;
  /** The daemon the host's row listed, if it answered. */
  daemonId: string | undefined;
}

export function shownHostOfNode(node: unknown): ShownHost | undefined {
  if (!isNode(node)) return undefined;
  const scan =
    node.kind === 'error' ? (node.source === 'docker' ? node.host : undefined) : 'snapshot' in node ? node.snapshot.host : undefined;
  if (!scan) return undefined;
  const d = scan.result.docker;
  return { name: scan.host.ref.name, endpoint: scan.endpointLabel, daemonId: d.ok ? d.value.daemon.id : undefined };
}

/** The swarm host a tree row belongs to (its name), undefined outside a swarm. */
export function hostOfNode(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.kind === 'error') return node.source === 'docker' ? node.host?.host.ref.name : undefined;
  return 'snapshot' in node ? node.snapshot.host?.host.ref.name : undefined;
}

/** The commands of the tree's rows (package.json's view/item/context menu). */
export const ROW_COMMANDS: ReadonlySet<string> = new Set([
  Commands.removeOrphanGroup,
  Commands.removeTornDownGroup,
  Commands.removeMisplacedGroup,
  Commands.reapAllOrphansOnHost,
  Commands.copyId,
  Commands.copyName,
  Commands.inspect,
  Commands.showLogs,
  Commands.findOverlapsForSubnet,
  Commands.hideNetwork,
  Commands.revealNetwork,
]);

/**
 * A row's menu opened while VS Code fetched a refreshed tree: VS Code hands the command
 * `undefined` for the row (and the selection) instead of the row. From the Command Palette the
 * command gets no arguments at all.
 */
export function lostRow(id: string, args: readonly unknown[]): boolean {
  const gone = (a: unknown): boolean => a === undefined || (Array.isArray(a) && a.every((x) => x === undefined));
  return ROW_COMMANDS.has(id) && args.length > 0 && args.every(gone);
}
