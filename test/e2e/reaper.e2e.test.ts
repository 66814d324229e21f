// End to end, as a user meets the extension: `npm run package` builds the .vsix, a real VS Code
// (code-server) installs it, and headless Chromium drives the DECNET view against the private
// test Docker daemon and a real SQLite database in WAL mode.
//
//   DECNET_TEST_DOCKER_HOST=$(scripts/private-dockerd.sh start) npm run test:e2e
//
// Needs scripts/install-e2e-deps.sh to have run (code-server in its cache, Chromium).
// DECNET_E2E_SKIP_PACKAGE=1 reuses an existing dist/decnet-topology-reaper.vsix;
// DECNET_E2E_VERBOSE=1 prints every UI step and code-server's log.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type Docker from 'dockerode';
import { deployTopology, newTopologyId, TEST_IMAGE, testDocker, testDockerHost, type FixtureTopology } from '../support/docker';
import { makeDecnetDb } from '../support/makeDb';
import { scratchDir } from '../support/scratch';
import { exists, JourneyResources, lanRow, packageVsix, REMOVE_ITEM, removeLeftovers, ROOT, SCREENSHOTS, show, stepper } from './journey';
import { waitFor } from './pages/base';
import { CodeServer } from './session';

const ARTIFACTS = join(ROOT, 'test-results', 'e2e');

const OUTPUT_CHANNEL = 'DECNET Reaper';
const LIVE_NAME = 'e2e-live-lab';
const UNRELATED_CONTAINER = 'unrelated-web';
const UNRELATED_NETWORK = 'unrelated-net';
const SERVICE_CONTAINER = 'e2e-decky-01-ssh';
const SNIFFER = 'e2e-sniffer';
// Subnets from 198.18.0.0/15 (benchmarking range): nothing real lives there.
const SUBNETS = {
  live: '198.18.10.0/24',
  orphanA: '198.18.11.0/24',
  orphanB1: '198.18.12.0/24',
  orphanB2: '198.18.13.0/24',
  orphanC: '198.18.14.0/24',
  orphanD: '198.18.15.0/24',
  orphanE: '198.18.16.0/24',
  torn: '198.18.17.0/24',
  unrelated: '198.18.99.0/24',
};
/** A pending topology of the database whose LANs want subnets that networks on Docker hold. */
const PENDING_NAME = 'maze-beta';
const TORN_NAME = 'e2e-torn-lab';
const NO_MATCH = '198.19.250.0/24';

