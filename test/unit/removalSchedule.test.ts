// The order a sweep removes containers in, and what each network waits for (pure logic), and the
// concurrency helpers the sweep runs on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Latch, Semaphore } from '../../src/core/concurrency';
import { removalSchedule } from '../../src/core/removal/sweep';
import { deferred, type Deferred } from '../support/time';

const c = (id: string) => ({ id, name: id });
const ep = (...ids: string[]) => ids.map((containerId) => ({ containerId }));

describe('removalSchedule', () => {
  it('puts the containers attached to the networks first, network by network, and the rest after', () => {
    const containers = ['svc-a1', 'base-a', 'svc-b1', 'base-b', 'svc-b2', 'loose', 'base-c'].map(c);
    const { containers: order, waitsFor } = removalSchedule(containers, [
      { id: 'net-b', endpoints: ep('base-b') },
      { id: 'net-a', endpoints: ep('base-a', 'base-c') },
    ]);
    assert.deepEqual(
      order.map((x) => x.id),
      ['base-b', 'base-a', 'base-c', 'svc-a1', 'svc-b1', 'svc-b2', 'loose'],
    );
    assert.deepEqual(
      [...waitsFor],
      [
        ['net-b', ['base-b']],
        ['net-a', ['base-a', 'base-c']],
      ],
    );
  });

  it('keeps every container exactly once, and waits only for containers the sweep removes', () => {
    const containers = ['s1', 'b2', 'b1'].map(c);
    const { containers: order, waitsFor } = removalSchedule(containers, [
      // b1 on both networks; foreign and kept containers are attached too; one network is empty.
      { id: 'n1', endpoints: ep('b1', 'foreign', 'b1') },
      { id: 'n2', endpoints: ep('kept', 'b1', 'b2') },
      { id: 'n3', endpoints: [] },
    ]);
    assert.deepEqual(
      order.map((x) => x.id),
      ['b1', 'b2', 's1'],
    );
    assert.deepEqual(waitsFor.get('n1'), ['b1']);
    assert.deepEqual(waitsFor.get('n2'), ['b1', 'b2']);
    assert.deepEqual(waitsFor.get('n3'), []);
  });

  it('changes nothing without networks', () => {
    const containers = ['x', 'y'].map(c);
    const { containers: order, waitsFor } = removalSchedule(containers, []);
    assert.deepEqual(order, containers);
    assert.equal(waitsFor.size, 0);
  });
});

/**
 * A stand-in for the calls a Semaphore runs: each call says when it starts and ends only when the
 * test ends it, and the log holds the order of starts and ends. No timing is involved.
 */
class Calls {
  readonly log: string[] = [];
  active = 0;
  peak = 0;
  private readonly started = new Map<string, Deferred<void>>();
  private readonly gates = new Map<string, Deferred<void>>();

  private entry(map: Map<string, Deferred<void>>, name: string): Deferred<void> {
    let d = map.get(name);
    if (!d) map.set(name, (d = deferred()));
    return d;
  }

  /** The function to give to `Semaphore.run`; it fails when `fails`. */
  call(name: string, fails = false): () => Promise<string> {
    return async () => {
      this.active++;
      this.peak = Math.max(this.peak, this.active);
      this.log.push(`start ${name}`);
      this.entry(this.started, name).resolve();
      await this.entry(this.gates, name).promise;
      this.active--;
      this.log.push(`end ${name}`);
      if (fails) throw new Error(`${name} failed`);
      return name;
    };
  }

  /** Resolves once the call has started (hangs, and the test times out, if it never does). */
  async hasStarted(name: string): Promise<void> {
    await this.entry(this.started, name).promise;
  }

  end(name: string): void {
    this.entry(this.gates, name).resolve();
  }
}

describe('Semaphore and Latch', { timeout: 10_000 }, () => {
  it('Semaphore runs at most `limit` at once and runs every queued function, failures included', async () => {
    const sem = new Semaphore(2);
    const calls = new Calls();
    const names = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const results = names.map((n) => sem.run(calls.call(n, n === 'c3')));
    await calls.hasStarted('c0');
    await calls.hasStarted('c1');
    // Each call ends once the one two places after it has started (as soon as the slot is free).
    for (const [i, n] of names.entries()) {
      calls.end(n);
      if (i + 2 < names.length) await calls.hasStarted(names[i + 2]);
    }
    const settled = await Promise.allSettled(results);
    assert.equal(calls.peak, 2);
    assert.deepEqual(calls.log, [
      'start c0',
      'start c1',
      'end c0',
      'start c2',
      'end c1',
      'start c3',
      'end c2',
      'start c4',
      'end c3',
      'start c5',
      'end c4',
      'start c6',
      'end c5',
      'end c6',
    ]);
    assert.deepEqual(
      settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ['c0', 'c1', 'c2', 'c3 failed', 'c4', 'c5', 'c6'],
    );
    assert.equal(await sem.run(async () => 'after'), 'after', 'the failure freed its slot');
  });

  it('Semaphore hands a finished slot to the next queued call and never lets a newcomer past the limit', async () => {
    const sem = new Semaphore(2);
    const calls = new Calls();
    const a = sem.run(calls.call('a'));
    const b = sem.run(calls.call('b'));
    const c = sem.run(calls.call('c')); // both slots are busy: it queues
    await calls.hasStarted('a');
    await calls.hasStarted('b');
    calls.end('a');
    await a;
    await calls.hasStarted('c'); // the queued call took the freed slot
    const d = sem.run(calls.call('d')); // b and c hold the slots: it must queue
    calls.end('b');
    await calls.hasStarted('d');
    calls.end('c');
    calls.end('d');
    await Promise.all([b, c, d]);
    assert.deepEqual(calls.log, ['start a', 'start b', 'end a', 'start c', 'end b', 'start d', 'end c', 'end d']);
    assert.equal(calls.peak, 2);
  });

  it('Latch tells whether it is open and releases every waiter', async () => {
    const latch = new Latch();
    assert.equal(latch.done, false);
    let woken = 0;
    const waiters = [latch.promise.then(() => woken++), latch.promise.then(() => woken++)];
    latch.open();
    assert.equal(latch.done, true);
    await Promise.all(waiters);
    assert.equal(woken, 2);
  });
});
