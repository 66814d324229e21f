// Planning the removal of a torn_down topology's leftovers (pure: in-memory scans).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../../src/core/grouping';
import type { DbSnapshot, DockerInventory, ScanResult } from '../../src/core/model';
import { planRemoval } from '../../src/core/removal/plan';
import { RefusedError } from '../../src/core/model';
import { formatPlan, summarizeReport } from '../../src/core/removal/text';
import { type ReapReport } from '../../src/core/model';
import { container, decnetLabels, inventory, network, snapshot, topology } from './fixtures';

const TORN = '7a7a7a7a-1111-4222-8333-444455556666';
const ACTIVE = '3f2a9c1e-1111-4222-8333-444455556666';
const ORPHAN = '0badc0de-1111-4222-8333-444455556666';

function world(): DockerInventory {
  return inventory(
    [
      container('decnet_t_7a7a7a7a_decky-01', decnetLabels(TORN, 'decky-01')),
      container('decky-01-ssh', decnetLabels(TORN, 'decky-01', 'ssh')),
      container('decnet_t_3f2a9c1e_decky-01', decnetLabels(ACTIVE, 'decky-01')),
      container('decnet_t_0badc0de_decky-01', decnetLabels(ORPHAN, 'decky-01')),
      // Named after the torn-down topology, labelled with the active one: never removed with it.
      container('decnet_t_7a7a7a7a_shared', decnetLabels(ACTIVE, 'shared')),
    ],
    [
      network('decnet_t_7a7a7a7a_dmz', ['172.16.9.0/24']),
      network('decnet_t_3f2a9c1e_dmz', ['172.16.1.0/24']),
      network('decnet_t_0badc0de_dmz', ['172.16.2.0/24']),
    ],
  );
}

function scanOf(inv: DockerInventory, db: DbSnapshot): ScanResult {
  return {
    db: { ok: true, value: db },
    docker: { ok: true, value: inv },
    dbSource: db.source,
    dockerEndpoint: inv.endpoint,
    ...classify(inv, db),
  };
}

const db = () => snapshot(topology(TORN, 'maze-old', 'torn_down'), topology(ACTIVE, 'maze-1', 'active'));

