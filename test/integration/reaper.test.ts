// Removal against the private real dockerd and real SQLite files in WAL mode.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { executeRemoval } from '../../src/core/removal/execute';
import { planRemoval } from '../../src/core/removal/plan';
import { RefusedError } from '../../src/core/model';
import { scan } from '../../src/core/scan';
import { containerNames, deployTopology, networkNames, newTopologyId, privateDaemon, TEST_IMAGE } from '../support/docker';
import { insertTopologyRow, makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

describe('reaping on a real daemon', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-reaper-it-');

  /** One live topology (its row only in the -wal), two orphans, and resources DECNET never made. */
  async function world(name: string) {
    const liveId = newTopologyId();
    const orphanId = newTopologyId();
    const otherOrphanId = newTopologyId();
    const dbPath = makeDecnetDb(path.join(dir, name), {
      checkpointed: [],
      walOnly: [topologyRow(liveId, 'maze-live')],
    });
    const live = await deployTopology(
      docker,
      liveId,
      [{ name: 'DMZ', subnet: '198.18.1.0/24' }],
      [{ name: 'decky-live', lan: 'DMZ', services: ['ssh'] }],
    );
    const orphan = await deployTopology(
      docker,
      orphanId,
      [
        { name: 'DMZ', subnet: '198.18.2.0/24' },
        { name: 'lan-a', subnet: '198.18.3.0/24', internal: true },
      ],
      [
        { name: 'decky-01', lan: 'DMZ', services: ['ssh', 'http'] },
        { name: 'decky-02', lan: 'lan-a' },
      ],
    );
    const other = await deployTopology(
      docker,
      otherOrphanId,
      [{ name: 'DMZ', subnet: '198.18.4.0/24' }],
      [{ name: 'decky-other', lan: 'DMZ' }],
    );
    const unrelatedNet = await docker.createNetwork({
      Name: 'unrelated-net',
      IPAM: { Config: [{ Subnet: '198.18.99.0/24' }] },
    });
    const unrelated = await docker.createContainer({
      name: 'unrelated-web',
      Image: TEST_IMAGE,
      HostConfig: { NetworkMode: 'unrelated-net' },
    });
    await unrelated.start();
    return { dbPath, live, orphan, other, unrelatedNet, unrelated };
  }

  it('removes exactly the orphan group, service containers included, and reports what is gone', async () => {
    const w = await world('exact');
    // A foreign container attached to the orphan's network: disconnected, never removed.
    await docker.getNetwork(w.orphan.networks[0].id).connect({ Container: w.unrelated.id });

    const result = await scan({ dbPath: w.dbPath, dockerHost: host });
    assert.deepEqual(result.livePrefixes, [w.live.prefix]);
    assert.deepEqual(result.orphanPrefixes, [w.orphan.prefix, w.other.prefix].sort());

    const plan = planRemoval(result, [w.orphan.prefix]);
    assert.deepEqual(plan.containers.map((c) => c.name).sort(), w.orphan.containers.map((c) => c.name).sort());
    const progress: string[] = [];
    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host, onProgress: (p) => progress.push(p.message) });

    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.containers_removed, w.orphan.containers.map((c) => c.name).sort());
    assert.ok(report.containers_removed.includes('decky-01-ssh') && report.containers_removed.includes('decky-01-http'));
    assert.deepEqual(report.networks_removed, w.orphan.networks.map((n) => n.name).sort());
    assert.deepEqual(report.endpoints_disconnected, [{ network: w.orphan.networks[0].name, container: 'unrelated-web', state: 'running' }]);
    assert.equal(progress.length, plan.containers.length + plan.networks.length);

    // Docker's state afterwards, not just the report.
    const names = await containerNames(docker);
    for (const c of w.orphan.containers) assert.ok(!names.includes(c.name), `${c.name} should be gone`);
    for (const c of [...w.live.containers, ...w.other.containers]) assert.ok(names.includes(c.name), `${c.name} should remain`);
    assert.ok(names.includes('unrelated-web'));
    const nets = await networkNames(docker);
    for (const n of w.orphan.networks) assert.ok(!nets.includes(n.name), `${n.name} should be gone`);
    for (const n of [...w.live.networks, ...w.other.networks]) assert.ok(nets.includes(n.name), `${n.name} should remain`);
    assert.ok(nets.includes('unrelated-net'));
    const web = await w.unrelated.inspect();
    assert.equal(web.State.Running, true, 'the foreign container keeps running');
    assert.deepEqual(Object.keys(web.NetworkSettings.Networks), ['unrelated-net']);
  });

  /** The orphan group's base containers with their networks (DMZ: decky-01, lan-a: decky-02). */
  function bases(w: Awaited<ReturnType<typeof world>>) {
    const byName = (n: string) => w.orphan.containers.find((c) => c.name === `decnet_t_${w.orphan.prefix}_${n}`)!;
    const net = (n: string) => w.orphan.networks.find((x) => x.name === `decnet_t_${w.orphan.prefix}_${n}`)!;
    return [
      { base: byName('decky-01'), network: net('dmz') },
      { base: byName('decky-02'), network: net('lan-a') },
    ];
  }

  /** Where a progress message is in the list (fails when it is missing). */
  function position(progress: string[], message: string): number {
    const at = progress.indexOf(message);
    assert.ok(at >= 0, `no "${message}" in: ${progress.join(' / ')}`);
    return at;
  }

  it('removes each network as soon as its containers are gone, while the service containers still go', async () => {
    const w = await world('pipeline');
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    const progress: string[] = [];
    // One container at a time makes the order plain: the two bases (the only endpoints of the
    // group's networks) first, then the service containers, with the networks removed meanwhile.
    const report = await executeRemoval(plan, {
      dbPath: w.dbPath,
      dockerHost: host,
      concurrency: 1,
      onProgress: (p) => progress.push(p.message),
    });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.containers_removed, w.orphan.containers.map((c) => c.name).sort());
    assert.deepEqual(report.networks_removed, w.orphan.networks.map((n) => n.name).sort());
    const pairs = bases(w);
    const containerMessages = progress.filter((m) => m.includes(' container '));
    assert.deepEqual(
      containerMessages.slice(0, 2).sort(),
      pairs.map((p) => `Removed container ${p.base.name}`).sort(),
      `the bases go first: ${progress.join(' / ')}`,
    );
    // A network goes only once its own base is gone, and the first one while the service
    // containers are still being removed.
    for (const { base, network } of pairs) {
      assert.ok(
        position(progress, `Removed network ${network.name}`) > position(progress, `Removed container ${base.name}`),
        `${network.name} goes after ${base.name}: ${progress.join(' / ')}`,
      );
    }
    const lastContainer = Math.max(...progress.map((m, i) => (m.includes(' container ') ? i : -1)));
    const firstNetwork = Math.min(...pairs.map((p) => position(progress, `Removed network ${p.network.name}`)));
    assert.ok(firstNetwork < lastContainer, `a network goes before the last service container: ${progress.join(' / ')}`);
    const nets = await networkNames(docker);
    for (const n of w.orphan.networks) assert.ok(!nets.includes(n.name));
  });

  it('waits for a container of the sweep attached to a network after the re-check before removing that network', async () => {
    const w = await world('late-attach');
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    const pairs = bases(w);
    const progress: string[] = [];
    const report = await executeRemoval(plan, {
      dbPath: w.dbPath,
      dockerHost: host,
      concurrency: 1,
      // Each base joins the other's network once the removal has re-read Docker: the network
      // freed first finds the other base still attached, and being removed.
      afterRecheck: async () => {
        await docker.getNetwork(pairs[1].network.id).connect({ Container: pairs[0].base.id });
        await docker.getNetwork(pairs[0].network.id).connect({ Container: pairs[1].base.id });
      },
      onProgress: (p) => progress.push(p.message),
    });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.endpoints_disconnected, [], 'containers of the sweep are removed, not disconnected');
    assert.deepEqual(report.containers_removed, w.orphan.containers.map((c) => c.name).sort());
    assert.deepEqual(report.networks_removed, w.orphan.networks.map((n) => n.name).sort());
    for (const { network } of pairs) {
      for (const { base } of pairs) {
        assert.ok(
          position(progress, `Removed network ${network.name}`) > position(progress, `Removed container ${base.name}`),
          `${network.name} goes after ${base.name}: ${progress.join(' / ')}`,
        );
      }
    }
  });

  it('reports a container whose removal fails, and goes on with the rest of the group', { timeout: 120_000 }, async () => {
    const w = await world('failing');
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    const [{ base: stuck }] = bases(w);
    // A file the daemon cannot delete in the container's own folder makes its removal fail for
    // real ("operation not permitted"), after it was killed.
    const root = (await docker.info()).DockerRootDir as string;
    const pin = path.join(root, 'containers', stuck.id, 'decnet-reaper-test-immutable');
    writeFileSync(pin, 'the daemon cannot delete this file\n');
    execFileSync('chattr', ['+i', pin]);
    try {
      const progress: string[] = [];
      const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host, onProgress: (p) => progress.push(p.message) });
      assert.equal(report.errors.length, 1, report.errors.join('; '));
      assert.match(report.errors[0], new RegExp(`^container ${stuck.name}: `));
      assert.ok(progress.includes(`Could not remove container ${stuck.name}`));
      assert.equal(progress.length, plan.containers.length + plan.networks.length, 'every resource was attempted');
      const others = w.orphan.containers
        .filter((c) => c.id !== stuck.id)
        .map((c) => c.name)
        .sort();
      assert.deepEqual(report.containers_removed, others);
      const names = await containerNames(docker);
      assert.ok(names.includes(stuck.name), 'the container that failed is still there');
      for (const n of others) assert.ok(!names.includes(n), `${n} should be gone`);
      // The report lists exactly the networks that are gone from the daemon.
      const nets = await networkNames(docker);
      assert.deepEqual(
        report.networks_removed,
        w.orphan.networks
          .filter((n) => !nets.includes(n.name))
          .map((n) => n.name)
          .sort(),
      );
    } finally {
      execFileSync('chattr', ['-i', pin]);
      await docker
        .getContainer(stuck.id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });

  it('counts a container someone else removed between plan and removal as done', async () => {
    const w = await world('gone');
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    const victim = w.orphan.containers.find((c) => c.name === 'decky-01-ssh')!;
    await docker.getContainer(victim.id).remove({ force: true });
    // And one more, after the re-check, while the removal runs.
    const late = w.orphan.containers.find((c) => c.name === 'decky-01-http')!;
    const report = await executeRemoval(plan, {
      dbPath: w.dbPath,
      dockerHost: host,
      afterRecheck: async () => docker.getContainer(late.id).remove({ force: true }),
    });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.containers_removed, w.orphan.containers.map((c) => c.name).sort());
    // Neither was removed by this removal: one before the re-check, one while it ran (Docker said 404).
    assert.deepEqual(report.already_gone, ['decky-01-http', 'decky-01-ssh']);
    assert.deepEqual(report.networks_removed, w.orphan.networks.map((n) => n.name).sort());
    const names = await containerNames(docker);
    assert.ok(w.orphan.containers.every((c) => !names.includes(c.name)));
  });

  it('skips a group whose topology row was inserted between plan and removal', async () => {
    const w = await world('inserted');
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix, w.other.prefix]);
    await insertTopologyRow(w.dbPath, topologyRow(w.orphan.id, 'maze-redeployed', 'deploying'));
    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host });

    assert.deepEqual(report.errors, []);
    const skippedNames = report.skipped.map((s) => s.name).sort();
    assert.deepEqual(skippedNames, [...w.orphan.containers, ...w.orphan.networks].map((r) => r.name).sort());
    assert.ok(report.skipped.every((s) => s.reason.includes('now live') && s.reason.includes('maze-redeployed')));
    assert.deepEqual(
      report.containers_removed,
      w.other.containers.map((c) => c.name),
    );
    assert.ok(!report.containers_removed.some((n) => w.orphan.containers.some((c) => c.name === n)));
    const names = await containerNames(docker);
    for (const c of w.orphan.containers) assert.ok(names.includes(c.name), `${c.name} must survive`);
    for (const c of w.other.containers) assert.ok(!names.includes(c.name), `${c.name} should be gone`);
  });

  it('leaves alone a container of the group that appeared after the confirmation, and its network', async () => {
    const w = await world('appeared');
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    const newcomer = await docker.createContainer({
      name: `decnet_t_${w.orphan.prefix}_decky-03`,
      Image: TEST_IMAGE,
      Labels: { 'decnet.topology.id': w.orphan.id },
      HostConfig: { NetworkMode: w.orphan.networks[0].name },
    });
    await newcomer.start();
    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(
      report.skipped.map((s) => [s.kind, s.name]).sort(),
      [
        ['container', `decnet_t_${w.orphan.prefix}_decky-03`],
        ['network', w.orphan.networks[0].name],
      ].sort(),
    );
    assert.ok((await containerNames(docker)).includes(`decnet_t_${w.orphan.prefix}_decky-03`));
    const nets = await networkNames(docker);
    assert.ok(nets.includes(w.orphan.networks[0].name));
    assert.ok(!nets.includes(w.orphan.networks[1].name));
  });

  it("never disconnects a live topology's container, nor one attached after the confirmation", async () => {
    const w = await world('attached');
    const [dmz, lanA] = w.orphan.networks;
    const liveBase = w.live.containers[0];
    // A live topology's container on the orphan's DMZ: the DMZ is kept, and said so.
    await docker.getNetwork(dmz.id).connect({ Container: liveBase.id });
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    assert.deepEqual(
      plan.networks.map((n) => n.name),
      [lanA.name],
    );
    assert.match(plan.excluded.find((x) => x.name === dmz.name)?.reason ?? '', new RegExp(`DECNET container ${liveBase.name} is attached`));
    // A foreign container attached to lan-a after the confirmation: never disconnected.
    await docker.getNetwork(lanA.id).connect({ Container: w.unrelated.id });
    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host });

    assert.deepEqual(report.containers_removed, w.orphan.containers.map((c) => c.name).sort());
    assert.deepEqual(report.networks_removed, []);
    assert.deepEqual(report.endpoints_disconnected, []);
    assert.match(report.skipped.find((x) => x.name === lanA.name)?.reason ?? '', /unrelated-web is attached and was not confirmed/);
    const nets = await networkNames(docker);
    assert.ok(nets.includes(dmz.name) && nets.includes(lanA.name));
    const live = await docker.getContainer(liveBase.id).inspect();
    assert.equal(live.State.Running, true);
    assert.ok(Object.keys(live.NetworkSettings.Networks).includes(dmz.name), 'the live container stays on the network');
    const web = await w.unrelated.inspect();
    assert.ok(Object.keys(web.NetworkSettings.Networks).includes(lanA.name), 'the late foreign container stays attached');
  });

  it('removes nothing when the database cannot be read', async () => {
    const w = await world('nodb');
    const missing = path.join(dir, 'nodb', 'missing.db');
    const result = await scan({ dbPath: missing, dockerHost: host });
    assert.equal(result.db.ok, false);
    assert.deepEqual(result.orphanPrefixes, []);
    assert.ok(result.groups.every((g) => g.state === 'unknown'));
    assert.throws(() => planRemoval(result, [w.orphan.prefix]), RefusedError);
    // A plan confirmed while the DB was readable is refused once the DB goes away.
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    rmSync(w.dbPath);
    rmSync(`${w.dbPath}-wal`, { force: true });
    await assert.rejects(executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host }), RefusedError);
    const names = await containerNames(docker);
    assert.ok(w.orphan.containers.every((c) => names.includes(c.name)));
  });

  it('reports an unreachable daemon and refuses to remove', async () => {
    const w = await world('nodaemon');
    const dead = `unix://${path.join(dir, 'no-such-docker.sock')}`;
    const result = await scan({ dbPath: w.dbPath, dockerHost: dead });
    assert.equal(result.docker.ok, false);
    assert.match(!result.docker.ok ? result.docker.error.message : '', /no-such-docker\.sock.*does not exist/);
    assert.deepEqual(result.groups, []);
    assert.throws(() => planRemoval(result, [w.orphan.prefix]), RefusedError);
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.orphan.prefix]);
    assert.equal(plan.daemon.id, (await docker.info()).ID);
    await assert.rejects(executeRemoval({ ...plan, dockerEndpoint: dead }, { dbPath: w.dbPath, dockerHost: dead }), RefusedError);
    // The same endpoint answered by another daemon than the one confirmed: refused.
    await assert.rejects(
      executeRemoval({ ...plan, daemon: { ...plan.daemon, id: 'AAAA:BBBB:CCCC' } }, { dbPath: w.dbPath, dockerHost: host }),
      (e: Error) => e instanceof RefusedError && /another Docker daemon/.test(e.message),
    );
    const names = await containerNames(docker);
    assert.ok(w.orphan.containers.every((c) => names.includes(c.name)));
  });
});
