import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { connectDocker } from '../../src/core/docker';
import { describeEndpoint, maskedWords, maskEndpointUrl, resolveDockerEndpoint } from '../../src/core/dockerEndpoint';
import { DockerUnavailableError } from '../../src/core/model';
import { scratchDir } from '../support/scratch';

function dockerConfig(contexts: Record<string, { host: string; skipTls?: boolean; tls?: boolean }>, current?: string): string {
  const dir = scratchDir('decnet-docker-config-');
  if (current) writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: current }));
  for (const [name, c] of Object.entries(contexts)) {
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(path.join(dir, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(
      path.join(dir, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: c.host, SkipTLSVerify: !!c.skipTls } } }),
    );
    if (c.tls) {
      const tlsDir = path.join(dir, 'contexts', 'tls', id, 'docker');
      mkdirSync(tlsDir, { recursive: true });
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(tlsDir, f), `${name}-${f}`);
    }
  }
  return dir;
}

describe('maskEndpointUrl', () => {
  it('hides a password in the URL and secret query values, and nothing else', () => {
    assert.equal(maskEndpointUrl('tcp://ops:s3cret@10.0.0.2:2376'), 'tcp://ops:***@10.0.0.2:2376');
    assert.equal(maskEndpointUrl('ssh://ops:p@ss:w0rd@decnet-host'), 'ssh://ops:***@decnet-host', 'an @ in the password too');
    assert.equal(maskEndpointUrl('tcp://10.0.0.2:2376/?password=hunter2&tls=1'), 'tcp://10.0.0.2:2376/?password=***&tls=1');
    assert.equal(maskEndpointUrl('ssh://ops@host?Token=abc#frag'), 'ssh://ops@host?Token=***#frag');
    assert.equal(maskEndpointUrl('tcp://host:2376?pass%77ord=x'), 'tcp://host:2376?pass%77ord=***', 'a name written with escapes');
    assert.equal(maskEndpointUrl('tcp://h:1/#password=S3cr3t'), 'tcp://h:1/#password=***', 'in a fragment');
    assert.equal(maskEndpointUrl('tcp://h:1/?access_token=S3cr3t&x=1'), 'tcp://h:1/?access_token=***&x=1');
    assert.equal(maskEndpointUrl('tcp://h:1/;password=S3cr3t'), 'tcp://h:1/;password=***', 'a matrix parameter');
    assert.equal(maskEndpointUrl('unix:///run/key=1/docker.sock'), 'unix:///run/key=1/docker.sock', 'a path is not a parameter');
    assert.equal(maskedWords(['0badc0de', 'tcp://u:S3cr3t@h']), '0badc0de tcp://u:***@h');
    for (const plain of [
      'unix:///var/run/docker.sock',
      'tcp://10.0.0.2:2376',
      'ssh://ops@decnet-host:2222',
      'tcp://[::1]:2376',
      'npipe:////./pipe/docker_engine',
    ]) {
      assert.equal(maskEndpointUrl(plain), plain);
    }
    assert.equal(
      describeEndpoint({ url: 'tcp://ops:s3cret@10.0.0.2:2376', source: 'setting', tls: { verify: true } }),
      'tcp://ops:***@10.0.0.2:2376 (TLS)',
    );
    assert.equal(describeEndpoint({ url: 'tcp://ops:s3cret@x', source: 'setting', error: 'bad' }), 'tcp://ops:***@x');
  });

  it('keeps the password out of the errors of an endpoint that cannot be used', () => {
    for (const url of ['tcp://ops:s3cret@bad host:1', 'ftp://ops:s3cret@host']) {
      assert.throws(
        () => connectDocker(url),
        (e: Error) => {
          assert.ok(e instanceof DockerUnavailableError);
          assert.doesNotMatch(`${e.message} ${e.endpoint}`, /s3cret/);
          return true;
        },
      );
    }
  });
});

