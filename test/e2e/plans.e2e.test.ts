// End to end, two more journeys in the packaged extension (see reaper.e2e.test.ts for the setup):
//
// 1. Save Plan… in a removal's confirmation writes a plan file and removes nothing; DECNET: Apply
//    Plan… applies that file later, removes exactly what it planned, appends one line to the audit
//    log, and DECNET: Show Removal History lists it.
// 2. In Restricted Mode (an untrusted folder) the database and Docker endpoint named in the
//    folder's .vscode/settings.json are not used: the view reads the ones of the user (Remote)
//    settings.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { testDocker, testDockerHost } from '../support/docker';
import { makeDecnetDb } from '../support/makeDb';
import { scratchDir } from '../support/scratch';
import { planSha256, type PlanFile } from '../../src/core/removal/planFile';
import { exists, JourneyResources, lanRow, packageVsix, REMOVE_ITEM, removeLeftovers, ROOT, SCREENSHOTS, show, stepper } from './journey';
import { CodeServer } from './session';

const ARTIFACTS = join(ROOT, 'test-results', 'e2e-plans');

// Subnets from 198.18.0.0/15 of their own (reaper.e2e.test.ts uses 198.18.10-17 and .99).
const SUBNETS = {
  planLive: '198.18.30.0/24',
  planned: '198.18.31.0/24',
  kept: '198.18.32.0/24',
  trustLive: '198.18.33.0/24',
  trustOrphan: '198.18.34.0/24',
};
const PLAN_LIVE_NAME = 'e2e-plan-live';
const TRUST_LIVE_NAME = 'e2e-trust-live';
/** The name the folder's own (decoy) database gives the topology the real one does not know. */
const DECOY_NAME = 'e2e-decoy-lab';

const resources = new JourneyResources();

