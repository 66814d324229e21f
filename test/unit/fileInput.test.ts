// Configuration files that are FIFOs, devices or huge are refused at once, never read blocking.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { connectDocker } from '../../src/core/docker';
import { resolveDockerEndpoint } from '../../src/core/dockerEndpoint';
import { readRegularFile } from '../../src/core/fsSafe';
import { DockerUnavailableError } from '../../src/core/model';
import { scratchDir } from '../support/scratch';

const mkfifo = (p: string) => execFileSync('mkfifo', [p]);

describe('configuration files for the Docker endpoint', () => {
  it('refuses a FIFO as ~/.docker/config.json, naming it', () => {
    const home = scratchDir('decnet-fifo-home-');
    mkdirSync(path.join(home, '.docker'));
    mkfifo(path.join(home, '.docker', 'config.json'));
    const e = resolveDockerEndpoint({ env: { HOME: home } });
    assert.equal(e.error, 'The Docker configuration cannot be read: ~/.docker/config.json is not a regular file');
    assert.throws(
      () => connectDocker(e),
      (err: Error) => err instanceof DockerUnavailableError && /config\.json is not a regular file/.test(err.message),
    );
  });

  it("refuses a FIFO as a context's meta.json or TLS material", () => {
    const config = scratchDir('decnet-fifo-config-');
    const id = createHash('sha256').update('remote').digest('hex');
    mkdirSync(path.join(config, 'contexts', 'meta', id), { recursive: true });
    mkfifo(path.join(config, 'contexts', 'meta', id, 'meta.json'));
    const e = resolveDockerEndpoint({ context: 'remote', env: { DOCKER_CONFIG: config, HOME: '/nonexistent' } });
    assert.match(e.error ?? '', /Docker context "remote" cannot be read: .*meta\.json is not a regular file/);

    const other = scratchDir('decnet-fifo-config-');
    mkdirSync(path.join(other, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(
      path.join(other, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({ Endpoints: { docker: { Host: 'tcp://h:2376' } } }),
    );
    const tls = path.join(other, 'contexts', 'tls', id, 'docker');
    mkdirSync(tls, { recursive: true });
    mkfifo(path.join(tls, 'ca.pem'));
    assert.match(resolveDockerEndpoint({ context: 'remote', env: { DOCKER_CONFIG: other } }).error ?? '', /ca\.pem is not a regular file/);
  });

  it('refuses a FIFO as ca.pem under DOCKER_CERT_PATH', () => {
    const certs = scratchDir('decnet-fifo-certs-');
    mkfifo(path.join(certs, 'ca.pem'));
    const e = resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
    assert.equal(e.error, `The Docker TLS material cannot be read: ${path.join(certs, 'ca.pem')} is not a regular file`);
  });

  it('reads regular files, refuses directories, devices and files over the cap', () => {
    const dir = scratchDir('decnet-fsafe-');
    writeFileSync(path.join(dir, 'a.json'), '{"x":1}');
    assert.equal(readRegularFile(path.join(dir, 'a.json'), 100).toString(), '{"x":1}');
    assert.throws(() => readRegularFile(path.join(dir, 'a.json'), 3), /too large/);
    assert.throws(() => readRegularFile(dir, 100), /is not a regular file/);
    assert.throws(() => readRegularFile('/dev/zero', 100), /\/dev\/zero is not a regular file/);
    assert.throws(() => readRegularFile(path.join(dir, 'none'), 100), /does not exist/);
  });
});
