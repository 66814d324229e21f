// The live view's machinery (src/core/watch.ts + src/core/serialRunner.ts, exactly what the
// extension runs while its view is visible) against real daemons: Docker events and database
// changes that arrive while a refresh runs, and a daemon restart while the view is live.
// The first test shares the private daemon with other tests and removes only what it created;
// the restart test starts a daemon of its own (/tmp/decnet-reaper-restart) and stops it after.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import type { Group, ScanResult } from '../../src/core/model';
import { scan } from '../../src/core/scan';
import { SerialRunner } from '../../src/core/serialRunner';
import { TopologyWatcher, type ChangeReason, type ConnectionState } from '../../src/core/watch';
import { deployTopology, newTopologyId, testDocker, testDockerHost, wipeDaemon } from '../support/docker';
import { insertTopologyRow, makeDecnetDb, topologyRow } from '../support/makeDb';
import { Created, dockerAt, startOwnDaemon, stopOwnDaemon, uniqueName } from '../support/owned';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A view: a watcher whose signals run a serialized, deliberately slow refresh, as the extension does. */
class LiveView {
  readonly results: ScanResult[] = [];
  readonly batches: ChangeReason[][] = [];
  readonly states: ConnectionState[] = [];
  active = 0;
  maxActive = 0;
  /** Extra time each refresh takes after its scan (as if rendering were slow). */
  slowMs = 0;
  /** Called after each scan, before the slow part. */
  onScanned: (() => void) | undefined;
  readonly runner: SerialRunner<ScanResult>;
  readonly watcher: TopologyWatcher;

  constructor(dockerHost: string, dbPath: string, reconnect = { initial: 500, max: 30_000 }) {
    this.runner = new SerialRunner(async () => {
      this.active++;
      this.maxActive = Math.max(this.maxActive, this.active);
      try {
        const r = await scan({ dbPath, dockerHost });
        this.onScanned?.();
        if (this.slowMs) await sleep(this.slowMs);
        this.results.push(r);
        return r;
      } finally {
        this.active--;
      }
    });
    this.watcher = new TopologyWatcher({
      dockerHost,
      dbPath,
      debounceMs: 200,
      maxWaitMs: 1_000,
      dbMinIntervalMs: 500,
      reconnectInitialMs: reconnect.initial,
      reconnectMaxMs: reconnect.max,
    });
    this.watcher.onChanged((reasons) => {
      this.batches.push(reasons);
      void this.runner.run();
    });
    this.watcher.onConnectionChanged((s) => this.states.push(s));
  }

  get latest(): ScanResult | undefined {
    return this.results.at(-1);
  }

  group(prefix: string): Group | undefined {
    return this.latest?.groups.find((g) => g.prefix === prefix);
  }

  async waitConnected(): Promise<void> {
    await waitFor('the event stream to open', () => this.watcher.connectionState === 'connected');
  }
}

