// The tree's structure: which rows there are, in which order, and their ids (pure, no VS Code).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../../src/core/grouping';
import { resolveDockerEndpoint, describeEndpoint } from '../../src/core/dockerEndpoint';
import { hostResult, NO_ENDPOINT, resolveFleetHosts, type HostScan } from '../../src/core/fleet';
import {
  DbReadError,
  DockerUnavailableError,
  type DbSnapshot,
  type DockerInventory,
  type ScanResult,
  type SwarmFacts,
} from '../../src/core/model';
import { Commands } from '../../src/vscode/constants';
import { blockedDescription } from '../../src/vscode/tree/labels';
import { blockerRemoval, childNodes, nodeId, rootNodes, type NodeOf, type TreeNode, type TreeState } from '../../src/vscode/tree/nodes';
import { hostDescription, toTheMinute, makeFleetSnapshot, makeSnapshot } from '../../src/vscode/tree/snapshot';
import { hostOfNode, rowsOnOtherHosts, shownHostOfNode, lostRow, fromTreeRows, prefixesOfNodes } from '../../src/vscode/tree/rowArgs';
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
  const c = docker.ok
    ? classify(docker.value, dbo.ok ? dbo.value : undefined)
    : { groups: [], dbPrefixes: [], livePrefixes: [], orphanPrefixes: [] };
  return { db: dbo, docker, dbSource: 'sqlite: /test/decnet.db', dockerEndpoint: 'unix:///test/docker.sock', ...c };
}

function state(r: ScanResult, pinned: string[] = []): TreeState {
  return { snapshot: makeSnapshot(r, target), failure: undefined, dbBusy: undefined, pinnedNetworks: new Set(pinned), ignoredSettings: [] };
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

  it('lists a foreign container under the orphan network it is attached to', () => {
    const inv = world();
    const web = container('lab-web');
    inv.containers.push(web);
    inv.networks[1].endpoints.push({ containerId: web.id, name: 'lab-web' });
    const roots = rootNodes(state(result(inv, db())));
    const orphans = roots.find((n) => n.kind === 'section' && n.section === 'orphan')!;
    const [group] = childNodes(orphans);
    const rows = childNodes(group);
    assert.equal(rows.filter((n) => n.kind === 'foreignEndpoint').length, 0, 'not at the group level');
    const net = rows.find((n) => n.kind === 'network')!;
    const foreign = childNodes(net);
    assert.equal(foreign.length, 1);
    assert.equal(foreign[0].kind === 'foreignEndpoint' && foreign[0].endpoint.name, 'lab-web');
  });

  it("puts each decky's service containers under its base container", () => {
    const id = `${ORPHAN}-1111-4222-8333-444455556666`;
    const base = container(`decnet_t_${ORPHAN}_decky-02`, { ...decnetLabels(id, 'decky-02'), 'decnet.topology.role': 'base' });
    const ssh = container('decky-02-ssh', decnetLabels(id, 'decky-02', 'ssh'), { networkMode: `container:${base.id}` });
    const http = container('decky-02-http', decnetLabels(id, 'decky-02', 'http'));
    const stray = container('decky-09-ftp', decnetLabels(id, 'decky-09', 'ftp'));
    const inv = world();
    inv.containers.splice(1, 1, base, ssh, http, stray);
    const roots = rootNodes(state(result(inv, db())));
    const [group] = childNodes(roots.find((n) => n.kind === 'section' && n.section === 'orphan')!);
    const rows = childNodes(group);
    const names = (nodes: TreeNode[]) =>
      nodes.map((n) => (n.kind === 'container' ? n.container.name : n.kind === 'network' ? `network ${n.network.name}` : n.kind));
    assert.deepEqual(names(rows), [`decnet_t_${ORPHAN}_decky-02`, 'decky-09-ftp', `network decnet_t_${ORPHAN}_dmz`]);
    assert.deepEqual(names(childNodes(rows[0])), ['decky-02-http', 'decky-02-ssh'], 'by network mode, and by the decky label');
    assert.deepEqual(childNodes(rows[1]), [], 'a service whose decky has no base stays at the group level');
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
      ['decnet.database.select', 'decnet.topologies.refresh', 'decnet.settings.open', 'decnet.output.show'],
    );
    assert.ok(!walk(roots).some((id) => id.startsWith('group/orphan/')));
  });

  it('says first that a machine-scoped User setting is not used in a remote window, with Open Remote Settings and the value to copy', () => {
    const st = { ...state(result(world(), db())), ignoredSettings: [{ key: 'decnet.database.path', value: '"/srv/decnet/decnet.db"' }] };
    const [first] = rootNodes(st);
    assert.equal(first.kind, 'ignoredSetting');
    assert.deepEqual(
      childNodes(first).map((n) => (n.kind === 'action' ? [n.label, n.command, n.args] : n.kind)),
      [
        ['Open Remote Settings', 'decnet.settings.open', undefined],
        ['Copy Value "/srv/decnet/decnet.db"', 'decnet.setting.copyValue', ['decnet.database.path', '"/srv/decnet/decnet.db"']],
      ],
    );
  });

  it('offers the fix that fits the database error, and Retry for every one', () => {
    const actions = (e: DbReadError) => {
      const [node] = rootNodes(state(result(world(), e)));
      return childNodes(node).map((n) => (n.kind === 'action' ? n.label : n.kind));
    };
    assert.deepEqual(actions(new DbReadError('access-denied', 'Access denied for user decnet')), [
      'Set MySQL Password…',
      'Retry',
      'Open Settings',
      'Show Output',
    ]);
    assert.deepEqual(actions(new DbReadError('unreachable', 'connect ECONNREFUSED')), ['Retry', 'Open Settings', 'Show Output']);
    assert.deepEqual(actions(new DbReadError('misconfigured', 'decnet.database.url is not a valid MySQL URL')), [
      'Open Settings',
      'Retry',
      'Show Output',
    ]);
    assert.deepEqual(actions(new DbReadError('missing', 'does not exist')), [
      'Select DECNET Database…',
      'Retry',
      'Open Settings',
      'Show Output',
    ]);
  });

  it('shows only the Docker error when Docker cannot be listed', () => {
    const roots = rootNodes(state(result(new DockerUnavailableError('connect ENOENT', 'unix:///test/docker.sock'), db())));
    assert.deepEqual(roots.map(nodeId), ['error/docker']);
  });

  it('says loading before the first scan and shows an unexpected failure', () => {
    const empty: TreeState = { snapshot: undefined, failure: undefined, dbBusy: undefined, pinnedNetworks: new Set(), ignoredSettings: [] };
    assert.deepEqual(rootNodes(empty).map(nodeId), ['loading']);
    assert.deepEqual(rootNodes({ ...empty, failure: new Error('boom') }).map(nodeId), ['error/scan']);
  });
});

