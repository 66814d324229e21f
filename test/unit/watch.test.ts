// The debouncing of the live view's signals, on mocked timers.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ChangeDebouncer, nearestFolder, TopologyWatcher, type ChangeReason } from '../../src/core/watch';
import { scratchDir } from '../support/scratch';
import { sleep, waitFor } from '../support/time';

describe('ChangeDebouncer', () => {
  let fired: ChangeReason[][];
  let d: ChangeDebouncer;
  const docker = (action: string): ChangeReason => ({ kind: 'docker', type: 'container', action });
  const db: ChangeReason = { kind: 'db', file: 'decnet.db-wal' };

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    fired = [];
    d = new ChangeDebouncer((r) => fired.push(r), 500, 2_000, 5_000);
  });
  afterEach(() => {
    d.cancel();
    mock.timers.reset();
  });

  it('fires once, after a quiet period, with every reason of the burst', () => {
    d.trigger(docker('create'));
    mock.timers.tick(300);
    d.trigger(docker('start'));
    mock.timers.tick(499);
    assert.equal(fired.length, 0);
    mock.timers.tick(1);
    assert.deepEqual(fired, [[docker('create'), docker('start')]]);
    mock.timers.tick(10_000);
    assert.equal(fired.length, 1);
  });

  it('fires at least every maxWait while signals keep coming', () => {
    for (let t = 0; t < 4_000; t += 100) {
      d.trigger(docker('create'));
      mock.timers.tick(100);
    }
    assert.equal(fired.length, 2, 'at 2 s and 4 s');
    assert.equal(fired[0].length, 20);
  });

  it('holds database-only batches to one per dbMinInterval, but not Docker ones', () => {
    d.trigger(db);
    mock.timers.tick(500);
    assert.equal(fired.length, 1, 'the first database signal fires after the quiet period');
    d.trigger(db);
    mock.timers.tick(1_000);
    assert.equal(fired.length, 1, 'held back');
    mock.timers.tick(3_999);
    assert.equal(fired.length, 1, 'still held back');
    mock.timers.tick(1);
    assert.equal(fired.length, 2, '5 s after the previous batch');
    d.trigger(db);
    mock.timers.tick(100);
    d.trigger(docker('destroy'));
    mock.timers.tick(500);
    assert.equal(fired.length, 3, 'a Docker signal is not held back');
    assert.deepEqual(fired[2], [db, docker('destroy')]);
  });

  it('drops what is pending on cancel', () => {
    d.trigger(docker('create'));
    d.cancel();
    mock.timers.tick(10_000);
    assert.deepEqual(fired, []);
  });
});

describe('TopologyWatcher without a daemon', () => {
  it('signals database changes (the file and its -wal, nothing else) and reports the stream down', async (t) => {
    const dir = scratchDir(t);
    const dbPath = path.join(dir, 'decnet.db');
    writeFileSync(dbPath, '');
    const w = new TopologyWatcher({
      dockerHost: `unix://${path.join(dir, 'no-docker.sock')}`,
      dbPath,
      debounceMs: 50,
      dbMinIntervalMs: 0,
      reconnectInitialMs: 60_000,
    });
    const states: string[] = [];
    const batches: ChangeReason[][] = [];
    w.onConnectionChanged((s) => states.push(s));
    w.onChanged((r) => batches.push(r));
    w.start();
    try {
      await waitFor(() => states.includes('disconnected'), { timeoutMs: 5_000, what: 'the stream to be reported down' });
      // Another file in the folder changes first: the -wal's signal, which comes after its
      // event, is the barrier; neither an earlier batch nor that one may name the other file.
      writeFileSync(path.join(dir, 'unrelated.txt'), 'x');
      writeFileSync(`${dbPath}-wal`, 'x');
      await waitFor(() => batches.length > 0, { timeoutMs: 5_000, what: 'a database signal' });
      assert.ok(batches[0].length > 0 && batches[0].every((r) => r.kind === 'db' && r.file === 'decnet.db-wal'), JSON.stringify(batches));
    } finally {
      w.dispose();
    }
    assert.equal(w.connectionState, 'idle');
    assert.deepEqual(states.slice(0, 2), ['connecting', 'disconnected']);
  });
});

describe('SerialRunner', () => {
  it('never overlaps runs, and coalesces requests made during a run into one follow-up', async () => {
    const { SerialRunner } = await import('../../src/core/serialRunner');
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const gates: Array<() => void> = [];
    const runner = new SerialRunner(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      const n = ++runs;
      await new Promise<void>((r) => gates.push(r));
      active--;
      return n;
    });
    const first = runner.run();
    assert.equal(runner.isRunning, true);
    const second = runner.run();
    const third = runner.run();
    assert.equal(second, third, 'one follow-up for every request made during the run');
    assert.equal(runner.hasQueued, true);
    await waitFor(() => gates.length === 1, { timeoutMs: 5_000, what: 'the first run' });
    gates.shift()!();
    assert.equal(await first, 1);
    await waitFor(() => gates.length === 1, { timeoutMs: 5_000, what: 'the follow-up run' });
    assert.equal(runs, 2);
    gates.shift()!();
    assert.equal(await second, 2);
    assert.equal(maxActive, 1);
    assert.equal(runner.isRunning, false);
    const fourth = runner.run();
    await waitFor(() => gates.length === 1, { timeoutMs: 5_000, what: 'a new run' });
    gates.shift()!();
    assert.equal(await fourth, 3);
  });

  it('starts the follow-up even when the running one fails', async () => {
    const { SerialRunner } = await import('../../src/core/serialRunner');
    let n = 0;
    const runner = new SerialRunner(async () => {
      n++;
      await sleep(10);
      if (n === 1) throw new Error('first fails');
      return n;
    });
    const first = runner.run();
    const second = runner.run();
    await assert.rejects(first, /first fails/);
    assert.equal(await second, 2);
  });

  it('picks up a database whose folder does not exist yet, as soon as it appears (not at the retry)', async () => {
    const root = scratchDir('decnet-watch-later-');
    const dbPath = path.join(root, 'opt', 'decnet', 'decnet.db');
    assert.deepEqual(nearestFolder(path.dirname(dbPath)), { existing: root, next: 'opt' });
    const w = new TopologyWatcher({
      dockerHost: `unix://${path.join(root, 'no-docker.sock')}`,
      dbPath,
      debounceMs: 50,
      dbMinIntervalMs: 0,
      reconnectInitialMs: 60_000,
    });
    const batches: ChangeReason[][] = [];
    w.onChanged((r) => batches.push(r));
    w.start();
    try {
      await sleep(100);
      mkdirSync(path.join(root, 'opt'));
      await sleep(100);
      mkdirSync(path.join(root, 'opt', 'decnet'));
      await sleep(100);
      batches.length = 0;
      writeFileSync(dbPath, 'x');
      // Well before the 10 s retry of a watch that failed.
      await waitFor(() => batches.some((b) => b.some((r) => r.kind === 'db' && r.file === 'decnet.db')), {
        timeoutMs: 3_000,
        what: 'a signal for the new file',
      });
    } finally {
      w.dispose();
    }
  });
});
