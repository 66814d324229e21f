// Containers that are not running (created, exited, paused) attached to a network a removal
// takes: Docker's network inspect lists only running and paused ones, and removes a network that
// only stopped containers name, which then fail `docker start`. Against the stand-in daemon, which
// behaves so, and real SQLite files.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { attachmentsOf, listInventory, networkIndex } from '../../src/core/docker';
import type { NetworkEndpoint } from '../../src/core/model';
import { assumeYes, runRemovalSession, type RemovalAsker, type RemovalSessionOptions } from '../../src/core/removal/session';
import { executeRemoval } from '../../src/core/removal/execute';
import { planRemoval } from '../../src/core/removal/plan';
import { confirmQuestion, formatPlan, formatReportText, planJson, summarizeReport } from '../../src/core/removal/text';
import { blockedNetworkReason, blockingEndpoints, endpointsToDisconnect, type NetworkCheck } from '../../src/core/rules';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';
import { StandInDocker, type FakeState } from './dockerStandIn';

const LIVE = '3f2a9c1e-1111-4222-8333-444455556666';
const ORPHAN = '0badc0de-1111-4222-8333-444455556666';
const HOST = 'unix:///stand-in/docker.sock';

const labels = (id: string, decky: string): Record<string, string> => ({
  'decnet.topology.id': id,
  'decnet.topology.decky': decky,
  'decnet.topology.role': 'base',
  'com.docker.compose.project': `decnet-topo-${id.slice(0, 8)}`,
});

/** A live topology and an orphan (a base on its DMZ) on the stand-in. */
function world() {
  const docker = new StandInDocker();
  const liveNet = docker.addNetwork('decnet_t_3f2a9c1e_dmz', '172.16.1.0/24');
  const liveBase = docker.addContainer('decnet_t_3f2a9c1e_decky-01', labels(LIVE, 'decky-01'), [liveNet]);
  const dmz = docker.addNetwork('decnet_t_0badc0de_dmz', '172.16.2.0/24');
  const base = docker.addContainer('decnet_t_0badc0de_decky-01', labels(ORPHAN, 'decky-01'), [dmz]);
  return { docker, liveNet, liveBase, dmz, base };
}

describe('what a container names as its networks, whatever its state', () => {
  const named = networkIndex([
    { Id: 'n-lab', Name: 'lab' },
    { Id: 'n-twin-1', Name: 'twin' },
    { Id: 'n-twin-2', Name: 'twin' },
  ]);
  const c = (state: string, networks: Record<string, { NetworkID: string; EndpointID: string }>) => ({
    Id: 'c1',
    Names: ['/web'],
    State: state,
    NetworkSettings: { Networks: networks } as never,
  });

  it('finds a running, an exited and a created container attached, by network id or, never started, by name', () => {
    assert.deepEqual(attachmentsOf(c('running', { lab: { NetworkID: 'n-lab', EndpointID: 'e1' } }), named), [
      { networkId: 'n-lab', endpoint: { containerId: 'c1', name: 'web', state: 'running' } },
    ]);
    assert.deepEqual(attachmentsOf(c('exited', { lab: { NetworkID: 'n-lab', EndpointID: '' } }), named), [
      { networkId: 'n-lab', endpoint: { containerId: 'c1', name: 'web', state: 'exited' } },
    ]);
    assert.deepEqual(attachmentsOf(c('created', { lab: { NetworkID: '', EndpointID: '' } }), named), [
      { networkId: 'n-lab', endpoint: { containerId: 'c1', name: 'web', state: 'created' } },
    ]);
  });

  it('marks a container that names a network only by a name two networks bear as ambiguous on both', () => {
    const found = attachmentsOf(c('created', { twin: { NetworkID: '', EndpointID: '' } }), named);
    assert.deepEqual(
      found.map((a) => [a.networkId, a.endpoint.ambiguous]),
      [
        ['n-twin-1', true],
        ['n-twin-2', true],
      ],
    );
    // Once it has run, its network id tells which one it is.
    assert.deepEqual(
      attachmentsOf(c('exited', { twin: { NetworkID: 'n-twin-2', EndpointID: '' } }), named).map((a) => [
        a.networkId,
        a.endpoint.ambiguous,
      ]),
      [['n-twin-2', undefined]],
    );
  });

  it('leaves out a network id or a name that no network has', () => {
    assert.deepEqual(attachmentsOf(c('exited', { gone: { NetworkID: 'n-gone', EndpointID: '' } }), named), []);
    assert.deepEqual(attachmentsOf(c('created', { gone: { NetworkID: '', EndpointID: '' } }), named), []);
  });

  it('lists every container attached to a network, with its state (the network inspect lists running and paused ones only)', async () => {
    const w = world();
    for (const state of ['created', 'exited', 'paused'] as const) w.docker.addContainer(`web-${state}`, {}, [w.dmz], state);
    const inv = await listInventory(w.docker.client, HOST);
    const dmz = inv.networks.find((n) => n.id === w.dmz.id)!;
    assert.deepEqual(dmz.endpoints.map((e) => [e.name, e.state]).sort(), [
      ['decnet_t_0badc0de_decky-01', 'running'],
      ['web-created', 'created'],
      ['web-exited', 'exited'],
      ['web-paused', 'paused'],
    ]);
    const inspected = await w.docker.api.getNetwork(w.dmz.id).inspect();
    assert.deepEqual(
      Object.values(inspected.Containers)
        .map((x) => x.Name)
        .sort(),
      ['decnet_t_0badc0de_decky-01', 'web-paused'],
    );
  });
});

