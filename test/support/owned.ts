// For integration tests that share the private daemon with other tests running at the same
// time: remember what this test created and remove exactly that, never the whole daemon.
// Also starts and stops a second private daemon of a test's own (for daemon restarts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import Docker from 'dockerode';
import type { FixtureTopology } from './docker';

export class Created {
  readonly containers = new Set<string>();
  readonly networks = new Set<string>();

  topology<T extends FixtureTopology>(t: T): T {
    for (const c of t.containers) this.containers.add(c.id);
    for (const n of t.networks) this.networks.add(n.id);
    return t;
  }

  /** Removes what was recorded (containers first, then networks); what is already gone is fine. */
  async cleanup(docker: Docker): Promise<void> {
    for (const id of this.containers) {
      await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    }
    for (const id of this.networks) {
      await docker.getNetwork(id).remove().catch(() => undefined);
    }
    this.containers.clear();
    this.networks.clear();
  }
}

/** A name no other test uses: `<stem>-<6 hex>`. */
export function uniqueName(stem: string): string {
  return `${stem}-${randomBytes(3).toString('hex')}`;
}

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/private-dockerd.sh');

function checkRoot(root: string): void {
  if (!/^\/tmp\/decnet-reaper-[a-z0-9-]+$/.test(root) || root === '/tmp/decnet-reaper-test') {
    throw new Error(`refusing to manage a daemon under ${root}: a test's own daemon lives in /tmp/decnet-reaper-<name>`);
  }
}

/**
 * Starts (or finds running) a private dockerd of this test's own under `root`, with
 * scripts/private-dockerd.sh, and returns its URL. Throws (the test fails, never skips) when it
 * cannot start, for example without dockerd.
 */
export function startOwnDaemon(root: string): string {
  checkRoot(root);
  const out = execFileSync('bash', [SCRIPT, 'start'], {
    // Its own daemon: no TLS listener, whose port belongs to the shared test daemon.
    env: { ...process.env, DECNET_TEST_ROOT: root, DECNET_TEST_TLS_PORT: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  const host = out.trim().split('\n').pop() ?? '';
  if (host !== `unix://${root}/docker.sock`) throw new Error(`private-dockerd.sh start printed ${JSON.stringify(out)}`);
  return host;
}

/** Stops that daemon (the script removes its containers first; its networks stay in its data root). */
export function stopOwnDaemon(root: string): void {
  checkRoot(root);
  execFileSync('bash', [SCRIPT, 'stop'], {
    // Its own daemon: no TLS listener, whose port belongs to the shared test daemon.
    env: { ...process.env, DECNET_TEST_ROOT: root, DECNET_TEST_TLS_PORT: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 120_000,
  });
}

export function dockerAt(host: string): Docker {
  return new Docker({ socketPath: host.slice('unix://'.length) });
}