describe('tree nodes in a DECNET swarm', () => {
  const U1 = '11111111-aaaa-4bbb-8ccc-000000000001';
  const AGENT = '7a7a7a7a-1111-4222-8333-444455556666';
  const swarm: SwarmFacts = {
    hosts: [
      { uuid: U1, name: 'w1', address: '10.0.0.5', status: 'active', lastHeartbeat: '2026-12-02T15:00:00Z', agentPort: 8765 },
      { uuid: 'u2', name: 'w2', address: '10.0.0.6', status: 'active', lastHeartbeat: null, agentPort: 8765 },
      { uuid: 'u3', name: 'w3', address: '10.0.0.7', status: 'down', lastHeartbeat: '2026-12-01T09:00:00Z', agentPort: 8765 },
    ],
    targetHost: { [AGENT]: U1 },
  };
  const swarmDb = (): DbSnapshot => ({ ...snapshot(topology(LIVE, 'maze-1'), topology(AGENT, 'maze-w1', 'active', 'agent')), swarm });
  const agentContainer = () => container('decnet_t_7a7a7a7a_decky-01', decnetLabels(AGENT, 'decky-01'));

  /** The master holds maze-1, an orphan, and maze-w1 (which belongs on w1); w1 holds maze-w1; w2 has no endpoint; w3 does not answer. */
  function fleetState(): { state: TreeState; scans: HostScan[] } {
    const d = swarmDb();
    const dbo = { ok: true as const, value: d };
    const hosts = resolveFleetHosts(
      resolveDockerEndpoint({ setting: 'unix:///test/docker.sock', env: {} }),
      swarm,
      { w1: 'tcp://10.0.0.5:2375', w3: 'tcp://10.0.0.7:2375' },
      {},
    );
    const master = world();
    master.containers.push(agentContainer());
    const w1 = {
      ...inventory([agentContainer()], [network('decnet_t_7a7a7a7a_dmz', ['172.16.9.0/24'])]),
      daemon: { name: 'worker-one', id: 'W1:ID', version: '24' },
    };
    const inventories = [
      { ok: true as const, value: master },
      { ok: true as const, value: w1 },
      { ok: false as const, error: new DockerUnavailableError(NO_ENDPOINT, NO_ENDPOINT) },
      { ok: false as const, error: new DockerUnavailableError('tcp://10.0.0.7:2375 did not answer within 10 s', 'tcp://10.0.0.7:2375') },
    ];
    const scans = hosts.map((host, i): HostScan => ({
      host,
      endpointLabel: host.endpoint ? describeEndpoint(host.endpoint) : NO_ENDPOINT,
      result: hostResult(host, inventories[i], dbo, d.source),
      ms: 1,
      timedOut: i === 3,
    }));
    return {
      scans,
      state: {
        snapshot: makeFleetSnapshot(scans, target),
        failure: undefined,
        dbBusy: undefined,
        pinnedNetworks: new Set(),
        ignoredSettings: [],
      },
    };
  }

  it('lists the hosts, master first, each with its own sections and ids that never collide', () => {
    const { state: s } = fleetState();
    const roots = rootNodes(s);
    assert.deepEqual(roots.map(nodeId), ['host/master', 'host/w1', 'host/w2', 'host/w3']);
    assert.deepEqual(childNodes(roots[0]).map(nodeId), [
      'host/master/section/live',
      'host/master/section/orphan',
      'host/master/section/misplaced',
      'host/master/section/foreign',
    ]);
    assert.deepEqual(childNodes(roots[1]).map(nodeId), ['host/w1/section/live', 'host/w1/section/orphan', 'host/w1/section/misplaced']);
    const ids = walk(roots);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique across hosts');
    // maze-w1 is live on w1, misplaced on the master: the same prefix, two rows.
    assert.ok(ids.includes('host/w1/group/live/7a7a7a7a'));
    assert.ok(ids.includes('host/master/group/live/7a7a7a7a'));
  });

  it('shows the groups found off their host under Misplaced, not Live', () => {
    const { state: s } = fleetState();
    const sections = childNodes(rootNodes(s)[0]).filter((n) => n.kind === 'section');
    const of = (k: string) => sections.find((n) => n.section === k)!.groups.map((g) => g.prefix);
    assert.deepEqual(of('live'), ['3f2a9c1e']);
    assert.deepEqual(of('orphan'), [ORPHAN]);
    assert.deepEqual(of('misplaced'), ['7a7a7a7a']);
    const w1 = childNodes(rootNodes(s)[1]).filter((n) => n.kind === 'section');
    assert.deepEqual(w1.find((n) => n.section === 'misplaced')!.groups, []);
  });

  it('describes each host: endpoint, daemon, DECNET status and heartbeat, counts', () => {
    const { state: s } = fleetState();
    const [master, w1, w2, w3] = rootNodes(s).map((n) => hostDescription((n as NodeOf<'host'>).snapshot));
    assert.equal(master, '1 live, 1 orphan, 1 misplaced, 2 conflicts · unix:///test/docker.sock · test-host');
    assert.equal(w1, '1 live, 0 orphans · tcp://10.0.0.5:2375 · worker-one · active, last heartbeat 2026-12-02T15:00Z');
    assert.equal(toTheMinute('2026-12-02 09:00:41.123456'), '2026-12-02 09:00');
    assert.equal(toTheMinute('2026-12-02T09:00:41+00:00'), '2026-12-02T09:00+00:00');
    assert.equal(toTheMinute('yesterday'), 'yesterday');
    assert.equal(w2, `not scanned · ${NO_ENDPOINT} · active, no heartbeat`);
    assert.equal(w3, 'did not answer · tcp://10.0.0.7:2375 · down, last heartbeat 2026-12-01T09:00Z');
  });

  it('shows an unreachable host its own error with its fixes, the others as usual', () => {
    const { state: s } = fleetState();
    const w3 = childNodes(rootNodes(s)[3]);
    assert.deepEqual(w3.map(nodeId), ['host/w3/error/docker']);
    assert.deepEqual(
      childNodes(w3[0]).map((n) => (n.kind === 'action' ? n.command : n.kind)),
      [Commands.refreshTopologies, Commands.openSettings, Commands.showOutput],
    );
  });

  it('offers ssh://<address> for a worker without a Docker endpoint', () => {
    const { state: s } = fleetState();
    const w2 = childNodes(rootNodes(s)[2]);
    assert.deepEqual(w2.map(nodeId), ['host/w2/error/docker']);
    const [set] = childNodes(w2[0]);
    assert.ok(set.kind === 'action');
    assert.equal(set.command, Commands.setHostEndpoint);
    assert.deepEqual(set.args, ['w2', 'ssh://10.0.0.6']);
    assert.equal(nodeId(set), `host/w2/error/docker/${Commands.setHostEndpoint}`);
  });

  it("takes a host's misplaced or orphan groups for a removal, on the clicked row's host only", () => {
    const { state: s } = fleetState();
    const [master, w1] = rootNodes(s);
    const groups = (host: TreeNode) => childNodes(host).flatMap((n) => (n.kind === 'section' ? childNodes(n) : []));
    const misplaced = groups(master).find((n) => n.kind === 'group' && n.group.misplaced)!;
    const orphan = groups(master).find((n) => n.kind === 'group' && n.group.state === 'orphan')!;
    const onW1 = groups(w1).find((n) => n.kind === 'group')!;
    assert.deepEqual(prefixesOfNodes([misplaced], 'misplaced'), ['7a7a7a7a']);
    assert.equal(prefixesOfNodes([misplaced], 'orphan'), undefined);
    assert.equal(prefixesOfNodes([onW1], 'misplaced'), undefined, 'live where it belongs');
    assert.deepEqual(prefixesOfNodes([orphan, [orphan, onW1]], 'orphan'), [ORPHAN]);
    assert.deepEqual(prefixesOfNodes([misplaced, [misplaced, onW1]], 'misplaced'), ['7a7a7a7a'], "w1's row is another host's");
    assert.equal(rowsOnOtherHosts([misplaced, [misplaced, onW1]]), 1, 'and the user is told it was left out');
    assert.equal(rowsOnOtherHosts([orphan, [orphan]]), 0);
    assert.equal(rowsOnOtherHosts([misplaced, [onW1]]), 0, 'a right-click outside the selection acts on that row alone');
    assert.equal(hostOfNode(misplaced), 'master');
    assert.equal(hostOfNode(onW1), 'w1');
    // A removal from a row carries the host as that row showed it: endpoint and daemon.
    const shown = shownHostOfNode(onW1)!;
    assert.equal(shown.name, 'w1');
    assert.equal(shown.endpoint, 'tcp://10.0.0.5:2375');
    assert.equal(typeof shown.daemonId, 'string');
    assert.equal(shownHostOfNode({ kind: 'loading' }), undefined);
  });

  it("compares a host's networks only with the LANs of topologies that belong there", () => {
    const { scans } = fleetState();
    // Another topology wants the subnet maze-w1's network holds on w1: a conflict on w1 only when it belongs there.
    const OTHER = '9b9b9b9b-1111-4222-8333-444455556666';
    const withOther = (mode: string): HostScan => {
      const d = swarmDb();
      const value: DbSnapshot = {
        ...d,
        topologies: [...d.topologies, topology(OTHER, 'maze-other', 'pending', mode)],
        lans: [{ id: 'l9', topologyId: OTHER, name: 'dmz', subnet: '172.16.9.0/24', isDmz: true, dockerNetworkId: null }],
        swarm: { ...swarm, targetHost: { ...swarm.targetHost, [OTHER]: U1 } },
      };
      return { ...scans[1], result: hostResult(scans[1].host, scans[1].result.docker, { ok: true, value }, d.source) };
    };
    assert.equal(
      makeFleetSnapshot([scans[0], withOther('unihost')], target).fleet![1].conflicts.length,
      0,
      "the master's LAN is not w1's pool",
    );
    assert.equal(makeFleetSnapshot([scans[0], withOther('agent')], target).fleet![1].conflicts.length, 1);
  });

  it('shows exactly the rows of a single daemon when the swarm has no workers', () => {
    const inv = world();
    const plain = walk(rootNodes(state(result(inv, db()))));
    const host = resolveFleetHosts(resolveDockerEndpoint({ setting: 'unix:///test/docker.sock', env: {} }), undefined, {}, {})[0];
    const d = db();
    const only: HostScan = {
      host,
      endpointLabel: 'unix:///test/docker.sock',
      result: hostResult(host, { ok: true, value: inv }, { ok: true, value: d }, d.source),
      ms: 1,
      timedOut: false,
    };
    const fleetOfOne: TreeState = {
      snapshot: makeFleetSnapshot([only], target),
      failure: undefined,
      dbBusy: undefined,
      pinnedNetworks: new Set(),
      ignoredSettings: [],
    };
    assert.deepEqual(walk(rootNodes(fleetOfOne)), plain);
    assert.equal(hostOfNode(rootNodes(fleetOfOne)[0]), undefined);
  });
});

