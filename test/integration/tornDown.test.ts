// Leftovers of a torn_down topology against the private real dockerd and real SQLite files:
// how they show (the core results the tree renders, the CLI), the refusals, the stronger
// confirmation, the re-check just before removal, and Docker's state after.
// Uses 198.18.108.0/24–198.18.111.0/24.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { main, type Io } from '../../src/cli/main';
import type { Lan } from '../../src/core/model';
import { conflictsOfScan, describeOverlap } from '../../src/core/overlaps';
import { executeRemoval } from '../../src/core/removal/execute';
import { planRemoval } from '../../src/core/removal/plan';
import { RefusedError } from '../../src/core/model';
import { scan } from '../../src/core/scan';
import { buildCli, runCli } from '../support/cli';
import { containerNames, deployTopology, networkNames, newTopologyId, privateDaemon } from '../support/docker';
import { makeDecnetDb, sqliteCli, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

function lan(topologyId: string, name: string, subnet: string): Lan {
  return { id: randomUUID(), topologyId, name, subnet, isDmz: name === 'dmz', dockerNetworkId: null };
}

describe('leftovers of a torn_down topology on a real daemon', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-torndown-it-');

  before(() => {
    buildCli();
  });

  function run(args: string[]) {
    return runCli(args, { env: { HOME: dir, DOCKER_HOST: host }, cwd: dir });
  }

  /**
   * A torn_down topology whose containers and network DECNET left behind, a pending topology that
   * DECNET gave the same subnet again, an active topology, and an orphan.
   */
  async function world(name: string, subnet: string, otherSubnets: [string, string]) {
    const tornId = newTopologyId();
    const pendingId = newTopologyId();
    const activeId = newTopologyId();
    const orphanId = newTopologyId();
    const torn = await deployTopology(docker, tornId, [{ name: 'dmz', subnet }], [{ name: 'decky-01', lan: 'dmz', services: ['ssh'] }]);
    const active = await deployTopology(docker, activeId, [{ name: 'dmz', subnet: otherSubnets[0] }], [{ name: 'decky-01', lan: 'dmz' }]);
    const orphan = await deployTopology(docker, orphanId, [{ name: 'dmz', subnet: otherSubnets[1] }], [{ name: 'decky-01', lan: 'dmz' }]);
    const dbPath = makeDecnetDb(path.join(dir, name), {
      checkpointed: [topologyRow(tornId, `${name}-old`, 'torn_down'), topologyRow(activeId, `${name}-active`, 'active')],
      walOnly: [topologyRow(pendingId, `${name}-next`, 'pending')],
      lans: [lan(tornId, 'dmz', subnet), lan(pendingId, 'dmz', subnet), lan(activeId, 'dmz', otherSubnets[0])],
    });
    return { dbPath, torn, active, orphan, tornId, pendingId, activeId };
  }

  it('shows the leftovers as live but torn_down, blocking the subnet; reap --torn-down removes them', async () => {
    const w = await world('td', '198.18.108.0/24', ['198.18.109.0/24', '198.18.110.0/24']);

    const result = await scan({ dbPath: w.dbPath, dockerHost: host });
    const g = result.groups.find((x) => x.prefix === w.torn.prefix);
    assert.equal(g?.state, 'live', 'DECNET keeps the row: live for removal purposes');
    assert.equal(g?.topology?.status, 'torn_down');
    assert.equal(g.containers.length + g.networks.length, 3, 'three leftovers');
    assert.ok(!result.orphanPrefixes.includes(w.torn.prefix));
    const [conflict] = conflictsOfScan(result).filter((c) => c.network.id === w.torn.networks[0].id);
    assert.equal(conflict.owner.state, 'live');
    assert.equal(conflict.owner.topology?.status, 'torn_down');
    assert.deepEqual(conflict.overlaps.map(describeOverlap), ['holds 198.18.108.0/24, wanted by topology td-next, LAN dmz']);

    // The orphan reaper never touches it, and --torn-down refuses anything not torn_down.
    const asOrphan = run(['reap', w.torn.prefix, '--db', w.dbPath, '--yes']);
    assert.equal(asOrphan.code, 2);
    assert.match(asOrphan.stderr, /is live: topology "td-old" \(torn_down\)/);
    const activeRefused = run(['reap', '--torn-down', w.active.prefix, '--db', w.dbPath, '--yes']);
    assert.equal(activeRefused.code, 2);
    assert.match(activeRefused.stderr, /"td-active" is active, not torn_down/);
    const orphanRefused = run(['reap', '--torn-down', w.orphan.prefix, '--db', w.dbPath, '--yes']);
    assert.equal(orphanRefused.code, 2);
    assert.match(orphanRefused.stderr, /is an orphan/);
    assert.equal(run(['reap', '--torn-down', '--all-orphans', '--db', w.dbPath, '--yes']).code, 2);
    const noTerminal = run(['reap', '--torn-down', w.torn.prefix, '--db', w.dbPath]);
    assert.equal(noTerminal.code, 2);
    assert.match(noTerminal.stderr, /--yes/);

    const dry = run(['reap', '--torn-down', w.torn.prefix, '--db', w.dbPath, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout).plan;
    assert.equal(plan.mode, 'torn_down');
    assert.deepEqual(plan.topologies, [{ prefix: w.torn.prefix, id: w.tornId, name: 'td-old', status: 'torn_down' }]);
    assert.deepEqual(plan.containers.map((c: { name: string }) => c.name).sort(), ['decky-01-ssh', `decnet_t_${w.torn.prefix}_decky-01`]);
    assert.ok((await containerNames(docker)).includes(`decnet_t_${w.torn.prefix}_decky-01`), 'a dry run removes nothing');

    const r = run(['reap', '--torn-down', w.torn.prefix, '--db', w.dbPath, '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.mode, 'torn_down');
    assert.deepEqual(report.prefixes_reaped, [w.torn.prefix]);
    assert.deepEqual(report.containers_removed, ['decky-01-ssh', `decnet_t_${w.torn.prefix}_decky-01`]);
    assert.deepEqual(report.networks_removed, [`decnet_t_${w.torn.prefix}_dmz`]);
    assert.deepEqual(report.errors, []);

    const names = await containerNames(docker);
    for (const c of w.torn.containers) assert.ok(!names.includes(c.name), `${c.name} should be gone`);
    for (const c of [...w.active.containers, ...w.orphan.containers]) assert.ok(names.includes(c.name), `${c.name} must stay`);
    const nets = await networkNames(docker);
    assert.ok(!nets.includes(w.torn.networks[0].name));
    for (const n of [...w.active.networks, ...w.orphan.networks]) assert.ok(nets.includes(n.name), `${n.name} must stay`);

    // The row stays in the database; the subnet is free again.
    const after = await scan({ dbPath: w.dbPath, dockerHost: host });
    assert.equal(
      after.groups.find((x) => x.prefix === w.torn.prefix),
      undefined,
    );
    assert.ok(after.db.ok && after.db.value.topologies.some((t) => t.id === w.tornId && t.status === 'torn_down'));
    assert.deepEqual(
      conflictsOfScan(after).filter((c) => c.network.subnets.includes('198.18.108.0/24')),
      [],
    );
    await docker.createNetwork({ Name: `decnet_t_${w.pendingId.slice(0, 8)}_dmz`, IPAM: { Config: [{ Subnet: '198.18.108.0/24' }] } });
  });

  it('asks for the typed prefix on a terminal, and skips everything whose topology is no longer torn_down', async () => {
    const w = await world('td2', '198.18.111.0/26', ['198.18.111.64/26', '198.18.111.128/26']);
    const out: string[] = [];
    const io = (answer: string): Io => ({
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      env: { DOCKER_HOST: host, HOME: dir },
      cwd: dir,
      confirm: async () => true,
      ask: async () => answer,
    });
    assert.equal(await main(['reap', '--torn-down', w.torn.prefix, '--db', w.dbPath], io('y')), 2, 'a yes is not the prefix');
    assert.match(out.join('\n'), /Torn-down topologies \(their rows stay in the database\):/);
    assert.match(out.join('\n'), /not confirmed \(the prefix was not typed\)/);
    assert.ok((await containerNames(docker)).includes(`decnet_t_${w.torn.prefix}_decky-01`));

    // Confirmed while torn_down; DECNET redeploys (status deploying) before the removal runs.
    const plan = planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.torn.prefix], { mode: 'tornDown' });
    sqliteCli(w.dbPath, `UPDATE topologies SET status = 'deploying' WHERE id = '${w.tornId}';`);
    const report = await executeRemoval(plan, { dbPath: w.dbPath, dockerHost: host });
    assert.equal(report.mode, 'torn_down');
    assert.deepEqual(report.containers_removed, []);
    assert.deepEqual(report.networks_removed, []);
    assert.deepEqual(report.skipped.map((s) => s.name).sort(), [...w.torn.containers, ...w.torn.networks].map((x) => x.name).sort());
    assert.ok(
      report.skipped.every((s) => s.reason === `topology td2-old (${w.torn.prefix}) is now deploying, no longer torn_down`),
      JSON.stringify(report.skipped),
    );
    const names = await containerNames(docker);
    for (const c of w.torn.containers) assert.ok(names.includes(c.name), `${c.name} must survive`);
    await assert.rejects(
      (async () => planRemoval(await scan({ dbPath: w.dbPath, dockerHost: host }), [w.torn.prefix], { mode: 'tornDown' }))(),
      (e: Error) => e instanceof RefusedError && /is deploying, not torn_down/.test(e.message),
    );

    // Torn down again: the typed prefix on a terminal removes the leftovers.
    sqliteCli(w.dbPath, `UPDATE topologies SET status = 'torn_down' WHERE id = '${w.tornId}';`);
    out.length = 0;
    assert.equal(await main(['reap', '--torn-down', w.torn.prefix, '--db', w.dbPath], io(` ${w.torn.prefix} `)), 0, out.join('\n'));
    assert.match(out.join('\n'), /Reaped: +[0-9a-f]{8} \(leftovers of torn_down topologies\)/);
    const after = await containerNames(docker);
    for (const c of w.torn.containers) assert.ok(!after.includes(c.name), `${c.name} should be gone`);
    assert.ok(!(await networkNames(docker)).includes(w.torn.networks[0].name));
  });
});
