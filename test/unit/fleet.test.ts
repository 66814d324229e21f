// A DECNET swarm: where a topology belongs (rules.ts), the swarm read from real SQLite files
// (DECNET's whole schema, rows committed only in the -wal), hosts resolved from the endpoint
// mapping, and the concurrent scan with its per-host timeout (a stand-in for each daemon).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readSqliteDb } from '../../src/core/db/sqlite';
import {
  dbForHost,
  offeredEndpoint,
  parseHostMapping,
  resolveFleetHosts,
  scanFleet,
  fleetJson,
  runsAtHome,
  uncheckedHomes,
  uncheckedHomesRefusal,
} from '../../src/core/fleet';
import { classify } from '../../src/core/grouping';
import type { DockerInventory, SwarmFacts, Topology } from '../../src/core/model';
import { DockerUnavailableError, MASTER } from '../../src/core/model';
import { misplacedOn } from '../../src/core/rules';
import { execInWal, makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

const W1 = { name: 'w1', uuid: 'u-1' };
const W2 = { name: 'w2', uuid: 'u-2' };
const swarm: SwarmFacts = {
  hosts: [
    { uuid: 'u-1', name: 'w1', address: '10.0.0.1', status: 'active', lastHeartbeat: null, agentPort: 8765 },
    { uuid: 'u-2', name: 'w2', address: '10.0.0.2', status: 'active', lastHeartbeat: null, agentPort: 8765 },
  ],
  targetHost: { 'aaaaaaaa-1': 'u-1', 'bbbbbbbb-1': null, 'cccccccc-1': 'u-gone' },
};
const agentOnW1: Topology = { id: 'aaaaaaaa-1', name: 'a', status: 'active', mode: 'agent' };
const agentUnpinned: Topology = { id: 'bbbbbbbb-1', name: 'b', status: 'active', mode: 'agent' };
const agentOnGoneHost: Topology = { id: 'cccccccc-1', name: 'c', status: 'active', mode: 'agent' };
const unihost: Topology = { id: 'dddddddd-1', name: 'd', status: 'active', mode: 'unihost' };

describe('where a topology belongs', () => {
  it('an agent topology is live on its target host and misplaced elsewhere; a unihost one belongs on the master', () => {
    assert.equal(misplacedOn([agentOnW1], W1, swarm), undefined);
    assert.equal(misplacedOn([agentOnW1], W2, swarm), 'w1');
    assert.equal(misplacedOn([agentOnW1], MASTER, swarm), 'w1');
    assert.equal(misplacedOn([unihost], MASTER, swarm), undefined);
    assert.equal(misplacedOn([unihost], W2, swarm), 'master');
  });

  it('is never misplaced when it cannot be told: no workers, no target, a target not in swarm_hosts, a row that belongs here', () => {
    assert.equal(misplacedOn([unihost], W2, { hosts: [], targetHost: {} }), undefined);
    assert.equal(misplacedOn([unihost], W2, undefined), undefined);
    assert.equal(misplacedOn([agentUnpinned], MASTER, swarm), undefined);
    assert.equal(misplacedOn([agentOnGoneHost], W1, swarm), undefined);
    assert.equal(misplacedOn([{ ...unihost, mode: 'swarm' }], W1, swarm), undefined);
    // Two rows with one prefix: one belonging here keeps the prefix live.
    assert.equal(misplacedOn([agentOnW1, unihost], MASTER, swarm), undefined);
    // A host that is not in swarm_hosts (its row deleted since): nothing is misplaced there.
    assert.equal(misplacedOn([unihost], { name: 'w9', uuid: 'u-9' }, swarm), undefined);
  });

  it('classify keeps a misplaced group live for every orphan rule, and lists it apart', () => {
    const inv: DockerInventory = {
      endpoint: 'x',
      daemon: { name: 'd', id: 'i', version: 'v' },
      containers: [],
      networks: [
        { id: 'n1', name: 'decnet_t_aaaaaaaa_dmz', driver: 'bridge', internal: false, subnets: [], labels: {}, endpoints: [] },
        { id: 'n2', name: 'decnet_t_dddddddd_dmz', driver: 'bridge', internal: false, subnets: [], labels: {}, endpoints: [] },
        { id: 'n3', name: 'decnet_t_eeeeeeee_dmz', driver: 'bridge', internal: false, subnets: [], labels: {}, endpoints: [] },
      ],
    };
    const db = { source: 's', topologies: [agentOnW1, unihost], lans: [], walFramesApplied: 0, swarm };
    const c = classify(inv, db, W2);
    assert.deepEqual(c.livePrefixes, []);
    assert.deepEqual(c.misplacedPrefixes, ['aaaaaaaa', 'dddddddd']);
    assert.deepEqual(c.orphanPrefixes, ['eeeeeeee']);
    assert.ok(c.groups.filter((g) => g.misplaced).every((g) => g.state === 'live' && g.networks.every((n) => !n.removable)));
    // Without a host, as before: both live.
    assert.deepEqual(classify(inv, db).livePrefixes, ['aaaaaaaa', 'dddddddd']);
    assert.equal(classify(inv, db).misplacedPrefixes, undefined);
  });

  it('per host, only the LANs of topologies that belong there are wanted', () => {
    const lans = [
      { id: 'l1', topologyId: agentOnW1.id, name: 'dmz', subnet: '198.18.1.0/24', isDmz: true, dockerNetworkId: null },
      { id: 'l2', topologyId: unihost.id, name: 'dmz', subnet: '198.18.2.0/24', isDmz: true, dockerNetworkId: null },
      { id: 'l3', topologyId: agentUnpinned.id, name: 'dmz', subnet: '198.18.3.0/24', isDmz: true, dockerNetworkId: null },
    ];
    const db = { source: 's', topologies: [agentOnW1, unihost, agentUnpinned], lans, walFramesApplied: 0, swarm };
    assert.deepEqual(
      dbForHost(db, W1).lans.map((l) => l.id),
      ['l1', 'l3'],
    );
    assert.deepEqual(
      dbForHost(db, MASTER).lans.map((l) => l.id),
      ['l2', 'l3'],
    );
    assert.deepEqual(dbForHost({ ...db, swarm: { hosts: [], targetHost: {} } }, W1).lans.length, 3);
  });
});

describe('the swarm read from DECNET SQLite files', () => {
  const dir = scratchDir('decnet-fleet-unit-');

  it('reads swarm_hosts and target_host_uuid committed only in the -wal, in the same snapshot', async () => {
    const db = makeDecnetDb(path.join(dir, 'a'), {
      fullSchema: true,
      checkpointed: [topologyRow('aaaaaaaa-1111-4111-8111-111111111111', 'maze', 'active', 'agent')],
    });
    const before = await readSqliteDb(db);
    assert.deepEqual(before.swarm, { hosts: [], targetHost: { 'aaaaaaaa-1111-4111-8111-111111111111': null } });
    execInWal(db, [
      "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, last_heartbeat, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('u-1', 'w1', '10.0.0.1', 8765, 'active', '2025-06-01 12:00:00', 'fp', '/x', '2025-01-01', 0)",
      "UPDATE topologies SET target_host_uuid = 'u-1'",
    ]);
    const r = await readSqliteDb(db);
    assert.deepEqual(r.swarm, {
      hosts: [{ uuid: 'u-1', name: 'w1', address: '10.0.0.1', status: 'active', lastHeartbeat: '2025-06-01 12:00:00', agentPort: 8765 }],
      targetHost: { 'aaaaaaaa-1111-4111-8111-111111111111': 'u-1' },
    });
  });

  it('a database of only the tables read (no swarm_hosts) has no workers', async () => {
    const db = makeDecnetDb(path.join(dir, 'b'), { checkpointed: [topologyRow('bbbbbbbb-1111-4111-8111-111111111111', 'm')] });
    assert.deepEqual((await readSqliteDb(db)).swarm?.hosts, []);
  });
});

describe('hosts and the concurrent scan', () => {
  const master = { url: 'unix:///m.sock', source: 'setting' as const };

  it('resolves the master first, then every worker with its mapped endpoint or none, never guessed', () => {
    const hosts = resolveFleetHosts(master, swarm, { w2: 'tcp://10.0.0.2:2376', nope: 'unix:///x' }, {});
    assert.deepEqual(
      hosts.map((h) => [h.ref.name, h.endpoint?.url, h.offer]),
      [
        ['master', 'unix:///m.sock', undefined],
        ['w1', undefined, 'ssh://10.0.0.1'],
        ['w2', 'tcp://10.0.0.2:2376', undefined],
      ],
    );
    assert.equal(offeredEndpoint({ address: 'fd00::1' }), 'ssh://[fd00::1]');
    assert.equal(offeredEndpoint({ address: 'a b' }), undefined);
    assert.deepEqual(parseHostMapping(['w1=ssh://u@h', 'w2=context:x=y']), { w1: 'ssh://u@h', w2: 'context:x=y' });
    assert.throws(() => parseHostMapping(['w1']), /NAME=ENDPOINT/);
    assert.throws(() => parseHostMapping(['w1=a', 'w1=b']), /twice/);
  });

  const dir = scratchDir('decnet-fleet-scan-');

  it('a host that never answers is reported at its timeout; the others are not held back', async () => {
    const db = makeDecnetDb(dir, {
      fullSchema: true,
      checkpointed: [topologyRow('aaaaaaaa-1111-4111-8111-111111111111', 'maze', 'active', 'agent')],
    });
    execInWal(db, [
      "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('u-1', 'w1', 'a', 1, 'active', 'f', '/x', '2025', 0), ('u-2', 'w2', 'b', 1, 'active', 'f', '/x', '2025', 0), ('u-3', 'w3', 'c', 1, 'active', 'f', '/x', '2025', 0)",
    ]);
    const order: string[] = [];
    let aborted = false;
    let inFlight = 0;
    let maxInFlight = 0;
    const fleet = await scanFleet({
      db: { kind: 'sqlite', path: db, origin: 'setting' },
      master,
      mapping: { w1: 'unix:///w1.sock', w2: 'unix:///dead.sock', w3: 'unix:///w3.sock' },
      env: {},
      timeoutMs: 300,
      concurrency: 2,
      readDocker: async (endpoint, signal) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (endpoint.url === 'unix:///dead.sock') {
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
            aborted = signal.aborted;
            return {
              ok: true,
              value: { endpoint: endpoint.url, daemon: { name: 'late', id: 'late', version: '' }, containers: [], networks: [] },
            };
          }
          return {
            ok: true,
            value: { endpoint: endpoint.url, daemon: { name: endpoint.url, id: endpoint.url, version: '1' }, containers: [], networks: [] },
          };
        } finally {
          inFlight--;
        }
      },
      onHost: (s) => order.push(s.host.ref.name),
    });
    assert.deepEqual(
      fleet.hosts.map((h) => h.host.ref.name),
      ['master', 'w1', 'w2', 'w3'],
    );
    const dead = fleet.hosts[2];
    assert.equal(dead.timedOut, true);
    assert.equal(aborted, true, "the dead host's requests are aborted");
    assert.equal(dead.result.docker.ok, false);
    assert.match(dead.result.docker.ok ? '' : dead.result.docker.error.message, /did not answer within 0\.3 s/);
    assert.ok(dead.ms >= 290);
    // The dead host is the last to finish, whatever came after it in the list.
    assert.equal(order[order.length - 1], 'w2');
    assert.ok(fleet.hosts.filter((h) => h !== dead).every((h) => h.result.docker.ok && !h.timedOut));
    assert.equal(maxInFlight, 2);
  });

  it('a worker named "master" is never taken for the master, nor scanned', async () => {
    const db = makeDecnetDb(scratchDir('decnet-fleet-scan-named-master-'), { fullSchema: true, checkpointed: [] });
    execInWal(db, [
      "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('abcdef12-0000', 'master', '10.0.0.9', 1, 'active', 'f', '/x', '2025', 0)",
    ]);
    const read: string[] = [];
    const fleet = await scanFleet({
      db: { kind: 'sqlite', path: db, origin: 'setting' },
      master,
      mapping: { master: 'unix:///mapped-master.sock' },
      env: {},
      readDocker: async (endpoint) => (
        read.push(endpoint.url),
        { ok: true, value: { endpoint: endpoint.url, daemon: { name: 'm', id: 'M', version: '1' }, containers: [], networks: [] } }
      ),
    });
    assert.deepEqual(
      fleet.hosts.map((h) => h.host.ref.name),
      ['master', 'master (worker abcdef12)'],
    );
    assert.deepEqual(read, ['unix:///mapped-master.sock'], 'only the real master is scanned');
    const worker = fleet.hosts[1];
    assert.equal(worker.result.docker.ok, false);
    assert.match(
      worker.result.docker.ok ? '' : worker.result.docker.error.message,
      /named "master", the name the reaper gives the master: rename it/,
    );
  });

  it('two hosts reaching one daemon: what belongs on either is live on both, never misplaced', async () => {
    const db = makeDecnetDb(scratchDir('decnet-fleet-scan-shared-'), {
      fullSchema: true,
      checkpointed: [
        topologyRow('aaaaaaaa-1111-4111-8111-111111111111', 'maze', 'active', 'agent'),
        topologyRow('bbbbbbbb-1111-4111-8111-111111111111', 'other', 'active', 'agent'),
      ],
    });
    execInWal(db, [
      "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('u-1', 'w1', 'a', 1, 'active', 'f', '/x', '2025', 0), ('u-2', 'w2', 'b', 1, 'active', 'f', '/x', '2025', 0)",
      "UPDATE topologies SET target_host_uuid = 'u-1' WHERE id LIKE 'aaaaaaaa%'",
      "UPDATE topologies SET target_host_uuid = 'u-2' WHERE id LIKE 'bbbbbbbb%'",
    ]);
    // w1 is enrolled on the master's own machine: its endpoint reaches the master's daemon.
    const named = (prefix: string) => ({
      id: `${prefix}-c`,
      name: `decnet_t_${prefix}_decky-01`,
      image: 'x',
      state: 'running',
      status: 'Up',
      labels: {},
      networkMode: 'bridge',
      networks: [],
    });
    const inventory = (id: string): DockerInventory => ({
      endpoint: id,
      daemon: { name: id, id, version: '1' },
      containers: id === 'D-master' ? [named('aaaaaaaa'), named('bbbbbbbb')] : [],
      networks: [],
    });
    const fleet = await scanFleet({
      db: { kind: 'sqlite', path: db, origin: 'setting' },
      master,
      mapping: { w1: 'unix:///var/run/also-the-master.sock', w2: 'unix:///w2.sock' },
      env: {},
      readDocker: async (endpoint) => ({ ok: true, value: inventory(endpoint.url === 'unix:///w2.sock' ? 'D-w2' : 'D-master') }),
    });
    const [m, w1, w2] = fleet.hosts;
    assert.deepEqual(m.sameDaemonAs, ['w1']);
    assert.deepEqual(w1.sameDaemonAs, ['master']);
    assert.equal(w2.sameDaemonAs, undefined);
    // aaaaaaaa belongs on w1, which is this daemon: live on both rows. bbbbbbbb belongs on w2: misplaced.
    for (const h of [m, w1]) {
      assert.deepEqual(h.result.livePrefixes, ['aaaaaaaa'], h.host.ref.name);
      assert.deepEqual(h.result.misplacedPrefixes, ['bbbbbbbb'], h.host.ref.name);
    }
    assert.match(JSON.stringify(fleetJson(fleet)), /"same_daemon_as":\["w1"\]/);
  });

  it('a misplaced group is removable only when every host it belongs on answered and is another daemon', async () => {
    const db = makeDecnetDb(scratchDir('decnet-fleet-scan-homes-'), {
      fullSchema: true,
      checkpointed: [
        topologyRow('aaaaaaaa-1111-4111-8111-111111111111', 'maze', 'active', 'agent'),
        topologyRow('cccccccc-1111-4111-8111-111111111111', 'uni', 'active', 'unihost'),
      ],
    });
    execInWal(db, [
      "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('u-1', 'w1', '10.0.0.1', 1, 'active', 'f', '/x', '2025', 0), ('u-2', 'w2', '10.0.0.2', 1, 'active', 'f', '/x', '2025', 0)",
      "UPDATE topologies SET target_host_uuid = 'u-1' WHERE id LIKE 'aaaaaaaa%'",
    ]);
    const named = (prefix: string) => ({
      id: `${prefix}-c`,
      name: `decnet_t_${prefix}_decky-01`,
      image: 'x',
      state: 'running',
      status: 'Up',
      labels: {},
      networkMode: 'bridge',
      networks: [],
    });
    // aaaaaaaa (belongs on w1) is found on w2; cccccccc (belongs on the master) too.
    const scanWith = (mapping: Record<string, string>, answers: Record<string, string | null>) =>
      scanFleet({
        db: { kind: 'sqlite', path: db, origin: 'setting' },
        master,
        mapping,
        env: {},
        readDocker: async (endpoint) => {
          const id = answers[endpoint.url];
          if (id === null || id === undefined)
            return { ok: false, error: new DockerUnavailableError(`${endpoint.url} refused`, endpoint.url) };
          return {
            ok: true,
            value: {
              endpoint: endpoint.url,
              daemon: { name: id, id, version: '1' },
              containers: id === 'D-w2' ? [named('aaaaaaaa'), named('cccccccc')] : [],
              networks: [],
            },
          };
        },
      });
    const homesOf = async (mapping: Record<string, string>, answers: Record<string, string | null>, prefix: string) => {
      const fleet = await scanWith(mapping, answers);
      const w2 = fleet.hosts.find((h) => h.host.ref.name === 'w2')!;
      const g = w2.result.groups.find((x) => x.prefix === prefix)!;
      assert.ok(g.misplaced, `${prefix} is misplaced on w2`);
      const swarmFacts = fleet.db.ok ? fleet.db.value.swarm! : { hosts: [], targetHost: {} };
      // Nothing of it runs where it belongs (the stand-in w1 and master hold none of it).
      assert.equal(runsAtHome(fleet.hosts, g, swarmFacts), false);
      return uncheckedHomes(fleet.hosts, w2, g, swarmFacts);
    };
    const all = { [master.url]: 'D-master', 'unix:///w1.sock': 'D-w1', 'unix:///w2.sock': 'D-w2' };
    assert.deepEqual(await homesOf({ w1: 'unix:///w1.sock', w2: 'unix:///w2.sock' }, all, 'aaaaaaaa'), []);
    assert.deepEqual(await homesOf({ w1: 'unix:///w1.sock', w2: 'unix:///w2.sock' }, all, 'cccccccc'), []);
    // w1 without an endpoint: not checked, with the address offered.
    assert.deepEqual(await homesOf({ w2: 'unix:///w2.sock' }, all, 'aaaaaaaa'), [
      { name: 'w1', why: 'no Docker endpoint configured', noEndpoint: true, offer: 'ssh://10.0.0.1' },
    ]);
    // w1 not answering; the master not answering.
    assert.deepEqual(await homesOf({ w1: 'unix:///w1.sock', w2: 'unix:///w2.sock' }, { ...all, 'unix:///w1.sock': null }, 'aaaaaaaa'), [
      { name: 'w1', why: 'unix:///w1.sock refused', noEndpoint: false },
    ]);
    assert.deepEqual(await homesOf({ w1: 'unix:///w1.sock', w2: 'unix:///w2.sock' }, { ...all, [master.url]: null }, 'cccccccc'), [
      { name: 'master', why: `${master.url} refused`, noEndpoint: false },
    ]);
    const refusal = uncheckedHomesRefusal(
      { prefix: 'aaaaaaaa', topology: { id: 'aaaaaaaa-1', name: 'maze', status: 'active', mode: 'agent' } },
      [{ name: 'w1', why: 'no Docker endpoint configured', noEndpoint: true, offer: 'ssh://10.0.0.1' }],
      (u) => `Give ${u.name} an endpoint.`,
    );
    assert.equal(
      refusal,
      'Nothing was removed: topology "maze" (aaaaaaaa) belongs on host w1, which could not be checked (no Docker endpoint configured). ' +
        'A topology is removed as misplaced only when the host it belongs on answered and is another Docker daemon. Give w1 an endpoint.',
    );
  });

  it("a refresh reads the master's daemon and the database once: the master's scan is used as it is", async () => {
    const db = makeDecnetDb(scratchDir('decnet-fleet-scan-once-'), {
      fullSchema: true,
      checkpointed: [topologyRow('aaaaaaaa-1111-4111-8111-111111111111', 'maze', 'active', 'agent')],
    });
    execInWal(db, [
      "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('u-1', 'w1', 'a', 1, 'active', 'f', '/x', '2025', 0)",
    ]);
    const target = { kind: 'sqlite' as const, path: db, origin: 'setting' as const };
    const inv = (url: string): { ok: true; value: DockerInventory } => ({
      ok: true,
      value: { endpoint: url, daemon: { name: url, id: url, version: '1' }, containers: [], networks: [] },
    });
    const first = await scanFleet({
      db: target,
      master,
      mapping: { w1: 'unix:///w1.sock' },
      env: {},
      readDocker: async (endpoint) => inv(endpoint.url),
    });
    assert.equal(first.db.ok, true);
    const read: string[] = [];
    const masterRead = { db: first.db, docker: inv('the master as scan() listed it') };
    const opts = {
      db: { ...target, path: path.join(dir, 'not-read.db') },
      master,
      env: {},
      masterRead,
      readDocker: async (endpoint: { url: string }) => (read.push(endpoint.url), inv(endpoint.url)),
    };
    const fleet = await scanFleet({ ...opts, mapping: { w1: 'unix:///w1.sock' } });
    assert.deepEqual(read, ['unix:///w1.sock'], "only the worker's daemon is listed");
    assert.equal(fleet.db, first.db, 'the database is not read again');
    assert.equal(fleet.hosts[0].result.docker.ok && fleet.hosts[0].result.docker.value.endpoint, 'the master as scan() listed it');
    // With the master mapped to another endpoint in decnet.fleet.endpoints, that endpoint is listed.
    read.length = 0;
    await scanFleet({ ...opts, mapping: { master: 'unix:///other-master.sock', w1: 'unix:///w1.sock' } });
    assert.deepEqual(read.sort(), ['unix:///other-master.sock', 'unix:///w1.sock']);
  });
});
