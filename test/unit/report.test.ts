import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RemovalPlan } from '../../src/core/reaper';
import { formatPlan, formatReport, summarizeReport, type ReapReport } from '../../src/core/report';
import { confirmQuestion } from '../../src/core/removal/text';

const report: ReapReport = {
  started_at: '2026-11-29T10:00:00.000Z',
  finished_at: '2026-11-29T10:00:02.000Z',
  docker_endpoint: 'unix:///var/run/docker.sock',
  docker_daemon: { name: 'decnet-host', id: 'ABCD:EFGH', version: '20.10.24' },
  database: 'sqlite: /opt/decnet/decnet.db',
  live_prefixes: ['3f2a9c1e', '5eed5eed'],
  live_prefixes_on_daemon: ['3f2a9c1e'],
  orphan_prefixes: ['0badc0de'],
  prefixes_reaped: ['0badc0de'],
  containers_removed: ['decky-01-http', 'decnet_t_0badc0de_decky-01'],
  already_gone: ['decky-01-http'],
  endpoints_disconnected: [{ network: 'decnet_t_0badc0de_dmz', container: 'sniffer' }],
  networks_removed: ['decnet_t_0badc0de_dmz'],
  skipped: [{ kind: 'container', name: 'decnet_t_0badc0de_decky-02', reason: 'appeared since the confirmation' }],
  errors: ['network decnet_t_0badc0de_lan: boom'],
};

describe('report', () => {
  it('shows every section for people, then DECNET-keyed JSON', () => {
    const text = formatReport(report);
    for (const expected of [
      'Docker endpoint:  unix:///var/run/docker.sock',
      'Docker daemon:    decnet-host (id ABCD:EFGH)',
      'Database:         sqlite: /opt/decnet/decnet.db',
      'Live prefixes:    3f2a9c1e, 5eed5eed (every topology in the database)',
      'Live on daemon:   3f2a9c1e',
      'Orphan prefixes:  0badc0de',
      'decky-01-http (was already gone)',
      'sniffer from decnet_t_0badc0de_dmz',
      'container decnet_t_0badc0de_decky-02: appeared since the confirmation',
      'network decnet_t_0badc0de_lan: boom',
    ]) {
      assert.ok(text.includes(expected), `missing: ${expected}\n${text}`);
    }
    const json = JSON.parse(text.slice(text.indexOf('\n{') + 1));
    for (const key of ['live_prefixes', 'orphan_prefixes', 'containers_removed', 'networks_removed', 'errors']) {
      assert.deepEqual(json[key], report[key as keyof ReapReport], key);
    }
  });

  it('summarizes in one line', () => {
    assert.equal(
      summarizeReport(report),
      'Removed 2 containers and 1 network of orphan 0badc0de; disconnected sniffer from decnet_t_0badc0de_dmz, 1 item skipped because they changed, 1 error.',
    );
  });

  it('names in the plan what will go, where, and what is only disconnected', () => {
    const plan: RemovalPlan = {
      createdAt: '',
      dockerEndpoint: 'unix:///var/run/docker.sock',
      daemon: { name: 'decnet-host', id: 'ABCD:EFGH', version: '20.10.24' },
      dbSource: 'sqlite: /opt/decnet/decnet.db',
      prefixes: ['0badc0de'],
      containers: [{ id: 'c1', name: 'decnet_t_0badc0de_decky-01', prefixes: ['0badc0de'] }],
      networks: [
        {
          id: 'n1',
          name: 'decnet_t_0badc0de_dmz',
          subnets: ['198.18.2.0/24'],
          endpoints: [
            { containerId: 'c1', name: 'decnet_t_0badc0de_decky-01' },
            { containerId: 'c9', name: 'sniffer' },
          ],
        },
      ],
      excluded: [],
      livePrefixes: [],
      orphanPrefixes: ['0badc0de'],
    };
    assert.equal(
      formatPlan(plan),
      [
        'Docker endpoint: unix:///var/run/docker.sock',
        'Docker daemon: decnet-host (id ABCD:EFGH)',
        'Database: sqlite: /opt/decnet/decnet.db',
        'Orphan prefixes: 0badc0de',
        '',
        'Other containers to disconnect (not removed):',
        '  sniffer from decnet_t_0badc0de_dmz',
        '1 container to force-remove:',
        '  decnet_t_0badc0de_decky-01',
        '1 network to remove:',
        '  decnet_t_0badc0de_dmz (198.18.2.0/24)',
      ].join('\n'),
    );
    assert.equal(
      confirmQuestion(plan),
      'Force remove orphan topology 0badc0de: 1 container and 1 network? It also force-disconnects sniffer from decnet_t_0badc0de_dmz (not removed).',
    );
  });
});
