// What the tree, the status bar and the quick picks say about torn-down leftovers and subnet conflicts (pure text).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../../src/core/grouping';
import type { DbSnapshot } from '../../src/core/model';
import { findConflicts, findOverlapsWith, parseCidr } from '../../src/core/overlaps';
import {
  ageText,
  blockedRow,
  conflictLead,
  deckiesOf,
  groupAge,
  leading,
  shortName,
  tornDownGroupLabel,
  dockerWithDaemon,
  liveGroupTooltip,
  orphanGroupDescription,
  orphanGroupTooltip,
  sharedCounts,
  tornDownGroupTooltip,
  endpointCount,
  foreignEndpointTooltip,
  foreignNetworkDescription,
  foreignNetworkTooltip,
  leftoverCount,
  liveGroupDescription,
  networkDescription,
  networkTooltip,
  tornDownGroupDescription,
  withConflicts,
} from '../../src/vscode/tree/labels';
import { groupAccessibilityLabel } from '../../src/vscode/tree/accessibility';
import { isTornDown } from '../../src/core/rules';
import { dbErrorDescription, dbErrorLabel, dockerErrorLabel } from '../../src/vscode/words/errors';
import { overlapPickItem } from '../../src/vscode/words/quickPick';
import { statusBarErrorText, statusBarText, statusBarTooltip } from '../../src/vscode/words/statusBar';
import { container, decnetLabels, inventory, network, snapshot, topology } from './fixtures';

const TORN = '7a7a7a7a-1111-4222-8333-444455556666';
const PENDING = '5e5e5e5e-1111-4222-8333-444455556666';
const ACTIVE = '3f2a9c1e-1111-4222-8333-444455556666';

function db(): DbSnapshot {
  return {
    source: 'sqlite: /test/decnet.db',
    topologies: [topology(TORN, 'maze-old', 'torn_down'), topology(PENDING, 'maze-2', 'pending'), topology(ACTIVE, 'maze-1')],
    lans: [
      { id: 'l1', topologyId: TORN, name: 'dmz', subnet: '172.16.5.0/24', isDmz: true, dockerNetworkId: null },
      { id: 'l2', topologyId: PENDING, name: 'dmz', subnet: '172.16.5.0/24', isDmz: true, dockerNetworkId: null },
    ],
    walFramesApplied: 0,
  };
}

function world() {
  const web = container('lab-web');
  return inventory(
    [
      container('decnet_t_7a7a7a7a_decky-01', decnetLabels(TORN, 'decky-01')),
      container('decky-01-ssh', decnetLabels(TORN, 'decky-01', 'ssh')),
      container('decnet_t_3f2a9c1e_decky-01', decnetLabels(ACTIVE, 'decky-01')),
      web,
    ],
    [
      network('decnet_t_7a7a7a7a_dmz', ['172.16.5.0/24']),
      network('decnet_t_3f2a9c1e_dmz', ['172.16.1.0/24']),
      network('lab-net', ['172.16.4.0/23'], { endpoints: [{ containerId: web.id, name: 'lab-web' }] }),
    ],
  );
}