describe('the rules for containers attached when a network goes', () => {
  const e = (containerId: string, state = 'running', extra: Partial<NetworkEndpoint> = {}): NetworkEndpoint => ({
    containerId,
    name: containerId,
    state,
    ...extra,
  });
  const check: NetworkCheck = {
    planned: new Set(['base', 'kept-base', 'stuck']),
    kept: new Set(['kept-base']),
    failed: new Set(['stuck']),
    decnet: new Set(['base', 'kept-base', 'stuck', 'live']),
    confirmedEndpoints: new Set(['base', 'web', 'db']),
  };

  it('disconnects a confirmed foreign container, running or stopped, and keeps the network for any other', () => {
    const attached = [
      e('web'),
      e('db', 'exited'),
      e('base', 'exited'),
      e('live', 'exited'),
      e('late', 'created'),
      e('kept-base', 'exited'),
      e('stuck', 'exited'),
    ];
    assert.deepEqual(
      blockingEndpoints(attached, check).map((x) => x.containerId),
      ['live', 'late', 'kept-base', 'stuck'],
    );
    assert.equal(
      blockedNetworkReason(blockingEndpoints(attached, check), check),
      'container live (exited), late (created), kept-base (exited) is attached and was not confirmed for removal or disconnection; ' +
        'container stuck (exited) could not be removed and is still attached',
    );
  });

  it('keeps a network a confirmed container may be attached to under another network of the same name', () => {
    const attached = [e('db', 'created', { ambiguous: true })];
    assert.deepEqual(blockingEndpoints(attached, check), attached);
    assert.match(
      blockedNetworkReason(attached, check),
      /^container db \(created\) names this network only by a name that another network bears too/,
    );
  });

  it('names a stopped container to disconnect with its state', () => {
    const plan = {
      containers: [{ id: 'base', name: 'base', prefixes: [] }],
      networks: [
        { id: 'n', name: 'net', subnets: [], endpoints: [e('base'), e('web'), e('db', 'exited'), { containerId: 'old', name: 'old' }] },
      ],
    };
    assert.deepEqual(endpointsToDisconnect(plan), [
      { network: 'net', container: 'web', state: 'running' },
      { network: 'net', container: 'db', state: 'exited' },
      { network: 'net', container: 'old' },
    ]);
  });
});

