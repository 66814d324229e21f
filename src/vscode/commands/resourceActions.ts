import * as vscode from 'vscode';
import { LOG_TAIL_LINES, readContainerLogs } from '../../core/containerLogs';
import { connectDocker } from '../../core/docker';
import type { ScanOptions } from '../../core/scan';
import type { Services } from '../services';
import type { TreeNode } from '../tree/nodes';

interface Resource {
  kind: 'container' | 'network';
  id: string;
  name: string;
  /** The Docker endpoint of the scan the row came from (in a swarm, its host's). */
  dockerHost: ScanOptions['dockerHost'];
}

/** The container or network of a tree row, if it is one. */
function resourceOf(arg: unknown): Resource | undefined {
  const node = arg as TreeNode | undefined;
  if (!node || typeof node !== 'object' || !('snapshot' in node)) return undefined;
  const dockerHost = node.snapshot.target.options.dockerHost;
  switch (node.kind) {
    case 'container':
      return { kind: 'container', id: node.container.id, name: node.container.name, dockerHost };
    case 'network':
    case 'foreignNetwork':
      return { kind: 'network', id: node.network.id, name: node.network.name, dockerHost };
    case 'foreignEndpoint':
      return { kind: 'container', id: node.endpoint.containerId, name: node.endpoint.name, dockerHost };
    default:
      return undefined;
  }
}

/** decnet.resource.copyId */
export async function copyId(_services: Services, arg?: unknown): Promise<void> {
  const r = resourceOf(arg);
  if (r) await vscode.env.clipboard.writeText(r.id);
}

/** decnet.resource.copyName */
export async function copyName(_services: Services, arg?: unknown): Promise<void> {
  const r = resourceOf(arg);
  if (r) await vscode.env.clipboard.writeText(r.name);
}

/** Environment values may hold secrets: shown as `KEY=***`. */
function maskEnv(inspect: Record<string, unknown>): Record<string, unknown> {
  const config = inspect.Config as { Env?: unknown } | undefined;
  if (config && Array.isArray(config.Env)) {
    config.Env = (config.Env as unknown[]).map((e): unknown =>
      typeof e === 'string' && e.includes('=') ? `${e.slice(0, e.indexOf('='))}=***` : e,
    );
  }
  return inspect;
}

/**
 * decnet.resource.inspect — `docker inspect` of the row's container or network, as JSON in a
 * read-only editor, from the daemon the tree was read from. Environment values are masked.
 */
export async function inspect(services: Services, arg?: unknown): Promise<void> {
  const r = resourceOf(arg);
  if (!r) return;
  const docker = connectDocker(r.dockerHost);
  const data =
    r.kind === 'container'
      ? maskEnv((await docker.getContainer(r.id).inspect()) as unknown as Record<string, unknown>)
      : ((await docker.getNetwork(r.id).inspect()) as unknown as Record<string, unknown>);
  await services.documents.open(`${r.name}.json`, `${JSON.stringify(data, null, 2)}\n`);
}

/**
 * decnet.container.showLogs — the last lines of `docker logs` of the row's container (both
 * streams, with timestamps), read-only in an editor, from the daemon the row was read from, the
 * values of its environment masked as Inspect masks them (see core/containerLogs.ts).
 */
export async function showLogs(services: Services, arg?: unknown): Promise<void> {
  const r = resourceOf(arg);
  if (!r || r.kind !== 'container') return;
  const text = await readContainerLogs(connectDocker(r.dockerHost), r.id);
  const header = `# docker logs --timestamps --tail ${LOG_TAIL_LINES} ${r.name} — environment values shown as ***\n`;
  await services.documents.open(`${r.name}.log`, `${header}${text.trim() ? text : '(no output)\n'}`);
}

/** decnet.network.findOverlaps — Find Subnet Overlaps… for the row's network's first subnet. */
export async function findOverlapsForSubnet(services: Services, arg?: unknown): Promise<void> {
  const node = arg as TreeNode | undefined;
  const subnets = node && (node.kind === 'network' || node.kind === 'foreignNetwork') ? node.network.subnets : [];
  const subnet =
    subnets.length > 1
      ? await vscode.window.showQuickPick(subnets, { title: 'Find Overlaps for This Subnet', placeHolder: 'Which subnet?' })
      : subnets[0];
  if (!subnet) {
    if (!subnets.length) void vscode.window.showInformationMessage('This network has no subnet.');
    return;
  }
  await vscode.commands.executeCommand('decnet.overlaps.find', subnet);
}

/** decnet.network.reveal — from a blocked topology's row: selects the network that blocks it. */
export async function revealNetwork(services: Services, arg?: unknown): Promise<void> {
  const node = arg as TreeNode | undefined;
  if (!node || node.kind !== 'blocked') return;
  const c = node.blocked.conflict;
  const shown = await services.revealNetwork(c.network.id, c.owner.state === 'foreign' ? null : c.owner.prefix);
  if (!shown) void vscode.window.showInformationMessage(`${c.network.name} is no longer on Docker.`);
}

/** decnet.network.hide — hides a foreign network that Find Subnet Overlaps… added to the tree. */
export function hideNetwork(services: Services, arg?: unknown): void {
  const node = arg as TreeNode | undefined;
  if (node?.kind === 'foreignNetwork') services.model.unpinNetwork(node.network.id);
}

/** decnet.topologies.revealProblem — the status bar's click. */
export async function revealFirstProblem(services: Services): Promise<void> {
  await services.revealFirstProblem();
}
