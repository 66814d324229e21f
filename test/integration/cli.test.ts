// The bundled CLI (dist/cli.js, as users run it) against the private dockerd and real SQLite files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { containerNames, deployTopology, networkNames, newTopologyId, privateDaemon } from '../support/docker';
import { buildCli, runCli } from '../support/cli';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

describe('decnet-reaper CLI', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-cli-it-');

  before(() => {
    buildCli();
  });

  function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    // DOCKER_HOST points at the private daemon: the CLI's default endpoint is taken from it.
    return runCli(args, { env: { HOME: dir, DOCKER_HOST: host, ...env }, cwd: dir });
  }

  async function world(name: string) {
    const liveId = newTopologyId();
    const orphanId = newTopologyId();
    const db = makeDecnetDb(path.join(dir, name), { checkpointed: [topologyRow(liveId, 'maze-live', 'torn_down')], walOnly: [] });
    const live = await deployTopology(docker, liveId, [{ name: 'dmz', subnet: '198.18.5.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    const orphan = await deployTopology(
      docker,
      orphanId,
      [{ name: 'dmz', subnet: '198.18.6.0/24' }],
      [{ name: 'decky-01', lan: 'dmz', services: ['ssh'] }],
    );
    return { db, live, orphan, liveId };
  }

  it('scan --json prints the groups with the documented keys', async () => {
    const w = await world('scan');
    const r = run(['scan', '--db', w.db, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.live_prefixes, [w.live.prefix]);
    assert.deepEqual(out.orphan_prefixes, [w.orphan.prefix]);
    const live = out.groups.find((g: { prefix: string }) => g.prefix === w.live.prefix);
    assert.deepEqual(live.topology, { id: w.liveId, name: 'maze-live', status: 'torn_down', mode: 'unihost' });
    assert.equal(live.state, 'live');
    const orphan = out.groups.find((g: { prefix: string }) => g.prefix === w.orphan.prefix);
    assert.equal(orphan.state, 'orphan');
    assert.equal(orphan.topology, null);
    assert.deepEqual(orphan.containers.map((c: { name: string }) => c.name).sort(), [
      'decky-01-ssh',
      `decnet_t_${w.orphan.prefix}_decky-01`,
    ]);
    assert.deepEqual(Object.keys(orphan.containers[0]).sort(), ['id', 'name', 'state']);
    assert.deepEqual(orphan.networks, [{ id: w.orphan.networks[0].id, name: w.orphan.networks[0].name, subnets: ['198.18.6.0/24'] }]);
  });

  it('reap --dry-run prints the plan and removes nothing; without --yes and a terminal it refuses', async () => {
    const w = await world('dry');
    const before = await containerNames(docker);
    const dry = run(['reap', w.orphan.prefix, '--db', w.db, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(
      JSON.parse(dry.stdout)
        .plan.containers.map((c: { name: string }) => c.name)
        .sort(),
      ['decky-01-ssh', `decnet_t_${w.orphan.prefix}_decky-01`],
    );
    const noYes = run(['reap', w.orphan.prefix, '--db', w.db]);
    assert.equal(noYes.code, 2);
    assert.match(noYes.stderr, /--yes/);
    assert.deepEqual(await containerNames(docker), before);
  });

  it('refuses a live prefix, an unknown one, bad usage and an unreadable database with exit 2', async () => {
    const w = await world('refuse');
    const live = run(['reap', w.live.prefix, '--db', w.db, '--yes']);
    assert.equal(live.code, 2);
    assert.match(live.stderr, /live.*maze-live/);
    assert.equal(run(['reap', 'deadbeef', '--db', w.db, '--yes']).code, 2);
    assert.equal(run(['reap', '--db', w.db, '--yes']).code, 2);
    assert.equal(run(['frobnicate']).code, 2);
    const corrupt = path.join(dir, 'refuse', 'corrupt.db');
    writeFileSync(corrupt, 'SQLite format 3\0 this is not a database at all'.padEnd(8192, 'x'));
    const bad = run(['reap', '--all-orphans', '--db', corrupt, '--yes']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /corrupt/);
    const badScan = run(['scan', '--db', corrupt, '--json']);
    assert.equal(badScan.code, 2);
    const unread = JSON.parse(badScan.stdout);
    assert.deepEqual(unread.orphan_prefixes, []);
    assert.match(unread.database_error, /^The DECNET database could not be read \(corrupt\): .*Nothing is classified orphan\.$/);
    assert.equal(unread.error.kind, 'unreadable');
    assert.match(unread.error.message, /database could not be read \(corrupt\)/);
    assert.deepEqual(
      unread.groups.map((g: { prefix: string; state: string }) => [g.prefix, g.state]).sort(),
      [
        [w.live.prefix, 'unknown'],
        [w.orphan.prefix, 'unknown'],
      ].sort(),
    );
    assert.equal(run(['scan', '--db', w.db], { DOCKER_HOST: `unix://${dir}/nope.sock` }).code, 2);
    assert.ok((await containerNames(docker)).includes(`decnet_t_${w.orphan.prefix}_decky-01`));
  });

  it('reap --all-orphans --yes --json removes the orphans and prints DECNET keys', async () => {
    const w = await world('all');
    const r = run(['reap', '--all-orphans', '--yes', '--json'], { DECNET_DB_PATH: w.db });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.live_prefixes, [w.live.prefix]);
    assert.deepEqual(report.orphan_prefixes, [w.orphan.prefix]);
    assert.deepEqual(report.containers_removed, ['decky-01-ssh', `decnet_t_${w.orphan.prefix}_decky-01`]);
    assert.deepEqual(report.networks_removed, [w.orphan.networks[0].name]);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(await containerNames(docker), [`decnet_t_${w.live.prefix}_decky-01`]);
    assert.deepEqual(await networkNames(docker), [w.live.networks[0].name]);
  });

  it('reap exits 1 when a resource cannot be removed, reports it and removes the rest', { timeout: 120_000 }, async () => {
    const w = await world('failing');
    const stuck = w.orphan.containers.find((c) => c.name === `decnet_t_${w.orphan.prefix}_decky-01`)!;
    // A file the daemon cannot delete in the container's own folder makes its removal fail for
    // real ("operation not permitted").
    const root = (await docker.info()).DockerRootDir as string;
    const pin = path.join(root, 'containers', stuck.id, 'decnet-reaper-test-immutable');
    writeFileSync(pin, 'the daemon cannot delete this file\n');
    execFileSync('chattr', ['+i', pin]);
    try {
      const r = run(['reap', w.orphan.prefix, '--db', w.db, '--yes', '--json']);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.errors.length, 1, JSON.stringify(report.errors));
      assert.match(report.errors[0], new RegExp(`^container ${stuck.name}: `));
      assert.deepEqual(report.containers_removed, ['decky-01-ssh']);
      const names = await containerNames(docker);
      assert.ok(names.includes(stuck.name), 'the container that failed is still there');
      assert.ok(!names.includes('decky-01-ssh'));
    } finally {
      execFileSync('chattr', ['-i', pin]);
      await docker
        .getContainer(stuck.id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });
});
