import * as vscode from 'vscode';
import { parseHostEndpoint } from '../../core/fleet';
import type { Services } from '../services';
import { readFleetEndpoints, settingsTargetName, writeFleetEndpoint } from '../settings';

/**
 * decnet.fleet.setEndpoint — a swarm worker's "no Docker endpoint configured" row: offers
 * `ssh://<address>` (from swarm_hosts) for the user to confirm or edit, and stores it in
 * decnet.fleet.endpoints (User settings, or Remote in a remote window). Never stored unconfirmed.
 */
export async function setHostEndpoint(services: Services, ...args: unknown[]): Promise<void> {
  const [name, offer] = args;
  if (typeof name !== 'string' || !name) {
    void vscode.window.showInformationMessage("Use Set Docker Endpoint… on a swarm host's row in the DECNET Topologies view.");
    return;
  }
  const current = readFleetEndpoints()[name];
  const value = await vscode.window.showInputBox({
    title: `Docker Endpoint of Host ${name}`,
    prompt: `Where host ${name}'s Docker daemon is reached: ssh://user@host, tcp://host:2376, unix://… or context:NAME. Stored in decnet.fleet.endpoints (${settingsTargetName()} settings).`,
    value: current ?? (typeof offer === 'string' ? offer : ''),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const t = v.trim();
      if (!t) return 'Type an endpoint.';
      // A context is read when the scan runs (its files are not read at each keystroke).
      return t.startsWith('context:') ? undefined : parseHostEndpoint(t).error;
    },
  });
  if (value === undefined) return;
  const endpoint = value.trim();
  await writeFleetEndpoint(name, endpoint);
  services.log.for('settings').info(`decnet.fleet.endpoints: ${name} set to ${endpoint} (${settingsTargetName()} settings)`);
  await services.model.refresh();
}
