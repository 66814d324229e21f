// Containers that are not running (created, exited, paused) attached to orphan networks, against
// the private real dockerd: Docker's network inspect lists only running and paused ones, and it
// removes a network that only stopped containers name, which then fail `docker start` with
// `network … not found`. Every container a removal keeps is started afterwards.
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { executeRemoval } from '../../src/core/removal/execute';
import { planRemoval } from '../../src/core/removal/plan';
import { endpointsToDisconnect } from '../../src/core/rules';
import { scan } from '../../src/core/scan';
import { buildCli, runCli } from '../support/cli';
import { containerNames, deployTopology, networkNames, newTopologyId, privateDaemon, TEST_IMAGE } from '../support/docker';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

describe('containers that are not running, on orphan networks', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-stopped-it-');

  before(() => {
    buildCli();
  });

  /** A live topology and an orphan with two LANs (a decky on each). */
  async function world(name: string) {
    const liveId = newTopologyId();
    const dbPath = makeDecnetDb(path.join(dir, name), { checkpointed: [topologyRow(liveId, 'maze-live')] });
    const live = await deployTopology(docker, liveId, [{ name: 'dmz', subnet: '198.18.20.0/24' }], [{ name: 'decky-live', lan: 'dmz' }]);
    const orphan = await deployTopology(
      docker,
      newTopologyId(),
      [
        { name: 'dmz', subnet: '198.18.21.0/24' },
        { name: 'lan-a', subnet: '198.18.22.0/24', internal: true },
      ],
      [
        { name: 'decky-01', lan: 'dmz', services: ['ssh'] },
        { name: 'decky-02', lan: 'lan-a' },
      ],
    );
    const [dmz, lanA] = orphan.networks;
    return { dbPath, live, orphan, dmz, lanA };
  }

  type State = 'created' | 'exited' | 'paused' | 'running';

  /** A container of the test image on `network`, brought to `state`. */
  async function containerIn(name: string, network: string, state: State, labels: Record<string, string> = {}): Promise<Docker.Container> {
    const c = await docker.createContainer({ name, Image: TEST_IMAGE, Labels: labels, HostConfig: { NetworkMode: network } });
    if (state === 'created') return c;
    await c.start();
    if (state === 'exited') {
      await c.kill();
      await c.wait();
    }
    if (state === 'paused') await c.pause();
    return c;
  }

  async function stateOf(c: Docker.Container): Promise<{ status: string; networks: string[] }> {
    const info = await c.inspect();
    return { status: info.State.Status, networks: Object.keys(info.NetworkSettings.Networks).sort() };
  }

  it('disconnects created, exited and paused foreign containers, removes the network, and each starts again (the paused one unpauses)', async () => {
    const w = await world('foreign');
    await docker.createNetwork({ Name: 'side-net', IPAM: { Config: [{ Subnet: '198.18.29.0/24' }] } });
    const created = await containerIn('web-created', w.dmz.name, 'created');
    const exited = await containerIn('web-exited', w.dmz.name, 'exited');
    const paused = await containerIn('web-paused', w.dmz.name, 'paused');
    // On two networks: only the orphan's is taken from it.
    const twoNets = await containerIn('web-two', 'side-net', 'running');
    await docker.getNetwork(w.dmz.id).connect({ Container: twoNets.id });
    await twoNets.kill();
    await twoNets.wait();

    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    assert.deepEqual(plan.networks.map((n) => n.name).sort(), [w.dmz.name, w.lanA.name].sort());
    assert.deepEqual(
      endpointsToDisconnect(plan).sort((a, b) => a.container.localeCompare(b.container)),
      [
        { network: w.dmz.name, container: 'web-created', state: 'created' },
        { network: w.dmz.name, container: 'web-exited', state: 'exited' },
        { network: w.dmz.name, container: 'web-paused', state: 'paused' },
        { network: w.dmz.name, container: 'web-two', state: 'exited' },
      ],
    );
    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.networks_removed, [w.dmz.name, w.lanA.name].sort());
    assert.deepEqual(
      report.endpoints_disconnected.map((e) => `${e.container} ${e.state} ${e.network}`).sort(),
      ['web-created created', 'web-exited exited', 'web-paused paused', 'web-two exited'].map((s) => `${s} ${w.dmz.name}`),
    );
    assert.deepEqual(await networkNames(docker), ['side-net', ...w.live.networks.map((n) => n.name)].sort());

    // What a user sees afterwards: each starts, without the network that went.
    for (const c of [created, exited]) {
      await c.start();
      assert.deepEqual(await stateOf(c), { status: 'running', networks: [] });
    }
    await twoNets.start();
    assert.deepEqual(await stateOf(twoNets), { status: 'running', networks: ['side-net'] });
    // The paused one is left paused, as it was; it resumes with `docker unpause`.
    assert.deepEqual(await stateOf(paused), { status: 'paused', networks: [] });
    await paused.unpause();
    assert.deepEqual(await stateOf(paused), { status: 'running', networks: [] });
  });

  it("keeps an orphan network a live topology's exited or created container is attached to, with its reason, and that container starts", async () => {
    const w = await world('live');
    const liveBase = docker.getContainer(w.live.containers[0].id);
    await docker.getNetwork(w.dmz.id).connect({ Container: liveBase.id });
    await liveBase.kill();
    await liveBase.wait();
    // A decky of the live topology created on the orphan's lan-a, never started.
    const liveCreated = await containerIn(`decnet_t_${w.live.prefix}_decky-new`, w.lanA.name, 'created', {
      'decnet.topology.id': w.live.id,
    });

    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    assert.deepEqual(plan.networks, []);
    assert.deepEqual(
      plan.excluded.map((x) => [x.kind, x.name, x.reason]).sort(),
      [
        ['network', w.dmz.name, `DECNET container ${w.live.containers[0].name} (exited) is attached and is not removed`],
        ['network', w.lanA.name, `DECNET container decnet_t_${w.live.prefix}_decky-new (created) is attached and is not removed`],
      ].sort(),
    );
    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.containers_removed, w.orphan.containers.map((c) => c.name).sort());
    assert.deepEqual(report.endpoints_disconnected, []);
    const nets = await networkNames(docker);
    assert.ok(nets.includes(w.dmz.name) && nets.includes(w.lanA.name), nets.join(', '));

    await liveBase.start();
    assert.deepEqual(await stateOf(liveBase), { status: 'running', networks: [w.dmz.name, w.live.networks[0].name].sort() });
    await liveCreated.start();
    assert.deepEqual(await stateOf(liveCreated), { status: 'running', networks: [w.lanA.name] });
  });

  it('keeps the network when a stopped container is attached, or a live one attached and stopped, after the confirmation', async () => {
    const w = await world('late');
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    assert.equal(plan.networks.length, 2);
    // After the confirmation: a foreign container created on the DMZ; the live base attached to
    // lan-a, then stopped.
    const late = await containerIn('late-web', w.dmz.name, 'created');
    const liveBase = docker.getContainer(w.live.containers[0].id);
    await docker.getNetwork(w.lanA.id).connect({ Container: liveBase.id });
    await liveBase.kill();
    await liveBase.wait();

    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.networks_removed, []);
    assert.deepEqual(report.endpoints_disconnected, []);
    assert.deepEqual(
      report.skipped.map((s) => [s.name, s.reason]).sort(),
      [
        [w.dmz.name, 'container late-web (created) is attached and was not confirmed for removal or disconnection'],
        [w.lanA.name, `container ${w.live.containers[0].name} (exited) is attached and was not confirmed for removal or disconnection`],
      ].sort(),
    );
    await late.start();
    assert.deepEqual(await stateOf(late), { status: 'running', networks: [w.dmz.name] });
    await liveBase.start();
    assert.equal((await stateOf(liveBase)).status, 'running');
  });

  it('keeps both networks of one name while a container never started names that name', async () => {
    const w = await world('twins');
    const web = await containerIn('web-created', w.dmz.name, 'created');
    // Docker lets a second network take the name when asked not to check.
    const twin = await docker.createNetwork({ Name: w.dmz.name, CheckDuplicate: false, IPAM: { Config: [{ Subnet: '198.18.23.0/24' }] } });

    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    assert.deepEqual(
      plan.networks.map((n) => n.name),
      [w.lanA.name],
    );
    const reason = `container web-created (created) names its network only as ${w.dmz.name}, a name that more than one network bears: which of them it joins when started cannot be told`;
    assert.deepEqual(
      plan.excluded
        .filter((x) => x.kind === 'network')
        .map((x) => [x.id, x.reason])
        .sort(),
      [
        [w.dmz.id, reason],
        [twin.id, reason],
      ].sort(),
    );
    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.networks_removed, [w.lanA.name]);
    assert.ok((await docker.listNetworks()).filter((n) => n.Name === w.dmz.name).length === 2, 'both networks of the name stay');
    // Docker answers as it did before the removal: the name is ambiguous, for the user to settle.
    await assert.rejects(web.start(), /ambiguous/);
    assert.deepEqual(await stateOf(web), { status: 'created', networks: [w.dmz.name] });
  });

  it('scan and reap say which stopped foreign containers a removal only disconnects', async () => {
    const w = await world('cli');
    await containerIn('web-exited', w.dmz.name, 'exited');
    const env = { HOME: dir, DOCKER_HOST: host };
    const text = runCli(['scan', '--db', w.dbPath], { env, cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /\n {6}web-exited \(exited\) is not DECNET's: a removal only disconnects it\n/);
    const json = runCli(['scan', '--db', w.dbPath, '--json'], { env, cwd: dir });
    const orphan = JSON.parse(json.stdout).groups.find((g: { prefix: string }) => g.prefix === w.orphan.prefix);
    assert.deepEqual(orphan.endpoints_to_disconnect, [{ network: w.dmz.name, container: 'web-exited', state: 'exited' }]);

    const reap = runCli(['reap', w.orphan.prefix, '--db', w.dbPath, '--yes', '--no-audit-log'], { env, cwd: dir });
    assert.equal(reap.code, 0, reap.stderr);
    assert.match(reap.stdout, / {4}web-exited \(exited\) from /);
    assert.ok((await containerNames(docker)).includes('web-exited'));
    await docker.getContainer('web-exited').start();
    assert.equal((await docker.getContainer('web-exited').inspect()).State.Status, 'running');
  });
});
