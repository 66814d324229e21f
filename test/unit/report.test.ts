import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RemovalPlan } from '../../src/core/model';
import { formatPlan, formatReport, summarizeReport } from '../../src/core/removal/text';
import { type ReapReport } from '../../src/core/model';
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
      'Containers removed (1):\n    decnet_t_0badc0de_decky-01\n',
      'Already gone before this removal (1):\n    decky-01-http',
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
      'Removed 1 container and 1 network of orphan 0badc0de; 1 already gone, disconnected sniffer from decnet_t_0badc0de_dmz, 1 item skipped because they changed, 1 error.',
    );
    // A plan applied again: everything was gone already, nothing is claimed.
    const stale = {
      ...report,
      prefixes_reaped: [],
      containers_removed: ['a', 'b'],
      networks_removed: ['n'],
      already_gone: ['a', 'b', 'n'],
      endpoints_disconnected: [],
      skipped: [],
      errors: [],
    };
    assert.equal(summarizeReport(stale), 'Nothing was removed: all 3 planned resources were already gone.');
    assert.match(formatReport(stale), /Containers removed \(0\):\n {4}\(none\)/);
    // Several groups are named.
    assert.equal(
      summarizeReport({
        ...report,
        prefixes_reaped: ['0badc0de', '1badc0de'],
        already_gone: [],
        endpoints_disconnected: [],
        skipped: [],
        errors: [],
      }),
      'Removed 2 containers and 1 network of 2 orphan groups (0badc0de, 1badc0de).',
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
    // What removing it frees for a topology that wants the subnet: in the question and the plan.
    const freeing = { ...plan, frees: ['frees 198.18.2.0/24 for maze-beta, LAN dmz'] };
    assert.match(confirmQuestion(freeing), /1 network\? It frees 198\.18\.2\.0\/24 for maze-beta, LAN dmz\. It also force-disconnects/);
    assert.match(formatPlan(freeing), /Subnets freed for topologies that want them:\n {2}198\.18\.2\.0\/24 for maze-beta, LAN dmz/);
  });

  it('warns before a misplaced topology is removed from the only host that runs it', () => {
    const plan: RemovalPlan = {
      createdAt: '',
      mode: 'misplaced',
      host: { name: 'master', uuid: null },
      dockerEndpoint: 'unix:///var/run/docker.sock',
      daemon: { name: 'decnet-host', id: 'ABCD', version: '' },
      dbSource: 'sqlite: /opt/decnet/decnet.db',
      prefixes: ['5eed5eed'],
      topologies: [{ prefix: '5eed5eed', id: '5eed5eed-1', name: 'branch-office', status: 'active' }],
      belongsOn: { '5eed5eed': 'w1' },
      runsAtHome: { '5eed5eed': false },
      containers: [{ id: 'c1', name: 'decnet_t_5eed5eed_decky-01', prefixes: ['5eed5eed'] }],
      networks: [],
      excluded: [],
      livePrefixes: [],
      orphanPrefixes: [],
    };
    assert.match(
      confirmQuestion(plan),
      /^Nothing of branch-office runs on w1: after this it runs nowhere\. Remove misplaced topology branch-office \(5eed5eed\)/,
    );
    assert.match(
      formatPlan(plan),
      /branch-office \(5eed5eed, active, id 5eed5eed-1\), belongs on w1\n {4}Warning: nothing of branch-office runs on w1: after this it runs nowhere\./,
    );
    assert.doesNotMatch(confirmQuestion({ ...plan, runsAtHome: { '5eed5eed': true } }), /runs nowhere/);
  });
});