describe('tree labels', () => {
  it('describes a torn-down group with its leftovers, and a live one as before', () => {
    const { groups } = classify(world(), db());
    const torn = groups.find((g) => g.prefix === '7a7a7a7a')!;
    const live = groups.find((g) => g.prefix === '3f2a9c1e')!;
    assert.equal(isTornDown(torn), true);
    assert.equal(isTornDown(live), false);
    assert.equal(leftoverCount(torn), 3);
    // What decides first (the label says torn down; the status), the prefix last.
    assert.equal(tornDownGroupLabel(torn), 'torn down: maze-old');
    assert.equal(tornDownGroupDescription(torn), '3 leftovers · 7a7a7a7a');
    assert.equal(liveGroupDescription(live), 'active · unihost · 3f2a9c1e');
    // Conflicts first: at the default sidebar width the end of a description is cut off.
    assert.equal(withConflicts('7a7a7a7a · torn_down · 3 leftovers', 1), '1 subnet conflict · 7a7a7a7a · torn_down · 3 leftovers');
    assert.equal(withConflicts('2 containers · 1 network', 0), '2 containers · 1 network');
  });

  it('says which topology a network blocks, in its description and tooltip', () => {
    const inv = world();
    const snap = db();
    const { groups, livePrefixes } = classify(inv, snap);
    const conflicts = findConflicts(inv, snap);
    const torn = groups.find((g) => g.prefix === '7a7a7a7a')!;
    const net = torn.networks[0];
    const conflict = conflicts.find((c) => c.network.id === net.id);
    assert.equal(
      networkDescription(net, torn, livePrefixes, conflict),
      'holds 172.16.5.0/24, wanted by topology maze-2, LAN dmz (+1 more) · 172.16.5.0/24 · 0 endpoints',
    );
    assert.equal(networkDescription(net, torn, livePrefixes), '172.16.5.0/24 · 0 endpoints', 'unchanged without conflicts');
    const tooltip = networkTooltip(net, torn, livePrefixes, conflict);
    assert.match(tooltip, /Subnet conflicts \(2\)/);
    assert.match(tooltip, /holds 172\\\.16\\\.5\\\.0\/24, wanted by topology maze\\-2, LAN dmz/);
    const lab = conflicts.find((c) => c.network.name === 'lab-net');
    assert.equal(
      foreignNetworkDescription(lab!.network, lab),
      'holds 172.16.4.0/23, wanted by topology maze-2, LAN dmz (172.16.5.0/24) (+1 more) · 172.16.4.0/23 · 1 endpoint',
    );
  });

  it('lists a Find Subnet Overlaps… match with its owner and containers', () => {
    const inv = world();
    const found = findOverlapsWith(parseCidr('172.16.5.9')!, inv, db());
    const items = found.matches.map(overlapPickItem);
    assert.deepEqual(
      items.map((i) => [i.label, i.description]),
      [
        ['decnet_t_7a7a7a7a_dmz', '172.16.5.0/24 · live 7a7a7a7a, topology maze-old (torn_down)'],
        ['lab-net', "172.16.4.0/23 · foreign (not DECNET's)"],
      ],
    );
    assert.match(items[1].detail, /^containers: lab-web · holds 172\.16\.4\.0\/23, wanted by topology maze-2/);
  });

  it('puts the counts in the status bar', () => {
    assert.equal(statusBarText(2, 1), '$(warning) DECNET: 2 orphans · 1 subnet conflict');
    assert.equal(statusBarText(0, 3), '$(warning) DECNET: 3 subnet conflicts');
    assert.equal(statusBarText(1, 0), '$(warning) DECNET: 1 orphan');
    assert.equal(statusBarText(0, 0), '$(pass) DECNET');
    // A swarm: misplaced groups and the workers whose daemon was not listed count too.
    const swarm = { misplaced: 1, hostsDown: [{ name: 'w2', why: 'no Docker endpoint configured' }] };
    assert.equal(statusBarText(1, 0, swarm), '$(warning) DECNET: 1 orphan · 1 misplaced · 1 host not scanned');
    assert.equal(statusBarText(0, 0, { misplaced: 0, hostsDown: [] }), '$(pass) DECNET');
    const tip = statusBarTooltip(1, 0, 0, new Date(0), swarm);
    assert.match(tip, /summed over the hosts of the swarm/);
    assert.match(tip, /1 misplaced group/);
    assert.match(tip, /Not scanned \(nothing on them is counted\): w2: no Docker endpoint configured\./);
  });
});