describe('a live view on a real daemon', () => {
  let docker: Docker;
  let host: string;
  let dir: string;
  const created = new Created();
  const views: LiveView[] = [];

  before(() => {
    host = testDockerHost();
    docker = testDocker();
    dir = mkdtempSync(path.join(tmpdir(), 'decnet-live-it-'));
  });
  after(async () => {
    for (const v of views) v.watcher.dispose();
    await created.cleanup(docker);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refreshes again, never overlapping, when events and database changes arrive while a refresh runs', { timeout: 120_000 }, async () => {
    const id = newTopologyId();
    const prefix = id.slice(0, 8);
    const dbPath = makeDecnetDb(path.join(dir, 'events'), { checkpointed: [] });
    const view = new LiveView(host, dbPath);
    views.push(view);
    view.watcher.start();
    await view.waitConnected();
    await view.runner.run();
    assert.equal(view.group(prefix), undefined);

    // A refresh is running (its scan is done, the rest is slow) when DECNET deploys a topology.
    view.slowMs = 1_500;
    let scanned!: () => void;
    const scanDone = new Promise<void>((r) => (scanned = r));
    view.onScanned = () => scanned();
    const running = view.runner.run();
    await scanDone;
    view.onScanned = undefined;
    const t = created.topology(
      await deployTopology(docker, id, [{ name: 'dmz', subnet: '198.18.112.0/24' }], [{ name: 'decky-01', lan: 'dmz', services: ['ssh'] }]),
    );
    const during = await running;
    assert.equal(
      during.groups.find((g) => g.prefix === prefix),
      undefined,
      'the running refresh read Docker before the deploy',
    );
    view.slowMs = 0;

    const g = await waitFor('a refresh that shows the new topology', () => {
      const g = view.group(prefix);
      return g && g.containers.length === 2 && g.networks.length === 1 && g.networks[0].endpoints.length === 1 && g;
    });
    assert.equal(g.state, 'orphan');
    assert.deepEqual(g.containers.map((c) => c.name).sort(), ['decky-01-ssh', `decnet_t_${prefix}_decky-01`]);
    const dockerReasons = view.batches.flat().filter((r) => r.kind === 'docker');
    for (const [type, action, name] of [
      ['network', 'create', t.networks[0].name],
      ['container', 'create', 'decky-01-ssh'],
      ['container', 'start', `decnet_t_${prefix}_decky-01`],
      ['network', 'connect', t.networks[0].name],
    ]) {
      assert.ok(
        dockerReasons.some((r) => r.kind === 'docker' && r.type === type && r.action === action && r.name === name),
        `no ${type} ${action} ${name} signal in ${JSON.stringify(dockerReasons)}`,
      );
    }

    // DECNET commits the topology's row (into the -wal only): the database watch sees it.
    await insertTopologyRow(dbPath, topologyRow(id, 'maze-events', 'pending'));
    const live = await waitFor('a refresh that shows the topology live', () => view.group(prefix)?.state === 'live' && view.group(prefix));
    assert.equal(live.topology?.name, 'maze-events');
    // (A refresh for a late Docker event may show it first; the database signal comes anyway.)
    await waitFor('a database signal', () => view.batches.flat().some((r) => r.kind === 'db' && r.file.startsWith('decnet.db')));

    // A container goes away: its `destroy` event refreshes the view.
    await docker.getContainer(t.containers.find((c) => c.name === 'decky-01-ssh')!.id).remove({ force: true });
    await waitFor('a refresh without decky-01-ssh', () => view.group(prefix)?.containers.length === 1);

    assert.equal(view.maxActive, 1, 'refreshes never overlap');

    // Hidden: the watcher stops, and nothing runs any more.
    view.watcher.stop();
    const runs = view.results.length;
    const extra = await docker.createNetwork({ Name: uniqueName('decnet-live-it-hidden'), IPAM: { Config: [{ Subnet: '198.18.113.0/24' }] } });
    created.networks.add(extra.id);
    await sleep(1_500);
    assert.equal(view.results.length, runs, 'no refresh while stopped');
    assert.equal(view.watcher.connectionState, 'idle');
  });

  it('reconnects with backoff after its daemon restarts, and lists everything again', { timeout: 240_000 }, async () => {
    const root = '/tmp/decnet-reaper-restart';
    const ownHost = startOwnDaemon(root);
    const own = dockerAt(ownHost);
    let view: LiveView | undefined;
    try {
      // The daemon is this test's own: what an interrupted run left there goes.
      await wipeDaemon(own);
      const id = newTopologyId();
      const prefix = id.slice(0, 8);
      const dbPath = makeDecnetDb(path.join(dir, 'restart'), { checkpointed: [] });
      await deployTopology(own, id, [{ name: 'dmz', subnet: '198.18.120.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);

      view = new LiveView(ownHost, dbPath, { initial: 200, max: 1_000 });
      view.watcher.start();
      await view.waitConnected();
      await view.runner.run();
      assert.equal(view.group(prefix)?.containers.length, 1);
      assert.equal(view.group(prefix)?.networks.length, 1);

      // The daemon goes away (its containers are removed first by the script; networks stay).
      stopOwnDaemon(root);
      await waitFor('the watcher to see the daemon gone', () => view!.watcher.connectionState !== 'connected');
      const down = await view.runner.run();
      assert.equal(down.docker.ok, false, 'a refresh meanwhile shows Docker unreachable');
      await sleep(2_500);
      const retries = view.states.filter((s) => s === 'disconnected').length;
      assert.ok(retries >= 2, `it keeps retrying (${view.states.join(' → ')})`);
      assert.ok(retries < 12, `with backoff, not in a tight loop (${retries} attempts in ~2.5 s)`);

      const batchesBefore = view.batches.length;
      startOwnDaemon(root);
      await view.waitConnected();
      await waitFor('a "reconnected" signal', () => view!.batches.slice(batchesBefore).some((b) => b.some((r) => r.kind === 'reconnected')));
      const g = await waitFor('a refresh after the restart', () => {
        const r = view!.latest;
        return r?.docker.ok && r.groups.find((x) => x.prefix === prefix);
      });
      assert.equal(g.containers.length, 0, 'the containers removed while it was down are gone from the view');
      assert.deepEqual(g.networks.map((n) => n.name), [`decnet_t_${prefix}_dmz`]);

      // And events flow again on the new stream.
      const net = await own.createNetwork({ Name: `decnet_t_${prefix}_lan-b`, Internal: true, IPAM: { Config: [{ Subnet: '198.18.121.0/24' }] } });
      await waitFor('the new network in the view', () => view!.group(prefix)?.networks.some((n) => n.id === net.id));
      assert.equal(view.maxActive, 1);
    } finally {
      view?.watcher.dispose();
      // Networks outlive a daemon stop (they are in its data root): remove them first.
      await wipeDaemon(own).catch(() => undefined);
      stopOwnDaemon(root);
    }
  });
});
