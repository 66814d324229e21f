// The built CLI given bad or hostile input: an unusable database is an error and never another
// database, a FIFO never hangs it, names never reach the terminal raw, secrets are never printed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { buildCli, runCli, runCliAsync } from '../support/cli';
import { scratchDir } from '../support/scratch';
import { trickleDocker, trickleTcp } from '../support/trickle';
import { containerNames, deployTopology, newTopologyId, privateDaemon } from '../support/docker';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { testMysql } from '../support/mysql';

describe('decnet-reaper CLI input', () => {
  const { docker, host } = privateDaemon({ wipeBeforeEachTest: false });
  const dir = scratchDir('decnet-cli-input-');
  let db: string;
  let orphanPrefix: string;

  before(async () => {
    buildCli();
    // A red topology name, and an orphan: a fallback to this database would classify it.
    const liveId = newTopologyId();
    const orphanId = newTopologyId();
    db = makeDecnetDb(path.join(dir, 'world'), {
      checkpointed: [topologyRow(liveId, 'maze-\x1b[31mred\x1b[0m\u202Eevil', 'active')],
      walOnly: [],
    });
    await deployTopology(docker, liveId, [{ name: 'dmz', subnet: '198.18.40.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    orphanPrefix = (await deployTopology(docker, orphanId, [{ name: 'dmz', subnet: '198.18.41.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]))
      .prefix;
  });

  /** In a folder holding a usable ./decnet.db, with DECNET_DB_PATH naming it too. */
  function runWithFallbacks(args: string[], env: NodeJS.ProcessEnv = {}) {
    const cwd = scratchDir('decnet-cli-input-cwd-');
    copyFileSync(db, path.join(cwd, 'decnet.db'));
    return runCli(args, { env: { HOME: dir, DOCKER_HOST: host, DECNET_DB_PATH: db, ...env }, cwd, timeoutMs: 60_000 });
  }

  it(
    'an endpoint that answers a byte at a time never hangs a command: each ends at --timeout, nothing removed',
    { timeout: 180_000 },
    async () => {
      const before = await containerNames(docker);
      const docker1 = await trickleDocker(200);
      const mysql = await trickleTcp(200);
      try {
        const planPath = path.join(dir, 'trickle-plan.json');
        assert.equal(
          runCli(['plan', orphanPrefix, '--db', db, '--out', planPath], { env: { HOME: dir, DOCKER_HOST: host }, cwd: dir }).code,
          0,
        );
        const trickling = ['--docker-host', docker1.url, '--timeout', '2'];
        for (const args of [
          ['scan', '--db', db, ...trickling],
          ['reap', '--all-orphans', '--yes', '--no-audit-log', '--db', db, ...trickling],
          ['plan', '--all-orphans', '--out', path.join(dir, 'never.json'), '--db', db, ...trickling],
          ['overlaps', '--db', db, ...trickling],
          ['apply', planPath, '--yes', '--no-audit-log', '--db', db, ...trickling],
          // The database trickles, Docker answers.
          ['scan', '--db-url', `mysql://decnet@127.0.0.1:${mysql.port}/decnet`, '--timeout', '2'],
          ['reap', orphanPrefix, '--yes', '--no-audit-log', '--db-url', `mysql://decnet@127.0.0.1:${mysql.port}/decnet`, '--timeout', '2'],
        ]) {
          const started = Date.now();
          const r = await runCliAsync(args, {
            env: { HOME: dir, DOCKER_HOST: host, DECNET_DB_PASSWORD: 'pw-secret' },
            cwd: dir,
            timeoutMs: 60_000,
          });
          const took = Date.now() - started;
          assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
          assert.ok(took < 15_000, `${args[0]} took ${took} ms`);
          if (args.includes('--docker-host') && args[0] !== 'apply')
            assert.match(r.stderr, /the Docker daemon did not answer within 2 s/, args.join(' '));
          if (args.some((a) => a.startsWith('mysql://')))
            assert.match(r.stderr, /the DECNET database did not answer within 2 s/, args.join(' '));
          assert.doesNotMatch(r.stderr + r.stdout, /pw-secret/);
        }
        assert.ok(docker1.connections > 0 && mysql.connections > 0, 'both trickling servers were reached');
      } finally {
        await docker1.close();
        await mysql.close();
      }
      assert.deepEqual(await containerNames(docker), before);
      // --timeout itself is checked.
      for (const bad of ['0', '-1', 'soon', '3601']) {
        const r = runCli(['scan', '--db', db, `--timeout=${bad}`], { env: { HOME: dir, DOCKER_HOST: host }, cwd: dir });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--timeout takes seconds, more than 0 and at most 3600/);
      }
    },
  );

  it('leaves no ssh process behind when an ssh:// endpoint never answers', { timeout: 60_000 }, async () => {
    // A server that accepts and says nothing: ssh waits for its banner until the deadline.
    const silent = net.createServer(() => undefined);
    const sockets = new Set<net.Socket>();
    silent.on('connection', (c) => sockets.add(c));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      for (let i = 0; i < 2; i++) {
        const r = await runCliAsync(['scan', '--db', db, '--timeout', '2', '--docker-host', `ssh://bob@127.0.0.1:${port}`], {
          env: { HOME: dir },
          cwd: dir,
          timeoutMs: 30_000,
        });
        assert.equal(r.code, 2, r.stderr);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const left = spawnSync('pgrep', ['-f', '--', `-p ${port} `], { encoding: 'utf8' }).stdout.trim();
      assert.equal(left, '', `ssh processes left behind: ${left}`);
    } finally {
      for (const c of sockets) c.destroy();
      silent.close();
    }
  });

  it('refuses a --db-url or --db that cannot be used, with exit 2 and no classification', async () => {
    for (const args of [
      ['--db-url', 'mysql//decnet@db/decnet'],
      ['--db-url', 'postgresql://decnet@db/decnet'],
      ['--db-url', 'mysql://decnet@db:65536/decnet'],
      ['--db-url', 'mysql://decnet@db:abc/decnet'],
      ['--db', ''],
      ['--db=   '],
      ['--db', db, '--db', db],
      ['--db', '', '--db-url', 'mysql://decnet@db/decnet'],
    ]) {
      for (const json of [[], ['--json']]) {
        const r = runWithFallbacks(['scan', ...args, ...json]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        // Nothing classified: with --json, one document holding only the error.
        if (json.length) assert.deepEqual(Object.keys(JSON.parse(r.stdout)), ['error'], r.stdout);
        else assert.equal(r.stdout, '', `${args.join(' ')} classified something:\n${r.stdout}`);
        if (json.length) assert.equal(JSON.parse(r.stdout).error.kind, 'usage');
        assert.match(r.stderr, /--db/);
        assert.match(r.stderr, /Run 'decnet-reaper scan --help' for usage\./);
        assert.doesNotMatch(r.stderr + r.stdout, /orphan_prefixes|Orphans/);
      }
    }
    const reap = runWithFallbacks(['reap', '--all-orphans', '--yes', '--db-url', 'mysql//x']);
    assert.equal(reap.code, 2);
    assert.ok((await containerNames(docker)).includes(`decnet_t_${orphanPrefix}_decky-01`), 'nothing was removed');
  });

  it('refuses unusable DECNET_DB_* variables, naming them, instead of reading ./decnet.db', () => {
    for (const env of [
      { DECNET_DB_URL: 'mysql//x', DECNET_DB_PATH: '' },
      { DECNET_DB_TYPE: 'postgres' },
      { DECNET_DB_TYPE: 'mysql', DECNET_DB_PORT: '0' },
    ]) {
      const r = runWithFallbacks(['scan', '--json'], env);
      assert.equal(r.code, 2, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(out), ['error']);
      assert.equal(out.error.kind, 'config');
      assert.match(
        r.stderr,
        new RegExp(`decnet-reaper: ${Object.keys(env).at(-1) === 'DECNET_DB_PATH' ? 'DECNET_DB_URL' : Object.keys(env).at(-1)}`),
      );
    }
  });

  it('never prints a password: not in a URL that does not parse, not in a stack trace', () => {
    for (const pw of ['s3cr/et', 's3cr%et', 's3cr%zzet', 's3cr:et#x']) {
      const r = runWithFallbacks(['scan', '--db-url', `mysql://decnet:${pw}@db:99999/decnet`]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(!r.stderr.includes('s3cr') && !r.stdout.includes('s3cr'), r.stderr);
      assert.match(r.stderr, /mysql:\/\/decnet:\*\*\*@db:99999\/decnet/);
      assert.doesNotMatch(r.stderr, /URIError|\n\s+at /);
    }
  });

  it('never prints a password the MySQL server refuses, whatever characters it holds', () => {
    const server = testMysql();
    for (const pw of ['wr0ng/pass', 'wr0ng%zzpass', 'wr0ng%2Fpass']) {
      const r = runCli(['scan', '--json', '--db-url', `mysql://${server.user}:${pw}@${server.host}:${server.port}/decnet`], {
        env: { HOME: dir, DOCKER_HOST: host },
        cwd: dir,
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 2, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.match(out.database_error, /denied/);
      assert.equal(out.database, `mysql: ${server.user}@${server.host}:${server.port}/decnet`);
      assert.ok(!(r.stdout + r.stderr).includes('wr0ng'), r.stdout + r.stderr);
    }
  });

  it('refuses a FIFO as ~/.docker/config.json or DOCKER_CERT_PATH/ca.pem at once, naming it', () => {
    const home = scratchDir('decnet-cli-input-home-');
    mkdirSync(path.join(home, '.docker'));
    execFileSync('mkfifo', [path.join(home, '.docker', 'config.json')]);
    const started = Date.now();
    const r = runCli(['scan', '--db', db], { env: { HOME: home }, cwd: home, timeoutMs: 20_000 });
    assert.equal(r.code, 2, `exit ${r.code} (null: killed after hanging) ${r.stderr}`);
    assert.match(r.stderr, /~\/\.docker\/config\.json is not a regular file/);
    const certs = scratchDir('decnet-cli-input-certs-');
    execFileSync('mkfifo', [path.join(certs, 'ca.pem')]);
    const tls = runCli(['scan', '--db', db, '--json'], {
      env: { HOME: home, DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs },
      cwd: home,
      timeoutMs: 20_000,
    });
    assert.equal(tls.code, 2, `exit ${tls.code} (null: killed after hanging) ${tls.stderr}`);
    assert.match(JSON.parse(tls.stdout).docker_error, /ca\.pem is not a regular file/);
    assert.ok(Date.now() - started < 15_000, 'both answered promptly');
  });

  it('escapes control characters and bidi overrides of a topology name in text, keeps them in JSON', () => {
    const text = runCli(['scan', '--db', db], { env: { HOME: dir, DOCKER_HOST: host }, cwd: dir, timeoutMs: 60_000 });
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.includes('maze-\\x1b[31mred\\x1b[0m\\u202eevil'), text.stdout);
    assert.doesNotMatch(text.stdout, /[\x1b\u202e]/);
    const json = runCli(['scan', '--db', db, '--json'], { env: { HOME: dir, DOCKER_HOST: host }, cwd: dir, timeoutMs: 60_000 });
    const names = JSON.parse(json.stdout).groups.map((g: { topology: { name: string } | null }) => g.topology?.name);
    assert.ok(names.includes('maze-\x1b[31mred\x1b[0m\u202Eevil'));
    assert.doesNotMatch(json.stdout, /[\x1b\u202e]/);
  });

  it('reports both problems when Docker cannot be reached and the database cannot be read', () => {
    const env = { HOME: dir, DOCKER_HOST: `unix://${dir}/no-docker.sock` };
    const missing = path.join(dir, 'missing', 'decnet.db');
    const text = runCli(['scan', '--db', missing], { env, cwd: dir, timeoutMs: 60_000 });
    assert.equal(text.code, 2);
    assert.match(text.stderr, /no-docker\.sock/);
    assert.match(text.stderr, /database could not be read \(missing\)/);
    const json = runCli(['scan', '--db', missing, '--json'], { env, cwd: dir, timeoutMs: 60_000 });
    assert.equal(json.code, 2);
    const out = JSON.parse(json.stdout);
    assert.match(out.docker_error, /no-docker\.sock/);
    assert.match(out.database_error, /\(missing\)/);
    assert.equal(out.error.kind, 'unreadable');
    assert.match(out.error.message, /no-docker\.sock[\s\S]*\(missing\)/);
    const reap = runCli(['reap', '--all-orphans', '--yes', '--db', missing], { env, cwd: dir, timeoutMs: 60_000 });
    assert.equal(reap.code, 2);
    assert.match(reap.stderr, /no-docker\.sock[\s\S]*\(missing\)/);
    const overlaps = runCli(['overlaps', '--db', missing, '--json'], { env, cwd: dir, timeoutMs: 60_000 });
    assert.equal(overlaps.code, 2);
    assert.match(JSON.parse(overlaps.stdout).database_error, /\(missing\)/);
    assert.match(overlaps.stderr, /no-docker\.sock[\s\S]*\(missing\)/);
  });
});