describe('group tooltips and labels', () => {
  it('counts as shared only what another prefix also marks, and never says leftovers are never removed', () => {
    const { groups } = classify(world(), db());
    const torn = groups.find((g) => g.prefix === '7a7a7a7a')!;
    const live = groups.find((g) => g.prefix === '3f2a9c1e')!;
    for (const tip of [
      tornDownGroupTooltip(torn, 'sqlite: /test/decnet.db', 'unix:///test/docker.sock'),
      liveGroupTooltip(live, 'sqlite: /test/decnet.db'),
    ]) {
      assert.doesNotMatch(tip, /never removed with this group/);
      assert.doesNotMatch(tip, /another prefix/, 'nothing here is marked with another prefix');
    }
    assert.deepEqual(sharedCounts(torn), { containers: 0, networks: 0, malformed: 0 });
  });

  it('tells an agent topology at home on its worker from one found elsewhere; an orphan says what removing it frees', () => {
    const { groups } = classify(world(), db());
    const live = groups.find((g) => g.prefix === '3f2a9c1e')!;
    const agent = { ...live, topology: { ...live.topology!, mode: 'agent' } };
    assert.match(liveGroupTooltip(agent, 'sqlite: /x', 'w1'), /it belongs on this host \(w1\), where it was found/);
    assert.doesNotMatch(liveGroupTooltip(agent, 'sqlite: /x', 'w1'), /run on remote worker hosts/);
    assert.match(liveGroupTooltip(agent, 'sqlite: /x'), /run on remote worker hosts/, 'outside a swarm, as before');
    // An orphan holding a LAN's subnet: what removing it frees, first.
    const inv = inventory([], [network('decnet_t_0badc0de_dmz', ['172.16.5.0/24'])]);
    const snap = db();
    const orphan = classify(inv, snap).groups.find((g) => g.prefix === '0badc0de')!;
    assert.match(
      orphanGroupTooltip(orphan, 'sqlite: /x', 'unix:///d', findConflicts(inv, snap)),
      /\*\*Removing it frees 172\\\.16\\\.5\\\.0\/24 for maze\\-2, LAN dmz\.\*\*/,
    );
  });

  it('counts a container marked with two prefixes as shared', () => {
    const inv = inventory(
      [container('decnet_t_0badc0de_decky-01', decnetLabels(ACTIVE, 'decky-01'))],
      [network('decnet_t_0badc0de_dmz', ['172.16.9.0/24'])],
    );
    const orphan = classify(inv, db()).groups.find((g) => g.prefix === '0badc0de')!;
    assert.deepEqual(sharedCounts(orphan), { containers: 1, networks: 0, malformed: 0 });
    assert.match(orphanGroupTooltip(orphan, 'db', 'docker'), /Also marked with another prefix: 1 container, 0 networks/);
  });

  it('shows what the labels reveal of an orphan group, and says it briefly to a screen reader', () => {
    const inv = inventory(
      [
        container('decnet_t_ecbbe627_decky-01', decnetLabels('ecbbe627-1111-4222-8333-444455556666', 'decky-01')),
        container('decky-01-ssh', decnetLabels('ecbbe627-1111-4222-8333-444455556666', 'decky-01', 'ssh')),
        container('decnet_t_ecbbe627_decky-02'),
      ],
      [network('decnet_t_ecbbe627_dmz', ['172.16.9.0/24'])],
    );
    const orphan = classify(inv, db()).groups.find((g) => g.prefix === 'ecbbe627')!;
    assert.deepEqual(deckiesOf(orphan), ['decky-01', 'decky-02']);
    assert.equal(orphanGroupDescription(orphan), 'decky-01, decky-02 · 3 containers · 1 network');
    assert.equal(groupAccessibilityLabel(orphan, 1), 'orphan ecbbe627, 1 subnet conflict, 3 containers, 1 network');
    assert.equal(groupAccessibilityLabel(orphan, 1, ['maze-beta']), 'orphan ecbbe627, blocks maze-beta, 3 containers, 1 network');
    // Its age: the oldest resource's creation, to the hour.
    const now = Date.parse('2026-12-08T12:00:00Z');
    orphan.containers[0].created = '2026-12-05T11:00:00Z';
    orphan.networks[0].created = '2026-12-05T10:00:00Z';
    assert.equal(groupAge(orphan, now), 'created 3 days ago');
    assert.equal(orphanGroupDescription(orphan, now), 'decky-01, decky-02 · 3 containers · 1 network · created 3 days ago');
    assert.equal(ageText('2026-12-08T11:30:00Z', now), 'created within the hour');
    assert.equal(ageText('2026-12-08T10:59:00Z', now), 'created 1 hour ago');
    assert.equal(ageText('2026-06-01T12:00:00Z', now), 'created 6 months ago');
    assert.equal(ageText('not a time', now), undefined);
  });

  it('leads every row with what decides: the state, the cause, who blocks', () => {
    const inv = world();
    const snap = db();
    const { groups } = classify(inv, snap);
    const conflicts = findConflicts(inv, snap);
    const torn = groups.find((g) => g.prefix === '7a7a7a7a')!;
    const tornConflicts = conflicts.filter((c) => torn.networks.some((n) => n.id === c.network.id));
    assert.equal(conflictLead(tornConflicts), 'blocks maze-2');
    assert.equal(leading(conflictLead(tornConflicts), tornDownGroupDescription(torn)), 'blocks maze-2 · 3 leftovers · 7a7a7a7a');
    assert.equal(conflictLead([]), undefined);
    // A blocked LAN: who blocks it, then whose LAN.
    const c = tornConflicts[0];
    const lanOverlap = c.overlaps.find((o) => o.kind === 'lan')!;
    assert.ok(lanOverlap.kind === 'lan');
    assert.deepEqual(blockedRow(lanOverlap, c, true), {
      label: 'blocked by torn-down maze-old (7a7a7a7a)',
      description: 'maze-2 · LAN dmz · 172.16.5.0/24',
      accessibility: 'blocked by torn-down maze-old (7a7a7a7a): topology maze-2, pending, LAN dmz',
    });
    // Error rows: the cause is the label.
    assert.equal(dbErrorLabel('missing'), 'Database file not found');
    assert.equal(dbErrorLabel('not-sqlite'), 'Not a SQLite database');
    assert.equal(dockerErrorLabel('ENOENT'), 'No Docker socket');
    assert.equal(dockerErrorLabel('ETIMEDOUT'), 'Docker not answering');
    assert.equal(dockerErrorLabel(undefined), 'Cannot reach Docker');
    // Names without the prefix every row of the group repeats.
    assert.equal(shortName('decnet_t_7a7a7a7a_decky-01', '7a7a7a7a'), 'decky-01');
    assert.equal(shortName('decky-01-ssh', '7a7a7a7a'), 'decky-01-ssh');
    assert.equal(shortName('decnet_t_7a7a7a7a_', '7a7a7a7a'), 'decnet_t_7a7a7a7a_');
  });

  it('names database errors in words, with the path', () => {
    assert.equal(dbErrorDescription('missing', '/srv/decnet.db'), 'file not found: /srv/decnet.db');
    assert.equal(dbErrorDescription('corrupt', undefined), 'the file is damaged');
    assert.equal(statusBarErrorText('docker'), '$(error) DECNET: Docker unreachable');
  });
});

