// The live view's machinery (src/core/watch.ts + src/core/serialRunner.ts, exactly what the
// extension runs while its view is visible) against real daemons: Docker events and database
// changes that arrive while a refresh runs, and a daemon restart while the view is live.
// The restart test starts a daemon of its own (/tmp/decnet-reaper-restart…) and stops it after.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Group, ScanResult } from '../../src/core/model';
import { scan } from '../../src/core/scan';
import { SerialRunner } from '../../src/core/serialRunner';
import { TopologyWatcher, type ChangeReason, type ConnectionState } from '../../src/core/watch';
import {
  assertPrivateDaemon,
  deployTopology,
  dockerAt,
  newTopologyId,
  ownDaemonRoot,
  privateDaemon,
  startOwnDaemon,
  stopOwnDaemon,
  uniqueName,
  wipeDaemon,
} from '../support/docker';
import { insertTopologyRow, makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';
import { sleep, waitFor } from '../support/time';

/** A view: a watcher whose signals run a serialized, deliberately slow refresh, as the extension does. */
class LiveView {
  readonly results: ScanResult[] = [];
  readonly batches: ChangeReason[][] = [];
  readonly states: ConnectionState[] = [];
  /** When each state was entered (Date.now()). */
  readonly stateTimes: number[] = [];
  active = 0;
  maxActive = 0;
  /** Extra time each refresh takes after its scan (as if rendering were slow). */
  slowMs = 0;
  /** Called after each scan, before the slow part. */
  onScanned: (() => void) | undefined;
  readonly runner: SerialRunner<ScanResult>;
  readonly watcher: TopologyWatcher;

  constructor(
    dockerHost: string,
    dbPath: string,
    reconnect = { initial: 500, max: 30_000 },
    { debounceMs = 200, maxWaitMs = 1_000 }: { debounceMs?: number; maxWaitMs?: number } = {},
  ) {
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
      debounceMs,
      maxWaitMs,
      dbMinIntervalMs: 500,
      reconnectInitialMs: reconnect.initial,
      reconnectMaxMs: reconnect.max,
    });
    this.watcher.onChanged((reasons) => {
      this.batches.push(reasons);
      void this.runner.run();
    });
    this.watcher.onConnectionChanged((s) => {
      this.states.push(s);
      this.stateTimes.push(Date.now());
    });
  }

  get latest(): ScanResult | undefined {
    return this.results.at(-1);
  }

  group(prefix: string): Group | undefined {
    return this.latest?.groups.find((g) => g.prefix === prefix);
  }

  async waitConnected(): Promise<void> {
    await waitFor(() => this.watcher.connectionState === 'connected', { what: 'the event stream to open' });
  }
}