describe('planRemoval in tornDown mode', () => {
  it('plans the leftovers of a torn_down topology, and keeps what also belongs to a topology that is not', () => {
    const plan = planRemoval(scanOf(world(), db()), ['7a7a7a7a'], { mode: 'tornDown' });
    assert.equal(plan.mode, 'tornDown');
    assert.deepEqual(plan.prefixes, ['7a7a7a7a']);
    assert.deepEqual(plan.topologies, [{ prefix: '7a7a7a7a', id: TORN, name: 'maze-old', status: 'torn_down' }]);
    assert.deepEqual(plan.containers.map((c) => c.name).sort(), ['decky-01-ssh', 'decnet_t_7a7a7a7a_decky-01']);
    assert.deepEqual(
      plan.networks.map((n) => n.name),
      ['decnet_t_7a7a7a7a_dmz'],
    );
    assert.deepEqual(
      plan.excluded.map(({ kind, name, reason }) => ({ kind, name, reason })),
      [{ kind: 'container', name: 'decnet_t_7a7a7a7a_shared', reason: 'also belongs to topology maze-1 (3f2a9c1e, active)' }],
    );
    const text = formatPlan(plan);
    assert.match(text, /Torn-down topologies \(their rows stay in the database\):\n {2}maze-old \(7a7a7a7a, torn_down, id 7a7a7a7a-/);
    assert.doesNotMatch(text, /Orphan prefixes/);
  });

  it('refuses any other live status, an orphan, an unknown prefix, and an unreadable database', () => {
    const scan = scanOf(world(), db());
    assert.throws(
      () => planRemoval(scan, ['3f2a9c1e'], { mode: 'tornDown' }),
      (e: Error) => {
        assert.ok(e instanceof RefusedError);
        assert.match(e.message, /maze-1" is active, not torn_down/);
        return true;
      },
    );
    assert.throws(() => planRemoval(scan, ['0badc0de'], { mode: 'tornDown' }), /is an orphan/);
    assert.throws(() => planRemoval(scan, ['deadbeef'], { mode: 'tornDown' }), /unknown/);
    assert.throws(() => planRemoval(scan, ['7a7a7a7a', '3f2a9c1e'], { mode: 'tornDown' }), RefusedError, 'all or nothing');
    for (const status of ['pending', 'deploying', 'degraded', 'failed', 'tearing_down', 'TORN_DOWN', 'torn_down ']) {
      const s = scanOf(world(), snapshot(topology(TORN, 'maze-old', status), topology(ACTIVE, 'maze-1')));
      assert.throws(() => planRemoval(s, ['7a7a7a7a'], { mode: 'tornDown' }), RefusedError, `status ${JSON.stringify(status)}`);
    }
    const unreadable: ScanResult = { ...scan, db: { ok: false, error: Object.assign(new Error('gone'), { kind: 'missing' }) as never } };
    assert.throws(() => planRemoval(unreadable, ['7a7a7a7a'], { mode: 'tornDown' }), /could not be read/);
  });

  it('leaves the orphan mode as it was: a torn_down topology is live there', () => {
    const scan = scanOf(world(), db());
    assert.throws(() => planRemoval(scan, ['7a7a7a7a']), /is live: topology "maze-old" \(torn_down\)/);
    const plan = planRemoval(scan, ['0badc0de']);
    assert.equal(plan.mode, 'orphan');
    assert.deepEqual(plan.topologies, []);
    assert.match(formatPlan(plan), /Orphan prefixes: 0badc0de/);
  });

  it('summarizes a torn-down report as such', () => {
    const report = {
      mode: 'torn_down',
      prefixes_reaped: ['7a7a7a7a'],
      containers_removed: ['a', 'b'],
      networks_removed: ['n'],
      already_gone: [],
      endpoints_disconnected: [],
      skipped: [],
      errors: [],
    } as unknown as ReapReport;
    assert.equal(summarizeReport(report), 'Removed 2 containers and 1 network of torn-down topology 7a7a7a7a.');
    assert.equal(summarizeReport({ ...report, mode: 'orphan' }), 'Removed 2 containers and 1 network of orphan 7a7a7a7a.');
  });
});

describe('planRemoval in tornDown mode: only what was confirmed', () => {
  const OTHER_TORN = '5e5e5e5e-1111-4222-8333-444455556666';

  it('keeps a resource that also carries another torn_down prefix the user did not confirm', () => {
    const inv = world();
    inv.containers.push(container('decnet_t_7a7a7a7a_both', { 'decnet.topology.id': OTHER_TORN }));
    const db2 = snapshot(topology(TORN, 'maze-old', 'torn_down'), topology(OTHER_TORN, 'maze-older', 'torn_down'));
    const plan = planRemoval(scanOf(inv, db2), ['7a7a7a7a'], { mode: 'tornDown' });
    assert.ok(!plan.containers.some((c) => c.name === 'decnet_t_7a7a7a7a_both'));
    assert.match(plan.excluded.find((x) => x.name === 'decnet_t_7a7a7a7a_both')?.reason ?? '', /maze-older/);
    // Confirming both prefixes removes it.
    const both = planRemoval(scanOf(inv, db2), ['7a7a7a7a', '5e5e5e5e'], { mode: 'tornDown' });
    assert.ok(both.containers.some((c) => c.name === 'decnet_t_7a7a7a7a_both'));
  });

  it('refuses a prefix shared by a torn_down row and a row that is not', () => {
    const twin = '7a7a7a7a-9999-4999-8999-999999999999';
    const db2 = snapshot(topology(TORN, 'maze-old', 'torn_down'), topology(twin, 'maze-twin', 'active'));
    const s = scanOf(world(), db2);
    assert.equal(s.groups.find((g) => g.prefix === '7a7a7a7a')?.topology?.name, 'maze-twin', 'the row that is not torn_down is shown');
    assert.throws(
      () => planRemoval(s, ['7a7a7a7a'], { mode: 'tornDown' }),
      (e: Error) => e instanceof RefusedError && /maze-twin.*active/.test(e.message),
    );
  });
});
