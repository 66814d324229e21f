// A long sequence of real SQLite writes (inserts with overflow, deletes, updates, logs,
// VACUUM, checkpoints of every kind, index create/drop, auto_vacuum, page size change, ANALYZE,
// ALTER TABLE, restore of an earlier copy in place, replace by rename) with the reader's caches
// kept between reads: every answer must be python3 sqlite3's, or a refusal.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { forgetCachedReads, readSqliteDb } from '../../src/core/db/sqlite';
import { newReadStats } from '../../src/core/db/walSnapshot';
import { DbReadError } from '../../src/core/model';
import { makeDecnetDb, sqliteOracle, tmpDir, topo } from '../support/makeDb';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function mutate(db: string, op: string, seed: number): void {
  execFileSync('python3', [path.join(__dirname, '..', 'support', 'mutate_db.py'), JSON.stringify({ path: db, op, seed })], {
    encoding: 'utf8',
  });
}

function writeOver(file: string, data: Buffer | null): void {
  if (data === null) {
    fs.rmSync(file, { force: true });
    return;
  }
  const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w');
  try {
    fs.writeSync(fd, data, 0, data.length, 0);
    fs.ftruncateSync(fd, data.length);
  } finally {
    fs.closeSync(fd);
  }
}

const byId = <T extends { id: string }>(r: T[]): T[] => [...r].sort((a, b) => a.id.localeCompare(b.id));

const seedBase = Number(process.env.DECNET_REUSE_SEED ?? 1);
const steps = Number(process.env.DECNET_REUSE_STEPS ?? 40);

test(`reads with kept caches agree with SQLite over ${steps} random writes (seed ${seedBase})`, { timeout: 30 * 60_000 }, async () => {
  forgetCachedReads();
  const d = tmpDir('decnet-rrev-');
  dirs.push(d);
  const db = makeDecnetDb(d, {
    checkpointed: Array.from({ length: 30 }, (_, i) => topo(0x61000000 + i)),
    walOnly: [topo(0x62000001), topo(0x62000002)],
    filler: 50,
  });
  let x = seedBase * 7919;
  const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const ops = [
    'insert',
    'insert',
    'delete',
    'delete',
    'update',
    'logs',
    'logs',
    'logs',
    'dellogs',
    'vacuum',
    'checkpoint',
    'checkpoint',
    'index',
    'autovac',
    'pagesize',
    'analyze',
    'alter',
    'restore',
    'rename',
  ];
  const saved: Array<{ main: Buffer; wal: Buffer | null }> = [];
  let reused = 0;
  let refused = 0;
  const refusals: string[] = [];
  for (let step = 0; step < steps; step++) {
    const op = ops[rnd() % ops.length];
    if (op === 'restore') {
      if (saved.length === 0) continue;
      const s = saved[rnd() % saved.length];
      fs.rmSync(`${db}-shm`, { force: true });
      writeOver(db, s.main);
      writeOver(`${db}-wal`, s.wal);
    } else if (op === 'rename') {
      const tmp = `${db}.new`;
      fs.copyFileSync(db, tmp);
      if (fs.existsSync(`${db}-wal`)) fs.copyFileSync(`${db}-wal`, `${tmp}-wal`);
      // one more write to the copy, then rename over
      mutate(tmp, 'insert', rnd());
      fs.rmSync(`${db}-shm`, { force: true });
      fs.rmSync(`${tmp}-shm`, { force: true });
      if (fs.existsSync(`${tmp}-wal`)) fs.renameSync(`${tmp}-wal`, `${db}-wal`);
      else fs.rmSync(`${db}-wal`, { force: true });
      fs.renameSync(tmp, db);
    } else {
      mutate(db, op, rnd());
    }
    if (rnd() % 5 === 0) saved.push({ main: fs.readFileSync(db), wal: fs.existsSync(`${db}-wal`) ? fs.readFileSync(`${db}-wal`) : null });
    // read twice sometimes (second: unchanged path)
    for (let k = 0; k < (rnd() % 3 === 0 ? 2 : 1); k++) {
      const stats = newReadStats();
      let got;
      try {
        got = await readSqliteDb(db, { stats });
      } catch (e) {
        if (!(e instanceof DbReadError)) throw e;
        refused++;
        refusals.push(`${step} ${op}: ${e.kind} ${e.message.slice(0, 160)}`);
        continue;
      }
      const o = sqliteOracle(db);
      const what = `step ${step} (${op}), read ${k}, resultReused=${stats.resultReused}`;
      assert.deepEqual(byId(got.topologies), o.topologies, what);
      assert.deepEqual(byId(got.lans), o.lans, what);
      if (stats.resultReused) reused++;
    }
  }
  console.log(`reused ${reused}, refused ${refused}`);
  for (const r of refusals) console.log('  refused ' + r);
  // The path under test ran: answers were given again, and a file nobody damaged was read.
  assert.ok(reused > 0, 'no answer was given again: the reuse path was not exercised');
  assert.equal(refused, 0, `refusals of an undamaged database:\n${refusals.join('\n')}`);
});