describe("a row's command when VS Code lost the row", () => {
  it('is told apart from the Command Palette and from a row', () => {
    // A menu opened while VS Code fetched a refreshed tree: the row and the selection arrive as undefined.
    assert.equal(lostRow(Commands.removeTornDownGroup, [undefined, undefined]), true);
    assert.equal(lostRow(Commands.reapAllOrphansOnHost, [undefined, undefined]), true);
    // The view's title bar passes the focused row, or undefined: Reap All from there is not a row's.
    assert.equal(lostRow(Commands.reapAllOrphans, [undefined, undefined]), false);
    assert.equal(lostRow(Commands.copyId, [undefined]), true);
    assert.equal(lostRow(Commands.removeOrphanGroup, [undefined, [undefined, undefined]]), true);
    // The Command Palette passes nothing: the command asks which one.
    assert.equal(lostRow(Commands.removeTornDownGroup, []), false);
    // A row, or a prefix from executeCommand.
    assert.equal(lostRow(Commands.removeTornDownGroup, [{ kind: 'group' }, undefined]), false);
    assert.equal(lostRow(Commands.removeOrphanGroup, ['0ff3dbbf']), false);
    // Commands that are not a row's take undefined as they always did.
    assert.equal(lostRow(Commands.refreshTopologies, [undefined]), false);
  });
});

