import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../../src/core/grouping';
import { planRemoval } from '../../src/core/removal/plan';
import { RefusedError } from '../../src/core/model';
import { formatPlan } from '../../src/core/removal/text';
import type { ScanResult } from '../../src/core/model';
import { DbReadError } from '../../src/core/model';
import { container, decnetLabels, inventory, network, snapshot, topology } from './fixtures';

const LIVE = '3f2a9c1e-1111-4222-8333-444455556666';
const ORPHAN = '0badc0de-1111-4222-8333-444455556666';

function world() {
  return inventory(
    [
      container('decnet_t_3f2a9c1e_decky-01', decnetLabels(LIVE, 'decky-01')),
      container('decky-01-ssh', decnetLabels(LIVE, 'decky-01', 'ssh'), { networkMode: 'container:abc' }),
      container('decnet_t_0badc0de_decky-01', decnetLabels(ORPHAN, 'decky-01')),
      container('decky-01-http', decnetLabels(ORPHAN, 'decky-01', 'http')),
      container('unrelated-web'),
    ],
    [
      network('decnet_t_3f2a9c1e_dmz', ['198.18.1.0/24']),
      network('decnet_t_0badc0de_dmz', ['198.18.2.0/24']),
      network('decnet_t_0badc0de_lan-a', ['198.18.3.0/24'], { internal: true }),
      network('decnet_t_abcd_dmz'),
      network('bridge'),
    ],
  );
}

function scanOf(inv = world(), db = snapshot(topology(LIVE, 'maze-1'))): ScanResult {
  const c = classify(inv, db);
  return {
    db: { ok: true, value: db },
    docker: { ok: true, value: inv },
    dbSource: db.source,
    dockerEndpoint: inv.endpoint,
    ...c,
  };
}

describe('classify', () => {
  it('lists every topology prefix of the database, as DECNET does, beside the live ones on Docker', () => {
    const c = classify(world(), snapshot(topology(LIVE, 'maze-1'), topology('5eed5eed-0000-4000-8000-000000000001', 'maze-away')));
    assert.deepEqual(c.dbPrefixes, ['3f2a9c1e', '5eed5eed']);
    assert.deepEqual(c.livePrefixes, ['3f2a9c1e']);
    assert.deepEqual(classify(world(), undefined).dbPrefixes, []);
  });

  it('splits prefixes into live (a DB id starts with it) and orphan', () => {
    const c = classify(world(), snapshot(topology(LIVE, 'maze-1')));
    assert.deepEqual(c.livePrefixes, ['3f2a9c1e']);
    assert.deepEqual(c.dbPrefixes, ['3f2a9c1e']);
    assert.deepEqual(c.orphanPrefixes, ['0badc0de']);
    const orphan = c.groups.find((g) => g.prefix === '0badc0de')!;
    assert.equal(orphan.state, 'orphan');
    assert.equal(orphan.topology, null);
    assert.deepEqual(
      orphan.containers.map((x) => x.name),
      ['decky-01-http', 'decnet_t_0badc0de_decky-01'],
    );
    assert.deepEqual(
      orphan.networks.map((x) => x.name),
      ['decnet_t_0badc0de_dmz', 'decnet_t_0badc0de_lan-a'],
    );
    assert.ok(orphan.containers.every((x) => x.removable));
    const live = c.groups.find((g) => g.prefix === '3f2a9c1e')!;
    assert.equal(live.topology?.name, 'maze-1');
    assert.ok(live.containers.every((x) => !x.removable));
  });

  it('treats every status as live, torn_down included, and agent-mode topologies too', () => {
    for (const status of ['pending', 'deploying', 'active', 'degraded', 'failed', 'tearing_down', 'torn_down']) {
      const c = classify(world(), snapshot(topology(LIVE, 'maze-1', status), topology(ORPHAN, 'maze-2', status, 'agent')));
      assert.deepEqual(c.livePrefixes, ['0badc0de', '3f2a9c1e'], status);
      assert.deepEqual(c.orphanPrefixes, [], status);
    }
  });

  it('ignores non-DECNET resources and names that only look like DECNET', () => {
    const c = classify(world(), snapshot());
    const names = c.groups.flatMap((g) => [...g.containers, ...g.networks].map((r) => r.name));
    assert.ok(!names.includes('unrelated-web'));
    assert.ok(!names.includes('bridge'));
    assert.ok(!names.includes('decnet_t_abcd_dmz'));
  });

  it('makes a resource pointing to a live and an orphan prefix removable in neither group', () => {
    const inv = inventory([container('decnet_t_0badc0de_decky-09', { 'decnet.topology.id': LIVE })], []);
    const c = classify(inv, snapshot(topology(LIVE, 'maze-1')));
    assert.deepEqual(
      c.groups.map((g) => [g.prefix, g.state]),
      [
        ['0badc0de', 'orphan'],
        ['3f2a9c1e', 'live'],
      ],
    );
    assert.equal(c.groups[0].containers[0].removable, false);
  });

  it('makes a resource pointing to two orphan prefixes removable', () => {
    const inv = inventory([container('decnet_t_0badc0de_decky-09', { 'decnet.topology.id': 'aaaaaaaa-0000-4000-8000-000000000000' })], []);
    const c = classify(inv, snapshot());
    assert.deepEqual(c.orphanPrefixes, ['0badc0de', 'aaaaaaaa']);
    assert.ok(c.groups.every((g) => g.containers[0].removable));
  });

  it('never makes a resource with a malformed marker removable', () => {
    const inv = inventory([container('decnet_t_0badc0de_decky-09', { 'decnet.topology.id': 'garbage' })], []);
    const c = classify(inv, snapshot());
    assert.equal(c.groups[0].state, 'orphan');
    assert.equal(c.groups[0].containers[0].removable, false);
  });

  it('classifies nothing orphan without a DB snapshot', () => {
    const c = classify(world(), undefined);
    assert.deepEqual(c.orphanPrefixes, []);
    assert.deepEqual(c.livePrefixes, []);
    assert.ok(c.groups.length === 2 && c.groups.every((g) => g.state === 'unknown'));
    assert.ok(c.groups.every((g) => [...g.containers, ...g.networks].every((r) => !r.removable)));
  });
});

