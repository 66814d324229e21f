import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DbSnapshot, Lan, Topology } from '../../src/core/model';
import {
  cidrsOverlap,
  conflictJson,
  describeOverlap,
  findConflicts,
  findOverlapsWith,
  freedBy,
  parseCidr,
  subnetsOverlap,
  summarizeOverlaps,
} from '../../src/core/overlaps';
import { container, decnetLabels, inventory, network, topology } from './fixtures';
import { classify } from '../../src/core/grouping';
import { planRemoval } from '../../src/core/removal/plan';
import type { DockerInventory, ScanResult } from '../../src/core/model';

/** A scan of `inv` against `snap`, both read. */
function classifiedScan(inv: DockerInventory, snap: DbSnapshot): ScanResult {
  return {
    db: { ok: true, value: snap },
    docker: { ok: true, value: inv },
    dbSource: snap.source,
    dockerEndpoint: inv.endpoint,
    ...classify(inv, snap),
  };
}

const ACTIVE = '3f2a9c1e-1111-4222-8333-444455556666';
const PENDING = '5e5e5e5e-1111-4222-8333-444455556666';
const TORN = '7a7a7a7a-1111-4222-8333-444455556666';
const ORPHAN = '0badc0de-1111-4222-8333-444455556666';

let lanCounter = 0;
function lan(topologyId: string, name: string, subnet: string, dockerNetworkId: string | null = null): Lan {
  lanCounter++;
  return { id: `lan-${lanCounter}`, topologyId, name, subnet, isDmz: name === 'dmz', dockerNetworkId };
}

function db(topologies: Topology[], lans: Lan[]): DbSnapshot {
  return { source: 'sqlite: /test/decnet.db', topologies, lans, walFramesApplied: 0 };
}

const cidr = (s: string) => {
  const c = parseCidr(s);
  assert.ok(c, `${s} should parse`);
  return c;
};

describe('CIDR arithmetic', () => {
  it('parses CIDRs and single addresses, IPv4 and IPv6, to canonical text', () => {
    assert.equal(cidr('172.16.5.0/24').text, '172.16.5.0/24');
    assert.equal(cidr(' 172.16.5.9/24 ').text, '172.16.5.0/24', 'host bits are cleared');
    assert.equal(cidr('172.16.5.9').text, '172.16.5.9/32');
    assert.equal(cidr('FD00:DEC:0:1::7/64').text, 'fd00:dec:0:1::/64');
    assert.equal(cidr('fd00:dec::1').text, 'fd00:dec::1/128');
    assert.equal(cidr('::ffff:172.16.5.1').text, '172.16.5.1/32', 'an IPv4-mapped address is IPv4');
    assert.equal(cidr('fd00:dec::/48').family, 'ipv6');
    for (const bad of ['', 'dmz', '172.16.5', '10', '10.1/8', '172.16.5.0/33', 'fd00::/129', '172.16.5.0/', '300.1.1.1']) {
      assert.equal(parseCidr(bad), undefined, `${JSON.stringify(bad)} should not parse`);
    }
  });

  it('finds containment both ways, the same subnet, and no overlap between neighbours (IPv4)', () => {
    assert.equal(cidrsOverlap(cidr('172.16.0.0/12'), cidr('172.16.5.0/24')), true, 'outer contains inner');
    assert.equal(cidrsOverlap(cidr('172.16.5.0/24'), cidr('172.16.0.0/12')), true, 'inner inside outer');
    assert.equal(cidrsOverlap(cidr('172.16.5.0/24'), cidr('172.16.5.0/24')), true, 'the same subnet');
    assert.equal(cidrsOverlap(cidr('172.16.5.0/24'), cidr('172.16.5.77')), true, 'an address inside');
    assert.equal(cidrsOverlap(cidr('172.16.5.0/24'), cidr('172.16.6.0/24')), false, 'neighbours');
    assert.equal(cidrsOverlap(cidr('172.16.4.0/23'), cidr('172.16.5.0/24')), true);
    assert.equal(cidrsOverlap(cidr('172.16.4.0/24'), cidr('172.16.5.0/25')), false);
    assert.equal(cidrsOverlap(cidr('0.0.0.0/0'), cidr('198.18.1.0/24')), true);
  });

  it('finds containment both ways, the same subnet, and no overlap between neighbours (IPv6)', () => {
    assert.equal(cidrsOverlap(cidr('fd00:dec::/48'), cidr('fd00:dec:0:5::/64')), true);
    assert.equal(cidrsOverlap(cidr('fd00:dec:0:5::/64'), cidr('fd00:dec::/48')), true);
    assert.equal(cidrsOverlap(cidr('fd00:dec:0:5::/64'), cidr('fd00:dec:0:5::/64')), true);
    assert.equal(cidrsOverlap(cidr('fd00:dec:0:5::/64'), cidr('fd00:dec:0:6::/64')), false);
    assert.equal(cidrsOverlap(cidr('fd00:dec:0:5::/64'), cidr('fd00:dec:0:5::1')), true);
  });

  it('never matches across families', () => {
    assert.equal(cidrsOverlap(cidr('0.0.0.0/0'), cidr('::/0')), false);
    assert.equal(subnetsOverlap('172.16.5.0/24', 'fd00:dec::/48'), false);
    assert.equal(subnetsOverlap('172.16.5.0/24', 'not a subnet'), false);
  });
});

