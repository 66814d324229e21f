// Plan files, the audit log, history and the empty-database guard: the bundled CLI against the
// private dockerd and real SQLite files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { planSha256, type PlanFile } from '../../src/core/removal/planFile';
import { buildCli, runCli, runCliAsync } from '../support/cli';
import { containerNames, deployTopology, networkNames, newTopologyId, privateDaemon, TEST_IMAGE } from '../support/docker';
import { insertTopologyRow, makeDecnetDb, topologyRow } from '../support/makeDb';
import { fakeMysqlServer } from '../support/fakeMysql';
import { scratchDir } from '../support/scratch';

describe('plan files, audit log and the empty-database guard', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-plan-it-');

  before(() => {
    buildCli();
  });

  function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    return runCli(args, { env: { HOME: dir, DOCKER_HOST: host, ...env }, cwd: dir, timeoutMs: 120_000 });
  }
  /** The same, while this process serves a fake server the CLI may reach. */
  function runAsync(args: string[], env: NodeJS.ProcessEnv = {}) {
    return runCliAsync(args, { env: { HOME: dir, DOCKER_HOST: host, ...env }, cwd: dir, timeoutMs: 120_000 });
  }

  /** A live topology, and orphans a, b, c (three prefixes whose rows are absent). */
  async function world(name: string) {
    const folder = path.join(dir, name);
    mkdirSync(folder, { recursive: true });
    const liveId = newTopologyId();
    const ids = { a: newTopologyId(), b: newTopologyId(), c: newTopologyId() };
    const db = makeDecnetDb(folder, { checkpointed: [topologyRow(liveId, 'maze-live')], walOnly: [] });
    const live = await deployTopology(docker, liveId, [{ name: 'dmz', subnet: '198.18.40.0/24' }], [{ name: 'live-01', lan: 'dmz' }]);
    const a = await deployTopology(
      docker,
      ids.a,
      [{ name: 'dmz', subnet: '198.18.41.0/24' }],
      [{ name: 'deck-a', lan: 'dmz', services: ['ssh'] }],
    );
    const b = await deployTopology(docker, ids.b, [{ name: 'dmz', subnet: '198.18.42.0/24' }], [{ name: 'deck-b', lan: 'dmz' }]);
    const c = await deployTopology(docker, ids.c, [{ name: 'dmz', subnet: '198.18.43.0/24' }], [{ name: 'deck-c', lan: 'dmz' }]);
    return { folder, db, liveId, ids, live, a, b, c };
  }

  function readPlan(file: string): PlanFile {
    return JSON.parse(readFileSync(file, 'utf8')) as PlanFile;
  }

  it('plan writes the plan; apply after drift removes only what is unchanged and still orphan, and logs it', async () => {
    const w = await world('drift');
    const planPath = path.join(w.folder, 'plan.json');
    const planned = run(['plan', w.a.prefix, w.b.prefix, w.c.prefix, '--db', w.db, '--out', planPath]);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stdout, /^Dry run: nothing is removed\./);
    assert.match(planned.stdout, /Plan written to .*plan\.json \(plan_sha256 [0-9a-f]{64}\)/);
    const file = readPlan(planPath);
    assert.equal(file.version, 1);
    assert.equal(file.mode, 'orphan');
    assert.deepEqual(file.prefixes, [w.a.prefix, w.b.prefix, w.c.prefix].sort());
    assert.equal(file.docker_endpoint, host);
    assert.ok(file.docker_daemon.id && file.docker_daemon.name);
    assert.equal(file.database, `sqlite: ${w.db}`);
    assert.equal(file.plan_sha256, planSha256(file));
    const base = file.resources.find((r) => r.name === `decnet_t_${w.a.prefix}_deck-a`)!;
    assert.equal(base.kind, 'container');
    assert.equal(base.id, w.a.containers[0].id);
    assert.match(base.created ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(base.markers.prefixes, [w.a.prefix]);
    assert.equal(base.markers.labels['decnet.topology.id'], w.ids.a);
    const net = file.resources.find((r) => r.name === w.a.networks[0].name);
    assert.ok(net && net.kind === 'network');
    assert.deepEqual(net.subnets, ['198.18.41.0/24']);
    assert.deepEqual(
      net.endpoints.map((e) => e.name),
      [`decnet_t_${w.a.prefix}_deck-a`],
    );
    assert.equal(file.resources.length, 7, 'a: 2 containers + 1 network; b, c: 1 + 1 each');
    // Nothing was removed by plan.
    assert.equal((await containerNames(docker)).length, 5);

    // Drift: b's row comes back; someone removes a's service container; a container of c appears.
    await insertTopologyRow(w.db, topologyRow(w.ids.b, 'maze-b-again'));
    await docker.getContainer(w.a.containers[1].id).remove({ force: true });
    const newcomer = await docker.createContainer({
      name: `decnet_t_${w.c.prefix}_deck-new`,
      Image: TEST_IMAGE,
      Labels: { 'decnet.topology.id': w.ids.c, 'com.docker.compose.project': `decnet-topo-${w.c.prefix}` },
      HostConfig: { NetworkMode: 'none' },
    });

    const log = path.join(w.folder, 'state', 'audit.jsonl');
    const applied = run(['apply', planPath, '--db', w.db, '--yes', '--json', '--audit-log', log]);
    assert.equal(applied.code, 1, `some were skipped: exit 1\n${applied.stderr}`);
    const report = JSON.parse(applied.stdout);
    assert.deepEqual(report.prefixes_reaped, [w.a.prefix, w.c.prefix].sort(), 'b is live again: nothing of it was removed');
    assert.deepEqual(report.containers_removed, [`decnet_t_${w.a.prefix}_deck-a`, `decnet_t_${w.c.prefix}_deck-c`, 'deck-a-ssh'].sort());
    assert.deepEqual(report.already_gone, ['deck-a-ssh']);
    assert.deepEqual(report.networks_removed, [w.a.networks[0].name, w.c.networks[0].name].sort());
    const skipped = new Map((report.skipped as { name: string; reason: string }[]).map((s) => [s.name, s.reason]));
    assert.match(skipped.get(`decnet_t_${w.b.prefix}_deck-b`) ?? '', /now live \(topology maze-b-again\)/);
    assert.match(skipped.get(w.b.networks[0].name) ?? '', /now live/);
    assert.equal(skipped.get(`decnet_t_${w.c.prefix}_deck-new`), 'appeared since the confirmation');
    assert.deepEqual(report.errors, []);
    // The live prefixes as DECNET means them: every topology of the database.
    assert.deepEqual(report.live_prefixes, [w.live.prefix, w.b.prefix].sort());
    assert.deepEqual(report.live_prefixes_on_daemon, [w.live.prefix, w.b.prefix].sort());
    assert.deepEqual(
      await containerNames(docker),
      [`decnet_t_${w.b.prefix}_deck-b`, `decnet_t_${w.c.prefix}_deck-new`, `decnet_t_${w.live.prefix}_live-01`].sort(),
    );
    assert.deepEqual(await networkNames(docker), [w.b.networks[0].name, w.live.networks[0].name].sort());
    await docker.getContainer(newcomer.id).inspect(); // untouched

    // The audit log: one line, mode 0600, with the docker inspect of what was removed.
    assert.equal(statSync(log).mode & 0o777, 0o600);
    const lines = readFileSync(log, 'utf8').split('\n');
    assert.equal(lines.length, 2, 'one line and its newline');
    const entry = JSON.parse(lines[0]);
    assert.match(entry.time, /^\d{4}-\d\d-\d\dT/);
    assert.ok(entry.user && entry.hostname);
    assert.deepEqual(entry.report, report);
    assert.deepEqual(entry.inspect.containers.map((c: { Id: string }) => c.Id).sort(), [w.a.containers[0].id, w.c.containers[0].id].sort());
    assert.deepEqual(entry.inspect.networks.map((n: { Id: string }) => n.Id).sort(), [w.a.networks[0].id, w.c.networks[0].id].sort());
    assert.equal(
      entry.inspect.containers.find((c: { Id: string }) => c.Id === w.a.containers[0].id).Config.Labels['decnet.topology.id'],
      w.ids.a,
    );

    // Applying the same plan again: everything left is skipped or gone, nothing else touched.
    const again = run(['apply', planPath, '--yes', '--json', '--audit-log', log], { DECNET_DB_PATH: w.db });
    assert.equal(again.code, 1, again.stderr);
    assert.equal(readFileSync(log, 'utf8').split('\n').length, 3, 'a second line appended; the first unchanged');
    assert.equal(readFileSync(log, 'utf8').split('\n')[0], lines[0]);

    // history: newest first, with the daemon, prefixes and counts.
    const history = run(['history', '--json', '--audit-log', log]);
    assert.equal(history.code, 0, history.stderr);
    const h = JSON.parse(history.stdout);
    assert.equal(h.removals.length, 2);
    assert.equal(h.removals[1].containers_removed, 2, 'deck-a-ssh was gone already: not counted as removed by it');
    assert.equal(h.removals[1].networks_removed, 2);
    assert.deepEqual(h.removals[1].prefixes, [w.a.prefix, w.c.prefix].sort());
    assert.equal(h.removals[1].docker_daemon.id, file.docker_daemon.id);
    const limited = run(['history', '--limit', '1', '--audit-log', log]);
    assert.equal(limited.code, 0, limited.stderr);
    assert.equal(limited.stdout.trim().split('\n').length, 1);
    // The newest: the same plan applied again removed nothing itself.
    assert.match(limited.stdout, /\(none\) {2}0 containers, 0 networks, 3 skipped, 0 errors/);
    assert.equal(h.removals[0].containers_removed, 0);
    // A damaged last line (a crash mid-write) is skipped.
    writeFileSync(log, `${readFileSync(log, 'utf8')}{"time":"2026-`, { flag: 'w' });
    const damaged = run(['history', '--json', '--audit-log', log]);
    assert.equal(damaged.code, 0, damaged.stderr);
    assert.equal(JSON.parse(damaged.stdout).removals.length, 2);
    assert.equal(JSON.parse(damaged.stdout).damaged_lines, 1);
  });

  it('apply exits 0 when every planned resource is gone; the default audit log is under XDG_STATE_HOME', async () => {
    const w = await world('clean');
    const planPath = path.join(w.folder, 'plan.json');
    assert.equal(run(['plan', w.a.prefix, '--db', w.db, '--out', planPath]).code, 0);
    const state = path.join(w.folder, 'xdg');
    const r = run(['apply', planPath, '--yes'], { XDG_STATE_HOME: state, DECNET_DB_PATH: w.db });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /DECNET reap report/);
    assert.ok(!(await containerNames(docker)).some((n) => n.includes(w.a.prefix) || n === 'deck-a-ssh'));
    const log = path.join(state, 'decnet-reaper', 'audit.jsonl');
    assert.equal(statSync(log).mode & 0o777, 0o600);
    assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 1);
    const h = run(['history'], { XDG_STATE_HOME: state });
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, new RegExp(`${w.a.prefix}  2 containers, 1 network, 0 skipped, 0 errors`));
  });

  it('refuses whole a tampered plan, another daemon, another database or endpoint, an unreadable database', async () => {
    const w = await world('refuse');
    const planPath = path.join(w.folder, 'plan.json');
    assert.equal(run(['plan', w.a.prefix, '--db', w.db, '--out', planPath]).code, 0);
    const before = await containerNames(docker);
    const original = readPlan(planPath);
    const write = (name: string, f: unknown) => {
      const p = path.join(w.folder, name);
      writeFileSync(p, JSON.stringify(f));
      return p;
    };
    const log = path.join(w.folder, 'audit.jsonl');

    // A resource added by hand, plan_sha256 left as it was.
    const tampered = structuredClone(original);
    tampered.resources.push({ ...tampered.resources[0], id: w.live.containers[0].id, name: w.live.containers[0].name });
    const t = run(['apply', write('tampered.json', tampered), '--db', w.db, '--yes', '--audit-log', log]);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /does not match its plan_sha256/);

    // Another daemon: the plan's daemon id is not the one answering (sha recomputed).
    const other = structuredClone(original);
    other.docker_daemon.id = 'AAAA:BBBB:CCCC:DDDD:EEEE:FFFF:0000:1111:2222:3333:4444:5555';
    other.plan_sha256 = planSha256(other);
    const o = run(['apply', write('other-daemon.json', other), '--db', w.db, '--yes', '--audit-log', log]);
    assert.equal(o.code, 2);
    assert.match(o.stderr, /refused: The plan was made on the Docker daemon .* \(id AAAA:BBBB:.*\), but .* answers at /);

    // Flags that name another database or endpoint than the plan's.
    const otherDb = makeDecnetDb(path.join(w.folder, 'other'), { checkpointed: [topologyRow(w.liveId, 'maze-live')], walOnly: [] });
    const d = run(['apply', planPath, '--yes', '--db', otherDb, '--audit-log', log]);
    assert.equal(d.code, 2);
    assert.match(
      d.stderr,
      /The plan was made from sqlite: .*, not from the database configured here, sqlite: .*other.*If the plan's database is DECNET's, name it: --db /,
    );
    const e = run(['apply', planPath, '--db', w.db, '--yes', '--docker-host', `unix://${w.folder}/other.sock`, '--audit-log', log]);
    assert.equal(e.code, 2);
    assert.match(
      e.stderr,
      new RegExp(
        `The plan was made on ${host}, not on the Docker endpoint configured here, unix://.*other\\.sock\\. If the plan's endpoint is the right one, name it: --docker-host ${host}`,
      ),
    );

    // The plan's database, now unreadable.
    writeFileSync(w.db, 'SQLite format 3\0 this is not a database at all'.padEnd(8192, 'x'));
    const u = run(['apply', planPath, '--db', w.db, '--yes', '--audit-log', log]);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /could not be read/);

    assert.deepEqual(await containerNames(docker), before);
    assert.throws(() => statSync(log), /ENOENT/, 'a refused apply writes no audit line');
  });

  it('a plan file never chooses the database that decides what is live, nor where a password goes', async () => {
    const w = await world('elsewhere');
    // DECNET's own database (it knows the live topology) is the one configured here; the plan was
    // made from another decnet.db, one without it, so the live topology's resources are in it.
    const stray = makeDecnetDb(path.join(w.folder, 'stray'), { checkpointed: [], walOnly: [] });
    const planPath = path.join(w.folder, 'plan.json');
    const made = run(['plan', w.live.prefix, w.a.prefix, '--db', stray, '--allow-empty-db', '--out', planPath]);
    assert.equal(made.code, 0, made.stderr);
    const before = await containerNames(docker);
    const own = { DECNET_DB_PATH: w.db };
    const r = run(['apply', planPath, '--yes', '--no-audit-log'], own);
    assert.equal(r.code, 2, r.stdout);
    assert.match(
      r.stderr,
      new RegExp(`refused: The plan was made from sqlite: ${stray}, not from the database configured here, sqlite: ${w.db}\\.`),
    );
    assert.match(r.stderr, /A plan file never chooses which database or daemon decides what is live\. Nothing was removed\./);
    const j = run(['apply', planPath, '--yes', '--no-audit-log', '--json'], own);
    assert.equal(j.code, 2);
    assert.equal(JSON.parse(j.stdout).error.kind, 'refused');
    // decnet.ini and ./decnet.db are the user's configuration too.
    const ini = path.join(w.folder, 'decnet.ini');
    writeFileSync(ini, `[database]\ntype = sqlite\npath = ${w.db}\n`);
    assert.equal(run(['apply', planPath, '--yes', '--no-audit-log'], { DECNET_REAPER_INI: ini }).code, 2);
    assert.deepEqual(await containerNames(docker), before, 'nothing removed');

    // The same plan edited to name the configured database, and re-summed (the checksum is public):
    // accepted as a plan of that database, whose fresh read keeps the live topology.
    const edited = readPlan(planPath);
    edited.database = `sqlite: ${w.db}`;
    edited.db_topology_count = 1;
    edited.plan_sha256 = planSha256(edited);
    const editedPath = path.join(w.folder, 'edited.json');
    writeFileSync(editedPath, JSON.stringify(edited));
    const e = run(['apply', editedPath, '--yes', '--no-audit-log', '--json'], own);
    assert.equal(e.code, 1, e.stderr);
    const report = JSON.parse(e.stdout);
    assert.ok(
      report.skipped.some(
        (x: { name: string; reason: string }) => x.name === `decnet_t_${w.live.prefix}_live-01` && /now live/.test(x.reason),
      ),
    );
    assert.deepEqual(report.prefixes_reaped, [w.a.prefix], 'only the prefix something was removed from');
    assert.ok((await containerNames(docker)).includes(`decnet_t_${w.live.prefix}_live-01`), 'the live topology stays');
    assert.ok((await networkNames(docker)).includes(w.live.networks[0].name));

    // A plan that names a MySQL server (as earlier versions wrote database_target): nothing connects
    // there, with DECNET_DB_PASSWORD set, before or after the refusal.
    const fake = await fakeMysqlServer();
    try {
      const { plan_sha256: _s, ...body } = readPlan(planPath);
      const mysqlPlan = {
        ...body,
        database: `mysql: decnet@127.0.0.1:${fake.port}/decnet`,
        database_target: { kind: 'mysql', host: '127.0.0.1', port: fake.port, database: 'decnet', user: 'decnet' },
      };
      const mysqlPath = path.join(w.folder, 'mysql-plan.json');
      writeFileSync(mysqlPath, JSON.stringify({ ...mysqlPlan, plan_sha256: planSha256(mysqlPlan) }));
      const m = await runAsync(['apply', mysqlPath, '--yes', '--no-audit-log'], { ...own, DECNET_DB_PASSWORD: 'hunter2-secret' });
      assert.equal(m.code, 2);
      assert.match(
        m.stderr,
        new RegExp(`made from mysql: decnet@127\\.0\\.0\\.1:${fake.port}/decnet, not from the database configured here`),
      );
      assert.doesNotMatch(m.stderr + m.stdout, /hunter2/);
      assert.equal(fake.connections, 0, "the password never reached the plan's server: nothing connected to it");
      // The control: the same server, named by the user, does get the password (the detector works).
      const named = await runAsync(['scan', '--db-url', `mysql://decnet@127.0.0.1:${fake.port}/decnet`], {
        DECNET_DB_PASSWORD: 'hunter2-secret',
        DECNET_DB_HOST: '127.0.0.1',
        DECNET_DB_PORT: String(fake.port),
      });
      assert.equal(named.code, 2);
      assert.equal(fake.authResponses, 1);
      // The flag the refusal suggests (the plan's server) gets no environment password either.
      const suggested = await runAsync(['scan', '--db-url', `mysql://decnet@127.0.0.1:${fake.port}/decnet`], {
        ...own,
        DECNET_DB_PASSWORD: 'hunter2-secret',
      });
      assert.equal(suggested.code, 2);
      assert.equal(fake.authResponses, 1, 'no second password reached it');
    } finally {
      await fake.close();
    }
  });

  it('an audit log that cannot be opened refuses the removal, unless --no-audit-log', async () => {
    const w = await world('audit');
    const before = await containerNames(docker);
    const folderAsLog = path.join(w.folder, 'a-folder');
    mkdirSync(folderAsLog);
    const r = run(['reap', w.a.prefix, '--db', w.db, '--yes', '--audit-log', folderAsLog]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /audit log .* cannot be opened for append/);
    const fifo = path.join(w.folder, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const f = run(['reap', w.a.prefix, '--db', w.db, '--yes', '--audit-log', fifo]);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /audit log/);
    // A link to someone else's world-readable file, or a log others can read: refused, nothing removed.
    const theirs = path.join(w.folder, 'theirs.txt');
    writeFileSync(theirs, '', { mode: 0o644 });
    const link = path.join(w.folder, 'link.jsonl');
    symlinkSync(theirs, link);
    const l = run(['reap', w.a.prefix, '--db', w.db, '--yes', '--audit-log', link]);
    assert.equal(l.code, 2);
    assert.match(l.stderr, /refused: The audit log .*link\.jsonl is a symbolic link/);
    assert.equal(readFileSync(theirs, 'utf8'), '');
    const loose = path.join(w.folder, 'loose.jsonl');
    writeFileSync(loose, '', { mode: 0o644 });
    const m = run(['reap', w.a.prefix, '--db', w.db, '--yes', '--audit-log', loose]);
    assert.equal(m.code, 2);
    assert.match(m.stderr, /can be accessed by its group and others \(mode 0644\).*run chmod 600/);
    assert.deepEqual(await containerNames(docker), before);
    const optOut = run(['reap', w.a.prefix, '--db', w.db, '--yes', '--no-audit-log']);
    assert.equal(optOut.code, 0, optOut.stderr);
    assert.ok(!(await containerNames(docker)).includes(`decnet_t_${w.a.prefix}_deck-a`));
    // reap logs as apply does.
    const log = path.join(w.folder, 'reap.jsonl');
    const logged = run(['reap', w.c.prefix, '--db', w.db, '--yes', '--json', '--audit-log', log]);
    assert.equal(logged.code, 0, logged.stderr);
    // The CLI's document is the report plus what only the command line has.
    const { dry_run: _dry, plan: _plan, error: _error, ...printed } = JSON.parse(logged.stdout);
    assert.equal(_dry, false);
    assert.equal(_error, null);
    assert.deepEqual(JSON.parse(readFileSync(log, 'utf8')).report, printed);
  });

  it('refuses to remove orphans from a database with no topology at all, unless --allow-empty-db', async () => {
    const w = await world('empty');
    const empty = makeDecnetDb(path.join(w.folder, 'fresh'), { checkpointed: [], walOnly: [] });
    const before = await containerNames(docker);
    const r = run(['reap', '--all-orphans', '--db', empty, '--yes', '--no-audit-log']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /holds no topology at all .* every group would be an orphan/);
    const p = run(['plan', '--all-orphans', '--db', empty, '--out', path.join(w.folder, 'p.json')]);
    assert.equal(p.code, 2);
    assert.deepEqual(await containerNames(docker), before);

    // Allowed: a plan made from it, applied with the flag too.
    const planPath = path.join(w.folder, 'empty-plan.json');
    assert.equal(run(['plan', w.a.prefix, '--db', empty, '--allow-empty-db', '--out', planPath]).code, 0);
    const refused = run(['apply', planPath, '--db', empty, '--yes', '--no-audit-log']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /holds no topology at all/);
    const allowed = run(['apply', planPath, '--db', empty, '--yes', '--no-audit-log', '--allow-empty-db']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const reaped = run(['reap', w.b.prefix, '--db', empty, '--yes', '--no-audit-log', '--allow-empty-db', '--json']);
    assert.equal(reaped.code, 0, reaped.stderr);
    assert.deepEqual(JSON.parse(reaped.stdout).networks_removed, [w.b.networks[0].name]);
  });

  it('scan --json: live_prefixes as DECNET means them, live_prefixes_on_daemon what is on Docker', async () => {
    const w = await world('scan');
    const away = newTopologyId();
    await insertTopologyRow(w.db, topologyRow(away, 'maze-elsewhere'), { checkpoint: true });
    const r = run(['scan', '--db', w.db, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.live_prefixes, [w.live.prefix, away.slice(0, 8)].sort());
    assert.deepEqual(out.live_prefixes_on_daemon, [w.live.prefix]);
    assert.deepEqual(out.orphan_prefixes, [w.a.prefix, w.b.prefix, w.c.prefix].sort());
  });
});