describe('planRemoval', () => {
  it('plans exactly the orphan group, service containers included', () => {
    const plan = planRemoval(scanOf(), ['0badc0de']);
    assert.deepEqual(plan.prefixes, ['0badc0de']);
    assert.deepEqual(plan.containers.map((c) => c.name).sort(), ['decky-01-http', 'decnet_t_0badc0de_decky-01']);
    assert.deepEqual(plan.networks.map((n) => n.name).sort(), ['decnet_t_0badc0de_dmz', 'decnet_t_0badc0de_lan-a']);
    assert.equal(plan.dockerEndpoint, 'unix:///test/docker.sock');
    assert.equal(plan.dbSource, 'sqlite: /test/decnet.db');
  });

  it('refuses a live prefix, an unknown prefix and a malformed one', () => {
    assert.throws(
      () => planRemoval(scanOf(), ['3f2a9c1e']),
      (e: Error) => e instanceof RefusedError && /live.*maze-1/.test(e.message),
    );
    assert.throws(
      () => planRemoval(scanOf(), ['deadbeef']),
      (e: Error) => e instanceof RefusedError && /unknown/.test(e.message),
    );
    assert.throws(() => planRemoval(scanOf(), ['0BADC0DE']), RefusedError);
    assert.throws(() => planRemoval(scanOf(), []), RefusedError);
  });

  it('refuses everything when the DB could not be read', () => {
    const s = scanOf();
    const broken: ScanResult = { ...s, db: { ok: false, error: new DbReadError('corrupt', 'bad', '/x') } };
    assert.throws(
      () => planRemoval(broken, ['0badc0de']),
      (e: Error) => e instanceof RefusedError && /corrupt/.test(e.message),
    );
  });

  it('keeps, and says why, a resource that also belongs to a live topology', () => {
    const inv = world();
    inv.containers.push(container('decky-02-ftp', { 'decnet.topology.id': LIVE, 'com.docker.compose.project': 'decnet-topo-0badc0de' }));
    const plan = planRemoval(scanOf(inv), ['0badc0de']);
    assert.ok(!plan.containers.some((c) => c.name === 'decky-02-ftp'));
    assert.deepEqual(
      plan.excluded.map(({ kind, name, reason }) => ({ kind, name, reason })),
      [{ kind: 'container', name: 'decky-02-ftp', reason: 'also belongs to live topology prefix 3f2a9c1e' }],
    );
  });
});

describe('planRemoval and attached containers', () => {
  it('keeps an orphan network that a DECNET container it does not remove is attached to', () => {
    const inv = world();
    const liveBase = inv.containers.find((c) => c.name === 'decnet_t_3f2a9c1e_decky-01')!;
    const orphanNet = inv.networks.find((n) => n.name === 'decnet_t_0badc0de_dmz')!;
    orphanNet.endpoints = [{ containerId: liveBase.id, name: liveBase.name }];
    const plan = planRemoval(scanOf(inv), ['0badc0de']);
    assert.ok(!plan.networks.some((n) => n.id === orphanNet.id));
    assert.deepEqual(
      plan.excluded.map(({ kind, name, id, reason }) => ({ kind, name, id, reason })),
      [
        {
          kind: 'network',
          name: 'decnet_t_0badc0de_dmz',
          id: orphanNet.id,
          reason: 'DECNET container decnet_t_3f2a9c1e_decky-01 is attached and is not removed',
        },
      ],
    );
  });

  it('refuses to plan orphans from a database with no topology at all, unless allowed, and warns then', () => {
    assert.throws(() => planRemoval(scanOf(world(), snapshot()), ['0badc0de']), /holds no topology at all .*--allow-empty-db/);
    const plan = planRemoval(scanOf(world(), snapshot()), ['0badc0de'], { allowEmptyDb: true });
    assert.equal(plan.dbTopologyCount, 0);
    assert.match(formatPlan(plan), /Warning: the database holds no topology at all/);
    assert.doesNotMatch(formatPlan(planRemoval(scanOf(), ['0badc0de'])), /Warning/);
  });
});
