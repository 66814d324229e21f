// The tree's structure: which rows there are, in which order, and their ids (pure, no VS Code).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../../src/core/grouping';
import { DbReadError, DockerUnavailableError, type DbSnapshot, type DockerInventory, type ScanResult } from '../../src/core/model';
import { blockedDescription } from '../../src/vscode/tree/labels';
import { blockerRemoval, childNodes, makeSnapshot, nodeId, prefixesOfNodes, rootNodes, type TreeNode, type TreeState } from '../../src/vscode/tree/nodes';
import type { ScanTarget } from '../../src/vscode/settings';
import { container, decnetLabels, inventory, network, snapshot, topology } from './fixtures';

const LIVE = '3f2a9c1e-1111-4222-8333-444455556666';
const PENDING = '5e5e5e5e-1111-4222-8333-444455556666';
const ORPHAN = 'ecbbe627';

const target: ScanTarget = {
  db: { kind: 'sqlite', path: '/test/decnet.db', origin: 'setting' },
  options: { db: { kind: 'sqlite', path: '/test/decnet.db', origin: 'setting' }, dockerHost: 'unix:///test/docker.sock' },
};

function world(): DockerInventory {
  return inventory(
    [
      container('decnet_t_3f2a9c1e_decky-01', decnetLabels(LIVE, 'decky-01')),
      container(`decnet_t_${ORPHAN}_decky-02`, decnetLabels(`${ORPHAN}-1111-4222-8333-444455556666`, 'decky-02')),
    ],
    [
      network('decnet_t_3f2a9c1e_dmz', ['172.16.1.0/24']),
      network(`decnet_t_${ORPHAN}_dmz`, ['172.16.5.0/24']),
      network('lab-net', ['172.16.1.128/25']),
      network('quiet-net', ['10.9.0.0/24']),
    ],
  );
}

function db(): DbSnapshot {
  const d = snapshot(topology(LIVE, 'maze-1'), topology(PENDING, 'maze-beta', 'pending'));
  d.lans = [{ id: 'l1', topologyId: PENDING, name: 'dmz', subnet: '172.16.5.0/24', isDmz: true, dockerNetworkId: null }];
  return d;
}

function result(inv: DockerInventory | DockerUnavailableError, d: DbSnapshot | DbReadError): ScanResult {
  const docker = inv instanceof Error ? { ok: false as const, error: inv } : { ok: true as const, value: inv };
  const dbo = d instanceof Error ? { ok: false as const, error: d } : { ok: true as const, value: d };
  const c = docker.ok ? classify(docker.value, dbo.ok ? dbo.value : undefined) : { groups: [], dbPrefixes: [], livePrefixes: [], orphanPrefixes: [] };
  return { db: dbo, docker, dbSource: 'sqlite: /test/decnet.db', dockerEndpoint: 'unix:///test/docker.sock', ...c };
}

function state(r: ScanResult, pinned: string[] = []): TreeState {
  return { snapshot: makeSnapshot(r, target), failure: undefined, dbBusy: undefined, pinnedNetworks: new Set(pinned) };
}

/** Every node, depth first, as `id`. */
function walk(nodes: TreeNode[]): string[] {
  return nodes.flatMap((n) => [nodeId(n), ...walk(childNodes(n))]);
}