test('Save Plan… writes a plan and removes nothing; Apply Plan… removes exactly what it planned', { timeout: 300_000 }, async (t) => {
  rmSync(join(ARTIFACTS, 'plan'), { recursive: true, force: true });
  const dockerHost = testDockerHost();
  const docker = testDocker();
  const vsix = packageVsix();
  await removeLeftovers(docker, { subnets: Object.values(SUBNETS) });
  const live = await resources.deploy(docker, dockerHost, SUBNETS.planLive, 'e2e-plan-decky-live');
  const planned = await resources.deploy(docker, dockerHost, SUBNETS.planned, 'e2e-plan-decky-01');
  const kept = await resources.deploy(docker, dockerHost, SUBNETS.kept, 'e2e-plan-decky-02');

  const scratch = scratchDir('decnet-e2e-plans-');
  const workspace = join(scratch, 'workspace');
  mkdirSync(workspace);
  const plans = join(scratch, 'plans');
  mkdirSync(plans);
  const planFile = join(plans, `plan-${planned.prefix}.json`);
  const auditLog = join(scratch, 'audit', 'audit.jsonl');
  const dbPath = makeDecnetDb(join(scratch, 'decnet'), {
    walOnly: [{ id: live.id, name: PLAN_LIVE_NAME, status: 'active', mode: 'unihost' }],
    lans: [lanRow(live.id, 'dmz', SUBNETS.planLive, live.networks[0].id)],
  });

  resources.session = await CodeServer.start({
    folder: workspace,
    vsix,
    // Machine-scoped settings: in code-server they live in the Remote settings.
    remoteSettings: { 'decnet.database.path': dbPath, 'decnet.docker.host': dockerHost, 'decnet.audit.logPath': auditLog },
    env: { DOCKER_HOST: dockerHost },
  });
  const session = resources.session;
  const step = stepper(t, () => resources.session, join(ARTIFACTS, 'plan'));
  const all = [...live.containers, ...planned.containers, ...kept.containers];

  await step('Save Plan… in the confirmation writes the plan file and removes nothing', async () => {
    await session.tree.open('DECNET');
    // Wide enough that the descriptions show whole in the screenshot.
    await session.tree.setWidth(480);
    await session.tree.waitForRow('Live (1)', 60_000);
    await session.tree.waitForRow('Orphans (2)');
    await session.tree.expand('Orphans (2)');
    await session.menus.pick(planned.prefix, REMOVE_ITEM);
    const dialog = await session.dialog.read();
    assert.match(dialog.message, new RegExp(planned.prefix));
    assert.ok(dialog.buttons.includes('Save Plan...'), `no Save Plan… button: ${dialog.buttons.join(', ')}`);
    await session.dialog.answer('Save Plan…');
    // code-server's own (simple) file dialog: a quick input holding the path.
    const save = await session.quickInput.waitFor(/Save DECNET Removal Plan/);
    assert.match(save.value, new RegExp(`decnet-plan-${planned.prefix}-\\d{4}-\\d{2}-\\d{2}\\.json$`), 'the proposed file name');
    await session.quickInput.answer(planFile);
    const saved = await session.notifications.waitFor(/Plan saved to/);
    assert.ok(saved.includes(planFile), `the message names the file: ${saved}`);
    assert.match(saved, /Nothing was removed/);
    const savedButtons = await session.notifications.buttons(/Plan saved to/);
    assert.ok(
      savedButtons.includes('Open') && savedButtons.some((b) => /^Apply Plan/.test(b)),
      `Plan saved offers Open and Apply Plan…: ${savedButtons.join(', ')}`,
    );

    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { plan_sha256?: string; prefixes?: string[]; resources?: { id: string }[] };
    assert.match(plan.plan_sha256 ?? '', /^[0-9a-f]{64}$/, 'the plan has its checksum');
    assert.deepEqual(plan.prefixes, [planned.prefix]);
    assert.deepEqual(
      (plan.resources ?? []).map((r) => r.id).sort(),
      [...planned.containers, ...planned.networks].map((r) => r.id).sort(),
      'the plan lists exactly the group’s resources',
    );
    for (const c of all) assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
    assert.equal(existsSync(auditLog), false, 'saving a plan wrote to the audit log');
    await session.tree.waitForRow('Orphans (2)');
  });

  await step('Apply Plan… refuses a plan made from another database, naming both, and removes nothing', async () => {
    await session.palette.run('Notifications: Clear All Notifications');
    // The plan as someone else made it: from their own decnet.db (re-summed: the checksum is public).
    const { plan_sha256: _sha, ...body } = JSON.parse(readFileSync(planFile, 'utf8')) as PlanFile;
    const elsewhere = { ...body, database: 'sqlite: /srv/elsewhere/decnet.db' };
    const otherPlan = join(plans, 'plan-from-elsewhere.json');
    writeFileSync(otherPlan, JSON.stringify({ ...elsewhere, plan_sha256: planSha256(elsewhere) }));
    await session.palette.run('DECNET: Apply Plan...');
    await session.quickInput.waitFor(/Apply DECNET Removal Plan/);
    await session.quickInput.answer(otherPlan);
    const refusal = await session.notifications.waitFor(/The plan was made from sqlite: \/srv\/elsewhere\/decnet\.db/);
    console.log(`# notification: ${refusal}`);
    assert.ok(
      refusal.includes(`not from the database configured here, sqlite: ${dbPath}`),
      `the refusal names the database read: ${refusal}`,
    );
    assert.match(refusal, /Nothing was removed/);
    const buttons = await session.notifications.buttons(/The plan was made from/);
    assert.ok(buttons.includes('Select DECNET Database...'), `the refusal offers its fix: ${buttons.join(', ')}`);
    for (const c of all) assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
    assert.equal(existsSync(auditLog), false);
  });

  await step('Apply Plan… asks, then removes exactly the planned resources and logs the removal once', async () => {
    // The "Plan saved" message has been read: out of the screenshot.
    await session.palette.run('Notifications: Clear All Notifications');
    await session.palette.run('DECNET: Apply Plan...');
    await session.quickInput.waitFor(/Apply DECNET Removal Plan/);
    await session.quickInput.answer(planFile);
    const dialog = await session.dialog.read(30_000);
    console.log(`# dialog: ${dialog.message}\n# ${dialog.detail.replace(/\n/g, '\n# ')}\n# buttons: ${dialog.buttons.join(', ')}`);
    assert.match(dialog.message, new RegExp(planned.prefix));
    assert.ok(!dialog.message.includes(kept.prefix), `the group not planned is in the confirmation: ${dialog.message}`);
    for (const r of [...planned.containers, ...planned.networks]) {
      assert.ok(`${dialog.message}\n${dialog.detail}`.includes(r.name), `the confirmation does not name ${r.name}`);
    }
    assert.ok(dialog.buttons.includes('Remove'), `no Remove button: ${dialog.buttons.join(', ')}`);
    await session.screenshot(join(SCREENSHOTS, 'apply-plan.png'));
    await session.dialog.answer('Remove');
    const summary = await session.notifications.waitFor(new RegExp(`Removed .*${planned.prefix}`));
    console.log(`# notification: ${summary}`);

    for (const c of planned.containers) assert.equal(await exists('container', docker, c.id), false, `container ${c.name} is still there`);
    for (const n of planned.networks) assert.equal(await exists('network', docker, n.id), false, `network ${n.name} is still there`);
    for (const c of [...live.containers, ...kept.containers])
      assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
    for (const n of [...live.networks, ...kept.networks])
      assert.equal(await exists('network', docker, n.id), true, `network ${n.name} was removed`);

    const lines = readFileSync(auditLog, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `one audit line: ${lines.length}`);
    const entry = JSON.parse(lines[0]) as { report?: { prefixes?: string[] } };
    assert.ok(JSON.stringify(entry.report).includes(planned.prefix), 'the audit line holds the removal’s report');
    await session.tree.waitForRow('Orphans (1)', 30_000);
  });

  await step('Show Removal History lists the removal', async () => {
    await session.palette.run('DECNET: Show Removal History');
    const history = await session.quickInput.waitFor(new RegExp(planned.prefix));
    assert.ok(history.title.includes(auditLog), `the history names its log: ${history.title}`);
    const rows = history.rows.filter((r) => r.includes(planned.prefix));
    assert.equal(rows.length, 1, `one removal listed: ${JSON.stringify(history.rows)}`);
    assert.match(rows[0], /1 container, 1 network removed/);
    await session.page.keyboard.press('Escape');
  });

  await step('Apply Plan… on a plan already applied asks nothing and claims nothing', async () => {
    await session.palette.run('Notifications: Clear All Notifications');
    await session.palette.run('DECNET: Apply Plan...');
    await session.quickInput.waitFor(/Apply DECNET Removal Plan/);
    await session.quickInput.answer(planFile);
    const nothing = await session.notifications.waitFor(/Nothing to do/);
    assert.equal(nothing, 'Nothing to do: all 2 planned resources are already gone.');
    assert.equal(await session.dialog.count(), 0, 'a confirmation was shown');
    // The history gains nothing: nothing was removed.
    assert.equal(readFileSync(auditLog, 'utf8').split('\n').filter(Boolean).length, 1);
  });

  await resources.cleanup();
});

