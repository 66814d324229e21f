// The removal session's guards, against a stand-in for the Docker API and real SQLite files:
// the re-check just before removal, a network's blocking check, the endpoint, daemon and database
// confirmed, someone else's removal in progress, and a progress display that fails.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { assumeYes, runRemovalSession, type RemovalAsker, type RemovalSessionOptions } from '../../src/core/removal/session';
import { executeRemoval } from '../../src/core/removal/execute';
import { planRemoval } from '../../src/core/removal/plan';
import { RefusedError } from '../../src/core/model';
import { insertTopologyRow, makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';
import { everyPlannedResourceGone } from '../../src/core/removal/planFile';
import { StandInDocker } from './dockerStandIn';

const LIVE = '3f2a9c1e-1111-4222-8333-444455556666';
const ORPHAN = '0badc0de-1111-4222-8333-444455556666';
const TORN = '7a7a7a7a-1111-4222-8333-444455556666';
const HOST = 'unix:///stand-in/docker.sock';

const labels = (id: string, decky: string, service?: string): Record<string, string> => ({
  'decnet.topology.id': id,
  'decnet.topology.decky': decky,
  ...(service ? { 'decnet.topology.service_name': service } : { 'decnet.topology.role': 'base' }),
  'com.docker.compose.project': `decnet-topo-${id.slice(0, 8)}`,
});

/** A live topology, an orphan (a base on its DMZ, a service container) on the stand-in. */
function world() {
  const docker = new StandInDocker();
  const liveNet = docker.addNetwork('decnet_t_3f2a9c1e_dmz', '172.16.1.0/24');
  const liveBase = docker.addContainer('decnet_t_3f2a9c1e_decky-01', labels(LIVE, 'decky-01'), [liveNet]);
  const dmz = docker.addNetwork('decnet_t_0badc0de_dmz', '172.16.2.0/24');
  const base = docker.addContainer('decnet_t_0badc0de_decky-01', labels(ORPHAN, 'decky-01'), [dmz]);
  const ssh = docker.addContainer('decky-01-ssh', labels(ORPHAN, 'decky-01', 'ssh'));
  return { docker, liveNet, liveBase, dmz, base, ssh };
}

describe('the removal session', () => {
  const dir = scratchDir('decnet-session-');
  let n = 0;

  /** A real DECNET database (WAL mode) that knows LIVE and, optionally, a torn-down topology. */
  function db(extra: ReturnType<typeof topologyRow>[] = []): string {
    return makeDecnetDb(path.join(dir, `db${++n}`), { checkpointed: [topologyRow(LIVE, 'maze-live'), ...extra] });
  }

  function options(w: ReturnType<typeof world>, dbPath: string, more: Partial<RemovalSessionOptions> = {}): RemovalSessionOptions {
    return { dbPath, dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client, asker: assumeYes, ...more };
  }

  /** Confirms, after doing `meanwhile` (what happens between the confirmation and the removal). */
  const confirmingAfter = (meanwhile: () => Promise<void> | void): RemovalAsker => ({
    ...assumeYes,
    confirm: async () => {
      await meanwhile();
      return true;
    },
  });

  it('removes the orphan group it was asked for, and only that', async () => {
    const w = world();
    const outcome = await runRemovalSession({ kind: 'prefixes', prefixes: ['0badc0de'] }, options(w, db()));
    assert.equal(outcome.kind, 'removed');
    assert.ok(outcome.kind === 'removed');
    assert.deepEqual(outcome.report.errors, []);
    assert.deepEqual(outcome.report.containers_removed, ['decky-01-ssh', 'decnet_t_0badc0de_decky-01']);
    assert.deepEqual(outcome.report.networks_removed, ['decnet_t_0badc0de_dmz']);
    assert.equal(outcome.summary, 'Removed 2 containers and 1 network of orphan 0badc0de.');
    assert.ok(w.docker.containers.has(w.liveBase.id) && w.docker.networks.has(w.liveNet.id));
  });

  it('skips everything of a prefix that became live between the confirmation and the removal', async () => {
    const w = world();
    const dbPath = db();
    const outcome = await runRemovalSession(
      { kind: 'prefixes', prefixes: ['0badc0de'] },
      options(w, dbPath, { asker: confirmingAfter(() => insertTopologyRow(dbPath, topologyRow(ORPHAN, 'maze-redeployed', 'deploying'))) }),
    );
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    assert.deepEqual(w.docker.changes, [], 'nothing was touched');
    assert.deepEqual(outcome.report.containers_removed, []);
    assert.deepEqual(outcome.report.networks_removed, []);
    assert.deepEqual(outcome.report.skipped.map((s) => s.name).sort(), [
      'decky-01-ssh',
      'decnet_t_0badc0de_decky-01',
      'decnet_t_0badc0de_dmz',
    ]);
    for (const s of outcome.report.skipped) assert.equal(s.reason, 'prefix 0badc0de is now live (topology maze-redeployed)');
  });

  it('reports as removed only what it removed: a resource skipped, or removed by someone else meanwhile, is already gone', async () => {
    // Two orphans: the second becomes live after the confirmation, and its container is then
    // removed by someone else (DECNET tearing it down) while this removal runs; the first
    // group's service container is removed by another client just before this one's turn (404).
    const w = world();
    const other = w.docker.addNetwork('decnet_t_1badc0de_dmz', '172.16.3.0/24');
    const otherBase = w.docker.addContainer('decnet_t_1badc0de_decky-09', labels('1badc0de-1111-4222-8333-444455556666', 'decky-09'), [
      other,
    ]);
    const dbPath = db();
    const outcome = await runRemovalSession(
      { kind: 'prefixes', prefixes: ['0badc0de', '1badc0de'] },
      options(w, dbPath, {
        asker: confirmingAfter(() =>
          insertTopologyRow(dbPath, topologyRow('1badc0de-1111-4222-8333-444455556666', 'maze-back', 'deploying')),
        ),
        afterRecheck: async () => {
          await w.docker.client.getContainer(otherBase.id).remove({ force: true });
          await w.docker.client.getContainer(w.ssh.id).remove({ force: true });
        },
      }),
    );
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    const r = outcome.report;
    assert.deepEqual(r.containers_removed, ['decky-01-ssh', 'decnet_t_0badc0de_decky-01', 'decnet_t_1badc0de_decky-09'], 'verified gone');
    assert.deepEqual(r.already_gone, ['decky-01-ssh', 'decnet_t_1badc0de_decky-09'], 'not removed by this removal');
    assert.deepEqual(r.prefixes_reaped, ['0badc0de'], 'nothing of 1badc0de was removed by it');
    assert.ok(r.skipped.some((x) => x.name === 'decnet_t_1badc0de_decky-09' && /now live/.test(x.reason)));
    assert.equal(
      outcome.summary,
      'Removed 1 container and 1 network of orphan 0badc0de; 2 already gone, 2 items skipped because they changed.',
    );
    // A plan file with skips ends in exit 1 (apply's status).
    assert.equal(everyPlannedResourceGone(outcome.plan, r), false);
  });

  it('keeps a network a live container is attached to: at planning, and when attached after the confirmation', async () => {
    // At planning: the DMZ is kept, and the confirmation says why.
    const w = world();
    w.dmz.attached.add(w.liveBase.id);
    const planned = await runRemovalSession({ kind: 'prefixes', prefixes: ['0badc0de'] }, options(w, db(), { dryRun: true }));
    assert.ok(planned.kind === 'planned');
    assert.deepEqual(planned.plan.networks, []);
    assert.deepEqual(
      planned.plan.excluded.map((x) => [x.name, x.reason]),
      [['decnet_t_0badc0de_dmz', 'DECNET container decnet_t_3f2a9c1e_decky-01 is attached and is not removed']],
    );

    // After the confirmation: the network is kept, the live container neither removed nor disconnected.
    const v = world();
    const outcome = await runRemovalSession(
      { kind: 'prefixes', prefixes: ['0badc0de'] },
      options(v, db(), { asker: confirmingAfter(() => void v.dmz.attached.add(v.liveBase.id)) }),
    );
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    assert.deepEqual(outcome.report.networks_removed, []);
    assert.deepEqual(
      outcome.report.skipped.map((x) => [x.kind, x.name, x.reason]),
      [
        [
          'network',
          'decnet_t_0badc0de_dmz',
          'container decnet_t_3f2a9c1e_decky-01 is attached and was not confirmed for removal or disconnection',
        ],
      ],
    );
    assert.deepEqual(outcome.report.errors, []);
    assert.ok(v.docker.networks.get(v.dmz.id)?.attached.has(v.liveBase.id), 'the live container stays attached');
    assert.ok(!v.docker.changes.some((c) => c.includes(v.liveBase.name)), v.docker.changes.join(' / '));
    assert.deepEqual(outcome.report.containers_removed, ['decky-01-ssh', 'decnet_t_0badc0de_decky-01']);
  });

  it('refuses, removing nothing, when the Docker endpoint changed since the confirmation', async () => {
    const w = world();
    const dbPath = db();
    const plan = planRemoval(await w.docker.scan({ dbPath, dockerHost: HOST }), ['0badc0de']);
    const other = 'unix:///stand-in/other.sock';
    await assert.rejects(
      executeRemoval(plan, { dbPath, dockerHost: other, scan: w.docker.scan, docker: w.docker.client }),
      (e: Error) => e instanceof RefusedError && e.message === `The Docker endpoint changed since the confirmation (${HOST} → ${other}).`,
    );
    assert.deepEqual(w.docker.changes, []);
  });

  it('refuses, removing nothing, when the endpoint reaches another daemon than the one confirmed', async () => {
    const w = world();
    const outcome = await runRemovalSession(
      { kind: 'allOrphans' },
      options(w, db(), { asker: confirmingAfter(() => void (w.docker.daemon.ID = 'OTHER:DAEMON')) }),
    );
    assert.equal(outcome.kind, 'refused');
    assert.ok(outcome.kind === 'refused');
    assert.equal(
      outcome.message,
      `${HOST} now reaches another Docker daemon (stand-in OTHER:DAEMON) than the one confirmed (stand-in STAND:IN:DAEMON).`,
    );
    assert.deepEqual(w.docker.changes, []);
  });

  it('refuses, removing nothing, when the database is not the one the plan was made from', async () => {
    const w = world();
    const dbPath = db();
    // The same rows, in another file: still another database than the one confirmed.
    const copy = path.join(dir, `copy${++n}.db`);
    copyFileSync(dbPath, copy);
    const plan = planRemoval(await w.docker.scan({ dbPath, dockerHost: HOST }), ['0badc0de']);
    await assert.rejects(
      executeRemoval(plan, { dbPath: copy, dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client }),
      (e: Error) =>
        e instanceof RefusedError && e.message === `The database changed since the confirmation (sqlite: ${dbPath} → sqlite: ${copy}).`,
    );
    assert.deepEqual(w.docker.changes, []);
  });

  it('waits for a removal someone else is running (409) before removing the network that container holds', async () => {
    const w = world();
    // Our removal gets 409 "already in progress"; the other one ends after two looks.
    w.docker.containers.get(w.base.id)!.removalInProgress = 2;
    const outcome = await runRemovalSession({ kind: 'prefixes', prefixes: ['0badc0de'] }, options(w, db(), { concurrency: 1 }));
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    assert.deepEqual(outcome.report.errors, []);
    assert.deepEqual(outcome.report.containers_removed, ['decky-01-ssh', 'decnet_t_0badc0de_decky-01']);
    assert.deepEqual(outcome.report.networks_removed, ['decnet_t_0badc0de_dmz']);
    const changes = w.docker.changes;
    assert.ok(changes.indexOf(`gone ${w.base.name}`) >= 0, changes.join(' / '));
    assert.ok(changes.indexOf('remove network decnet_t_0badc0de_dmz') > changes.indexOf(`gone ${w.base.name}`), changes.join(' / '));
    assert.ok(!changes.includes(`disconnect ${w.base.name} from decnet_t_0badc0de_dmz`), 'nothing is torn out of the other removal');
  });

  it('never stops the sweep for a progress display that throws', async () => {
    const w = world();
    let calls = 0;
    const outcome = await runRemovalSession(
      { kind: 'prefixes', prefixes: ['0badc0de'] },
      options(w, db(), {
        progress: {
          step: () => {
            calls++;
            throw new Error('the view is gone');
          },
        },
      }),
    );
    assert.ok(outcome.kind === 'removed', JSON.stringify(outcome));
    assert.equal(calls, 3, 'called for every resource');
    assert.deepEqual(outcome.report.errors, []);
    assert.deepEqual(outcome.report.containers_removed, ['decky-01-ssh', 'decnet_t_0badc0de_decky-01']);
    assert.deepEqual(outcome.report.networks_removed, ['decnet_t_0badc0de_dmz']);
  });

  it('asks nothing and removes nothing while the database cannot be read', async () => {
    const w = world();
    const asked: string[] = [];
    const asker: RemovalAsker = {
      pick: async () => {
        asked.push('pick');
        return undefined;
      },
      confirm: async () => (asked.push('confirm'), true),
      typePrefix: async (_p, expected) => (asked.push('type'), expected),
    };
    const outcome = await runRemovalSession({ kind: 'allOrphans' }, options(w, path.join(dir, 'missing.db'), { asker }));
    assert.ok(outcome.kind === 'refused');
    assert.match(outcome.message, /^Nothing was removed: the DECNET database could not be read \(missing\)/);
    assert.deepEqual(asked, []);
    assert.deepEqual(w.docker.changes, []);
  });

  it('removes torn-down leftovers only when the prefix is typed', async () => {
    const w = world();
    const tornNet = w.docker.addNetwork('decnet_t_7a7a7a7a_dmz', '172.16.9.0/24');
    w.docker.addContainer('decnet_t_7a7a7a7a_decky-01', labels(TORN, 'decky-01'), [tornNet]);
    const dbPath = db([topologyRow(TORN, 'maze-old', 'torn_down')]);
    const prompts: string[] = [];
    const typing = (answer: string): RemovalAsker => ({
      pick: async (choices) => {
        assert.deepEqual(choices, [{ prefix: '7a7a7a7a', description: 'maze-old · 2 leftovers' }]);
        return choices[0].prefix;
      },
      confirm: async (_plan, question) => (prompts.push(question), true),
      typePrefix: async (_plan, expected, prompt) => (prompts.push(`${expected} | ${prompt}`), answer),
    });
    const wrong = await runRemovalSession({ kind: 'tornDown' }, options(w, dbPath, { asker: typing('y') }));
    assert.deepEqual(
      [wrong.kind, 'message' in wrong ? wrong.message : ''],
      ['cancelled', 'not confirmed (the prefix was not typed): nothing was removed'],
    );
    assert.deepEqual(w.docker.changes, []);
    assert.deepEqual(prompts, [
      'Remove the leftovers of torn-down topology maze-old (7a7a7a7a): 1 container and 1 network? Its row stays in the DECNET database.',
      '7a7a7a7a | Type 7a7a7a7a to remove the leftovers of maze-old: 1 container and 1 network.',
    ]);
    const right = await runRemovalSession({ kind: 'tornDown' }, options(w, dbPath, { asker: typing(' 7a7a7a7a ') }));
    assert.ok(right.kind === 'removed', JSON.stringify(right));
    assert.deepEqual(right.report.containers_removed, ['decnet_t_7a7a7a7a_decky-01']);
    assert.deepEqual(right.report.networks_removed, ['decnet_t_7a7a7a7a_dmz']);
    assert.ok(w.docker.containers.has(w.base.id), 'the orphan is not touched by a torn-down removal');
  });
});
