// Show Logs reads a real container's log from the private dockerd: both streams, in order, the
// environment's values masked, with and without a terminal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectDocker } from '../../src/core/docker';
import { readContainerLogs } from '../../src/core/containerLogs';
import { privateDaemon, TEST_IMAGE } from '../support/docker';

describe('container logs', () => {
  const { docker, host } = privateDaemon();

  for (const tty of [false, true]) {
    it(`reads the last lines with the environment masked (${tty ? 'with' : 'without'} a terminal)`, async () => {
      const c = await docker.createContainer({
        name: `decnet-logs-${tty ? 'tty' : 'plain'}`,
        Image: TEST_IMAGE,
        Tty: tty,
        Env: ['DECOY_PASSWORD=hunter2-secret', 'SHORT=ab'],
        Cmd: ['sh', '-c', 'echo "sshd started"; echo "password is $DECOY_PASSWORD" 1>&2; echo ab; echo done'],
        HostConfig: { NetworkMode: 'none' },
      });
      await c.start();
      await c.wait();
      const text = await readContainerLogs(connectDocker(host), c.id);
      assert.match(text, /^\d{4}-\d\d-\d\dT\S+ sshd started/m);
      assert.match(text, /password is \*\*\*/);
      assert.doesNotMatch(text, /hunter2-secret/);
      assert.match(text, / ab\r?$/m, 'a value too short to mask is kept');
      assert.match(text, / done\r?$/m);
    });
  }
});
