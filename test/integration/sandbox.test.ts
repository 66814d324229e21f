// `npm run sandbox` builds the world CONTRIBUTING.md tells a newcomer to try by hand: this reads
// it with the bundled CLI, as the sandbox's own message says to.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { privateDaemon } from '../support/docker';
import { buildCli, ROOT, runCli } from '../support/cli';
import { scratchDir } from '../support/scratch';

describe('npm run sandbox', () => {
  const { host } = privateDaemon();
  const dir = scratchDir('decnet-sandbox-it-');

  before(() => {
    buildCli();
  });

  it('deploys a live, a torn-down and two orphan topologies, and the CLI reads them as such', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], {
      cwd: ROOT,
      env: { ...process.env, DECNET_TEST_DOCKER_HOST: host, DECNET_SANDBOX_DIR: dir },
      encoding: 'utf8',
    });
    const db = path.join(dir, 'decnet.db');
    assert.match(out, new RegExp(`Database: ${db.replace(/[/.]/g, '\\$&')}`));
    const scan = runCli(['scan', '--json', '--db', db, '--docker-host', host], { env: { HOME: dir } });
    assert.equal(scan.code, 0, scan.stderr);
    const json = JSON.parse(scan.stdout);
    assert.deepEqual(json.orphan_prefixes, ['0bad0001', '0bad0002']);
    assert.deepEqual(json.live_prefixes_on_daemon, ['5a1d0000', '7022d000']);
    assert.deepEqual(json.torn_down_prefixes, ['7022d000']);
    assert.deepEqual(
      json.groups
        .find((g: { prefix: string }) => g.prefix === '0bad0001')
        .endpoints_to_disconnect.map((e: { container: string }) => e.container),
      ['sandbox-sniffer'],
    );
    assert.equal(json.subnet_conflicts.length, 1);
  });

  it('refuses a daemon that is not a private test daemon, touching nothing', () => {
    let failed: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], {
        cwd: ROOT,
        env: { ...process.env, DECNET_TEST_DOCKER_HOST: 'unix:///var/run/docker.sock', DECNET_SANDBOX_DIR: dir },
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e) {
      failed = e as { status: number; stderr: string };
    }
    assert.equal(failed?.status, 2);
    assert.match(failed?.stderr ?? '', /refusing unix:\/\/\/var\/run\/docker\.sock: the sandbox runs on a private test daemon only/);
  });
});