function vsixEntries(vsix: string): string[] {
  return execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

test('the packaged .vsix holds only what the extension needs', { timeout: 300_000 }, () => {
  const vsix = packageVsix();
  const entries = vsixEntries(vsix);
  const size = statSync(vsix).size;
  console.log(`# ${vsix}: ${(size / 1024).toFixed(1)} KiB, ${entries.length} entries`);
  for (const e of entries) console.log(`#   ${e}`);

  for (const required of [
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/sql-wasm.wasm',
    // The Marketplace's and the Extensions view's icon (package.json "icon").
    'extension/media/icon.png',
  ]) {
    assert.ok(entries.includes(required), `the .vsix lacks ${required}`);
  }
  // vsce stores README.md and CHANGELOG.md as readme.md and changelog.md.
  for (const doc of [/^extension\/readme\.md$/i, /^extension\/changelog\.md$/i, /^extension\/license[^/]*$/i]) {
    assert.ok(
      entries.some((e) => doc.test(e)),
      `the .vsix lacks ${doc.source.replace(/\\/g, '')}`,
    );
  }
  const allowed = [
    /^\[Content_Types\]\.xml$/,
    /^extension\.vsixmanifest$/,
    /^extension\/package\.json$/,
    /^extension\/dist\/extension\.js$/,
    /^extension\/dist\/sql-wasm\.wasm$/,
    /^extension\/media\/.+/,
    /^extension\/readme\.md$/i,
    /^extension\/changelog\.md$/i,
    /^extension\/license[^/]*$/i,
  ];
  const unexpected = entries.filter((e) => !e.endsWith('/') && !allowed.some((re) => re.test(e)));
  assert.deepEqual(unexpected, [], 'the .vsix holds files the extension does not need');
  assert.ok(!entries.some((e) => e.includes('node_modules')), 'the .vsix holds node_modules');
  assert.ok(size < 2 * 1024 * 1024, `the .vsix is ${(size / 1024 / 1024).toFixed(2)} MiB; it must stay under 2 MiB`);
  // The e2e screenshots are documentation for the repository, not part of the extension.
  assert.ok(!entries.some((e) => e.startsWith('extension/media/screenshots/')), 'the .vsix holds the e2e screenshots');
});

// ---------------------------------------------------------------------------------------------
// The DECNET fixture on the private daemon.

interface Fixture {
  live: FixtureTopology;
  orphanA: FixtureTopology;
  orphanB: FixtureTopology;
  orphanC: FixtureTopology;
  orphanD: FixtureTopology;
  orphanE: FixtureTopology;
  torn: FixtureTopology;
  unrelatedContainer: string;
  unrelatedNetwork: string;
}

const resources = new JourneyResources();

async function deploy(docker: Docker, host: string): Promise<Fixture> {
  const track = (t: FixtureTopology) => resources.trackTopology(docker, host, t);
  const live = track(
    await deployTopology(docker, newTopologyId(), [{ name: 'dmz', subnet: SUBNETS.live }], [{ name: 'e2e-decky-live', lan: 'dmz' }]),
  );
  // The orphan the test removes: a base container and a service container that DECNET names
  // after the decky only (it is tied to the topology by its labels).
  const orphanA = track(
    await deployTopology(
      docker,
      newTopologyId(),
      [{ name: 'DMZ', subnet: SUBNETS.orphanA }],
      [{ name: 'e2e-decky-01', lan: 'DMZ', services: ['ssh'] }],
    ),
  );
  const orphanB = track(
    await deployTopology(
      docker,
      newTopologyId(),
      [
        { name: 'dmz', subnet: SUBNETS.orphanB1 },
        { name: 'lan-b', subnet: SUBNETS.orphanB2, internal: true },
      ],
      [{ name: 'e2e-decky-02', lan: 'dmz' }],
    ),
  );
  // Small orphans for multi-select removal and Reap All, and a torn-down topology's leftovers.
  const small = (subnet: string, decky: string) => resources.deploy(docker, host, subnet, decky);
  const orphanC = await small(SUBNETS.orphanC, 'e2e-decky-03');
  const orphanD = await small(SUBNETS.orphanD, 'e2e-decky-04');
  const orphanE = await small(SUBNETS.orphanE, 'e2e-decky-05');
  const torn = await small(SUBNETS.torn, 'e2e-decky-torn');
  const net = await docker.createNetwork({
    Name: UNRELATED_NETWORK,
    Driver: 'bridge',
    IPAM: { Driver: 'default', Config: [{ Subnet: SUBNETS.unrelated }] },
  });
  resources.track(docker, host, { networks: [net.id] });
  const web = await docker.createContainer({
    name: UNRELATED_CONTAINER,
    Image: TEST_IMAGE,
    Labels: { 'com.example.app': 'web' },
    HostConfig: { NetworkMode: UNRELATED_NETWORK },
  });
  resources.track(docker, host, { containers: [web.id] });
  await web.start();
  return { live, orphanA, orphanB, orphanC, orphanD, orphanE, torn, unrelatedContainer: web.id, unrelatedNetwork: net.id };
}

// ---------------------------------------------------------------------------------------------
// The user journey.

test('a user finds orphans in the DECNET view and removes one', { timeout: 300_000 }, async (t: TestContext) => {
  const started = Date.now();
  rmSync(ARTIFACTS, { recursive: true, force: true });
  // Never skipped: without the private daemon this fails and says how to start it.
  const dockerHost = testDockerHost();
  const docker = testDocker();
  const vsix = packageVsix();

  await removeLeftovers(docker, {
    subnets: Object.values(SUBNETS),
    containers: [UNRELATED_CONTAINER, SERVICE_CONTAINER, SNIFFER],
    networks: [UNRELATED_NETWORK],
  });
  const fx = await deploy(docker, dockerHost);
  const prefixA = fx.orphanA.prefix;
  const prefixB = fx.orphanB.prefix;

  const scratch = scratchDir('decnet-e2e-');
  const workspace = join(scratch, 'workspace');
  mkdirSync(workspace);
  // DECNET's database, as DECNET leaves it: WAL mode, the live topology's commit still only in
  // decnet.db-wal (not yet checkpointed).
  const pendingId = randomUUID();
  // A foreign container on orphan A's network: removing A disconnects it, never removes it.
  const sniffer = await docker.createContainer({
    name: SNIFFER,
    Image: TEST_IMAGE,
    Labels: { 'com.example.app': 'sniffer' },
    // A secret in its environment, which its log repeats: Show Logs masks it.
    Env: ['SNIFF_TOKEN=e2e-secret-token-1234'],
    Cmd: ['sh', '-c', 'echo "started with token $SNIFF_TOKEN"; exec sleep 86400'],
    HostConfig: { NetworkMode: fx.orphanA.networks[0].name },
  });
  resources.track(docker, dockerHost, { containers: [sniffer.id] });
  await sniffer.start();
  // DECNET's database, as DECNET leaves it: WAL mode, the live topology's commit still only in
  // decnet.db-wal (not yet checkpointed). A pending topology wants the subnets that orphan B's
  // network and a foreign network hold; a torn-down topology's leftovers are still on Docker.
  const dbPath = makeDecnetDb(join(scratch, 'decnet'), {
    checkpointed: [
      { id: pendingId, name: PENDING_NAME, status: 'pending', mode: 'unihost' },
      { id: fx.torn.id, name: TORN_NAME, status: 'torn_down', mode: 'unihost' },
    ],
    walOnly: [{ id: fx.live.id, name: LIVE_NAME, status: 'active', mode: 'unihost' }],
    lans: [
      lanRow(fx.live.id, 'dmz', SUBNETS.live, fx.live.networks[0].id),
      lanRow(pendingId, 'dmz', SUBNETS.orphanB1),
      lanRow(pendingId, 'lab', SUBNETS.unrelated),
      lanRow(fx.torn.id, 'dmz', SUBNETS.torn, fx.torn.networks[0].id),
    ],
  });
  assert.ok(existsSync(`${dbPath}-wal`), 'the test database should keep its live row in the -wal');

  resources.session = await CodeServer.start({
    folder: workspace,
    vsix,
    // Both settings have `machine` scope: in code-server (a remote window) they belong in the
    // Remote settings, where its Settings UI lists them.
    remoteSettings: { 'decnet.database.path': dbPath, 'decnet.docker.host': dockerHost },
    // A safety net: even a fallback to DOCKER_HOST reaches only the private daemon.
    env: { DOCKER_HOST: dockerHost },
  });
  console.log(`# code-server ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const session = resources.session;
  const step = stepper(t, () => resources.session, ARTIFACTS);

  const prefixC = fx.orphanC.prefix;
  const prefixD = fx.orphanD.prefix;
  const prefixE = fx.orphanE.prefix;
  const shot = (name: string) => session.screenshot(join(SCREENSHOTS, `${name}.png`));

  await step('the DECNET view shows the live topology, the orphan groups and who blocks whom, what decides first', async () => {
    await session.tree.open('DECNET');
    await session.tree.waitForRow('Live (2)', 60_000);
    await session.tree.waitForRow('Orphans (5)');
    await session.tree.expand('Live (2)');
    await session.tree.expand('Orphans (5)');

    // A live topology: its status first, the prefix last.
    const live = await session.tree.waitForRow(LIVE_NAME);
    assert.equal(live.description, `active · unihost · ${fx.live.prefix}`);
    assert.equal(live.ariaLabel, `live, active: ${LIVE_NAME}`);
    // Torn down: said in the label, before the name; then its leftovers.
    const torn = await session.tree.waitForRow(`torn down: ${TORN_NAME}`);
    assert.equal(torn.description, `2 leftovers · ${fx.torn.prefix}`);
    assert.equal(torn.ariaLabel, `torn down, 2 leftovers: ${TORN_NAME}`);
    const a = await session.tree.waitForRow(prefixA);
    // What the labels reveal (the decky), then the counts, then its age.
    assert.equal(a.description, 'e2e-decky-01 · 2 containers · 1 network · created within the hour');
    const b = await session.tree.waitForRow(prefixB);
    // Who it blocks comes first: at the default sidebar width the end is cut off.
    assert.equal(b.description, `blocks ${PENDING_NAME} · e2e-decky-02 · 1 container · 2 networks · created within the hour`);
    assert.equal(b.ariaLabel, `orphan ${prefixB}, blocks ${PENDING_NAME}, 1 container, 2 networks`);
    // Sections are heard with their counts.
    assert.equal((await session.tree.waitForRow('Orphans (5)')).ariaLabel, 'Orphan groups, 5');
    assert.equal((await session.tree.waitForRow('Live (2)')).ariaLabel, 'Live topologies, 2');

    // The pending topology whose LAN orphan B's network holds says so, first in the view: who
    // blocks it first, then whose LAN.
    await session.tree.waitForRow('Blocked topologies (2)');
    const rows0 = await session.tree.rows();
    assert.equal(rows0[0]?.label, 'Blocked topologies (2)', `blocked topologies come first:\n${show(rows0)}`);
    const blocked = rows0
      .filter((r) => r.label.startsWith('blocked by '))
      .map((r) => `${r.label} | ${r.description}`)
      .sort();
    assert.deepEqual(blocked, [
      `blocked by foreign network ${UNRELATED_NETWORK} | ${PENDING_NAME} · LAN lab · ${SUBNETS.unrelated}`,
      `blocked by orphan ${prefixB} | ${PENDING_NAME} · LAN dmz · ${SUBNETS.orphanB1}`,
    ]);
    assert.equal(
      rows0.find((r) => r.label === `blocked by orphan ${prefixB}`)?.ariaLabel,
      `blocked by orphan ${prefixB}: topology ${PENDING_NAME}, pending, LAN dmz`,
    );
    const inline = await session.tree.inlineActions(`blocked by orphan ${prefixB}`);
    assert.ok(
      inline.some((x) => /Reveal/.test(x)),
      `the blocked row offers Reveal: ${inline.join(', ')}`,
    );
    assert.ok(
      inline.some((x) => /Force Remove/.test(x)),
      `the blocked row offers Force Remove: ${inline.join(', ')}`,
    );
    // The section's own row is not a LAN: it offers no Reveal.
    const sectionInline = await session.tree.inlineActions('Blocked topologies (2)');
    assert.ok(!sectionInline.some((x) => /Reveal/.test(x)), `the section row offers Reveal: ${sectionInline.join(', ')}`);

    // The foreign network in the way is listed, and nothing else of what DECNET did not create.
    await session.tree.waitForRow('Foreign networks (1)');
    const foreign = await session.tree.waitForRow(UNRELATED_NETWORK);
    assert.match(
      foreign.description,
      new RegExp(`^holds ${SUBNETS.unrelated.replace(/\./g, '\\.')}, wanted by topology ${PENDING_NAME}, LAN lab`),
    );

    // A decky's service container under its base container; the foreign container under the
    // network it is attached to; names without the decnet_t_<prefix>_ every row shares.
    await session.tree.expand(prefixA);
    await session.tree.expand('e2e-decky-01');
    await session.tree.expand('dmz');
    const rows = await session.tree.rows();
    const row = (label: string, parent: string) => {
      const r = rows.find((x) => x.label === label);
      const p = rows.find((x) => x.label === parent);
      assert.ok(r && p, `no row "${label}" under "${parent}":\n${show(rows)}`);
      assert.equal(r.level, p.level + 1, `"${label}" is not a child of "${parent}"`);
      return r;
    };
    assert.equal(row('e2e-decky-01', prefixA).description, `running · ${TEST_IMAGE}`);
    assert.equal(row(SERVICE_CONTAINER, 'e2e-decky-01').description, `running · ${TEST_IMAGE}`);
    assert.equal(row('dmz', prefixA).description, `${SUBNETS.orphanA} · 2 endpoints`);
    // A container DECNET did not create, on the orphan's network: listed, marked foreign.
    const snifferRow = row(SNIFFER, 'dmz');
    assert.equal(snifferRow.description, 'foreign, disconnected (not removed) · running');
    assert.equal(snifferRow.ariaLabel, `foreign container, disconnected if the group is removed: ${SNIFFER}, running`);
    assert.ok(!rows.some((r) => r.label === UNRELATED_CONTAINER), `the tree shows ${UNRELATED_CONTAINER}:\n${show(rows)}`);

    // Which database and which daemon: always in sight, in the view's message.
    const text = await session.tree.text();
    assert.ok(text.includes(`Database: sqlite: ${dbPath}`), `the view does not name the database:\n${text}`);
    assert.ok(text.includes(`Docker: ${dockerHost}`), `the view does not name the Docker endpoint:\n${text}`);

    // The status bar counts the orphans and the networks in a conflict.
    await session.statusBar.waitFor(/DECNET: 5 orphans · 2 subnet conflicts/);
    console.log(`# tree:\n${show(rows)}`);
    // The README's picture, at the default sidebar width.
    await shot('tree');
  });

  await step('at 300 px and at 220 px every row keeps in sight the words that decide', async () => {
    // Every row: the words that must be seen (a state, a cause, who blocks).
    const deciding: [string, string][] = [
      ['Blocked topologies (2)', 'Blocked topologies'],
      [`blocked by orphan ${prefixB}`, 'blocked by orphan'],
      [`blocked by foreign network ${UNRELATED_NETWORK}`, 'blocked by foreign'],
      ['Live (2)', 'Live'],
      [LIVE_NAME, 'active'],
      [`torn down: ${TORN_NAME}`, 'torn down'],
      ['Orphans (5)', 'Orphans'],
      [prefixB, 'blocks'],
      [SNIFFER, 'foreign'],
      ['Foreign networks (1)', 'Foreign networks'],
    ];
    for (const width of [300, 220]) {
      await session.tree.setWidth(width);
      await session.page.waitForTimeout(300);
      const seen = await session.tree.visibleRows();
      console.log(`# at ${width} px:\n${seen.map((r) => `#   ${'  '.repeat(r.level - 1)}${r.visible}`).join('\n')}`);
      for (const [label, words] of deciding) {
        const r = seen.find((x) => x.label === label);
        assert.ok(r, `no row "${label}" at ${width} px`);
        assert.ok(r.visible.includes(words), `at ${width} px the row "${label}" shows "${r.visible}", not "${words}"`);
      }
      if (width === 220) await shot('tree-narrow');
    }
    await session.tree.setWidth(300);
  });

  await step('Find Subnet Overlaps keeps a query that matches nothing, and reveals the network picked', async () => {
    await session.palette.run('DECNET: Find Subnet Overlaps...');
    await session.quickInput.answer(NO_MATCH);
    const again = await session.quickInput.waitFor(/No Docker network's pool overlaps/);
    assert.equal(again.value, NO_MATCH, 'the query is kept');
    await session.quickInput.answer(SUBNETS.orphanB1);
    const pick = await session.quickInput.waitFor(new RegExp(`decnet_t_${prefixB}_dmz`));
    // Who wants the subnet: one item per LAN, not a line over the first network.
    assert.ok(
      pick.rows.some((r) => r.includes(`${PENDING_NAME}, LAN dmz`) && r.includes(SUBNETS.orphanB1)),
      `the pick does not list the LAN that wants the subnet: ${JSON.stringify(pick.rows)}`,
    );
    await shot('overlaps');
    await session.quickInput.pick(`decnet_t_${prefixB}_dmz`);
    await waitFor(
      `decnet_t_${prefixB}_dmz to be revealed and selected`,
      async () =>
        (await session.tree.rows()).some((r) => r.selected && r.label === 'dmz' && r.ariaLabel.includes(`decnet_t_${prefixB}_dmz`)),
      20_000,
    );
  });

  await step('Show Logs opens the last lines of a container, its environment masked', async () => {
    await session.menus.pick(SNIFFER, 'Show Logs');
    const logs = await waitFor('the log editor', async () => {
      const e = await session.editors.active().catch(() => undefined);
      return e && e.title.startsWith(`${SNIFFER}.log`) ? e : undefined;
    });
    assert.match(logs.text, new RegExp(`^# docker logs --timestamps --tail 200 ${SNIFFER}`));
    assert.match(logs.text, /started with token \*\*\*/);
    assert.ok(!logs.text.includes('e2e-secret-token-1234'), 'the log shows the secret');
    await session.palette.run('View: Close Editor');
  });

  await step(`"${REMOVE_ITEM}" asks first, names the foreign container, then removes exactly that group`, async () => {
    await session.menus.pick(prefixA, REMOVE_ITEM);
    const dialog = await session.dialog.read();
    console.log(`# dialog: ${dialog.message}\n# ${dialog.detail.replace(/\n/g, '\n# ')}\n# buttons: ${dialog.buttons.join(', ')}`);
    assert.match(dialog.message, new RegExp(prefixA));
    // The container that is not DECNET's is named in the question itself.
    assert.match(dialog.message, new RegExp(`force-disconnects ${SNIFFER} from decnet_t_${prefixA}_dmz`));
    assert.ok(dialog.buttons.includes('Remove'), `no Remove button: ${dialog.buttons.join(', ')}`);
    assert.ok(
      dialog.buttons.some((b) => /cancel/i.test(b)),
      `no Cancel button: ${dialog.buttons.join(', ')}`,
    );
    // Enter does not remove: the button with the focus (the default) only shows the plan.
    const focused = await session.dialog.focusedButton();
    assert.equal(focused, 'Review Plan in Editor', 'the default button of the confirmation');
    for (const name of [`decnet_t_${prefixA}_e2e-decky-01`, SERVICE_CONTAINER, `decnet_t_${prefixA}_dmz`]) {
      assert.ok(`${dialog.message}\n${dialog.detail}`.includes(name), `the confirmation does not name ${name}`);
    }
    await shot('confirm');

    // Reviewing opens the plan as a document, with the decision at its top: no modal over it.
    await session.dialog.answer('Review Plan in Editor');
    const lenses = await session.menus.codeLenses();
    assert.deepEqual(lenses, ['Remove 3 Resources', 'Save Plan...', 'Cancel'], 'the review offers the decision');
    assert.equal(await session.dialog.count(), 0, 'a modal sits over the review');
    const review = await session.editors.active();
    assert.match(review.title, new RegExp(`decnet-plan-${prefixA}`));
    for (const name of [`decnet_t_${prefixA}_e2e-decky-01`, SERVICE_CONTAINER, `decnet_t_${prefixA}_dmz`]) {
      assert.ok(review.text.includes(name), `the review does not name ${name}`);
    }
    await shot('review');
    // Cancel: the document closes, nothing is removed.
    await session.menus.clickCodeLens('Cancel');
    await waitFor('the review to close', async () => !(await session.editors.tabs()).some((t) => t.startsWith('decnet-plan-')), 10_000);
    for (const c of fx.orphanA.containers) assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
    // Closing the review is Cancel too.
    await session.menus.pick(prefixA, REMOVE_ITEM);
    await session.dialog.read();
    await session.dialog.answer('Review Plan in Editor');
    await session.menus.codeLenses();
    await session.palette.run('View: Close Editor');
    await session.page.waitForTimeout(1_000);
    for (const c of fx.orphanA.containers) assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
    // Remove from the review: removed then, after the re-check.
    await session.menus.pick(prefixA, REMOVE_ITEM);
    await session.dialog.read();
    await session.dialog.answer('Review Plan in Editor');
    await session.menus.clickCodeLens('Remove 3 Resources');

    const summary = await session.notifications.waitFor(new RegExp(`Removed .*${prefixA}`));
    console.log(`# notification: ${summary}`);
    assert.match(summary, new RegExp(`disconnected ${SNIFFER} from decnet_t_${prefixA}_dmz`));

    for (const c of fx.orphanA.containers) {
      assert.equal(await exists('container', docker, c.id), false, `container ${c.name} is still there`);
    }
    for (const n of fx.orphanA.networks) {
      assert.equal(await exists('network', docker, n.id), false, `network ${n.name} is still there`);
    }
    for (const c of [
      ...fx.live.containers,
      ...fx.orphanB.containers,
      { id: fx.unrelatedContainer, name: UNRELATED_CONTAINER },
      { id: sniffer.id, name: SNIFFER },
    ]) {
      assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
    }
    for (const n of [...fx.live.networks, ...fx.orphanB.networks, { id: fx.unrelatedNetwork, name: UNRELATED_NETWORK }]) {
      assert.equal(await exists('network', docker, n.id), true, `network ${n.name} was removed`);
    }

    await session.tree.waitForRow('Orphans (4)');
    const rows = await session.tree.rows();
    assert.ok(!rows.some((r) => r.label === prefixA), `${prefixA} is still in the tree:\n${show(rows)}`);

    // Show Report opens the report itself, read-only, not the end of the log.
    await session.notifications.click(new RegExp(`Removed .*${prefixA}`), 'Show Report');
    const report = await waitFor('the report editor', async () => {
      const e = await session.editors.active().catch(() => undefined);
      return e && /decnet-reap-report/.test(e.title) && e.text.includes('DECNET reap report') ? e : undefined;
    });
    for (const name of [`decnet_t_${prefixA}_e2e-decky-01`, SERVICE_CONTAINER, `decnet_t_${prefixA}_dmz`]) {
      assert.ok(report.text.includes(name), `the report does not name ${name}`);
    }
    await shot('report');
    await session.palette.run('View: Close Editor');
  });

  await step(`the "${OUTPUT_CHANNEL}" output channel holds the report`, async () => {
    const text = await session.output.read(OUTPUT_CHANNEL);
    assert.match(text, /containers_removed/);
    assert.match(text, /networks_removed/);
    for (const name of [`decnet_t_${prefixA}_e2e-decky-01`, SERVICE_CONTAINER, `decnet_t_${prefixA}_dmz`]) {
      assert.ok(text.includes(name), `the report does not name ${name}`);
    }
    await session.palette.run('View: Toggle Panel Visibility');
  });

  await step('several orphan groups selected in the tree are removed together', async () => {
    await session.tree.open('DECNET');
    await session.tree.select([prefixC, prefixD]);
    await session.menus.pick(prefixD, REMOVE_ITEM);
    const dialog = await session.dialog.read();
    assert.match(dialog.message, /2 orphan topologies/);
    assert.ok(dialog.message.includes(prefixC) && dialog.message.includes(prefixD), dialog.message);
    await shot('multiselect');
    await session.dialog.answer('Remove');
    await session.notifications.waitFor(/Removed .* of 2 orphan groups/);
    for (const c of [...fx.orphanC.containers, ...fx.orphanD.containers]) {
      assert.equal(await exists('container', docker, c.id), false, `container ${c.name} is still there`);
    }
    await session.tree.waitForRow('Orphans (2)');
  });

  await step('Reap All lets the user choose the groups, then removes them', async () => {
    await session.palette.run('DECNET: Reap All Orphans...');
    const pick = await session.quickInput.waitFor(/Reap All Orphans: which groups/);
    assert.ok(pick.rows.some((r) => r.startsWith(prefixB)) && pick.rows.some((r) => r.startsWith(prefixE)), JSON.stringify(pick.rows));
    // What removing B would free is where the choice is made.
    assert.ok(
      pick.rows.some((r) => r.startsWith(prefixB) && r.includes(`frees ${SUBNETS.orphanB1} for ${PENDING_NAME}, LAN dmz`)),
      `the list does not say what removing ${prefixB} frees: ${JSON.stringify(pick.rows)}`,
    );
    await shot('reap-all');
    await session.quickInput.keepOnly([prefixE]);
    const dialog = await session.dialog.read();
    assert.match(dialog.message, new RegExp(`orphan topology ${prefixE}`));
    assert.ok(!dialog.message.includes(prefixB), `the group left out is in the confirmation: ${dialog.message}`);
    await session.dialog.answer('Remove');
    await session.notifications.waitFor(new RegExp(`Removed .* of orphan ${prefixE}`));
    for (const c of fx.orphanE.containers)
      assert.equal(await exists('container', docker, c.id), false, `container ${c.name} is still there`);
    for (const c of fx.orphanB.containers) assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
    await session.tree.waitForRow('Orphans (1)');
    await session.statusBar.waitFor(/DECNET: 1 orphan · 2 subnet conflicts/);
  });

  await step('Remove Leftovers asks for the prefix, typed, before removing', async () => {
    await session.menus.pick(`torn down: ${TORN_NAME}`, 'Remove Leftovers of Torn-Down Topology…');
    const dialog = await session.dialog.read();
    assert.match(dialog.message, new RegExp(`torn-down topology ${TORN_NAME}`));
    await session.dialog.answer('Remove');
    const input = await session.quickInput.waitFor(new RegExp(`Type ${fx.torn.prefix}`));
    assert.equal(input.value, '');
    // A start of the prefix is not an error yet.
    await session.quickInput.type(fx.torn.prefix.slice(0, 3));
    await shot('typed-prefix');
    await session.quickInput.answer(fx.torn.prefix);
    await session.notifications.waitFor(new RegExp(`Removed .* of torn-down topology ${fx.torn.prefix}`));
    for (const c of fx.torn.containers) assert.equal(await exists('container', docker, c.id), false, `container ${c.name} is still there`);
    await session.tree.waitForRow('Live (1)');
  });

  await step('with Docker unreachable the status bar and the tree say so, with Retry', async () => {
    await session.settings.update({ 'decnet.docker.host': `unix://${scratch}/no-docker.sock` }, 'remote');
    await session.tree.open('DECNET');
    // The cause is the row's label, the endpoint its description.
    const dockerError = await session.tree.waitForRow('No Docker socket', 30_000);
    assert.equal(dockerError.description, `unix://${scratch}/no-docker.sock`);
    await session.tree.waitForRow('Retry');
    await session.statusBar.waitFor(/DECNET: Docker unreachable/);
    await shot('docker-error');
    await session.settings.update({ 'decnet.docker.host': dockerHost }, 'remote');
    await session.tree.waitForRow('Live (1)', 30_000);
    await session.statusBar.waitFor(/DECNET: 1 orphan/);
  });

  await step('with a missing database nothing is called an orphan, and the error offers its fix', async () => {
    const missing = join(scratch, 'nowhere', 'decnet.db');
    await session.settings.update({ 'decnet.database.path': missing }, 'remote');
    await session.tree.open('DECNET');
    // The cause is the label, the path the description; Retry is offered.
    const error = await session.tree.waitForRow('Database file not found', 30_000);
    assert.equal(error.description, missing, 'the error says what is wrong, in words');
    await session.tree.waitForRow('Retry');
    const rows = await session.tree.rows();
    console.log(`# tree:\n${show(rows)}`);
    assert.ok(
      rows.some((r) => /^Not classified \(2\)$/.test(r.label)),
      `the prefixes are listed as not classified:\n${show(rows)}`,
    );
    assert.ok(!rows.some((r) => /^Orphans\b/.test(r.label)), `an Orphans section is shown:\n${show(rows)}`);
    assert.ok(!rows.some((r) => /^Live\b/.test(r.label)), `a Live section is shown:\n${show(rows)}`);
    for (const r of rows) {
      const inline = await session.tree.inlineActions(r.label);
      assert.ok(!inline.some((a) => /remove|reap/i.test(a)), `row "${r.label}" offers ${inline.join(', ')}`);
    }
    // Not even a group that was an orphan a moment ago offers removal.
    const groups = rows.map((r) => r.label).filter((l) => [prefixB, LIVE_NAME, fx.live.prefix].includes(l));
    assert.ok(groups.includes(prefixB), `the group that was an orphan is listed:\n${show(rows)}`);
    for (const label of groups) {
      // null: the row took the right-click and VS Code opened no menu, for it offers nothing.
      const items = await session.menus.contextItems(label);
      assert.ok(items === null || !items.includes(REMOVE_ITEM), `row "${label}" offers ${REMOVE_ITEM}`);
    }
    await session.statusBar.waitFor(/DECNET: database unreadable/);
    await shot('db-error');
    // Even "Reap All Orphans…" from the palette refuses, without a confirmation to click through.
    await session.palette.run('DECNET: Reap All Orphans...');
    const refusal = await session.notifications.waitFor(/Nothing was removed/, 20_000);
    console.log(`# notification: ${refusal}`);
    assert.equal(await session.dialog.count(), 0, 'a confirmation was shown');
    for (const c of [...fx.live.containers, ...fx.orphanB.containers]) {
      assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
    }
    for (const n of [...fx.live.networks, ...fx.orphanB.networks]) {
      assert.equal(await exists('network', docker, n.id), true, `network ${n.name} was removed`);
    }
    // The refusal offers the fix.
    const buttons = await session.notifications.buttons(/Nothing was removed/);
    assert.ok(
      buttons.some((b) => /^Select DECNET Database/.test(b)),
      `the refusal offers ${JSON.stringify(buttons)}`,
    );
    await session.palette.run('Notifications: Clear All Notifications');
    // The database's folder did not exist: it is picked up as soon as it appears, with no click
    // and well before the 60 s poll.
    const appearedAt = Date.now();
    mkdirSync(join(scratch, 'nowhere'));
    cpSync(`${dbPath}-wal`, `${missing}-wal`);
    cpSync(dbPath, missing);
    await session.tree.waitForRow('Live (1)', 20_000);
    await session.tree.waitForRow('Orphans (1)');
    console.log(`# the new database was read ${((Date.now() - appearedAt) / 1000).toFixed(1)} s after it appeared`);
  });

  await step('a file that is not a SQLite database is said to be one, with Retry', async () => {
    const notes = join(scratch, 'notes.db');
    writeFileSync(notes, 'These are my notes about DECNET, not its database.\n'.repeat(40));
    await session.settings.update({ 'decnet.database.path': notes }, 'remote');
    const row = await session.tree.waitForRow('Not a SQLite database', 30_000);
    assert.equal(row.description, notes);
    await session.tree.waitForRow('Retry');
    await session.settings.update({ 'decnet.database.path': dbPath }, 'remote');
    await session.tree.waitForRow('Live (1)', 30_000);
  });

  await step('with no database at all the welcome view offers Select DECNET Database…', async () => {
    await session.settings.update({ 'decnet.database.path': undefined }, 'remote');
    await session.tree.open('DECNET');
    await waitFor('the welcome view', async () => (await session.tree.text()).includes('No DECNET database was found'), 30_000);
    const buttons = await session.tree.welcomeButtons();
    assert.equal(buttons.length, 1, `one primary button: ${JSON.stringify(buttons)}`);
    assert.match(buttons[0], /^\s*Select DECNET Database/);
    await shot('welcome');
    await session.tree.clickWelcomeButton('Select DECNET Database');
    await session.quickInput.waitFor(/Select DECNET Database/);
    await session.quickInput.answer(dbPath);
    await session.tree.waitForRow('Live (1)', 30_000);
  });

  await step('a database path in the User settings of this remote window is said to be unused, with Open Remote Settings', async () => {
    const elsewhere = join(scratch, 'from-user-settings', 'decnet.db');
    await session.settings.update({ 'decnet.database.path': elsewhere }, 'user');
    await session.tree.open('DECNET');
    const row = await session.tree.waitForRow('Not used here: decnet.database.path in User settings', 30_000);
    assert.equal(row.description, 'read from the Remote settings in this window');
    await session.tree.waitForRow('Open Remote Settings');
    await session.tree.waitForRow(`Copy Value ${JSON.stringify(elsewhere).slice(0, 39)}…`);
    // What the view reads is still the Remote settings' database.
    await session.tree.waitForRow('Live (1)');
    await shot('user-setting-ignored');
    await session.settings.update({ 'decnet.database.path': undefined }, 'user');
    await waitFor('the row to go', async () => !(await session.tree.rows()).some((r) => r.label.startsWith('Not used here')), 30_000);
  });

  await step('Set MySQL Password… keeps the password in secret storage, and the database is read with it', async () => {
    const url = process.env.DECNET_TEST_MYSQL_URL;
    const password = process.env.DECNET_TEST_MYSQL_PASSWORD;
    assert.ok(
      url && password,
      'DECNET_TEST_MYSQL_URL and DECNET_TEST_MYSQL_PASSWORD name the private MariaDB (source /work/test-env.sh, or scripts/private-mariadb.sh)',
    );
    await session.settings.update(
      { 'decnet.database.type': 'mysql', 'decnet.database.url': url, 'decnet.database.path': undefined },
      'remote',
    );
    await session.tree.open('DECNET');
    const denied = await session.tree.waitForRow('Database access denied', 30_000);
    assert.match(denied.description, /^mysql: /, 'without the password the server refuses');
    // The error row offers the fix.
    await session.tree.waitForRow('Set MySQL Password…');
    await session.palette.run('DECNET: Set MySQL Password...');
    await session.quickInput.waitFor(/Password for mysql: /);
    await session.quickInput.answer(password);
    await waitFor(
      'the database to be read with the stored password',
      async () => !(await session.tree.rows()).some((r) => r.label === 'Database access denied'),
      30_000,
    );
    // Never in the settings files.
    for (const dir of ['User', 'Machine']) {
      const file = join(session.userDataDir, dir, 'settings.json');
      if (existsSync(file)) assert.ok(!readFileSync(file, 'utf8').includes(password), `${file} holds the password`);
    }
    await shot('mysql-password');
  });

  console.log(`# e2e journey took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await resources.cleanup();
});
