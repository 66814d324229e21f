// A refresh that meets a torn database read keeps the last good scan for up to 10 s and retries;
// then the error shows. Scans of real files (Docker unreachable: only the database matters here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSqliteDb } from '../../src/core/db/sqlite';
import { DbReadError, type ScanResult } from '../../src/core/model';
import { scan } from '../../src/core/scan';
import { TORN_GRACE_MS, TornReadHold } from '../../src/core/tornHold';
import { makeDecnetDb, topo } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

const NO_DOCKER = `unix://${path.join(scratchDir('decnet-nodocker-'), 'none.sock')}`;

async function scans(): Promise<{ good: ScanResult; torn: ScanResult; corrupt: ScanResult }> {
  const d = scratchDir('decnet-hold-');
  const db = makeDecnetDb(d, { fullSchema: true, checkpointed: [topo(0x0d0d0d0d)], walOnly: [topo(0x1d1d1d1d)] });
  const good = await scan({ dbPath: db, dockerHost: NO_DOCKER });
  assert.ok(good.db.ok);
  // A read whose file is replaced on every attempt: torn once its retries are spent.
  const other = makeDecnetDb(path.join(d, 'other'), { fullSchema: true, checkpointed: [topo(0x2d2d2d2d)] });
  let error: unknown;
  try {
    await readSqliteDb(db, {
      retries: 1,
      retryDelayMs: 1,
      onBeforeQuery: () => {
        fs.copyFileSync(other, `${db}.new`);
        fs.renameSync(`${db}.new`, db);
      },
    });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof DbReadError && error.kind === 'torn', String(error));
  const torn: ScanResult = { ...good, db: { ok: false, error }, groups: [], livePrefixes: [], orphanPrefixes: [] };
  fs.writeFileSync(db, Buffer.alloc(4096, 7));
  const corrupt = await scan({ dbPath: db, dockerHost: NO_DOCKER });
  assert.ok(!corrupt.db.ok && corrupt.db.error.kind !== 'torn');
  return { good, torn, corrupt };
}

test('torn reads keep the last good scan and retry, with backoff, until 10 s have passed', async () => {
  const { good, torn } = await scans();
  let now = 1_000_000;
  const hold = new TornReadHold(TORN_GRACE_MS, () => now);
  assert.deepEqual(hold.decide(good, undefined, true), { kind: 'show' });
  const first = hold.decide(torn, good, true);
  assert.equal(first.kind, 'keep');
  const delays = [first.retryInMs];
  for (const t of [300, 800, 1800, 3800, 5800, 7800, 9800]) {
    now = 1_000_000 + t;
    const d = hold.decide(torn, good, true);
    assert.equal(d.kind, 'keep', `still kept after ${t} ms`);
    delays.push(d.retryInMs);
  }
  assert.deepEqual(delays, [250, 500, 1000, 2000, 2000, 2000, 2000, 2000], 'retries back off, up to 2 s');
  now = 1_000_000 + TORN_GRACE_MS;
  assert.equal(hold.decide(torn, good, true).kind, 'show', 'unreadable for 10 s: the error shows');
  // A good read ends it; the next torn read starts a new 10 s.
  assert.deepEqual(hold.decide(good, torn, true), { kind: 'show' });
  now += 60_000;
  assert.equal(hold.decide(torn, good, true).kind, 'keep');
});

test('nothing good to keep, another database, or another error: shown at once', async () => {
  const { good, torn, corrupt } = await scans();
  const hold = new TornReadHold();
  const none = hold.decide(torn, undefined, true);
  assert.equal(none.kind, 'show');
  assert.ok(none.retryInMs! > 0, 'but retried soon');
  assert.equal(new TornReadHold().decide(torn, good, false).kind, 'show', 'another target: its error, not the old tree');
  assert.equal(new TornReadHold().decide(torn, corrupt, true).kind, 'show', 'the scan shown has an error itself');
  assert.deepEqual(new TornReadHold().decide(corrupt, good, true), { kind: 'show' }, 'a corrupt database is never hidden');
});
