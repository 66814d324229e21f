// `npm run package` as a release: the .vsix with no vsce warning, dist/decnet-reaper-linux-x64 and
// dist/SHA256SUMS; then the single executable as an operator uses it on a DECNET host without
// Node: copied alone into a clean folder, run with a PATH that holds no `node`, driving scan,
// reap --all-orphans --yes, plan/apply, a MySQL database and fleet (a worker over TLS through a
// Docker context, one over ssh) against the private daemons.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, ROOT } from '../support/cli';
import {
  assertPrivateDaemon,
  containerNames,
  deployTopology,
  dockerAt,
  networkNames,
  newTopologyId,
  privateDaemon,
  wipeDaemon,
} from '../support/docker';
import { execInWal, makeDecnetDb, topologyRow } from '../support/makeDb';
import { dropMysqlDb, makeMysqlDb, testMysql } from '../support/mysql';
import { scratchDir } from '../support/scratch';

const DIST = path.join(ROOT, 'dist');
const BINARY = 'decnet-reaper-linux-x64';

/** A variable `npm test` sets (scripts/test-all.sh); never skipped. */
function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the private daemons, sshd and MariaDB`);
  return v;
}

describe('the single executable (npm run package)', () => {
  const master = privateDaemon();
  const w1Tls = required('DECNET_TEST_FLEET_W1_TLS_HOST');
  const w1Certs = required('DECNET_TEST_FLEET_W1_CERT_PATH');
  const w1Host = required('DECNET_TEST_FLEET_W1_HOST');
  const w2Host = required('DECNET_TEST_FLEET_W2_HOST');
  const sshConfig = required('DECNET_TEST_FLEET_SSH_CONFIG');
  const w1 = dockerAt(w1Host);
  const w2 = dockerAt(w2Host);
  const dir = scratchDir('decnet-sea-it-');
  let home: string;
  let bin: string;
  let exe: string;
  let env: NodeJS.ProcessEnv;
  let packaged: { status: number | null; output: string };

  before(async () => {
    await assertPrivateDaemon(w1, w1Host);
    await assertPrivateDaemon(w2, w2Host);
    const r = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    packaged = { status: r.status, output: `${r.stdout}\n${r.stderr}` };
    assert.equal(r.status, 0, packaged.output);
    // The host: one file in a folder of its own, nothing beside it.
    const opt = path.join(dir, 'opt');
    mkdirSync(opt);
    exe = path.join(opt, 'decnet-reaper');
    copyFileSync(path.join(DIST, BINARY), exe);
    chmodSync(exe, 0o755);
    // PATH: only `ssh` (for the ssh:// worker, with the private sshd's client config).
    bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${JSON.stringify(sshConfig)} "$@"\n`);
    chmodSync(path.join(bin, 'ssh'), 0o755);
    home = path.join(dir, 'home');
    mkdirSync(home);
    env = { PATH: bin, HOME: home, DOCKER_HOST: master.host, DECNET_REAPER_INI: path.join(dir, 'none.ini') };
  });
  after(async () => {
    await wipeDaemon(w1);
    await wipeDaemon(w2);
  });

  function run(args: string[], extra: NodeJS.ProcessEnv = {}) {
    const r = spawnSync(exe, args, { cwd: path.dirname(exe), encoding: 'utf8', env: { ...env, ...extra }, timeout: 120_000 });
    // Node's own warnings (a require the single executable cannot serve, say) never reach the operator.
    assert.doesNotMatch(r.stderr, /\(node:\d+\)|Warning:/, `${args.join(' ')}: ${r.stderr}`);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('packages the .vsix without a vsce warning, the binary, and SHA256SUMS of both', () => {
    assert.doesNotMatch(packaged.output, /WARNING|warn/i, 'npm run package printed a warning');
    const sums = readFileSync(path.join(DIST, 'SHA256SUMS'), 'utf8');
    assert.deepEqual(
      sums
        .trim()
        .split('\n')
        .map((l) => l.split('  ')[1])
        .sort(),
      [BINARY, 'decnet-topology-reaper.vsix'],
    );
    for (const line of sums.trim().split('\n')) {
      const [hash, name] = line.split('  ');
      assert.equal(
        createHash('sha256')
          .update(readFileSync(path.join(DIST, name ?? '')))
          .digest('hex'),
        hash,
        name,
      );
    }
    execFileSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: DIST });
    // The icon vsce puts in the package: a 128x128 PNG.
    const png = readFileSync(path.join(ROOT, 'media', 'icon.png'));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.equal(manifest.icon, 'media/icon.png');
    assert.doesNotMatch(JSON.stringify(manifest.repository ?? ''), /example\.invalid/);
  });

  it('runs without node on PATH and says what it is', () => {
    assert.deepEqual(readdirSync(path.dirname(exe)), ['decnet-reaper']);
    const which = spawnSync('/bin/sh', ['-c', 'command -v node'], { env });
    assert.notEqual(which.status, 0, 'node is on the test PATH');
    const v = run(['--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr, '', 'the binary warns on start');
    const script = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
    assert.equal(v.stdout, script.stdout, 'the binary and dist/cli.js are not the same build');
    assert.match(v.stdout, /^decnet-reaper \d+\.\d+\.\d+ \(commit [0-9a-f]{12}/);
    const j = JSON.parse(run(['--version', '--json']).stdout);
    assert.equal(j.single_executable, true);
    assert.equal(j.node, process.version);
    assert.match(run(['--help']).stdout, /\n {2}completion +\S/);
    assert.match(run(['completion', 'bash']).stdout, /^complete -F _decnet_reaper decnet-reaper/m);
  });

  it('scan, reap --all-orphans --yes, plan and apply on SQLite', async () => {
    const liveId = newTopologyId();
    const db = makeDecnetDb(path.join(dir, 'db'), { checkpointed: [topologyRow(liveId, 'maze-live', 'active')] });
    const live = await deployTopology(
      master.docker,
      liveId,
      [{ name: 'dmz', subnet: '198.18.81.0/24' }],
      [{ name: 'decky-01', lan: 'dmz' }],
    );
    const first = await deployTopology(
      master.docker,
      newTopologyId(),
      [{ name: 'dmz', subnet: '198.18.82.0/24' }],
      [{ name: 'decky-01', lan: 'dmz', services: ['ssh'] }],
    );
    const scan = run(['scan', '--db', db, '--json']);
    assert.equal(scan.code, 0, scan.stderr);
    const s = JSON.parse(scan.stdout);
    assert.deepEqual([s.live_prefixes_on_daemon, s.orphan_prefixes], [[live.prefix], [first.prefix]]);
    assert.match(run(['scan', '--db', db]).stdout, /^1 orphan group, 1 live topology\./);

    const reap = run(['reap', '--all-orphans', '--yes', '--json', '--db', db]);
    assert.equal(reap.code, 0, reap.stderr);
    assert.deepEqual(JSON.parse(reap.stdout).containers_removed.sort(), ['decky-01-ssh', `decnet_t_${first.prefix}_decky-01`]);
    assert.ok(existsSync(path.join(home, '.local/state/decnet-reaper/audit.jsonl')), 'no audit log');

    const second = await deployTopology(
      master.docker,
      newTopologyId(),
      [{ name: 'dmz', subnet: '198.18.83.0/24' }],
      [{ name: 'decky-01', lan: 'dmz' }],
    );
    const planFile = path.join(dir, 'plan.json');
    const plan = run(['plan', '--all-orphans', '--out', planFile, '--db', db, '--detailed-exit-code']);
    assert.equal(plan.code, 3, plan.stderr);
    const apply = run(['apply', planFile, '--yes', '--db', db, '--json']);
    assert.equal(apply.code, 0, apply.stderr);
    assert.deepEqual(JSON.parse(apply.stdout).networks_removed, [`decnet_t_${second.prefix}_dmz`]);
    const left = [...(await containerNames(master.docker)), ...(await networkNames(master.docker))].join(' ');
    assert.doesNotMatch(left, new RegExp(`${first.prefix}|${second.prefix}`));
    assert.match(left, new RegExp(live.prefix));
    const history = JSON.parse(run(['history', '--json']).stdout);
    assert.equal(history.removals.length, 2);
  });

  it('reads MySQL (mysql2 is in the file too)', async () => {
    const server = testMysql();
    const liveId = newTopologyId();
    const database = await makeMysqlDb(server, [topologyRow(liveId, 'maze-mysql', 'active')]);
    try {
      const live = await deployTopology(
        master.docker,
        liveId,
        [{ name: 'dmz', subnet: '198.18.84.0/24' }],
        [{ name: 'decky-01', lan: 'dmz' }],
      );
      const url = `mysql://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}`;
      const r = run(['scan', '--json', '--db-url', url]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).live_prefixes_on_daemon, [live.prefix]);
    } finally {
      await dropMysqlDb(server, database);
    }
  });

  it('fleet: a worker over TLS through a Docker context, one over ssh', async () => {
    await wipeDaemon(w1);
    await wipeDaemon(w2);
    const config = path.join(home, '.docker');
    const ctx = createHash('sha256').update('w1').digest('hex');
    mkdirSync(path.join(config, 'contexts', 'meta', ctx), { recursive: true });
    writeFileSync(
      path.join(config, 'contexts', 'meta', ctx, 'meta.json'),
      JSON.stringify({ Name: 'w1', Metadata: {}, Endpoints: { docker: { Host: w1Tls, SkipTLSVerify: false } } }),
    );
    const tls = path.join(config, 'contexts', 'tls', ctx, 'docker');
    mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(tls, f), readFileSync(path.join(w1Certs, f)));
    const a = newTopologyId();
    const db = makeDecnetDb(path.join(dir, 'fleet'), { fullSchema: true, checkpointed: [topologyRow(a, 'maze-a', 'active', 'agent')] });
    const host = (uuid: string, name: string) =>
      `INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, last_heartbeat, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('${uuid}', '${name}', '127.0.0.1', 8765, 'active', NULL, 'fp', '/etc/decnet/x', '2025-01-01 00:00:00', 0)`;
    execInWal(db, [
      host('22222222-aaaa-4aaa-8aaa-000000000001', 'w1'),
      host('22222222-aaaa-4aaa-8aaa-000000000002', 'w2'),
      `UPDATE topologies SET target_host_uuid = '22222222-aaaa-4aaa-8aaa-000000000001' WHERE id = '${a}'`,
    ]);
    const A = await deployTopology(w1, a, [{ name: 'dmz', subnet: '198.18.85.0/24' }], [{ name: 'decky-a', lan: 'dmz' }]);
    const O = await deployTopology(w2, newTopologyId(), [{ name: 'dmz', subnet: '198.18.86.0/24' }], [{ name: 'decky-o', lan: 'dmz' }]);
    const r = run(['fleet', '--json', '--db', db, '--host', 'w1=context:w1', '--host', 'w2=ssh://decnet-test-ssh']);
    assert.equal(r.code, 0, r.stderr);
    const hosts = JSON.parse(r.stdout).hosts as {
      name: string;
      error: string | null;
      live_prefixes: string[];
      orphan_prefixes: string[];
    }[];
    const by = Object.fromEntries(hosts.map((h) => [h.name, h]));
    assert.deepEqual(Object.keys(by).sort(), ['master', 'w1', 'w2']);
    assert.equal(by.w1?.error, null);
    assert.deepEqual(by.w1?.live_prefixes, [A.prefix]);
    assert.equal(by.w2?.error, null);
    assert.deepEqual(by.w2?.orphan_prefixes, [O.prefix]);
  });

  it('--version says when the bundle was built outside git', () => {
    try {
      execFileSync(process.execPath, ['esbuild.mjs', '--production'], {
        cwd: ROOT,
        env: { ...process.env, GIT_DIR: path.join(dir, 'no-git') },
      });
      const v = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
      assert.match(v.stdout, /^decnet-reaper \d+\.\d+\.\d+ \(built outside git: no commit recorded\)$/m);
    } finally {
      execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: ROOT });
    }
  });
});
