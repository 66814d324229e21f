// End to end, a DECNET swarm in the packaged extension: the master's private daemon and two
// worker daemons of their own (scripts/test-all.sh starts them), a database of DECNET's whole
// schema with swarm_hosts rows and agent topologies. The user sees every host with its sections,
// removes an orphan group from one worker and a misplaced group from the master (each confirmed
// with the host named), and gives a worker without an endpoint one with Set Docker Endpoint….
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertPrivateDaemon, dockerAt, newTopologyId, testDocker, testDockerHost } from '../support/docker';
import { execInWal, makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';
import { exists, JourneyResources, packageVsix, REMOVE_ITEM, ROOT, SCREENSHOTS, show, stepper } from './journey';
import { waitFor } from './pages/base';
import { CodeServer } from './session';

const ARTIFACTS = join(ROOT, 'test-results', 'e2e-swarm');
const MISPLACED_ITEM = 'Remove Misplaced Group…';
/** The misplaced group's row: where it belongs first. */
const MOVED = 'belongs on e2e-w1: e2e-moved-lab';
const W1 = { uuid: '22222222-aaaa-4aaa-8aaa-000000000001', name: 'e2e-w1', address: '127.0.0.1' };
const W2 = { uuid: '22222222-aaaa-4aaa-8aaa-000000000002', name: 'e2e-w2', address: '10.1.2.3' };
const W3 = { uuid: '22222222-aaaa-4aaa-8aaa-000000000003', name: 'e2e-w3', address: '127.0.0.1' };
// Subnets from 198.18.0.0/15 of their own (the other journeys use 198.18.10-34 and .99).
const SUBNETS = {
  masterLive: '198.18.60.0/24',
  misplaced: '198.18.61.0/24',
  w1Live: '198.18.62.0/24',
  w1Orphan: '198.18.63.0/24',
  w2Orphan: '198.18.64.0/24',
  w1Late: '198.18.65.0/24',
};

/** A worker's private daemon, as scripts/test-all.sh starts it; never skipped. */
function workerHost(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the swarm's worker daemons`);
  return v;
}

const resources = new JourneyResources();

test('a DECNET swarm: every host in the tree, removals on one host, an endpoint set from the tree', { timeout: 300_000 }, async (t) => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  const masterHost = testDockerHost();
  const master = testDocker();
  const w1Host = workerHost('DECNET_TEST_FLEET_W1_HOST');
  const w2Host = workerHost('DECNET_TEST_FLEET_W2_HOST');
  const w1 = dockerAt(w1Host);
  const w2 = dockerAt(w2Host);
  await assertPrivateDaemon(w1, w1Host);
  await assertPrivateDaemon(w2, w2Host);
  const vsix = packageVsix();
  const ids = {
    master: ((await master.info()) as { ID: string }).ID,
    w1: ((await w1.info()) as { ID: string }).ID,
    w2: ((await w2.info()) as { ID: string }).ID,
  };
  assert.equal(new Set(Object.values(ids)).size, 3, 'each daemon has its own engine id');

  // The master holds a unihost topology (live) and an agent topology pinned to w1 (misplaced);
  // w1 holds its agent topology (live) and an orphan; w2 an orphan. w3's daemon does not exist.
  const [liveOnMaster, misplacedId, liveOnW1] = [newTopologyId(), newTopologyId(), newTopologyId()];
  const M = await resources.deploy(master, masterHost, SUBNETS.masterLive, 'e2e-swarm-m', liveOnMaster);
  const B = await resources.deploy(master, masterHost, SUBNETS.misplaced, 'e2e-swarm-b', misplacedId);
  const A = await resources.deploy(w1, w1Host, SUBNETS.w1Live, 'e2e-swarm-a', liveOnW1);
  const O = await resources.deploy(w1, w1Host, SUBNETS.w1Orphan, 'e2e-swarm-o');
  const P = await resources.deploy(w2, w2Host, SUBNETS.w2Orphan, 'e2e-swarm-p');

  const scratch = scratchDir('decnet-e2e-swarm-');
  const workspace = join(scratch, 'workspace');
  mkdirSync(workspace);
  const dbPath = makeDecnetDb(join(scratch, 'decnet'), {
    fullSchema: true,
    checkpointed: [
      topologyRow(liveOnMaster, 'e2e-swarm-lab', 'active', 'unihost'),
      topologyRow(misplacedId, 'e2e-moved-lab', 'active', 'agent'),
      topologyRow(liveOnW1, 'e2e-w1-lab', 'active', 'agent'),
    ],
  });
  const hostRow = (h: typeof W1) =>
    `INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, last_heartbeat, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('${h.uuid}', '${h.name}', '${h.address}', 8765, 'active', '2026-12-02 09:00:00', 'fp', '/etc/decnet/x', '2026-01-01 00:00:00', 0)`;
  // The swarm, as DECNET's master commits it: in the -wal only.
  execInWal(dbPath, [
    hostRow(W1),
    hostRow(W2),
    hostRow(W3),
    `UPDATE topologies SET target_host_uuid = '${W1.uuid}' WHERE id IN ('${misplacedId}', '${liveOnW1}')`,
  ]);
  const deadW3 = `unix://${join(scratch, 'w3-docker.sock')}`;

  resources.session = await CodeServer.start({
    folder: workspace,
    vsix,
    // Machine-scoped settings: in code-server they live in the Remote settings.
    remoteSettings: {
      'decnet.database.path': dbPath,
      'decnet.docker.host': masterHost,
      'decnet.fleet.endpoints': { [W1.name]: w1Host, [W3.name]: deadW3 },
      'decnet.fleet.timeoutSeconds': 5,
      'decnet.refresh.pollIntervalSeconds': 0,
    },
    env: { DOCKER_HOST: masterHost },
  });
  const session = resources.session;
  const step = stepper(t, () => resources.session, join(ARTIFACTS, 'swarm'));

  await step('the tree lists the hosts, the master first, each with its own sections; the status bar sums them', async () => {
    await session.tree.open('DECNET');
    await session.tree.waitForRow(W3.name, 60_000);
    await session.tree.waitForRow('Misplaced (1)', 30_000);
    for (const label of ['Orphans (1)', 'Misplaced (1)']) await session.tree.expand(label);
    const rows = await session.tree.rows();
    console.log(`# tree:\n${show(rows)}`);
    const top = rows.filter((r) => r.level === 1).map((r) => r.label);
    assert.deepEqual(top, ['master', W1.name, W2.name, W3.name], `the hosts, the master first:\n${show(rows)}`);
    const row = (label: string) => rows.find((r) => r.label === label);
    // Counts first (what a narrow view keeps), then endpoint · daemon · DECNET's status and heartbeat.
    assert.equal(
      row('master')?.description.startsWith(`1 live, 0 orphans, 1 misplaced · ${masterHost} · `),
      true,
      `master: ${row('master')?.description}`,
    );
    assert.match(
      row(W1.name)?.description ?? '',
      new RegExp(`^1 live, 1 orphan · ${w1Host.replace(/[/.]/g, '\\$&')} · .* · active, last heartbeat 2026-12-02 09:00$`),
    );
    assert.equal(row(W2.name)?.description, 'not scanned · no Docker endpoint configured · active, last heartbeat 2026-12-02 09:00');
    assert.equal(row(W3.name)?.description, `unreachable · ${deadW3} · active, last heartbeat 2026-12-02 09:00`);
    // The misplaced group under the master says first where it belongs; the orphan on w1 is under w1.
    const misplaced = rows.findIndex((r) => r.label === MOVED);
    assert.ok(misplaced > 0, `the misplaced group:\n${show(rows)}`);
    assert.equal(rows[misplaced].description, `active · agent · ${B.prefix}`);
    assert.equal(rows[misplaced].ariaLabel, `misplaced, belongs on ${W1.name}: e2e-moved-lab`);
    // The view's message names the database, the master's endpoint and daemon, the hosts.
    const header = await session.tree.text();
    assert.ok(
      header.includes(`Master: ${masterHost} (daemon `) && header.includes('2 of 4 hosts answered'),
      `the swarm's message:\n${header}`,
    );
    const firstOf = (name: string) => rows.findIndex((r) => r.level === 1 && r.label === name);
    const orphanRow = rows.findIndex((r) => r.label === O.prefix);
    assert.ok(
      orphanRow > firstOf(W1.name) && orphanRow < firstOf(W2.name),
      `the orphan ${O.prefix} is not under ${W1.name}:\n${show(rows)}`,
    );
    assert.ok(!rows.some((r) => r.label === P.prefix), `w2 was scanned without an endpoint:\n${show(rows)}`);
    // A worker without an endpoint offers one, never guessed; a dead one says so and the others work.
    await session.tree.waitForRow('no Docker endpoint configured');
    assert.equal(row('no Docker endpoint configured')?.description, `for example ssh://${W2.address}`);
    await session.tree.waitForRow('Set Docker Endpoint…');
    // A dead host's row is its cause, its endpoint the description.
    assert.equal((await session.tree.waitForRow('No Docker socket')).description, deadW3);
    await session.statusBar.waitFor(/DECNET: 1 orphan · 1 misplaced · 2 hosts not scanned/);
    await session.screenshot(join(SCREENSHOTS, 'swarm.png'));
    // At 220 px the words that decide stay in sight.
    await session.tree.setWidth(220);
    await session.page.waitForTimeout(300);
    const seen = await session.tree.visibleRows();
    console.log(`# at 220 px:\n${seen.map((r) => `#   ${'  '.repeat(r.level - 1)}${r.visible}`).join('\n')}`);
    for (const [label, words] of [
      [MOVED, 'belongs on'],
      ['no Docker endpoint configured', 'no Docker endpoint'],
      ['No Docker socket', 'No Docker socket'],
      ['Misplaced (1)', 'Misplaced'],
    ] as const) {
      const r = seen.find((x) => x.label === label);
      assert.ok(r && r.visible.includes(words), `at 220 px "${label}" shows "${r?.visible}", not "${words}"`);
    }
    await session.tree.setWidth(300);
  });

  await step('the status bar selects what its text leads with: the orphan on w1', async () => {
    await session.statusBar.click(/DECNET: 1 orphan/);
    await waitFor(
      'the orphan row to be selected',
      async () => (await session.tree.rows()).some((r) => r.selected && r.label === O.prefix),
      15_000,
    );
  });

  await step('Find Subnet Overlaps looks at every host that answered, and reveals the network under its host', async () => {
    await session.palette.run('DECNET: Find Subnet Overlaps...');
    await session.quickInput.answer(SUBNETS.w1Live);
    const network = `decnet_t_${A.prefix}_dmz`;
    const pick = await session.quickInput.waitFor(new RegExp(network));
    assert.match(pick.title, /on the hosts of the swarm/);
    assert.ok(
      pick.rows.some((r) => r.includes(`Host ${W1.name}: 1 network holding it, wanted by no topology`)),
      `the pick names the host: ${JSON.stringify(pick.rows)}`,
    );
    await session.quickInput.pick(network);
    await waitFor(
      `${network} to be revealed`,
      async () => (await session.tree.rows()).some((r) => r.selected && r.ariaLabel.includes(network)),
      20_000,
    );
    // On no host: the answer says which hosts were looked at, and which were not.
    await session.palette.run('DECNET: Find Subnet Overlaps...');
    await session.quickInput.answer('198.18.199.0/24');
    const none = await session.quickInput.waitFor(/No Docker network's pool overlaps/);
    assert.match(none.message, new RegExp(`on any host of the swarm \\(master, ${W1.name}\\); not scanned: ${W2.name}, ${W3.name}`));
    await session.page.keyboard.press('Escape');
  });

  await step('Force Remove Orphan Group… on a worker names that host, its endpoint and daemon id, and removes it there only', async () => {
    await session.menus.pick(O.prefix, REMOVE_ITEM);
    const dialog = await session.dialog.read(30_000);
    const text = `${dialog.message}\n${dialog.detail}`;
    console.log(`# dialog: ${dialog.message}\n# ${dialog.detail.replace(/\n/g, '\n# ')}`);
    assert.ok(text.includes(`host ${W1.name}`) || text.includes(`Host: ${W1.name}`), `the confirmation does not name the host:\n${text}`);
    assert.ok(text.includes(w1Host), `the confirmation does not name the endpoint:\n${text}`);
    assert.ok(text.includes(ids.w1), `the confirmation does not name the daemon id:\n${text}`);
    await session.dialog.answer('Remove');
    const done = await session.notifications.waitFor(new RegExp(`Removed .*${O.prefix}`));
    assert.match(done, new RegExp(`host ${W1.name}`));
    for (const c of O.containers) assert.equal(await exists('container', w1, c.id), false, `container ${c.name} is still on ${W1.name}`);
    for (const n of O.networks) assert.equal(await exists('network', w1, n.id), false, `network ${n.name} is still on ${W1.name}`);
    for (const [d, groups] of [
      [w1, [A]],
      [master, [M, B]],
      [w2, [P]],
    ] as const) {
      for (const g of groups)
        for (const c of g.containers) assert.equal(await exists('container', d, c.id), true, `container ${c.name} was removed`);
    }
    await session.statusBar.waitFor(/DECNET: 1 misplaced · 2 hosts not scanned/);
  });

  await step('Remove Misplaced Group… on the master asks for the prefix, typed, then removes it from the master only', async () => {
    await session.palette.run('Notifications: Clear All Notifications');
    await session.menus.pick(MOVED, MISPLACED_ITEM);
    const dialog = await session.dialog.read(30_000);
    const text = `${dialog.message}\n${dialog.detail}`;
    assert.ok(text.includes(B.prefix) && text.includes(ids.master), `the confirmation names the prefix and the master's daemon:\n${text}`);
    // Nothing of it runs on w1, where it belongs: said before the typed prefix.
    assert.match(dialog.message, new RegExp(`^Nothing of e2e-moved-lab runs on ${W1.name}: after this it runs nowhere\\.`));
    await session.dialog.answer('Remove');
    const input = await session.quickInput.waitFor(new RegExp(`Type ${B.prefix}`));
    assert.match(input.title, /from host master/);
    await session.quickInput.answer(B.prefix);
    await session.notifications.waitFor(new RegExp(`Removed .*${B.prefix}`));
    for (const c of B.containers)
      assert.equal(await exists('container', master, c.id), false, `container ${c.name} is still on the master`);
    for (const g of [M])
      for (const c of g.containers) assert.equal(await exists('container', master, c.id), true, `container ${c.name} was removed`);
    for (const c of A.containers)
      assert.equal(await exists('container', w1, c.id), true, `the topology's own containers on ${W1.name} were removed`);
    // An empty section has nothing to expand.
    assert.equal((await session.tree.waitForRow('Misplaced (0)', 30_000)).expanded, undefined);
  });

  await step('Set Docker Endpoint… offers ssh://<address>, stores what the user confirms, and the host is scanned', async () => {
    await session.tree.click('Set Docker Endpoint…');
    const input = await session.quickInput.waitFor(new RegExp(`Docker Endpoint of Host ${W2.name}`));
    assert.equal(input.value, `ssh://${W2.address}`, 'the offer is the address from swarm_hosts');
    await session.quickInput.answer(w2Host);
    await waitForSetting(session, W2.name, w2Host);
    await session.tree.waitForRow(P.prefix, 30_000);
    await session.statusBar.waitFor(/DECNET: 1 orphan · 1 host not scanned/);
    const rows = await session.tree.rows();
    assert.match(
      rows.find((r) => r.label === W2.name)?.description ?? '',
      new RegExp(`^0 live, 1 orphan · ${w2Host.replace(/[/.]/g, '\\$&')} · `),
    );
    // Nothing was removed on the way.
    for (const c of P.containers) assert.equal(await exists('container', w2, c.id), true, `container ${c.name} was removed`);
  });

  await step("the live view follows a worker's Docker events", async () => {
    // A topology deployed on w1 by hand, nothing else done: w1's event stream refreshes the view
    // (the database did not change, and the fallback poll is turned off).
    const Q = await resources.deploy(w1, w1Host, SUBNETS.w1Late, 'e2e-swarm-q');
    await session.tree.waitForRow(Q.prefix, 15_000);
    await session.statusBar.waitFor(/DECNET: 2 orphans · 1 host not scanned/);
  });

  await resources.cleanup();
});

/** The Remote settings file holds decnet.fleet.endpoints[name] = value. */
async function waitForSetting(session: CodeServer, name: string, value: string): Promise<void> {
  const file = join(session.userDataDir, 'Machine', 'settings.json');
  await waitFor(
    `${file} to map ${name} to ${value}`,
    async () => {
      try {
        const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | undefined>;
        return json['decnet.fleet.endpoints']?.[name] === value;
      } catch {
        return false;
      }
    },
    15_000,
  );
}
