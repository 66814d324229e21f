// Subnet overlaps against the private real dockerd and real SQLite files: what `decnet-reaper
// overlaps` prints (the bundled CLI, as users run it) and what the tree renders from the core.
// Uses 198.18.100.0/24–198.18.107.0/24 and fd00:dec:100::/48.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Lan } from '../../src/core/model';
import { conflictsOfScan, describeOverlap } from '../../src/core/overlaps';
import { scan } from '../../src/core/scan';
import { buildCli, runCli } from '../support/cli';
import { deployTopology, newTopologyId, privateDaemon, TEST_IMAGE, uniqueName } from '../support/docker';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

function lan(topologyId: string, name: string, subnet: string, dockerNetworkId: string | null = null): Lan {
  return { id: randomUUID(), topologyId, name, subnet, isDmz: name === 'dmz', dockerNetworkId };
}

interface JsonConflict {
  network: { id: string; name: string; subnets: string[] };
  owner_prefix: string | null;
  state: string;
  owner_topology: { id: string; name: string; status: string } | null;
  containers: { id: string; name: string; state?: string }[];
  overlaps: Record<string, unknown>[];
  matched_subnets?: string[];
}

describe('subnet overlaps on a real daemon', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-overlaps-it-');

  before(() => {
    buildCli();
  });

  function run(args: string[]) {
    return runCli(args, { env: { HOME: dir, DOCKER_HOST: host }, cwd: dir });
  }

  function json(args: string[]): {
    code: number | null;
    body: {
      conflicts: JsonConflict[];
      lans?: Record<string, unknown>[];
      error?: { kind: string; message: string } | null;
      database_error?: string | null;
      query?: string;
    };
    stderr: string;
  } {
    const r = run([...args, '--json']);
    return { code: r.code, body: JSON.parse(r.stdout), stderr: r.stderr };
  }

  it("finds an orphan network holding a pending topology's LAN, exactly or by containment, and not a network's own LAN", async () => {
    const pendingId = newTopologyId();
    const activeId = newTopologyId();
    const tornId = newTopologyId();
    const orphanId = newTopologyId();
    const active = await deployTopology(docker, activeId, [{ name: 'dmz', subnet: '198.18.101.0/24' }], [{ name: 'decky-a', lan: 'dmz' }]);
    const orphan = await deployTopology(
      docker,
      orphanId,
      [
        { name: 'dmz', subnet: '198.18.100.0/24' },
        { name: 'lan-b', subnet: '198.18.102.0/24', internal: true },
      ],
      [{ name: 'decky-01', lan: 'dmz', services: ['ssh'] }],
    );
    const dbPath = makeDecnetDb(path.join(dir, 'pending'), {
      checkpointed: [topologyRow(activeId, 'maze-active', 'active'), topologyRow(tornId, 'maze-gone', 'torn_down')],
      // The pending topology's commit is still only in the -wal.
      walOnly: [topologyRow(pendingId, 'maze-next', 'pending')],
      lans: [
        lan(activeId, 'dmz', '198.18.101.0/24', active.networks[0].id),
        // A torn_down topology's LAN is free to reuse: never a conflict.
        lan(tornId, 'dmz', '198.18.101.0/24'),
        lan(pendingId, 'dmz', '198.18.100.0/24'),
        lan(pendingId, 'lan-b', '198.18.102.128/25'),
      ],
    });

    // The core, as the tree renders it.
    const result = await scan({ dbPath, dockerHost: host });
    assert.equal(result.db.ok, true);
    const mine = new Set([...orphan.networks, ...active.networks].map((n) => n.id));
    const conflicts = conflictsOfScan(result).filter((c) => mine.has(c.network.id));
    assert.deepEqual(
      conflicts.map((c) => [c.network.name, c.owner.state, c.owner.prefix, c.overlaps.map(describeOverlap)]),
      [
        [`decnet_t_${orphan.prefix}_dmz`, 'orphan', orphan.prefix, ['holds 198.18.100.0/24, wanted by topology maze-next, LAN dmz']],
        [
          `decnet_t_${orphan.prefix}_lan-b`,
          'orphan',
          orphan.prefix,
          ['holds 198.18.102.0/24, wanted by topology maze-next, LAN lan-b (198.18.102.128/25)'],
        ],
      ],
    );

    // The CLI: every conflict, as JSON.
    const all = json(['overlaps', '--db', dbPath]);
    assert.equal(all.code, 0, all.stderr);
    const dmz = all.body.conflicts.find((c) => c.network.id === orphan.networks[0].id);
    assert.ok(dmz, JSON.stringify(all.body));
    assert.deepEqual(dmz, {
      network: { id: orphan.networks[0].id, name: `decnet_t_${orphan.prefix}_dmz`, subnets: ['198.18.100.0/24'] },
      owner_prefix: orphan.prefix,
      state: 'orphan',
      owner_topology: null,
      containers: [{ id: orphan.containers[0].id, name: `decnet_t_${orphan.prefix}_decky-01`, state: 'running' }],
      overlaps: [{ subnet: '198.18.100.0/24', topology_id: pendingId, topology_name: 'maze-next', lan: 'dmz', pool: '198.18.100.0/24' }],
    });
    assert.ok(!all.body.conflicts.some((c) => c.network.id === active.networks[0].id), "a network's own LAN is no conflict");

    // The CLI: one address, in text.
    const one = run(['overlaps', '198.18.100.37', '--db', dbPath]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /Networks whose pools overlap 198\.18\.100\.37\/32:/);
    assert.match(one.stdout, new RegExp(`decnet_t_${orphan.prefix}_dmz  198\\.18\\.100\\.0/24  orphan ${orphan.prefix}`));
    assert.match(one.stdout, /holds 198\.18\.100\.0\/24, wanted by topology maze-next, LAN dmz/);
    assert.match(one.stdout, new RegExp(`containers: decnet_t_${orphan.prefix}_decky-01`));
    assert.match(one.stdout, /Topology LANs that want it:\n {4}maze-next \(pending\), LAN dmz: 198\.18\.100\.0\/24/);

    // A live network asked about by its subnet: found, with its owner, and no conflict.
    const live = json(['overlaps', '198.18.101.0/24', '--db', dbPath]);
    assert.equal(live.code, 0);
    const a = live.body.conflicts.find((c) => c.network.id === active.networks[0].id);
    assert.equal(a?.state, 'live');
    assert.deepEqual(a?.owner_topology, { id: activeId, name: 'maze-active', status: 'active' });
    assert.deepEqual(a?.overlaps, []);
    assert.deepEqual(a?.matched_subnets, ['198.18.101.0/24']);
    assert.deepEqual(
      live.body.lans?.map((l) => l.topology_name),
      ['maze-active'],
      'torn_down LANs do not count',
    );
  });

  it("finds a foreign network and its containers, running or not, in a pending topology's way", async () => {
    const pendingId = newTopologyId();
    const name = uniqueName('lab-net');
    const net = await docker.createNetwork({ Name: name, IPAM: { Config: [{ Subnet: '198.18.103.0/24' }] } });
    const web = await docker.createContainer({ name: uniqueName('lab-web'), Image: TEST_IMAGE, HostConfig: { NetworkMode: name } });
    await web.start();
    // A container that is not running is attached all the same (the network's inspect leaves it out).
    const stopped = await docker.createContainer({ name: uniqueName('lab-db'), Image: TEST_IMAGE, HostConfig: { NetworkMode: name } });
    const dbPath = makeDecnetDb(path.join(dir, 'foreign'), {
      checkpointed: [topologyRow(pendingId, 'maze-lab', 'deploying')],
      lans: [lan(pendingId, 'dmz', '198.18.103.0/24')],
    });

    const result = await scan({ dbPath, dockerHost: host });
    const [c] = conflictsOfScan(result).filter((x) => x.network.id === net.id);
    assert.equal(c.owner.state, 'foreign');
    assert.equal(c.owner.prefix, null);
    assert.deepEqual(c.overlaps.map(describeOverlap), ['holds 198.18.103.0/24, wanted by topology maze-lab, LAN dmz']);
    assert.deepEqual(
      c.network.endpoints.map((e) => [e.containerId, e.state]).sort(),
      [
        [web.id, 'running'],
        [stopped.id, 'created'],
      ].sort(),
    );

    const r = json(['overlaps', '198.18.103.0/25', '--db', dbPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.body.query, '198.18.103.0/25');
    const found = r.body.conflicts.find((x) => x.network.id === net.id);
    assert.equal(found?.state, 'foreign');
    assert.equal(found?.owner_prefix, null);
    assert.deepEqual(
      found?.containers.map((x) => [x.id, x.state]).sort(),
      [
        [web.id, 'running'],
        [stopped.id, 'created'],
      ].sort(),
    );
    assert.deepEqual(found?.overlaps, [
      { subnet: '198.18.103.0/24', topology_id: pendingId, topology_name: 'maze-lab', lan: 'dmz', pool: '198.18.103.0/24' },
    ]);
    const text = run(['overlaps', '--db', dbPath]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /containers: .*lab-db-\w+ \(created\)/);
    assert.match(
      text.stdout,
      new RegExp(
        `${name}  198\\.18\\.103\\.0/24  foreign \\(not DECNET's\\)\\n {4}holds 198\\.18\\.103\\.0/24, wanted by topology maze-lab, LAN dmz`,
      ),
    );
  });

  it('compares IPv6 pools', async () => {
    const pendingId = newTopologyId();
    const orphanId = newTopologyId();
    const prefix = orphanId.slice(0, 8);
    const v6 = await docker.createNetwork({
      Name: `decnet_t_${prefix}_v6`,
      EnableIPv6: true,
      IPAM: { Config: [{ Subnet: '198.18.104.0/24' }, { Subnet: 'fd00:dec:100:1::/64' }] },
    });
    const lab = await docker.createNetwork({
      Name: uniqueName('lab-v6'),
      EnableIPv6: true,
      IPAM: { Config: [{ Subnet: '198.18.105.0/24' }, { Subnet: 'fd00:dec:100:2::/64' }] },
    });
    const dbPath = makeDecnetDb(path.join(dir, 'v6'), {
      checkpointed: [topologyRow(pendingId, 'maze-v6', 'pending')],
      lans: [lan(pendingId, 'dmz', 'fd00:dec:100::/56')],
    });

    const r = json(['overlaps', '--db', dbPath]);
    assert.equal(r.code, 0, r.stderr);
    const o = r.body.conflicts.find((c) => c.network.id === v6.id);
    assert.ok(o, JSON.stringify(r.body));
    assert.equal(o.state, 'orphan');
    assert.deepEqual(o.network.subnets, ['198.18.104.0/24', 'fd00:dec:100:1::/64']);
    assert.deepEqual(o.overlaps, [
      { subnet: 'fd00:dec:100::/56', topology_id: pendingId, topology_name: 'maze-v6', lan: 'dmz', pool: 'fd00:dec:100:1::/64' },
    ]);
    assert.equal(r.body.conflicts.find((c) => c.network.id === lab.id)?.state, 'foreign');

    const q = json(['overlaps', 'fd00:dec:100:2::42', '--db', dbPath]);
    assert.deepEqual(
      q.body.conflicts.map((c) => [c.network.id, c.matched_subnets]),
      [[lab.id, ['fd00:dec:100:2::/64']]],
    );
    assert.equal(json(['overlaps', 'fd00:dec:100:3::/64', '--db', dbPath]).body.conflicts.length, 0);
  });

  it('says so when nothing overlaps; exits 2 on a bad CIDR, an unreadable database or daemon', async () => {
    const dbPath = makeDecnetDb(path.join(dir, 'none'), { checkpointed: [topologyRow(newTopologyId(), 'maze-x')] });
    const none = run(['overlaps', '198.18.106.0/24', '--db', dbPath]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /No Docker network's pool overlaps 198\.18\.106\.0\/24\./);
    assert.deepEqual(json(['overlaps', '198.18.106.0/24', '--db', dbPath]).body.conflicts, []);

    for (const bad of ['198.18.106', '198.18.106.0/33', 'dmz']) {
      const r = run(['overlaps', bad, '--db', dbPath]);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /neither a CIDR/);
    }
    assert.equal(run(['overlaps', 'a', 'b', '--db', dbPath]).code, 2);
    assert.equal(run(['overlaps', '--yes', '--db', dbPath]).code, 2);

    const corrupt = path.join(dir, 'none', 'corrupt.db');
    writeFileSync(corrupt, 'SQLite format 3\0 this is not a database at all'.padEnd(8192, 'x'));
    const unreadable = json(['overlaps', '--db', corrupt]);
    assert.equal(unreadable.code, 2);
    assert.equal(unreadable.body.error?.kind, 'unreadable');
    assert.match(unreadable.body.error?.message ?? '', /could not be read/);
    assert.match(unreadable.body.database_error ?? '', /could not be read/);
    assert.ok(Array.isArray(unreadable.body.conflicts), 'overlaps between networks are still listed');
    // Asked about a subnet, it still names the networks in the way: a DECNET network's owner is
    // unknown (never orphan) without the database, a foreign network stays foreign.
    const orphan = await deployTopology(
      docker,
      newTopologyId(),
      [{ name: 'dmz', subnet: '198.18.107.0/25' }],
      [{ name: 'decky-01', lan: 'dmz' }],
    );
    const lab = await docker.createNetwork({ Name: uniqueName('lab-net'), IPAM: { Config: [{ Subnet: '198.18.107.128/25' }] } });
    const asked = json(['overlaps', '198.18.107.0/24', '--db', corrupt]);
    assert.equal(asked.code, 2);
    assert.match(asked.body.error?.message ?? '', /could not be read/);
    assert.deepEqual(
      asked.body.conflicts.map((c) => [c.network.id, c.state, c.owner_prefix]).sort(),
      [
        [orphan.networks[0].id, 'unknown', orphan.prefix],
        [lab.id, 'foreign', null],
      ].sort(),
    );

    const noDaemon = runCli(['overlaps', '--db', dbPath], { env: { HOME: dir, DOCKER_HOST: `unix://${dir}/nope.sock` } });
    assert.equal(noDaemon.code, 2);
    assert.match(noDaemon.stderr, /nope\.sock/);
  });
});