describe('a live view on a real daemon', () => {
  const { docker, host } = privateDaemon();
  const views: LiveView[] = [];

  after(async () => {
    for (const v of views) v.watcher.dispose();
  });
  // Removed once the views' watchers are disposed (after hooks run in the order they are added).
  const dir = scratchDir('decnet-live-it-');

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
    const t = await deployTopology(
      docker,
      id,
      [{ name: 'dmz', subnet: '198.18.112.0/24' }],
      [{ name: 'decky-01', lan: 'dmz', services: ['ssh'] }],
    );
    const during = await running;
    assert.equal(
      during.groups.find((g) => g.prefix === prefix),
      undefined,
      'the running refresh read Docker before the deploy',
    );
    view.slowMs = 0;

    const g = await waitFor(
      () => {
        const g = view.group(prefix);
        return g && g.containers.length === 2 && g.networks.length === 1 && g.networks[0].endpoints.length === 1 && g;
      },
      { what: 'a refresh that shows the new topology' },
    );
    assert.equal(g.state, 'orphan');
    assert.deepEqual(g.containers.map((c) => c.name).sort(), ['decky-01-ssh', `decnet_t_${prefix}_decky-01`]);
    // Every event of the deploy reaches the view as a signal (a refresh started by an earlier one
    // may have listed the whole topology before the last signal came).
    const wanted = [
      ['network', 'create', t.networks[0].name],
      ['container', 'create', 'decky-01-ssh'],
      ['container', 'start', `decnet_t_${prefix}_decky-01`],
      ['network', 'connect', t.networks[0].name],
    ];
    const signalled = (type: string, action: string, name: string): boolean =>
      view.batches.flat().some((r) => r.kind === 'docker' && r.type === type && r.action === action && r.name === name);
    await waitFor(() => wanted.every(([type, action, name]) => signalled(type, action, name)), {
      what: `signals for ${wanted.map((w) => w.join(' ')).join(', ')}`,
    });

    // DECNET commits the topology's row (into the -wal only): the database watch sees it.
    await insertTopologyRow(dbPath, topologyRow(id, 'maze-events', 'pending'));
    const live = await waitFor(() => view.group(prefix)?.state === 'live' && view.group(prefix), {
      what: 'a refresh that shows the topology live',
    });
    assert.equal(live.topology?.name, 'maze-events');
    // (A refresh for a late Docker event may show it first; the database signal comes anyway.)
    await waitFor(() => view.batches.flat().some((r) => r.kind === 'db' && r.file.startsWith('decnet.db')), { what: 'a database signal' });

    // A container goes away: its `destroy` event refreshes the view.
    await docker.getContainer(t.containers.find((c) => c.name === 'decky-01-ssh')!.id).remove({ force: true });
    await waitFor(() => view.group(prefix)?.containers.length === 1, { what: 'a refresh without decky-01-ssh' });

    assert.equal(view.maxActive, 1, 'refreshes never overlap');

    // Hidden: the watcher stops, and nothing runs any more. A second view, still watching and
    // slower to signal (2 s after the last event, against 0.2 s), is the barrier: once it has
    // signalled the network below, the stopped view would have signalled it long before, were it
    // still watching.
    const witness = new LiveView(host, dbPath, undefined, { debounceMs: 2_000, maxWaitMs: 60_000 });
    views.push(witness);
    witness.watcher.start();
    await witness.waitConnected();
    view.watcher.stop();
    assert.equal(view.watcher.connectionState, 'idle');
    const signals = view.batches.length;
    // A refresh signalled before the stop may still be running: it ends.
    await waitFor(() => !view.runner.isRunning && !view.runner.hasQueued, { what: 'the last refresh before the stop to end' });
    const runs = view.results.length;
    const hidden = uniqueName('decnet-live-it-hidden');
    await docker.createNetwork({ Name: hidden, IPAM: { Config: [{ Subnet: '198.18.113.0/24' }] } });
    await waitFor(
      () => witness.batches.flat().some((r) => r.kind === 'docker' && r.type === 'network' && r.action === 'create' && r.name === hidden),
      { what: 'the witness view to signal the new network' },
    );
    assert.equal(view.batches.length, signals, 'no signal while stopped');
    assert.equal(view.results.length, runs, 'no refresh while stopped');
    assert.equal(view.watcher.connectionState, 'idle');
  });

  it('reconnects with backoff after its daemon restarts, and lists everything again', { timeout: 240_000 }, async () => {
    const root = ownDaemonRoot('restart');
    const ownHost = startOwnDaemon(root);
    const own = dockerAt(ownHost);
    let view: LiveView | undefined;
    try {
      // The daemon is this test's own: what an interrupted run left there goes.
      await assertPrivateDaemon(own, ownHost);
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
      await waitFor(() => view!.watcher.connectionState !== 'connected', { what: 'the watcher to see the daemon gone' });
      const down = await view.runner.run();
      assert.equal(down.docker.ok, false, 'a refresh meanwhile shows Docker unreachable');
      // It keeps retrying, with backoff (200, 400, 800 ms, then 1 s): from the first drop to the
      // fourth, at least 1.4 s go by, however fast the machine; a tight loop takes milliseconds.
      const drops = () => view!.stateTimes.filter((_, i) => view!.states[i] === 'disconnected');
      await waitFor(() => drops().length >= 4, { what: `four failed connections (${view.states.join(' → ')})` });
      const [first, , , fourth] = drops();
      assert.ok(
        fourth - first >= 1_400 - 20,
        `with backoff, not in a tight loop: 4 drops in ${fourth - first} ms (${view.states.join(' → ')})`,
      );

      const batchesBefore = view.batches.length;
      startOwnDaemon(root);
      await view.waitConnected();
      await waitFor(() => view!.batches.slice(batchesBefore).some((b) => b.some((r) => r.kind === 'reconnected')), {
        what: 'a "reconnected" signal',
      });
      const g = await waitFor(
        () => {
          const r = view!.latest;
          return r?.docker.ok && r.groups.find((x) => x.prefix === prefix);
        },
        { what: 'a refresh after the restart' },
      );
      assert.equal(g.containers.length, 0, 'the containers removed while it was down are gone from the view');
      assert.deepEqual(
        g.networks.map((n) => n.name),
        [`decnet_t_${prefix}_dmz`],
      );

      // And events flow again on the new stream.
      const net = await own.createNetwork({
        Name: `decnet_t_${prefix}_lan-b`,
        Internal: true,
        IPAM: { Config: [{ Subnet: '198.18.121.0/24' }] },
      });
      await waitFor(() => view!.group(prefix)?.networks.some((n) => n.id === net.id), { what: 'the new network in the view' });
      assert.equal(view.maxActive, 1);
    } finally {
      view?.watcher.dispose();
      // Networks outlive a daemon stop (they are in its data root): remove them first.
      await wipeDaemon(own).catch(() => undefined);
      stopOwnDaemon(root);
    }
  });
});
