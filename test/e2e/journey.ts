// What the end-to-end journeys share: the packaged .vsix, steps that keep evidence when they
// fail, the tree as text, the Docker resources a journey deploys (removed at the end, even after a
// failure or a signal) and whether one still exists.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, type TestContext } from 'node:test';
import type Docker from 'dockerode';
import { deployTopology, newTopologyId, type FixtureTopology } from '../support/docker';
import type { TreeRow } from './pages/tree';
import { onExitSync, type CodeServer } from './session';

export const ROOT = resolve(__dirname, '..', '..');
export const VSIX = join(ROOT, 'dist', 'decnet-topology-reaper.vsix');
export const SCREENSHOTS = join(ROOT, 'media', 'screenshots');
/** The context-menu item that removes an orphan group. */
export const REMOVE_ITEM = 'Force Remove Orphan Group…';

let packaged = false;

/** `npm run package`, once per process (skipped with DECNET_E2E_SKIP_PACKAGE=1 when the .vsix exists). */
export function packageVsix(): string {
  if (packaged) return VSIX;
  if (process.env.DECNET_E2E_SKIP_PACKAGE === '1' && existsSync(VSIX)) {
    packaged = true;
    return VSIX;
  }
  rmSync(VSIX, { force: true });
  const r = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`\`npm run package\` failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  assert.ok(existsSync(VSIX), `npm run package did not produce ${VSIX}`);
  packaged = true;
  return VSIX;
}

export function show(rows: TreeRow[]): string {
  return rows.map((r) => `${'  '.repeat(r.level - 1)}${r.label}${r.description ? ` — ${r.description}` : ''}`).join('\n');
}

export async function exists(what: 'container' | 'network', d: Docker, id: string): Promise<boolean> {
  try {
    if (what === 'container') await d.getContainer(id).inspect();
    else await d.getNetwork(id).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

/**
 * Runs the steps of one journey; after a failed one the rest are skipped, and a screenshot of the
 * step, the code-server log, VS Code's logs and (with DECNET_E2E_TRACE=1) the Playwright trace are
 * kept in `evidence` (a folder of test-results/).
 */
export function stepper(t: TestContext, session: () => CodeServer | undefined, evidence: string) {
  let failed = false;
  return async (name: string, fn: () => Promise<void>) => {
    await t.test(name, { skip: failed ? 'an earlier step failed' : false }, async () => {
      try {
        await fn();
      } catch (e) {
        failed = true;
        const cs = session();
        if (cs) {
          mkdirSync(evidence, { recursive: true });
          await cs.screenshot(join(evidence, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`)).catch(() => undefined);
          await cs.saveTrace(join(evidence, 'trace.zip')).catch(() => undefined);
          writeFileSync(join(evidence, 'code-server.log'), cs.log);
          try {
            cpSync(join(cs.userDataDir, 'logs'), join(evidence, 'logs'), { recursive: true });
          } catch {
            /* no logs yet */
          }
          console.error(`# evidence in ${evidence}; tree now:\n${show(await cs.tree.rows().catch(() => []))}`);
        }
        throw e;
      }
    });
  };
}

/** A LAN row of DECNET's `topology_lans` for makeDecnetDb (`dmz` is the DMZ). */
export function lanRow(topologyId: string, name: string, subnet: string, dockerNetworkId: string | null = null) {
  return { id: randomUUID(), topologyId, name, subnet, isDmz: name === 'dmz', dockerNetworkId };
}

/**
 * Removes what an earlier, interrupted run may have left: the containers with these names, and
 * the networks with these names or named `decnet_t_…` on these subnets, with every container
 * attached to them.
 */
export async function removeLeftovers(
  docker: Docker,
  { subnets, containers = [], networks = [] }: { subnets: readonly string[]; containers?: readonly string[]; networks?: readonly string[] },
): Promise<void> {
  const ourSubnets = new Set(subnets);
  if (containers.length) {
    for (const c of await docker.listContainers({ all: true })) {
      const name = c.Names[0]?.replace(/^\//, '') ?? '';
      if (containers.includes(name)) {
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
      }
    }
  }
  for (const n of await docker.listNetworks()) {
    const onOurSubnet = (n.IPAM?.Config ?? []).some((c) => c.Subnet && ourSubnets.has(c.Subnet));
    if (networks.includes(n.Name) || (n.Name.startsWith('decnet_t_') && onOurSubnet)) {
      const info = await docker.getNetwork(n.Id).inspect();
      for (const id of Object.keys(info.Containers ?? {})) {
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
      }
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined);
    }
  }
}

/**
 * What one e2e file starts and creates: its code-server session and the Docker resources it
 * deploys on the private daemons. `after` (registered here) stops and removes them all, even after
 * a failure; should a signal end the process first, the resources go synchronously with the
 * docker CLI, against the private daemons only.
 */
export class JourneyResources {
  session: CodeServer | undefined;
  private readonly created: { docker: Docker; host: string; containers: string[]; networks: string[] }[] = [];

  constructor() {
    after(() => this.cleanup());
    onExitSync(() => this.removeNow());
  }

  /** Tracks containers and networks created on the daemon `docker` at `host`, for removal. */
  track(docker: Docker, host: string, { containers = [], networks = [] }: { containers?: string[]; networks?: string[] }): void {
    this.created.push({ docker, host, containers, networks });
  }

  /** Tracks everything of a deployed topology. */
  trackTopology(docker: Docker, host: string, t: FixtureTopology): FixtureTopology {
    this.track(docker, host, { containers: t.containers.map((c) => c.id), networks: t.networks.map((n) => n.id) });
    return t;
  }

  /**
   * Deploys a topology of one LAN, `dmz` on `subnet`, with one decky, once what an interrupted
   * earlier run left on that subnet is gone.
   */
  async deploy(docker: Docker, host: string, subnet: string, decky: string, id = newTopologyId()): Promise<FixtureTopology> {
    await removeLeftovers(docker, { subnets: [subnet] });
    return this.trackTopology(docker, host, await deployTopology(docker, id, [{ name: 'dmz', subnet }], [{ name: decky, lan: 'dmz' }]));
  }

  /** Stops the session, then removes every container and then every network created. */
  async cleanup(): Promise<void> {
    if (this.session) await this.session.stop().catch((e) => console.error(`stopping code-server: ${String(e)}`));
    this.session = undefined;
    const created = this.created.splice(0);
    // Every container first: a network goes only once nothing of the journey is attached to it.
    for (const c of created) {
      for (const id of c.containers) {
        await c.docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
      }
    }
    for (const c of created) {
      for (const id of c.networks) {
        await c.docker
          .getNetwork(id)
          .remove()
          .catch(() => undefined);
      }
    }
  }

  private removeNow(): void {
    const created = this.created.splice(0);
    for (const c of created) {
      if (c.containers.length) spawnSync('docker', ['-H', c.host, 'rm', '-f', ...c.containers], { stdio: 'ignore', timeout: 30_000 });
    }
    for (const c of created) {
      if (c.networks.length) spawnSync('docker', ['-H', c.host, 'network', 'rm', ...c.networks], { stdio: 'ignore', timeout: 30_000 });
    }
  }
}