describe('findConflicts', () => {
  const topologies = [
    topology(ACTIVE, 'maze-1', 'active'),
    topology(PENDING, 'maze-2', 'pending'),
    topology(TORN, 'maze-old', 'torn_down'),
  ];

  it("reports a network holding a pending topology's LAN, with its owner", () => {
    const orphanNet = network('decnet_t_0badc0de_dmz', ['172.16.5.0/24']);
    const snap = db(topologies, [lan(PENDING, 'DMZ', '172.16.5.0/24')]);
    const conflicts = findConflicts(inventory([], [orphanNet]), snap);
    assert.equal(conflicts.length, 1);
    const [c] = conflicts;
    assert.equal(c.network.name, 'decnet_t_0badc0de_dmz');
    assert.deepEqual(c.owner, { prefix: '0badc0de', state: 'orphan', topology: null });
    assert.deepEqual(c.overlaps, [
      {
        kind: 'lan',
        pool: '172.16.5.0/24',
        subnet: '172.16.5.0/24',
        topologyId: PENDING,
        topologyName: 'maze-2',
        topologyStatus: 'pending',
        lan: 'DMZ',
      },
    ]);
    assert.equal(describeOverlap(c.overlaps[0]), 'holds 172.16.5.0/24, wanted by topology maze-2, LAN DMZ');
    // What removing it frees, once each, only for the networks removed.
    assert.deepEqual(freedBy(new Set([orphanNet.id]), conflicts), ['frees 172.16.5.0/24 for maze-2, LAN DMZ']);
    assert.deepEqual(freedBy(new Set(['another']), conflicts), []);
    // A plan that removes it says so.
    const scanResult = classifiedScan(inventory([], [orphanNet]), snap);
    assert.deepEqual(planRemoval(scanResult, ['0badc0de']).frees, ['frees 172.16.5.0/24 for maze-2, LAN DMZ']);
  });

  it('finds containment both ways between a pool and a LAN, and says which subnet the LAN wants', () => {
    const wide = network('wide-net', ['172.16.0.0/16']);
    const narrow = network('narrow-net', ['172.20.5.128/25']);
    const snap = db(topologies, [lan(PENDING, 'dmz', '172.16.5.0/24'), lan(ACTIVE, 'lan-a', '172.20.5.0/24')]);
    const conflicts = findConflicts(inventory([], [wide, narrow]), snap);
    assert.deepEqual(
      conflicts.map((c) => [c.network.name, c.owner.state, describeOverlap(c.overlaps[0])]),
      [
        ['narrow-net', 'foreign', 'holds 172.20.5.128/25, wanted by topology maze-1, LAN lan-a (172.20.5.0/24)'],
        ['wide-net', 'foreign', 'holds 172.16.0.0/16, wanted by topology maze-2, LAN dmz (172.16.5.0/24)'],
      ],
    );
  });

  it("excludes a network's own LAN, matched by docker_network_id or by name", () => {
    const byId = network('renamed-by-hand', ['172.16.1.0/24']);
    const byName = network('decnet_t_3f2a9c1e_lan-b', ['172.16.2.0/24']);
    const snap = db(topologies, [lan(ACTIVE, 'dmz', '172.16.1.0/24', byId.id.slice(0, 12)), lan(ACTIVE, 'LAN-B', '172.16.2.0/24')]);
    assert.deepEqual(findConflicts(inventory([], [byId, byName]), snap), []);
  });

  it('still reports a LAN of the same topology that is not its own', () => {
    const net = network('decnet_t_3f2a9c1e_dmz', ['172.16.1.0/24']);
    const snap = db(topologies, [lan(ACTIVE, 'dmz', '172.16.1.0/24'), lan(ACTIVE, 'lan-a', '172.16.1.0/25')]);
    const [c] = findConflicts(inventory([], [net]), snap);
    assert.equal(c.owner.state, 'live');
    assert.equal(c.owner.topology?.name, 'maze-1');
    assert.deepEqual(
      c.overlaps.map((o) => (o.kind === 'lan' ? o.lan : o.networkName)),
      ['lan-a'],
    );
  });

  it('ignores the LANs of torn_down topologies (DECNET may hand their subnets out again)', () => {
    const net = network('lab-net', ['172.16.9.0/24']);
    const snap = db(topologies, [lan(TORN, 'dmz', '172.16.9.0/24')]);
    assert.deepEqual(findConflicts(inventory([], [net]), snap), []);
  });

  it("reports a torn-down topology's leftover network that blocks a pending topology", () => {
    const leftover = network('decnet_t_7a7a7a7a_dmz', ['172.16.9.0/24']);
    const snap = db(topologies, [lan(TORN, 'dmz', '172.16.9.0/24'), lan(PENDING, 'dmz', '172.16.9.0/24')]);
    const [c] = findConflicts(inventory([], [leftover]), snap);
    assert.equal(c.owner.state, 'live');
    assert.equal(c.owner.topology?.status, 'torn_down');
    assert.deepEqual(
      c.overlaps.map((o) => o.kind === 'lan' && o.topologyName),
      ['maze-2'],
    );
  });

  it('reports overlapping pools between networks, both ways, IPv4 and IPv6', () => {
    const a = network('net-a', ['198.18.0.0/16', 'fd00:dec::/48']);
    const b = network('net-b', ['198.18.4.0/24']);
    const c = network('net-c', ['10.9.0.0/24', 'fd00:dec:0:7::/64']);
    const d = network('net-d', ['198.19.0.0/24', 'fd00:dec:1::/64']);
    const conflicts = findConflicts(inventory([], [a, b, c, d]), db([], []));
    assert.deepEqual(
      conflicts.map((x) => [x.network.name, x.overlaps.map(describeOverlap)]),
      [
        [
          'net-a',
          [
            'holds 198.18.0.0/16, overlapping network net-b (198.18.4.0/24)',
            'holds fd00:dec::/48, overlapping network net-c (fd00:dec:0:7::/64)',
          ],
        ],
        ['net-b', ['holds 198.18.4.0/24, overlapping network net-a (198.18.0.0/16)']],
        ['net-c', ['holds fd00:dec:0:7::/64, overlapping network net-a (fd00:dec::/48)']],
      ],
    );
    assert.equal(summarizeOverlaps(conflicts[0].overlaps), 'holds 198.18.0.0/16, overlapping network net-b (198.18.4.0/24) (+1 more)');
  });

  it('reports IPv6 LANs', () => {
    const net = network('decnet_t_0badc0de_v6', ['198.18.100.0/24', 'fd00:dec:5::/64']);
    const snap = db(topologies, [lan(PENDING, 'v6', 'fd00:dec:5::/56')]);
    const [c] = findConflicts(inventory([], [net]), snap);
    assert.deepEqual(c.overlaps.map(describeOverlap), ['holds fd00:dec:5::/64, wanted by topology maze-2, LAN v6 (fd00:dec:5::/56)']);
  });

  it('skips networks without a pool and LANs whose subnet does not parse', () => {
    const host = network('host');
    const net = network('lab-net', ['172.16.9.0/24']);
    const snap = db(topologies, [lan(PENDING, 'dmz', 'garbage'), lan(PENDING, 'lan-a', '')]);
    assert.deepEqual(findConflicts(inventory([], [host, net]), snap), []);
  });

  it('calls DECNET networks unknown and still compares pools when the DB could not be read', () => {
    const a = network('decnet_t_0badc0de_dmz', ['198.18.0.0/16']);
    const b = network('other', ['198.18.4.0/24']);
    const conflicts = findConflicts(inventory([], [a, b]), undefined);
    assert.deepEqual(
      conflicts.map((c) => [c.network.name, c.owner.state, c.owner.prefix]),
      [
        ['decnet_t_0badc0de_dmz', 'unknown', '0badc0de'],
        ['other', 'foreign', null],
      ],
    );
  });

  it('renders the documented JSON', () => {
    const web = container('web', {}, { networks: ['decnet_t_0badc0de_dmz'] });
    const net = network('decnet_t_0badc0de_dmz', ['172.16.5.0/24'], {
      labels: {},
      endpoints: [{ containerId: web.id, name: 'web' }],
    });
    const other = network('other', ['172.16.0.0/16']);
    const snap = db(topologies, [lan(PENDING, 'dmz', '172.16.5.0/24')]);
    const [c] = findConflicts(inventory([web], [net, other]), snap);
    assert.deepEqual(conflictJson(c), {
      network: { id: net.id, name: net.name, subnets: ['172.16.5.0/24'] },
      owner_prefix: '0badc0de',
      state: 'orphan',
      owner_topology: null,
      containers: [{ id: web.id, name: 'web' }],
      overlaps: [
        { subnet: '172.16.5.0/24', topology_id: PENDING, topology_name: 'maze-2', lan: 'dmz', pool: '172.16.5.0/24' },
        { subnet: '172.16.0.0/16', network: { id: other.id, name: 'other' }, pool: '172.16.5.0/24' },
      ],
    });
  });
});