describe('resolveDockerEndpoint', () => {
  it('follows the Docker CLI: setting, --context, DOCKER_HOST, DOCKER_CONTEXT, current context, local socket', () => {
    const config = dockerConfig({ remote: { host: 'tcp://remote:2376', tls: true }, other: { host: 'ssh://me@box' } }, 'remote');
    const env = { DOCKER_CONFIG: config };
    assert.equal(
      resolveDockerEndpoint({ setting: 'unix:///s.sock', context: 'other', env: { ...env, DOCKER_HOST: 'tcp://h:1' } }).url,
      'unix:///s.sock',
    );
    assert.equal(resolveDockerEndpoint({ context: 'other', env: { ...env, DOCKER_HOST: 'tcp://h:1' } }).url, 'ssh://me@box');
    assert.equal(resolveDockerEndpoint({ env: { ...env, DOCKER_HOST: 'tcp://h:1', DOCKER_CONTEXT: 'other' } }).url, 'tcp://h:1');
    const viaEnv = resolveDockerEndpoint({ env: { ...env, DOCKER_CONTEXT: 'other' } });
    assert.deepEqual([viaEnv.url, viaEnv.source, viaEnv.context], ['ssh://me@box', 'DOCKER_CONTEXT', 'other']);
    const current = resolveDockerEndpoint({ env });
    assert.deepEqual([current.url, current.source, current.context], ['tcp://remote:2376', 'context', 'remote']);
    assert.equal(current.tls?.verify, true);
    assert.equal(current.tls?.ca?.toString(), 'remote-ca.pem');
    assert.equal(describeEndpoint(current), 'tcp://remote:2376 (TLS) [context remote]');
    const none = resolveDockerEndpoint({ env: { DOCKER_CONFIG: dockerConfig({}) } });
    assert.deepEqual([none.url, none.source], ['unix:///var/run/docker.sock', 'default']);
  });

  it('takes TLS material from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', () => {
    const certs = scratchDir('decnet-certs-');
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(certs, f), f);
    const e = resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
    assert.equal(e.tls?.verify, true);
    assert.equal(e.tls?.key?.toString(), 'key.pem');
    assert.equal(resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h:2375' } }).tls, undefined);
  });

  it('says which context is missing, when connecting', () => {
    const e = resolveDockerEndpoint({ context: 'nope', env: { DOCKER_CONFIG: dockerConfig({}) } });
    assert.match(e.error ?? '', /context "nope" cannot be read/);
    assert.throws(
      () => connectDocker(e),
      (err: Error) => err instanceof DockerUnavailableError && /context "nope"/.test(err.message),
    );
  });
});

describe('connectDocker', () => {
  it('uses only the endpoint it is given, whatever DOCKER_HOST and DOCKER_CERT_PATH say', () => {
    const saved = { ...process.env };
    try {
      process.env.DOCKER_HOST = 'tcp://192.0.2.1:2376';
      process.env.DOCKER_CERT_PATH = '/nonexistent';
      process.env.DOCKER_TLS_VERIFY = '1';
      const modem = (connectDocker('unix:///tmp/private.sock') as unknown as { modem: Record<string, unknown> }).modem;
      assert.equal(modem.socketPath, '/tmp/private.sock');
      assert.equal(modem.host, undefined);
      assert.equal(modem.ca, undefined);
      const tcp = (connectDocker('tcp://127.0.0.1:2375') as unknown as { modem: Record<string, unknown> }).modem;
      assert.deepEqual([tcp.host, tcp.port, tcp.protocol, tcp.ca], ['127.0.0.1', 2375, 'http', undefined]);
    } finally {
      process.env = saved;
    }
  });

  it('refuses endpoints it cannot reach', () => {
    assert.throws(() => connectDocker('npipe:////./pipe/docker_engine'), DockerUnavailableError);
    assert.throws(() => connectDocker('not a url'), DockerUnavailableError);
  });
});
