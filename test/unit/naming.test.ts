import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDecnetOwned, ownershipOf, prefixFromName, prefixOfTopologyId } from '../../src/core/naming';

describe('DECNET resource names', () => {
  it('reads the prefix from LAN networks and decky base containers', () => {
    assert.equal(prefixFromName('decnet_t_3f2a9c1e_dmz'), '3f2a9c1e');
    assert.equal(prefixFromName('decnet_t_3f2a9c1e_decky-01'), '3f2a9c1e');
    assert.equal(prefixFromName('/decnet_t_3f2a9c1e_decky-01'), '3f2a9c1e', 'Docker names start with /');
  });

  it('rejects every name that is not exactly decnet_t_<8 lowercase hex>_', () => {
    for (const name of [
      'decnet_t_abcd_dmz',
      'decnet_t_ABCD1234_x',
      'bridge',
      'host',
      'none',
      'decky-01-ssh',
      'decnet_t_3f2a9c1e',
      'decnet_t_3f2a9c1ez_dmz',
      'xdecnet_t_3f2a9c1e_dmz',
      'decnet_t_3f2a9c1g_dmz',
      'decnet-t-3f2a9c1e-dmz',
    ]) {
      assert.equal(prefixFromName(name), undefined, name);
    }
  });

  it('takes the first 8 characters of a topology id', () => {
    assert.equal(prefixOfTopologyId('3f2a9c1e-1111-4222-8333-444455556666'), '3f2a9c1e');
  });
});

describe('ownership markers', () => {
  const id = '3f2a9c1e-1111-4222-8333-444455556666';

  it('finds a service container named after its decky by its labels only', () => {
    const o = ownershipOf('decky-01-ssh', {
      'decnet.topology.id': id,
      'decnet.topology.decky': 'decky-01',
      'decnet.topology.service_name': 'ssh',
      'decnet.topology.service': 'true',
    });
    assert.deepEqual(o, { prefixes: ['3f2a9c1e'], malformed: [] });
  });

  it('finds a container by its compose project', () => {
    assert.deepEqual(ownershipOf('web', { 'com.docker.compose.project': 'decnet-topo-0badc0de' }).prefixes, ['0badc0de']);
  });

  it('collects every prefix a resource points to', () => {
    const o = ownershipOf('decnet_t_aaaaaaaa_decky-01', {
      'decnet.topology.id': 'bbbbbbbb-0000-4000-8000-000000000000',
      'com.docker.compose.project': 'decnet-topo-cccccccc',
    });
    assert.deepEqual(o.prefixes, ['aaaaaaaa', 'bbbbbbbb', 'cccccccc']);
  });

  it('keeps a marker that looks like DECNET but names no prefix as malformed', () => {
    const o = ownershipOf('decky-01-ssh', { 'decnet.topology.id': 'not-a-uuid' });
    assert.deepEqual(o.prefixes, []);
    assert.deepEqual(o.malformed, ['decnet.topology.id=not-a-uuid']);
    assert.equal(isDecnetOwned(o), true);
    assert.deepEqual(ownershipOf('x', { 'com.docker.compose.project': 'decnet-topo-XYZ' }).malformed, [
      'com.docker.compose.project=decnet-topo-XYZ',
    ]);
  });

  it('ignores resources with no DECNET marker', () => {
    for (const [name, labels] of [
      ['bridge', {}],
      ['unrelated-web', { 'com.docker.compose.project': 'myapp' }],
      ['decnet_t_abcd_dmz', undefined],
    ] as const) {
      assert.equal(isDecnetOwned(ownershipOf(name, labels)), false, name);
    }
  });
});
