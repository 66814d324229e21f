// The private Docker daemon of the test setup (scripts/private-dockerd.sh), the one fixture
// integration tests reach it through, and helpers that build DECNET-like topologies on it.
// Tests never reach any other daemon.
//
// Clean-up style: a test file has the private daemon to itself (integration files run one at a
// time, --test-concurrency=1, and each checkout runs its own daemon), so `privateDaemon()` wipes
// every container and network on it before each test and after the file. What an interrupted
// run left behind goes too, and a test can assert on the daemon's whole state.
import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { after, before, beforeEach } from 'node:test';

export const TEST_IMAGE = 'decnet-test/busybox:latest';

/** The private daemon's URL. Fails (never skips) when the test setup did not start it. */
export function testDockerHost(): string {
  const host = process.env.DECNET_TEST_DOCKER_HOST;
  if (!host) {
    throw new Error('DECNET_TEST_DOCKER_HOST is not set: run the tests with `npm test`, which starts the private dockerd');
  }
  if (!host.startsWith('unix://') || host === 'unix:///var/run/docker.sock' || host === 'unix:///run/docker.sock') {
    throw new Error(`refusing to run destructive tests against ${host}: only the private test daemon is allowed`);
  }
  return host;
}

export function testDocker(): Docker {
  return dockerAt(testDockerHost());
}

export function dockerAt(host: string): Docker {
  return new Docker({ socketPath: host.slice('unix://'.length) });
}

/**
 * Throws unless the daemon answering at `host` is one that scripts/private-dockerd.sh started:
 * a socket under /tmp, and the daemon's data root `data` next to it. Checked before anything is
 * wiped, so that a DECNET_TEST_DOCKER_HOST pointing at someone's own daemon (a rootless one, say)
 * loses nothing.
 */
export async function assertPrivateDaemon(docker: Docker, host: string): Promise<void> {
  const socket = host.slice('unix://'.length);
  const expected = path.join(path.dirname(socket), 'data');
  const info = (await docker.info()) as { DockerRootDir?: string };
  if (!socket.startsWith('/tmp/') || info.DockerRootDir !== expected) {
    throw new Error(
      `refusing to use the daemon at ${host}: its data root is ${String(info.DockerRootDir)}, not ${expected}; ` +
        'only a private test daemon (scripts/private-dockerd.sh) is allowed',
    );
  }
}

export interface PrivateDaemon {
  readonly docker: Docker;
  readonly host: string;
}

/**
 * The private test daemon, for the tests of one `describe`: call it first in the `describe`'s
 * body. It fails (never skips) without the private daemon, refuses any other, and wipes it
 * before each test (or, with `wipeBeforeEachTest: false`, once before the file, for files whose
 * tests share what a `before` hook deployed) and after the file.
 */
export function privateDaemon({ wipeBeforeEachTest = true }: { wipeBeforeEachTest?: boolean } = {}): PrivateDaemon {
  const host = testDockerHost();
  const docker = dockerAt(host);
  before(async () => {
    await assertPrivateDaemon(docker, host);
    if (!wipeBeforeEachTest) await wipeDaemon(docker);
  });
  if (wipeBeforeEachTest) beforeEach(async () => wipeDaemon(docker));
  after(async () => wipeDaemon(docker));
  return { docker, host };
}

/** A fresh uuid4 topology id whose prefix is unique in this run. */
export function newTopologyId(): string {
  return randomUUID();
}

export interface FixtureLan {
  name: string;
  subnet: string;
  internal?: boolean;
}

export interface FixtureDecky {
  name: string;
  lan: string;
  services?: string[];
}

export interface FixtureTopology {
  id: string;
  prefix: string;
  networks: { id: string; name: string }[];
  containers: { id: string; name: string }[];
}

/**
 * Builds on the daemon what DECNET deploys for a topology: one unlabelled bridge network per
 * LAN (`decnet_t_<prefix>_<lan>`), a running base container per decky with the topology labels
 * and compose project, and one service container per service that shares the base's network
 * namespace and is named after the decky only.
 */
export async function deployTopology(
  docker: Docker,
  topologyId: string,
  lans: FixtureLan[],
  deckies: FixtureDecky[],
): Promise<FixtureTopology> {
  const prefix = topologyId.slice(0, 8);
  const project = `decnet-topo-${prefix}`;
  const out: FixtureTopology = { id: topologyId, prefix, networks: [], containers: [] };
  for (const lan of lans) {
    const name = `decnet_t_${prefix}_${lan.name.toLowerCase()}`;
    const net = await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      Internal: lan.internal ?? false,
      IPAM: { Driver: 'default', Config: [{ Subnet: lan.subnet }] },
    });
    out.networks.push({ id: net.id, name });
  }
  for (const decky of deckies) {
    const baseName = `decnet_t_${prefix}_${decky.name}`;
    const base = await docker.createContainer({
      name: baseName,
      Image: TEST_IMAGE,
      Labels: {
        'decnet.topology.id': topologyId,
        'decnet.topology.decky': decky.name,
        'decnet.topology.role': 'base',
        'com.docker.compose.project': project,
      },
      HostConfig: { NetworkMode: `decnet_t_${prefix}_${decky.lan.toLowerCase()}` },
    });
    await base.start();
    out.containers.push({ id: base.id, name: baseName });
    for (const service of decky.services ?? []) {
      const name = `${decky.name}-${service}`;
      const svc = await docker.createContainer({
        name,
        Image: TEST_IMAGE,
        Labels: {
          'decnet.topology.id': topologyId,
          'decnet.topology.decky': decky.name,
          'decnet.topology.service_name': service,
          'decnet.topology.service': 'true',
          'com.docker.compose.project': project,
        },
        HostConfig: { NetworkMode: `container:${base.id}` },
      });
      await svc.start();
      out.containers.push({ id: svc.id, name });
    }
  }
  return out;
}

/** Removes every container and network (but the built-in ones) of a private daemon. */
export async function wipeDaemon(docker: Docker): Promise<void> {
  const containers = await docker.listContainers({ all: true });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  const networks = await docker.listNetworks();
  await Promise.all(
    networks
      .filter((n) => !['bridge', 'host', 'none'].includes(n.Name))
      .map((n) =>
        docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined),
      ),
  );
}

export async function containerNames(docker: Docker): Promise<string[]> {
  return (await docker.listContainers({ all: true })).map((c) => c.Names[0].replace(/^\//, '')).sort();
}

export async function networkNames(docker: Docker): Promise<string[]> {
  return (await docker.listNetworks())
    .map((n) => n.Name)
    .filter((n) => !['bridge', 'host', 'none'].includes(n))
    .sort();
}

/** A name no other resource of the run has: `<stem>-<6 hex>`. */
export function uniqueName(stem: string): string {
  return `${stem}-${randomBytes(3).toString('hex')}`;
}

// ---- A second private daemon, of a test's own (for daemon restarts) ----

const SCRIPT = path.resolve(__dirname, '../../scripts/private-dockerd.sh');

/**
 * Where a test's own daemon called `name` lives: `/tmp/decnet-reaper-<name>`, with the name of a
 * non-default DECNET_TEST_ROOT appended, so that test runs against different private daemons do
 * not share it.
 */
export function ownDaemonRoot(name: string): string {
  const base = path.basename(process.env.DECNET_TEST_ROOT ?? '');
  const suffix = !base || base === 'decnet-reaper-test' ? '' : `-${base.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  return `/tmp/decnet-reaper-${name}${suffix}`;
}

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
    env: { ...process.env, DECNET_TEST_ROOT: root, DECNET_TEST_TLS_PORT: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 120_000,
  });
}
