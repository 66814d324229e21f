// The tree's structure: which rows there are, in which order, and their ids (pure, no VS Code).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../../src/core/grouping';
import { DbReadError, DockerUnavailableError, type DbSnapshot, type DockerInventory, type ScanResult } from '../../src/core/model';
import { childNodes, makeSnapshot, nodeId, rootNodes, type TreeNode, type TreeState } from '../../src/vscode/tree/nodes';
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
  const c = docker.ok ? classify(docker.value, dbo.ok ? dbo.value : undefined) : { groups: [], livePrefixes: [], orphanPrefixes: [] };
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
    assert.deepEqual(roots.map(nodeId), ['section/live', 'section/orphan', 'section/foreign']);
    const ids = walk(roots);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    assert.ok(ids.includes(`group/orphan/${ORPHAN}`));
    assert.ok(ids.includes(`group/live/3f2a9c1e/network/${inv.networks[0].id}`));
    assert.ok(ids.includes(`foreign/network/${inv.networks[2].id}`), 'lab-net overlaps the live LAN network');
    assert.ok(!ids.includes(`foreign/network/${inv.networks[3].id}`), 'a foreign network in no conflict is not shown');
  });

  it('shows a foreign network in no conflict once it is pinned', () => {
    const inv = world();
    const ids = walk(rootNodes(state(result(inv, db()), [inv.networks[3].id])));
    assert.ok(ids.includes(`foreign/network/${inv.networks[3].id}`));
  });

  it('classifies nothing while the database cannot be read, and offers its fixes', () => {
    const roots = rootNodes(state(result(world(), new DbReadError('missing', '/test/decnet.db does not exist', '/test/decnet.db'))));
    assert.deepEqual(roots.map(nodeId).slice(0, 2), ['error/db', 'section/unknown']);
    assert.deepEqual(
      childNodes(roots[0]).map((n) => (n.kind === 'action' ? n.command : n.kind)),
      ['decnet.database.select', 'decnet.settings.open', 'decnet.output.show'],
    );
    assert.ok(!walk(roots).some((id) => id.startsWith('group/orphan/')));
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