describe('tree nodes', () => {
  it('lists Live, Orphans and the foreign network in a conflict, with one id each', () => {
    const inv = world();
    const roots = rootNodes(state(result(inv, db())));
    assert.deepEqual(roots.map(nodeId), ['section/blocked', 'section/live', 'section/orphan', 'section/foreign']);
    const ids = walk(roots);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    assert.ok(ids.includes(`group/orphan/${ORPHAN}`));
    assert.ok(ids.includes(`group/live/3f2a9c1e/network/${inv.networks[0].id}`));
    assert.ok(ids.includes(`foreign/network/${inv.networks[2].id}`), 'lab-net overlaps the live LAN network');
    assert.ok(!ids.includes(`foreign/network/${inv.networks[3].id}`), 'a foreign network in no conflict is not shown');
  });

  it('lists the pending topology whose LAN an orphan network blocks, first', () => {
    const inv = world();
    const roots = rootNodes(state(result(inv, db())));
    const [blocked] = childNodes(roots[0]);
    assert.equal(blocked.kind, 'blocked');
    if (blocked.kind !== 'blocked') return;
    assert.equal(blocked.blocked.lan.topologyName, 'maze-beta');
    assert.equal(blocked.blocked.lan.lan, 'dmz');
    assert.equal(blocked.blocked.group?.prefix, ORPHAN);
    assert.equal(blockerRemoval(blocked.blocked), 'orphan');
    assert.equal(blockedDescription(blocked.blocked.lan, blocked.blocked.conflict, false), `dmz blocked by orphan ${ORPHAN}`);
    // The row's Remove acts on the orphan group that blocks it.
    assert.deepEqual(prefixesOfNodes([blocked], 'orphan'), [ORPHAN]);
    assert.equal(prefixesOfNodes([blocked], 'tornDown'), undefined);
  });

  it('lists a foreign container attached to an orphan network in its group', () => {
    const inv = world();
    const web = container('lab-web');
    inv.containers.push(web);
    inv.networks[1].endpoints.push({ containerId: web.id, name: 'lab-web' });
    const roots = rootNodes(state(result(inv, db())));
    const orphans = roots.find((n) => n.kind === 'section' && n.section === 'orphan')!;
    const [group] = childNodes(orphans);
    const rows = childNodes(group);
    const foreign = rows.filter((n) => n.kind === 'foreignEndpoint');
    assert.equal(foreign.length, 1);
    assert.equal(foreign[0].kind === 'foreignEndpoint' && foreign[0].endpoint.name, 'lab-web');
  });

  it('takes every selected orphan group for a removal from the tree', () => {
    const inv = world();
    inv.containers.push(container('decnet_t_0badc0de_decky-09'));
    const roots = rootNodes(state(result(inv, db())));
    const orphans = childNodes(roots.find((n) => n.kind === 'section' && n.section === 'orphan')!);
    assert.equal(orphans.length, 2);
    assert.deepEqual(prefixesOfNodes([orphans[1], orphans], 'orphan'), ['0badc0de', ORPHAN]);
    assert.deepEqual(prefixesOfNodes([orphans[1], [orphans[1]]], 'orphan'), [ORPHAN]);
    assert.equal(prefixesOfNodes(['0badc0de'], 'orphan'), undefined, 'a string is not a row');
    // A right-click outside the selection acts on the row clicked alone.
    assert.deepEqual(prefixesOfNodes([orphans[0], [orphans[1]]], 'orphan'), ['0badc0de']);
  });

  it('shows a foreign network in no conflict once it is pinned', () => {
    const inv = world();
    const ids = walk(rootNodes(state(result(inv, db()), [inv.networks[3].id])));
    assert.ok(ids.includes(`foreign/network/${inv.networks[3].id}`));
  });

  it('classifies nothing while the database cannot be read, and offers its fixes', () => {
    const roots = rootNodes(state(result(world(), new DbReadError('missing', '/test/decnet.db does not exist', '/test/decnet.db'))));
    assert.deepEqual(roots.map(nodeId).slice(0, 2), ['error/db', 'section/unknown']);
    assert.ok(!roots.some((n) => n.kind === 'blockedSection'), 'nothing is called blocked by an orphan');
    assert.deepEqual(
      childNodes(roots[0]).map((n) => (n.kind === 'action' ? n.command : n.kind)),
      ['decnet.database.select', 'decnet.settings.open', 'decnet.output.show'],
    );
    assert.ok(!walk(roots).some((id) => id.startsWith('group/orphan/')));
  });

  it('offers the fix that fits the database error', () => {
    const actions = (e: DbReadError) => {
      const [node] = rootNodes(state(result(world(), e)));
      return childNodes(node).map((n) => (n.kind === 'action' ? n.label : n.kind));
    };
    assert.deepEqual(actions(new DbReadError('access-denied', 'Access denied for user decnet')), ['Set MySQL Password…', 'Open Settings', 'Show Output']);
    assert.deepEqual(actions(new DbReadError('unreachable', 'connect ECONNREFUSED')), ['Retry', 'Open Settings', 'Show Output']);
    assert.deepEqual(actions(new DbReadError('misconfigured', 'decnet.database.url is not a valid MySQL URL')), ['Open Settings', 'Show Output']);
  });

  it('shows only the Docker error when Docker cannot be listed', () => {
    const roots = rootNodes(state(result(new DockerUnavailableError('connect ENOENT', 'unix:///test/docker.sock'), db())));
    assert.deepEqual(roots.map(nodeId), ['error/docker']);
  });

  it('says loading before the first scan and shows an unexpected failure', () => {
    const empty: TreeState = { snapshot: undefined, failure: undefined, dbBusy: undefined, pinnedNetworks: new Set() };
    assert.deepEqual(rootNodes(empty).map(nodeId), ['loading']);
    assert.deepEqual(rootNodes({ ...empty, failure: new Error('boom') }).map(nodeId), ['error/scan']);
  });
});