describe('findOverlapsWith', () => {
  const topologies = [topology(ACTIVE, 'maze-1', 'active'), topology(PENDING, 'maze-2', 'pending'), topology(TORN, 'old', 'torn_down')];

  it('lists the networks whose pools overlap a CIDR or an address, with owners and attached containers', () => {
    const live = network('decnet_t_3f2a9c1e_dmz', ['172.16.1.0/24'], { endpoints: [{ containerId: 'c1', name: 'decky-01' }] });
    const orphan = network('decnet_t_0badc0de_dmz', ['172.16.2.0/24']);
    const foreign = network('lab', ['172.16.0.0/16', 'fd00:dec::/48']);
    const far = network('far', ['10.0.0.0/24']);
    const labelled = network('svc', ['172.16.3.0/24'], { labels: decnetLabels(ORPHAN, 'x') });
    const snap = db(topologies, [
      lan(ACTIVE, 'dmz', '172.16.1.0/24'),
      lan(PENDING, 'dmz', '172.16.2.0/24'),
      lan(TORN, 'dmz', '172.16.2.0/24'),
    ]);
    const inv = inventory([], [live, orphan, foreign, far, labelled]);

    const r = findOverlapsWith(cidr('172.16.2.0/24'), inv, snap);
    assert.deepEqual(
      r.matches.map((m) => [m.network.name, m.owner.state, m.owner.prefix, m.matchedPools]),
      [
        ['decnet_t_0badc0de_dmz', 'orphan', '0badc0de', ['172.16.2.0/24']],
        ['lab', 'foreign', null, ['172.16.0.0/16']],
      ],
    );
    assert.deepEqual(
      r.lans.map((l) => [l.topology.name, l.lan.name]),
      [['maze-2', 'dmz']],
      'only LANs of topologies that are not torn_down',
    );

    const one = findOverlapsWith(cidr('172.16.1.9'), inv, snap);
    assert.deepEqual(
      one.matches.map((m) => [m.network.name, m.owner.state, m.owner.topology?.name ?? null, m.endpoints.map((e) => e.name)]),
      [
        ['decnet_t_3f2a9c1e_dmz', 'live', 'maze-1', ['decky-01']],
        ['lab', 'foreign', null, []],
      ],
    );
    assert.deepEqual(
      findOverlapsWith(cidr('fd00:dec:0:1::/64'), inv, snap).matches.map((m) => m.network.name),
      ['lab'],
    );
    assert.deepEqual(
      findOverlapsWith(cidr('172.16.3.0/24'), inv, snap).matches.map((m) => [m.network.name, m.owner.state]),
      [
        ['lab', 'foreign'],
        ['svc', 'orphan'],
      ],
    );
    assert.deepEqual(findOverlapsWith(cidr('192.0.2.0/24'), inv, snap).matches, []);
  });
});
