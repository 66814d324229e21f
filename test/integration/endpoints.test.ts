// Reaching the private dockerd the ways operators do: a Docker context, and TCP with TLS.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { buildCli, runCli } from '../support/cli';
import { deployTopology, newTopologyId, privateDaemon } from '../support/docker';
import { makeDecnetDb } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

/** The private daemon's TLS listener, set up by scripts/private-dockerd.sh; never skipped. */
function tlsSetup(): { host: string; certPath: string } {
  const host = process.env.DECNET_TEST_DOCKER_TLS_HOST;
  const certPath = process.env.DECNET_TEST_DOCKER_CERT_PATH;
  if (!host || !certPath) {
    throw new Error('DECNET_TEST_DOCKER_TLS_HOST / DECNET_TEST_DOCKER_CERT_PATH are not set: run the tests with `npm test`');
  }
  return { host, certPath };
}

/** The private sshd's client config, set up by scripts/private-sshd.sh; never skipped. */
function sshConfig(): string {
  const config = process.env.DECNET_TEST_SSH_CONFIG;
  if (!config) throw new Error('DECNET_TEST_SSH_CONFIG is not set: run the tests with `npm test`');
  return config;
}

describe('Docker endpoints', () => {
  // The tests share the orphan deployed once below.
  const { docker, host: unixHost } = privateDaemon({ wipeBeforeEachTest: false });
  const dir = scratchDir('decnet-endpoints-');
  let db: string;
  let orphanPrefix: string;
  let daemonId: string;

  before(async () => {
    buildCli();
    db = makeDecnetDb(path.join(dir, 'db'), {});
    const orphan = await deployTopology(
      docker,
      newTopologyId(),
      [{ name: 'dmz', subnet: '198.18.7.0/24' }],
      [{ name: 'decky-ep', lan: 'dmz' }],
    );
    orphanPrefix = orphan.prefix;
    daemonId = (await docker.info()).ID;
  });

  /** A Docker CLI config folder holding one context, as `docker context create` writes it. */
  function contextConfig(name: string, host: string, tlsFrom?: string, current = false): string {
    const config = scratchDir('decnet-endpoints-docker-config-');
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(path.join(config, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(
      path.join(config, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({ Name: name, Metadata: { Description: 'test' }, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
    );
    if (tlsFrom) {
      const tls = path.join(config, 'contexts', 'tls', id, 'docker');
      mkdirSync(tls, { recursive: true });
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(tls, f), readFileSync(path.join(tlsFrom, f)));
    }
    if (current) writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: name }));
    return config;
  }

  function scanJson(args: string[], env: NodeJS.ProcessEnv) {
    const r = runCli(['scan', '--db', db, '--json', ...args], { env: { HOME: dir, ...env } });
    return { code: r.code, out: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
  }

  it('reaches the daemon through --context, DOCKER_CONTEXT and the current context, and names it', () => {
    const host = unixHost;
    const config = contextConfig('decnet-test', host, undefined, true);
    for (const [args, env] of [
      [['--context', 'decnet-test'], { DOCKER_CONFIG: config }],
      [[], { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'decnet-test' }],
      [[], { DOCKER_CONFIG: config }],
    ] as const) {
      const r = scanJson([...args], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.out.docker_endpoint, `${host} [context decnet-test]`);
      assert.equal(r.out.docker_daemon.id, daemonId);
      assert.deepEqual(r.out.orphan_prefixes, [orphanPrefix]);
    }
    const missing = scanJson(['--context', 'nope'], { DOCKER_CONFIG: config });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /context "nope" cannot be read/);
  });

  it('reaches the daemon over ssh:// as the Docker CLI does, checking the host key', () => {
    const config = sshConfig();
    // `ssh` on PATH reads the test's client config; everything else is the system ssh.
    const bin = scratchDir('decnet-endpoints-ssh-bin-');
    const wrapper = (cfg: string) => {
      writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${JSON.stringify(cfg)} "$@"\n`);
      chmodSync(path.join(bin, 'ssh'), 0o755);
    };
    wrapper(config);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const r = scanJson(['--docker-host', 'ssh://decnet-test-ssh'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out.docker_endpoint, 'ssh://decnet-test-ssh');
    assert.equal(r.out.docker_daemon.id, daemonId);
    assert.deepEqual(r.out.orphan_prefixes, [orphanPrefix]);

    // A host key that does not match known_hosts: ssh refuses, so does the reaper.
    const badKnownHosts = path.join(bin, 'known_hosts');
    writeFileSync(
      badKnownHosts,
      readFileSync(path.join(path.dirname(config), 'known_hosts'), 'utf8').replace(
        /AAAA\S+/,
        'AAAAC3NzaC1lZDI1NTE5AAAAIBadKeyBadKeyBadKeyBadKeyBadKeyBadKeyBadKeyBa',
      ),
    );
    const badConfig = path.join(bin, 'config');
    writeFileSync(badConfig, readFileSync(config, 'utf8').replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${badKnownHosts}`));
    wrapper(badConfig);
    const refused = scanJson(['--docker-host', 'ssh://decnet-test-ssh'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });

  it('reaches the daemon over TCP with TLS certificates, and refuses without them', () => {
    const { host, certPath } = tlsSetup();
    const viaEnv = scanJson([], { DOCKER_HOST: host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(viaEnv.out.docker_endpoint, `${host} (TLS)`);
    assert.equal(viaEnv.out.docker_daemon.id, daemonId);
    assert.deepEqual(viaEnv.out.orphan_prefixes, [orphanPrefix]);

    const viaContext = scanJson(['--context', 'tls'], { DOCKER_CONFIG: contextConfig('tls', host, certPath) });
    assert.equal(viaContext.code, 0, viaContext.stderr);
    assert.equal(viaContext.out.docker_endpoint, `${host} (TLS) [context tls]`);

    // A password in the endpoint URL is never printed: not in the header, the JSON, errors, a plan
    // file, a report or the audit log.
    const secretHost = host.replace('tcp://', 'tcp://ops:hunter2@');
    const tls = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath };
    const text = runCli(['scan', '--db', db, '--docker-host', secretHost], { env: { HOME: dir, ...tls }, cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Docker endpoint: tcp:\/\/ops:\*\*\*@127\.0\.0\.1/);
    const masked = scanJson(['--docker-host', secretHost], tls);
    assert.equal(masked.out.docker_endpoint, `${host.replace('tcp://', 'tcp://ops:***@')} (TLS)`);
    const planPath = path.join(dir, 'secret-plan.json');
    const log = path.join(dir, 'secret-audit.jsonl');
    const planned = runCli(['plan', orphanPrefix, '--db', db, '--allow-empty-db', '--docker-host', secretHost, '--out', planPath], {
      env: { HOME: dir, ...tls },
      cwd: dir,
    });
    assert.equal(planned.code, 0, planned.stderr);
    const unreachable = runCli(['scan', '--db', db, '--docker-host', 'tcp://ops:hunter2@127.0.0.1:1', '--json'], {
      env: { HOME: dir },
      cwd: dir,
    });
    assert.equal(unreachable.code, 2);
    const outputs = [
      text.stdout,
      text.stderr,
      JSON.stringify(masked.out),
      masked.stderr,
      planned.stdout,
      planned.stderr,
      readFileSync(planPath, 'utf8'),
      unreachable.stdout,
      unreachable.stderr,
    ];
    for (const o of outputs) assert.doesNotMatch(o, /hunter2/);
    // Applying needs the endpoint typed again (the plan cannot hold it): then report and log are masked.
    const applied = runCli(
      ['apply', planPath, '--db', db, '--allow-empty-db', '--docker-host', secretHost, '--yes', '--json', '--audit-log', log],
      { env: { HOME: dir, ...tls }, cwd: dir },
    );
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(JSON.parse(applied.stdout).docker_endpoint, masked.out.docker_endpoint);
    for (const o of [applied.stdout, applied.stderr, readFileSync(log, 'utf8')]) assert.doesNotMatch(o, /hunter2/);
    const refused = runCli(['apply', planPath, '--db', db, '--yes'], {
      env: { HOME: dir, DOCKER_HOST: secretHost.replace('127.0.0.1', 'localhost'), ...tls },
      cwd: dir,
    });
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /The plan was made on tcp:\/\/ops:\*\*\*@127\.0\.0\.1:\d+ \(TLS\), not on the Docker endpoint configured here, tcp:\/\/ops:\*\*\*@localhost/,
    );
    assert.match(refused.stderr, /name it with --docker-host or --context/, 'a masked URL is not offered to be typed back');
    assert.doesNotMatch(refused.stderr, /hunter2/);

    // Without client certificates the daemon (started with --tlsverify) turns us away.
    const plain = scanJson(['--docker-host', host], {});
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /Cannot list Docker resources at tcp:\/\/127\.0\.0\.1/);
  });
});