test('in Restricted Mode the folder’s database and Docker settings are not used', { timeout: 300_000 }, async (t) => {
  const dockerHost = testDockerHost();
  const docker = testDocker();
  const vsix = packageVsix();
  await removeLeftovers(docker, { subnets: Object.values(SUBNETS) });
  const live = await resources.deploy(docker, dockerHost, SUBNETS.trustLive, 'e2e-trust-decky-live');
  const orphan = await resources.deploy(docker, dockerHost, SUBNETS.trustOrphan, 'e2e-trust-decky-01');

  const scratch = scratchDir('decnet-e2e-trust-');
  const workspace = join(scratch, 'workspace');
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  const dbPath = makeDecnetDb(join(scratch, 'decnet'), {
    checkpointed: [{ id: live.id, name: TRUST_LIVE_NAME, status: 'active', mode: 'unihost' }],
    lans: [lanRow(live.id, 'dmz', SUBNETS.trustLive, live.networks[0].id)],
  });
  // The folder's own database would call the other group live, under another name, and the
  // live one an orphan; its Docker endpoint does not exist.
  const decoyDb = makeDecnetDb(join(workspace, 'decoy'), {
    checkpointed: [{ id: orphan.id, name: DECOY_NAME, status: 'active', mode: 'unihost' }],
    lans: [lanRow(orphan.id, 'dmz', SUBNETS.trustOrphan, orphan.networks[0].id)],
  });
  const decoyDocker = `unix://${join(scratch, 'no-docker.sock')}`;
  writeFileSync(
    join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'decnet.database.path': decoyDb, 'decnet.docker.host': decoyDocker }, null, 2),
  );

  resources.session = await CodeServer.start({
    folder: workspace,
    vsix,
    workspaceTrust: true,
    remoteSettings: { 'decnet.database.path': dbPath, 'decnet.docker.host': dockerHost },
    env: { DOCKER_HOST: dockerHost },
  });
  const session = resources.session;
  const step = stepper(t, () => resources.session, join(ARTIFACTS, 'trust'));

  await step('the folder is not trusted: Restricted Mode', async () => {
    const dialog = await session.dialog.read(30_000);
    assert.match(dialog.message, /trust the authors/i, `the trust question: ${dialog.message}`);
    const no = dialog.buttons.find((b) => /^No, I don.t trust the authors/i.test(b));
    assert.ok(no, `no "don't trust" button: ${dialog.buttons.join(', ')}`);
    await session.dialog.answer(no);
    await session.statusBar.waitFor(/Restricted Mode/);
  });

  await step('the view reads the user’s database and Docker endpoint, not the folder’s', async () => {
    await session.tree.open('DECNET');
    await session.tree.waitForRow('Live (1)', 60_000);
    await session.tree.waitForRow('Orphans (1)');
    await session.tree.expand('Live (1)');
    await session.tree.expand('Orphans (1)');
    const rows = await session.tree.rows();
    console.log(`# tree:\n${show(rows)}`);
    const liveRow = await session.tree.waitForRow(TRUST_LIVE_NAME);
    assert.equal(liveRow.description, `active · unihost · ${live.prefix}`);
    await session.tree.waitForRow(orphan.prefix);
    assert.ok(!rows.some((r) => r.label === DECOY_NAME), `the folder's database was read:\n${show(rows)}`);
    const text = await session.tree.text();
    assert.ok(text.includes(`Database: sqlite: ${dbPath}`), `the view does not name the user's database:\n${text}`);
    assert.ok(!text.includes(decoyDb), `the view names the folder's database:\n${text}`);
    assert.ok(text.includes(`Docker: ${dockerHost}`), `the view does not name the user's Docker endpoint:\n${text}`);
    await session.statusBar.waitFor(/DECNET: 1 orphan/);
    // Nothing was removed on the way.
    for (const c of [...live.containers, ...orphan.containers])
      assert.equal(await exists('container', docker, c.id), true, `container ${c.name} was removed`);
  });

  await resources.cleanup();
});
