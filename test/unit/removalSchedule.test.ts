// The order a sweep removes containers in, and what each network waits for (pure logic), and the
// concurrency helpers the sweep runs on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Latch, Semaphore } from '../../src/core/concurrency';
import { removalSchedule } from '../../src/core/reaper';

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
    assert.deepEqual([...waitsFor], [
      ['net-b', ['base-b']],
      ['net-a', ['base-a', 'base-c']],
    ]);
  });

  it('keeps every container exactly once, and waits only for containers the sweep removes', () => {
    const containers = ['s1', 'b2', 'b1'].map(c);
    const { containers: order, waitsFor } = removalSchedule(containers, [
      // b1 on both networks; foreign and kept containers are attached too; one network is empty.
      { id: 'n1', endpoints: ep('b1', 'foreign', 'b1') },
      { id: 'n2', endpoints: ep('kept', 'b1', 'b2') },
      { id: 'n3', endpoints: [] },
    ]);
    assert.deepEqual(order.map((x) => x.id), ['b1', 'b2', 's1']);
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

describe('Semaphore and Latch', () => {
  it('Semaphore runs at most `limit` at once and runs every queued function, failures included', async () => {
    const sem = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const ran: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 7 }, (_, i) =>
        sem.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
          ran.push(i);
          if (i === 3) throw new Error('boom');
          return i;
        }),
      ),
    );
    assert.equal(peak, 2);
    assert.deepEqual([...ran].sort(), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
    assert.equal(await sem.run(async () => 'after'), 'after');
  });

  it('Semaphore hands a finished slot to the next queued call and never lets a newcomer past the limit', async () => {
    const sem = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const task = (ms: number) =>
      sem.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, ms));
        active--;
      });
    const first = [task(10), task(80), task(80)]; // the third waits for the first's slot
    await first[0];
    await new Promise((r) => setTimeout(r, 15));
    assert.equal(active, 2, 'the queued call took the freed slot');
    const late = task(10); // both slots are busy: it must queue
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(active, 2);
    await Promise.all([...first, late]);
    assert.equal(peak, 2);
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
