// The built CLI as scripts and people use it: per-command help, --version, usage errors, one JSON
// document whatever happens, a closed pipe, "every orphan" when all that is left must be kept,
// the scan as people read it, and where the MySQL password comes from.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCli, CLI, ROOT, runCli } from '../support/cli';
import { containerNames, deployTopology, networkNames, newTopologyId, privateDaemon, TEST_IMAGE } from '../support/docker';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { dropMysqlDb, makeMysqlDb, testMysql } from '../support/mysql';
import { scratchDir } from '../support/scratch';

describe('decnet-reaper CLI conventions', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-cli-conv-');

  before(() => {
    buildCli();
  });

  const env = (extra: NodeJS.ProcessEnv = {}) => ({ HOME: dir, DOCKER_HOST: host, DECNET_REAPER_INI: path.join(dir, 'no.ini'), ...extra });
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: env(extra), cwd: dir, timeoutMs: 60_000 });

  it('describes each command with --help, prints --version, and points usage errors to --help', () => {
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const v = run(['--version']);
    assert.equal(v.code, 0);
    // The version, and the commit the bundle was built from (this test runs in a git work tree).
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    assert.match(
      v.stdout.trim(),
      new RegExp(`^decnet-reaper ${version.replace(/\./g, '\\.')} \\(commit ${commit}(, with uncommitted changes)?\\)$`),
    );
    const vj = run(['--version', '--json']);
    assert.equal(vj.code, 0);
    assert.deepEqual(
      { ...JSON.parse(vj.stdout), commit_dirty: undefined },
      { version, commit, commit_dirty: undefined, node: process.version, single_executable: false },
    );
    const flags: Record<string, string[]> = {
      scan: ['--json', '--db', '--db-url', '--docker-host', '--context'],
      reap: ['--json', '--dry-run', '--yes', '-y', '--all-orphans', '--torn-down', '--db'],
      overlaps: ['--json', '--db'],
    };
    for (const [cmd, expected] of Object.entries(flags)) {
      for (const args of [
        [cmd, '--help'],
        [cmd, '-h'],
        ['help', cmd],
      ]) {
        const h = run(args);
        assert.equal(h.code, 0, h.stderr);
        assert.match(h.stdout, new RegExp(`^Usage:\\n  decnet-reaper ${cmd}`));
        for (const f of expected) assert.ok(h.stdout.includes(f), `${cmd} --help lacks ${f}`);
        assert.match(h.stdout, /Exit status:\n {2}0 /);
        assert.match(h.stdout, new RegExp(`Examples:\\n  decnet-reaper ${cmd}`));
        assert.match(h.stdout, /With --json:/);
      }
    }
    const top = run(['--help']);
    assert.equal(top.code, 0);
    for (const cmd of ['scan', 'reap', 'overlaps']) assert.match(top.stdout, new RegExp(`\\n  ${cmd} +\\S`));
    for (const [args, problem, cmd] of [
      [['scan', '--dry-run'], /unknown flag '--dry-run'/, 'scan'],
      [['reap'], /reap needs at least one PREFIX, or --all-orphans/, 'reap'],
      [['overlaps', 'nope'], /"nope" is neither a CIDR/, 'overlaps'],
      [['frobnicate'], /unknown command "frobnicate"/, ''],
      [[], /a command is needed/, ''],
    ] as const) {
      const r = run([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, problem);
      assert.ok(r.stderr.trimEnd().endsWith(`Run 'decnet-reaper${cmd ? ` ${cmd}` : ''} --help' for usage.`), r.stderr);
      assert.doesNotMatch(r.stderr, /Usage:/, 'a usage error does not print the whole usage');
      assert.equal(r.stdout, '');
      const j = run([...args, '--json']);
      assert.equal(j.code, 2);
      assert.deepEqual(JSON.parse(j.stdout).error.kind, 'usage');
    }
  });

  async function keptWorld(name: string) {
    const liveId = newTopologyId();
    const orphanId = newTopologyId();
    const o = orphanId.slice(0, 8);
    const db = makeDecnetDb(path.join(dir, name), { checkpointed: [topologyRow(liveId, 'maze-live', 'active')], walOnly: [] });
    const live = await deployTopology(docker, liveId, [{ name: 'dmz', subnet: '198.18.61.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    // What must stay of the orphan: a malformed marker, a container shared with the live
    // topology, and a network the live topology's container is attached to.
    await docker.createContainer({ name: `decnet_t_${o}_bad`, Image: TEST_IMAGE, Labels: { 'decnet.topology.id': 'not-a-topology' } });
    await docker.createContainer({ name: `decnet_t_${o}_shared`, Image: TEST_IMAGE, Labels: { 'decnet.topology.id': liveId } });
    const net = await docker.createNetwork({ Name: `decnet_t_${o}_lan`, IPAM: { Config: [{ Subnet: '198.18.62.0/24' }] } });
    await net.connect({ Container: live.containers[0].id });
    return { db, o, live };
  }

  it('reap --all-orphans where all that is left must be kept: nothing to do, exit 0, every real reason', async () => {
    const w = await keptWorld('kept');
    const before = [await containerNames(docker), await networkNames(docker)];
    const reasons = [
      [`decnet_t_${w.o}_bad`, /carries a DECNET marker that names no valid topology \(decnet\.topology\.id=not-a-topology\)/],
      [`decnet_t_${w.o}_shared`, new RegExp(`also belongs to live topology prefix ${w.live.prefix}`)],
      [`decnet_t_${w.o}_lan`, new RegExp(`DECNET container decnet_t_${w.live.prefix}_decky-01 is attached and is not removed`)],
    ] as const;
    // A nightly job: the same answer every night.
    for (let night = 0; night < 2; night++) {
      const r = run(['reap', '--all-orphans', '--yes', '--json', '--db', w.db]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.error, null);
      assert.deepEqual([out.containers_removed, out.networks_removed, out.errors], [[], [], []]);
      assert.deepEqual(out.orphan_prefixes, [w.o]);
      for (const [name, why] of reasons) assert.match(out.kept.find((k: { name: string }) => k.name === name)?.reason ?? '', why, name);
    }
    const text = run(['reap', '--all-orphans', '--yes', '--db', w.db]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^Nothing to remove: every resource left of ${w.o} is kept\\.`));
    for (const [name, why] of reasons) assert.match(text.stdout, new RegExp(`${name}: ${why.source}`));
    const scan = run(['scan', '--db', w.db]);
    for (const [name, why] of reasons) assert.match(scan.stdout, new RegExp(`${name} .*\\(kept: ${why.source}\\)`));
    assert.doesNotMatch(scan.stdout + text.stdout, /every resource there also belongs to a live topology|kept: also live\)/);
    // Asked for by prefix, it is refused, with the same reasons.
    const one = run(['reap', w.o, '--yes', '--json', '--db', w.db]);
    assert.equal(one.code, 2);
    const refused = JSON.parse(one.stdout);
    assert.equal(refused.error.kind, 'refused');
    for (const [name, why] of reasons) assert.match(refused.error.message, new RegExp(`${name} \\(${why.source}\\)`));
    // The nightly plan (contrib/systemd): nothing to plan, exit 0, no file, the same reasons.
    const planned = run([
      'plan',
      '--all-orphans',
      '--detailed-exit-code',
      '--json',
      '--db',
      w.db,
      '--out',
      path.join(dir, 'kept-plan.json'),
    ]);
    assert.equal(planned.code, 0, planned.stderr);
    const nothing = JSON.parse(planned.stdout);
    assert.deepEqual([nothing.plan, nothing.plan_file, nothing.error], [null, null, null]);
    assert.match(nothing.nothing, new RegExp(`^Nothing to plan: every resource left of ${w.o} is kept\\.`));
    for (const [name, why] of reasons) assert.match(nothing.kept.find((k: { name: string }) => k.name === name)?.reason ?? '', why, name);
    assert.equal(existsSync(path.join(dir, 'kept-plan.json')), false);
    assert.deepEqual([await containerNames(docker), await networkNames(docker)], before);
  });

  it('prints one JSON document when refused, with what is known', async () => {
    const w = await keptWorld('refusals');
    const live = JSON.parse(run(['reap', w.live.prefix, '--yes', '--json', '--db', w.db]).stdout);
    assert.equal(live.error.kind, 'refused');
    assert.match(live.error.message, /is live: topology "maze-live"/);
    assert.deepEqual([live.dry_run, live.plan, live.live_prefixes], [false, null, [w.live.prefix]]);
    const orphanId = newTopologyId();
    const gone = await deployTopology(docker, orphanId, [{ name: 'dmz', subnet: '198.18.64.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    const noTerminal = run(['reap', gone.prefix, '--json', '--db', w.db]);
    assert.equal(noTerminal.code, 2);
    const nt = JSON.parse(noTerminal.stdout);
    assert.equal(nt.error.kind, 'refused');
    assert.match(nt.error.message, /no terminal to confirm on: pass --yes/);
    assert.deepEqual(nt.plan.prefixes, [gone.prefix]);
    const dry = JSON.parse(run(['reap', gone.prefix, '--dry-run', '--json', '--db', w.db]).stdout);
    assert.deepEqual([dry.error, dry.dry_run, dry.containers_removed], [null, true, []]);
    assert.deepEqual(
      dry.plan.containers.map((c: { name: string }) => c.name),
      [`decnet_t_${gone.prefix}_decky-01`],
    );
    const unreadable = run(['reap', '--all-orphans', '--yes', '--json', '--db', path.join(dir, 'missing.db')]);
    assert.equal(unreadable.code, 2);
    assert.equal(JSON.parse(unreadable.stdout).error.kind, 'unreadable');
    assert.ok((await containerNames(docker)).includes(`decnet_t_${gone.prefix}_decky-01`));
  });

  it('scan reads at a glance: counts first, live by name, orphans apart, what a removal disconnects, what blocks a LAN, what to run next', async (t) => {
    const liveId = newTopologyId();
    const tornId = newTopologyId();
    const wantsId = newTopologyId();
    const orphanId = newTopologyId();
    const db = makeDecnetDb(path.join(dir, 'glance'), {
      checkpointed: [
        topologyRow(liveId, 'maze-live', 'active'),
        topologyRow(tornId, 'maze-old', 'torn_down'),
        topologyRow(wantsId, 'maze-next', 'pending'),
      ],
      lans: [{ id: 'lan-next', topologyId: wantsId, name: 'dmz', subnet: '198.18.67.0/24', isDmz: true, dockerNetworkId: null }],
      walOnly: [],
    });
    await deployTopology(docker, liveId, [{ name: 'dmz', subnet: '198.18.65.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    const torn = await deployTopology(docker, tornId, [{ name: 'dmz', subnet: '198.18.66.0/24' }], []);
    const orphan = await deployTopology(docker, orphanId, [{ name: 'dmz', subnet: '198.18.67.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    // Attached from its creation, and removed by the test itself: a container connected to a
    // network while not running, then force-removed, can leave a stale endpoint on the daemon.
    const foreign = await docker.createContainer({
      name: 'conv-foreign-web',
      Image: TEST_IMAGE,
      HostConfig: { NetworkMode: orphan.networks[0].name },
    });
    await foreign.start();
    t.after(() =>
      foreign.remove({ force: true }).then(
        () => undefined,
        () => undefined,
      ),
    );
    const r = run(['scan', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '1 orphan group, 2 live topologies, 1 torn down with leftovers, 1 network in a subnet conflict.');
    const liveAt = lines.indexOf('Live (2):');
    const orphansAt = lines.indexOf('Orphans (1):');
    assert.ok(liveAt > 0 && orphansAt > liveAt, r.stdout);
    assert.ok(
      lines.slice(liveAt, orphansAt).includes(`  maze-live  ${liveId.slice(0, 8)} · active · unihost · 1 container · 1 network`),
      r.stdout,
    );
    assert.ok(lines.includes(`  maze-old  ${torn.prefix} · torn_down · unihost · 0 containers · 1 network · 1 leftover`), r.stdout);
    assert.ok(lines.includes(`  ${orphan.prefix}  1 container · 1 network`), r.stdout);
    assert.ok(lines.includes(`      conv-foreign-web is not DECNET's: a removal only disconnects it`), r.stdout);
    assert.match(
      r.stdout,
      /Subnet conflicts \(1\):\n {2}decnet_t_\w+_dmz {2}198\.18\.67\.0\/24 {2}orphan \w+\n {4}holds 198\.18\.67\.0\/24, wanted by topology maze-next, LAN dmz/,
    );
    assert.match(r.stdout, /Next:\n {2}decnet-reaper reap --all-orphans --dry-run/);
    assert.ok(r.stdout.includes(`decnet-reaper reap --torn-down ${torn.prefix} `), r.stdout);
    const json = JSON.parse(run(['scan', '--db', db, '--json']).stdout);
    assert.deepEqual(json.torn_down_prefixes, [torn.prefix]);
    assert.deepEqual(json.groups.find((g: { prefix: string }) => g.prefix === orphan.prefix).endpoints_to_disconnect, [
      { network: orphan.networks[0].name, container: 'conv-foreign-web', state: 'running' },
    ]);
    assert.equal(json.subnet_conflicts.length, 1);
    assert.equal(json.error, null);
  });

  it('exits quietly with 0 when the reader of stdout goes away (scan | head -1, overlaps | head -1)', async () => {
    const db = makeDecnetDb(path.join(dir, 'pipe'), { checkpointed: [], walOnly: [] });
    for (let i = 0; i < 8; i++) {
      await deployTopology(docker, newTopologyId(), [{ name: 'dmz', subnet: `198.18.${70 + i}.0/24` }], [{ name: 'decky-01', lan: 'dmz' }]);
    }
    const once = (args: string[], closeAt: 'start' | 'first line') =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn('node', [CLI, ...args, '--db', db], {
          env: { PATH: process.env.PATH, ...env() },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        if (closeAt === 'start') child.stdout.destroy();
        else child.stdout.once('data', () => child.stdout.destroy());
        child.on('close', (code) => resolve({ code, stderr }));
      });
    for (const args of [['scan'], ['overlaps']]) {
      for (let i = 0; i < 10; i++) {
        const r = await once(args, i % 2 ? 'start' : 'first line');
        assert.equal(r.code, 0, `${args[0]} run ${i}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at |Error/, `${args[0]} run ${i}`);
      }
    }
  });

  describe('the MySQL password', () => {
    const server = testMysql();
    let database: string;
    before(async () => {
      database = await makeMysqlDb(server, [topologyRow(newTopologyId(), 'maze-mysql', 'active')]);
    });
    after(async () => dropMysqlDb(server, database));
    const url = (pw?: string) =>
      `mysql://${encodeURIComponent(server.user)}${pw === undefined ? '' : `:${encodeURIComponent(pw)}`}@${server.host}:${server.port}/${database}`;
    const read = (args: string[], extra: NodeJS.ProcessEnv) => {
      const r = run(['scan', '--json', ...args], extra);
      return { code: r.code, out: JSON.parse(r.stdout) as { database_error: string | null; error: { kind: string } | null } };
    };

    it('a password typed in --db-url wins over a stale DECNET_DB_PASSWORD', () => {
      const r = read(['--db-url', url(server.password)], { DECNET_DB_PASSWORD: 'stale-password' });
      assert.equal(r.code, 0, JSON.stringify(r.out));
      assert.equal(r.out.database_error, null);
      // Nothing typed: DECNET_DB_PASSWORD goes to the server the environment names only.
      const stale = read(['--db-url', url()], {
        DECNET_DB_PASSWORD: 'stale-password',
        DECNET_DB_HOST: server.host,
        DECNET_DB_PORT: String(server.port),
      });
      assert.equal(stale.code, 2);
      assert.match(stale.out.database_error ?? '', /denied/);
      const right = read(['--db-url', url()], {
        DECNET_DB_PASSWORD: server.password,
        DECNET_DB_HOST: server.host,
        DECNET_DB_PORT: String(server.port),
      });
      assert.equal(right.code, 0, JSON.stringify(right.out));
      // For another server it is not sent at all, and the refusal says why.
      const elsewhere = read(['--db-url', url()], { DECNET_DB_PASSWORD: server.password });
      assert.equal(elsewhere.code, 2);
      assert.match(elsewhere.out.database_error ?? '', /denied.*DECNET_DB_PASSWORD is for localhost:3306 .*not sent to/);
    });

    it("decnet.ini's url keeps its password; DECNET_DB_PASSWORD wins over the file", () => {
      const ini = path.join(dir, 'decnet.ini');
      writeFileSync(ini, `[database]\ntype = mysql\nurl = ${url(server.password).replace('mysql://', 'mysql+asyncmy://')}\n`);
      const fromFile = read([], { DECNET_REAPER_INI: ini });
      assert.equal(fromFile.code, 0, JSON.stringify(fromFile.out));
      const envWins = read([], { DECNET_REAPER_INI: ini, DECNET_DB_PASSWORD: 'stale-password' });
      assert.equal(envWins.code, 2);
      assert.match(envWins.out.database_error ?? '', /denied/);
    });
  });
});