describe('a row command never falls back to the Command Palette', () => {
  it('tells rows (clicked or selected) from the palette and executeCommand', () => {
    const row = { kind: 'loading' };
    assert.equal(fromTreeRows([row]), true);
    assert.equal(fromTreeRows([undefined, [undefined, row]]), true, 'the clicked row gone, the selection kept');
    assert.equal(fromTreeRows([]), false);
    assert.equal(fromTreeRows(['0ff3dbbf']), false);
    assert.equal(fromTreeRows([['0ff3dbbf', 'ab3d710c']]), false);
  });

  it('a LAN blocked by a misplaced (even torn-down) topology offers its misplaced removal, which takes that row', () => {
    const topology = { id: 'abcdef12-0000-4000-8000-000000000000', name: 'moved', status: 'torn_down', mode: 'agent' };
    const group = {
      prefix: 'abcdef12',
      state: 'live',
      topology,
      topologies: [topology],
      containers: [],
      networks: [],
      misplaced: { belongsOn: 'w2' },
    };
    const b = { group } as unknown as Parameters<typeof blockerRemoval>[0];
    assert.equal(blockerRemoval(b), 'misplaced');
    const node = { kind: 'blocked', blocked: b, snapshot: { host: { host: { ref: { name: 'w1' } } } } } as unknown as TreeNode;
    assert.deepEqual(prefixesOfNodes([node], 'misplaced'), [group.prefix]);
    assert.equal(prefixesOfNodes([node], 'tornDown'), undefined);
  });
});
