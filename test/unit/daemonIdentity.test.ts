// listInventory asks GET /info (the daemon's identity) only when the endpoint's built-in networks
// are not those its last answer was seen with: a refresh costs the two listings, and another
// daemon behind the same endpoint is still told apart. No Docker here: a stand-in client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { listInventory } from '../../src/core/docker';

function fakeDocker(state: { builtins: Record<string, string>; id: string }): { docker: Docker; infoCalls: () => number } {
  let calls = 0;
  const docker = {
    listContainers: async () => [],
    listNetworks: async () => [
      ...Object.entries(state.builtins).map(([Name, Id]) => ({ Name, Id, Driver: Name, IPAM: { Config: [] } })),
      { Name: 'decnet_t_0000aaaa_lan', Id: 'user-net', Driver: 'bridge', IPAM: { Config: [{ Subnet: '198.19.0.0/24' }] } },
    ],
    info: async () => {
      calls++;
      return { Name: `host-${state.id}`, ID: state.id, ServerVersion: '26.1' };
    },
  } as unknown as Docker;
  return { docker, infoCalls: () => calls };
}

test('the daemon identity is asked once, and again when the built-in networks are not the same', async () => {
  const endpoint = `unix:///tmp/identity-test-${process.pid}.sock`;
  const state = { builtins: { host: 'h1', none: 'n1' }, id: 'AAAA' };
  const { docker, infoCalls } = fakeDocker(state);

  assert.equal((await listInventory(docker, endpoint)).daemon.id, 'AAAA');
  assert.equal(infoCalls(), 1);
  assert.equal((await listInventory(docker, endpoint)).daemon.id, 'AAAA');
  assert.equal(infoCalls(), 1, 'same built-in networks: same daemon, no GET /info');

  // Another daemon behind the same endpoint: other built-in network ids.
  state.builtins = { host: 'h2', none: 'n2' };
  state.id = 'BBBB';
  const inv = await listInventory(docker, endpoint);
  assert.equal(infoCalls(), 2);
  assert.deepEqual(inv.daemon, { name: 'host-BBBB', id: 'BBBB', version: '26.1' });

  // Another endpoint is asked on its own.
  await listInventory(docker, `${endpoint}-other`);
  assert.equal(infoCalls(), 3);
});

test('with no built-in network to recognise the daemon by, GET /info is asked every time', async () => {
  const endpoint = `unix:///tmp/identity-test-none-${process.pid}.sock`;
  const { docker, infoCalls } = fakeDocker({ builtins: {}, id: 'CCCC' });
  await listInventory(docker, endpoint);
  await listInventory(docker, endpoint);
  assert.equal(infoCalls(), 2);
});