describe('removing a network stopped containers are attached to', () => {
  const dir = scratchDir('decnet-stopped-');
  let n = 0;

  const db = (): string => makeDecnetDb(path.join(dir, `db${++n}`), { checkpointed: [topologyRow(LIVE, 'maze-live')] });
  const options = (w: ReturnType<typeof world>, dbPath: string, more: Partial<RemovalSessionOptions> = {}): RemovalSessionOptions => ({
    dbPath,
    dockerHost: HOST,
    scan: w.docker.scan,
    docker: w.docker.client,
    asker: assumeYes,
    ...more,
  });
  const confirmingAfter = (meanwhile: () => Promise<void> | void): RemovalAsker => ({
    ...assumeYes,
    confirm: async () => {
      await meanwhile();
      return true;
    },
  });

  it('disconnects created, exited and paused foreign containers, says so, and each starts (or unpauses) afterwards', async () => {
    const w = world();
    const foreign = (['created', 'exited', 'paused'] as FakeState[]).map((state) =>
      w.docker.addContainer(`web-${state}`, {}, [w.dmz], state),
    );
    const dbPath = db();
    const plan = planRemoval(await w.docker.scan({ dbPath, dockerHost: HOST }), ['0badc0de']);
    assert.deepEqual((planJson(plan) as { endpoints_to_disconnect: unknown }).endpoints_to_disconnect, [
      { network: 'decnet_t_0badc0de_dmz', container: 'web-created', state: 'created' },
      { network: 'decnet_t_0badc0de_dmz', container: 'web-exited', state: 'exited' },
      { network: 'decnet_t_0badc0de_dmz', container: 'web-paused', state: 'paused' },
    ]);
    assert.match(
      formatPlan(plan),
      /Other containers to disconnect \(not removed\):\n {2}web-created \(created\) from decnet_t_0badc0de_dmz\n {2}web-exited \(exited\) from/,
    );
    assert.match(
      confirmQuestion(plan),
      /It also force-disconnects web-created \(created\) from decnet_t_0badc0de_dmz, web-exited \(exited\) from decnet_t_0badc0de_dmz, web-paused \(paused\) from decnet_t_0badc0de_dmz \(not removed\)\./,
    );

    const report = await executeRemoval(plan, { dbPath, dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.networks_removed, ['decnet_t_0badc0de_dmz']);
    assert.deepEqual(report.endpoints_disconnected.map((x) => [x.container, x.state]).sort(), [
      ['web-created', 'created'],
      ['web-exited', 'exited'],
      ['web-paused', 'paused'],
    ]);
    assert.match(summarizeReport(report), /disconnected web-\w+ \(\w+\) from decnet_t_0badc0de_dmz/);
    assert.match(formatReportText(report), / {4}web-exited \(exited\) from decnet_t_0badc0de_dmz/);
    // Nothing names the removed network any more: the stopped ones start, the paused one resumes.
    for (const c of foreign) assert.deepEqual(w.docker.containers.get(c.id)?.dangling, [], c.name);
    w.docker.start(foreign[0].id);
    w.docker.start(foreign[1].id);
    assert.throws(() => w.docker.start(foreign[2].id), /try unpause/);
  });

  it("keeps an orphan network a live topology's stopped container is attached to, and says why", async () => {
    const w = world();
    w.docker.containers.get(w.liveBase.id)!.state = 'exited';
    w.dmz.attached.add(w.liveBase.id);
    const outcome = await runRemovalSession({ kind: 'prefixes', prefixes: ['0badc0de'] }, options(w, db()));
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    assert.deepEqual(outcome.report.networks_removed, []);
    assert.deepEqual(
      outcome.report.kept?.map((k) => [k.name, k.reason]),
      [['decnet_t_0badc0de_dmz', 'DECNET container decnet_t_3f2a9c1e_decky-01 (exited) is attached and is not removed']],
    );
    assert.ok(!w.docker.changes.some((c) => c.includes(w.liveBase.name)), w.docker.changes.join(' / '));
    w.docker.start(w.liveBase.id);
  });

  it('keeps the network when a container never started is attached after the confirmation', async () => {
    const w = world();
    let late: { id: string } | undefined;
    const outcome = await runRemovalSession(
      { kind: 'prefixes', prefixes: ['0badc0de'] },
      options(w, db(), { asker: confirmingAfter(() => void (late = w.docker.addContainer('late-web', {}, [w.dmz], 'created'))) }),
    );
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    assert.deepEqual(outcome.report.networks_removed, []);
    assert.deepEqual(
      outcome.report.skipped.map((x) => [x.name, x.reason]),
      [['decnet_t_0badc0de_dmz', 'container late-web (created) is attached and was not confirmed for removal or disconnection']],
    );
    w.docker.start(late!.id);
  });

  it('keeps the network when a live container is attached and stopped after the confirmation', async () => {
    const w = world();
    const outcome = await runRemovalSession(
      { kind: 'prefixes', prefixes: ['0badc0de'] },
      options(w, db(), {
        asker: confirmingAfter(() => {
          w.dmz.attached.add(w.liveBase.id);
          w.docker.containers.get(w.liveBase.id)!.state = 'exited';
        }),
      }),
    );
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    assert.deepEqual(outcome.report.networks_removed, []);
    assert.match(
      outcome.report.skipped[0]?.reason ?? '',
      /^container decnet_t_3f2a9c1e_decky-01 \(exited\) is attached and was not confirmed/,
    );
    w.docker.start(w.liveBase.id);
  });

  it('disconnects a confirmed foreign container that stopped between the confirmation and the removal, and says it is exited', async () => {
    const w = world();
    const web = w.docker.addContainer('web', {}, [w.dmz]);
    const outcome = await runRemovalSession(
      { kind: 'prefixes', prefixes: ['0badc0de'] },
      options(w, db(), { asker: confirmingAfter(() => void (w.docker.containers.get(web.id)!.state = 'exited')) }),
    );
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    assert.deepEqual(outcome.report.endpoints_disconnected, [{ network: 'decnet_t_0badc0de_dmz', container: 'web', state: 'exited' }]);
    assert.deepEqual(outcome.report.networks_removed, ['decnet_t_0badc0de_dmz']);
    w.docker.start(web.id);
  });

  it('keeps both networks of one name while a container never started names that name', async () => {
    const w = world();
    const twin = w.docker.addNetwork('decnet_t_0badc0de_dmz', '172.16.3.0/24');
    const web = w.docker.addContainer('web', {}, [w.dmz], 'created');
    const plan = planRemoval(await w.docker.scan({ dbPath: db(), dockerHost: HOST }), ['0badc0de'], { allowEmpty: true });
    assert.deepEqual(plan.networks, []);
    assert.deepEqual(
      plan.excluded.map((x) => [x.id, x.reason]),
      [w.dmz.id, twin.id].map((id) => [
        id,
        'container web (created) names its network only as decnet_t_0badc0de_dmz, a name that more than one network bears: which of them it joins when started cannot be told',
      ]),
    );
    w.docker.start(web.id);
  });

  it('keeps the network when a second network takes its name after the confirmation, while a confirmed container never started names it', async () => {
    const w = world();
    const web = w.docker.addContainer('web', {}, [w.dmz], 'created');
    const dbPath = db();
    const plan = planRemoval(await w.docker.scan({ dbPath, dockerHost: HOST }), ['0badc0de']);
    assert.deepEqual(endpointsToDisconnect(plan), [{ network: 'decnet_t_0badc0de_dmz', container: 'web', state: 'created' }]);
    // Meanwhile someone makes a second network of that name: which one `web` joins is no longer known.
    const twin = w.docker.addNetwork('decnet_t_0badc0de_dmz', '172.16.3.0/24');
    const report = await executeRemoval(plan, { dbPath, dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client });
    assert.deepEqual(report.networks_removed, []);
    assert.deepEqual(report.endpoints_disconnected, []);
    assert.deepEqual(
      report.skipped.map((s) => [s.id, s.reason]),
      [
        [twin.id, 'appeared since the confirmation'],
        [
          w.dmz.id,
          'container web (created) names this network only by a name that another network bears too: which one it joins when started cannot be told',
        ],
      ],
    );
    w.docker.start(web.id);
  });

  it('keeps the network when a container is attached while the confirmed ones are being disconnected', async () => {
    const w = world();
    const web = w.docker.addContainer('web', {}, [w.dmz], 'exited');
    const dbPath = db();
    const plan = planRemoval(await w.docker.scan({ dbPath, dockerHost: HOST }), ['0badc0de']);
    let late: { id: string } | undefined;
    const api = w.docker.api;
    const client = {
      ...api,
      getNetwork: (id: string) => {
        const network = api.getNetwork(id);
        return {
          ...network,
          disconnect: async (o: { Container: string }) => {
            await network.disconnect(o);
            late ??= w.docker.addContainer('late-web', {}, [w.dmz], 'created');
          },
        };
      },
    };
    const report = await executeRemoval(plan, {
      dbPath,
      dockerHost: HOST,
      scan: w.docker.scan,
      docker: client as unknown as typeof w.docker.client,
    });
    assert.deepEqual(report.endpoints_disconnected, [{ network: 'decnet_t_0badc0de_dmz', container: 'web', state: 'exited' }]);
    assert.deepEqual(report.networks_removed, []);
    assert.deepEqual(
      report.skipped.map((s) => [s.name, s.reason]),
      [['decnet_t_0badc0de_dmz', 'container late-web (created) is attached and was not confirmed for removal or disconnection']],
    );
    assert.deepEqual(report.errors, []);
    w.docker.start(web.id);
    w.docker.start(late!.id);
  });

  it('goes on when a confirmed stopped container is removed by someone else during the removal', async () => {
    const w = world();
    const web = w.docker.addContainer('web', {}, [w.dmz], 'exited');
    const dbPath = db();
    const plan = planRemoval(await w.docker.scan({ dbPath, dockerHost: HOST }), ['0badc0de']);
    assert.deepEqual(endpointsToDisconnect(plan), [{ network: 'decnet_t_0badc0de_dmz', container: 'web', state: 'exited' }]);
    // Gone between the look at the network and its disconnection.
    const api = w.docker.api;
    const client = {
      ...api,
      getNetwork: (id: string) => ({
        ...api.getNetwork(id),
        disconnect: async (o: { Container: string }) => {
          await api
            .getContainer(web.id)
            .remove()
            .catch(() => undefined);
          return api.getNetwork(id).disconnect(o);
        },
      }),
    };
    const report = await executeRemoval(plan, {
      dbPath,
      dockerHost: HOST,
      scan: w.docker.scan,
      docker: client as unknown as typeof w.docker.client,
    });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.endpoints_disconnected, []);
    assert.deepEqual(report.networks_removed, ['decnet_t_0badc0de_dmz']);
  });

  it('keeps a network whose stopped DECNET container could not be removed', async () => {
    const w = world();
    w.docker.containers.get(w.base.id)!.state = 'exited';
    const dbPath = db();
    const plan = planRemoval(await w.docker.scan({ dbPath, dockerHost: HOST }), ['0badc0de']);
    const api = w.docker.api;
    const client = {
      ...api,
      getContainer: (id: string) => ({
        ...api.getContainer(id),
        remove: async () => {
          throw Object.assign(new Error('operation not permitted'), { statusCode: 500, json: { message: 'operation not permitted' } });
        },
      }),
    };
    const report = await executeRemoval(plan, {
      dbPath,
      dockerHost: HOST,
      scan: w.docker.scan,
      docker: client as unknown as typeof w.docker.client,
    });
    assert.deepEqual(report.errors, ['container decnet_t_0badc0de_decky-01: operation not permitted']);
    assert.deepEqual(report.networks_removed, []);
    assert.deepEqual(
      report.skipped.map((s) => [s.name, s.reason]),
      [['decnet_t_0badc0de_dmz', 'container decnet_t_0badc0de_decky-01 (exited) could not be removed and is still attached']],
    );
    w.docker.start(w.base.id);
  });
});