describe('which daemon the tree names', () => {
  it('gives the endpoint with the daemon name and id', () => {
    const inv = inventory([], []);
    const db = snapshot();
    const result = {
      db: { ok: true as const, value: db },
      docker: { ok: true as const, value: inv },
      dbSource: db.source,
      dockerEndpoint: inv.endpoint,
      ...classify(inv, db),
    };
    assert.equal(dockerWithDaemon(result), 'unix:///test/docker.sock, daemon test-host (id TEST:DAEMON:ID)');
  });
});

describe('containers attached to a network, in the tree', () => {
  it('counts and names the containers attached to a network that are not running', () => {
    const net = network('decnet_t_0badc0de_dmz', ['172.16.2.0/24'], {
      endpoints: [
        { containerId: 'c-web', name: 'web', state: 'running' },
        { containerId: 'c-db', name: 'db', state: 'exited' },
        { containerId: 'c-new', name: 'new', state: 'created', ambiguous: true },
        { containerId: 'c-old', name: 'old', state: 'exited' },
      ],
    });
    assert.equal(endpointCount(net), '4 endpoints (2 exited, 1 created)');
    assert.equal(endpointCount(network('x', [], { endpoints: [{ containerId: 'c', name: 'c', state: 'running' }] })), '1 endpoint');
    assert.equal(foreignNetworkDescription(net, undefined), '172.16.2.0/24 · 4 endpoints (2 exited, 1 created)');
    const tooltip = foreignNetworkTooltip(net, undefined);
    assert.match(tooltip, /`db` \(`c-db`\), exited\n/);
    assert.match(tooltip, /`new` \(`c-new`\), created, names it only by a name another network bears too/);
    assert.match(tooltip, /`web` \(`c-web`\)\n/);
    assert.match(
      foreignEndpointTooltip(net.endpoints[1], net, true),
      /^\*\*`db`\*\* — container DECNET did not create \(`c-db`\), exited\n\nAttached to `decnet_t_0badc0de_dmz` \(not running: it needs the network to start again\)\.\nRemoving this orphan group force-disconnects it from that network, running or not/,
    );
  });
});
