// Reads while DECNET writes: a writer process holds the database open in WAL mode and commits
// batches of 40 `logs` rows (about 50 commits a second, then as fast as SQLite commits), with
// SQLite's automatic checkpoint on, on a database of DECNET's whole schema (39 tables). Our reader
// and python's sqlite3 read in turn while it writes. Every read must answer, with the rows python
// reads from the same file at rest, and our median may be at most 2x python's under the same writer.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nativeReader, nodeChild } from './dbRead';
import { type BenchOptions, ensureDir, fmtBytes, fmtMs, type LineChild, log, median, python, ROOT, type Row } from './lib';

const SCRIPT = path.join(ROOT, 'test/support/decnet_db.py');
const TOPOLOGIES = 300;

interface Answer {
  ms: number;
  digest: string;
  topologies: number;
  lans: number;
  error?: string;
  /** Ours only (see bench/dbReadChild.ts). */
  attempts?: number;
  walFramesChecked?: number;
  pagesRead?: number;
  resultReused?: boolean;
}

/** A whole-schema DECNET database (300 topologies, 2 LANs each, ~60 MB of logs), built once. */
function fixture(opts: BenchOptions): string {
  const dir = ensureDir(path.join(opts.dir, 'db-whole-schema'));
  const db = path.join(dir, 'decnet.db');
  const done = path.join(dir, 'built.json');
  if (fs.existsSync(done) && fs.existsSync(db)) return db;
  log(`building a database of DECNET's whole schema in ${dir} (once)`);
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  const tops = Array.from({ length: TOPOLOGIES }, (_, i) => ({
    id: `${hex(0x51000000 + i)}-1111-4111-8111-${hex(i)}0000`,
    name: `bench-${i}`,
    status: i % 7 === 0 ? 'torn_down' : 'active',
    mode: i % 5 === 0 ? 'agent' : 'unihost',
  }));
  const lans = tops.flatMap((t, i) => [
    { id: `lan-${i}-dmz`, topologyId: t.id, name: 'dmz', subnet: `172.${16 + (i >> 8)}.${i & 255}.0/24`, isDmz: true },
    { id: `lan-${i}-int`, topologyId: t.id, name: 'internal', subnet: `172.${24 + (i >> 8)}.${i & 255}.0/24`, isDmz: false },
  ]);
  const tmp = path.join(dir, 'build');
  fs.rmSync(tmp, { recursive: true, force: true });
  execFileSync(python(), [SCRIPT, 'build'], {
    input: JSON.stringify({ dir: tmp, fullSchema: true, checkpointed: tops, lans, logsBytes: 60e6 }),
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  fs.renameSync(path.join(tmp, 'decnet.db'), db);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.writeFileSync(done, JSON.stringify({ topologies: TOPOLOGIES, lans: lans.length }));
  return db;
}

/** The flood writer (test/support/decnet_db.py flood) on `db`. */
async function startWriter(db: string, rate: number): Promise<{ stop(): Promise<{ commits: number; seconds: number; restarts: number }> }> {
  const child = spawn(python(), [SCRIPT, 'flood', JSON.stringify({ path: db, batch: 40, rate })], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  for (;;) {
    if (out.startsWith('ready\n')) break;
    if (child.exitCode !== null) throw new Error('the writer exited before it was ready');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    async stop() {
      child.stdin.end();
      await exited;
      return JSON.parse(out.slice(6).trim()) as { commits: number; seconds: number; restarts: number };
    },
  };
}

async function readsUnder(
  node: LineChild,
  py: LineChild,
  db: string,
  rate: number,
  reads: number,
): Promise<{ ours: Answer[]; native: Answer[]; commitsPerSecond: number; restarts: number }> {
  const writer = await startWriter(db, rate);
  const ours: Answer[] = [];
  const native: Answer[] = [];
  let stopped: { commits: number; seconds: number; restarts: number } | undefined;
  try {
    await new Promise((r) => setTimeout(r, 300)); // the writer gets going
    for (let i = 0; i < reads; i++) {
      // Alternate which goes first, so that neither always meets the writer in the same state.
      const a = async (): Promise<void> => void ours.push(await node.ask<Answer>({ cmd: 'read', path: db, mode: 'paged' }));
      const b = async (): Promise<void> => void native.push(await py.ask<Answer>({ cmd: 'read', path: db }));
      if (i % 2) {
        await a();
        await b();
      } else {
        await b();
        await a();
      }
    }
  } finally {
    stopped = await writer.stop();
  }
  return { ours, native, commitsPerSecond: stopped.commits / stopped.seconds, restarts: stopped.restarts };
}

export async function benchDbUnderWriter(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const base = fixture(opts);
  const reads = opts.quick ? 20 : 40;
  const py = nativeReader();
  const node = nodeChild();
  try {
    const rest = await py.ask<Answer>({ cmd: 'read', path: base });
    if (rest.error) throw new Error(`python at rest: ${rest.error}`);
    log(`reads under a writer: whole schema, ${fmtBytes(fs.statSync(base).size)}, ${rest.topologies} topologies, ${rest.lans} lans`);
    for (const [label, rate] of [
      ['about 50 commits/s', 50],
      ['as fast as it can', 0],
    ] as const) {
      const dir = ensureDir(path.join(opts.dir, `live-writer-${process.pid}`));
      const db = path.join(dir, 'decnet.db');
      fs.copyFileSync(base, db);
      try {
        // The reader process is warm (sql.js loaded) from a read of the file at rest.
        await node.ask<Answer>({ cmd: 'read', path: db, mode: 'paged' });
        const r = await readsUnder(node, py, db, rate, reads);
        const answered = r.ours.filter((a) => !a.error);
        const right = answered.filter((a) => a.digest === rest.digest);
        const nativeOk = r.native.filter((a) => !a.error);
        const mo = median(answered.map((a) => a.ms));
        const mn = median(nativeOk.map((a) => a.ms));
        const what = `DB read under a writer, ${label} (${r.commitsPerSecond.toFixed(0)} commits/s of 40 rows, ${r.restarts} log restarts seen)`;
        const errors = r.ours.filter((a) => a.error).map((a) => a.error);
        log(
          `  ${label}: ${r.commitsPerSecond.toFixed(0)} commits/s; ours ${answered.length}/${reads} answered, ${right.length} identical, ` +
            `median ${fmtMs(mo)}; python ${nativeOk.length}/${reads}, median ${fmtMs(mn)}${errors.length ? `; errors: ${errors[0]}` : ''}`,
        );
        const retried = answered.filter((a) => (a.attempts ?? 1) > 1);
        log(
          `    ours per read (median): ${median(answered.map((a) => a.walFramesChecked ?? 0)).toFixed(0)} -wal frames checked, ` +
            `${median(answered.map((a) => a.pagesRead ?? 0)).toFixed(0)} pages read; answer given again ${answered.filter((a) => a.resultReused).length}/${answered.length}; ` +
            `retried ${retried.length}/${answered.length} (median ${fmtMs(median(retried.map((a) => a.ms)))} when retried, ` +
            `${fmtMs(median(answered.filter((a) => (a.attempts ?? 1) === 1).map((a) => a.ms)))} when not)`,
        );
        rows.push({
          section: 'writer',
          what: `${what}: reads answered`,
          measured: `${((100 * answered.length) / reads).toFixed(0)}% (${answered.length}/${reads})`,
          anchor: `python sqlite3 ${nativeOk.length}/${reads}`,
          ratio: '',
          target: '100%',
          pass: answered.length === reads,
        });
        rows.push({
          section: 'writer',
          what: `${what}: same topologies and LANs as python sqlite3 at rest`,
          measured: `${right.length}/${answered.length} identical`,
          anchor: 'python sqlite3 at rest',
          ratio: '',
          target: 'identical',
          pass: right.length === answered.length && answered.length > 0,
        });
        rows.push({
          section: 'writer',
          what: `${what}: median of ${reads}`,
          measured: fmtMs(mo),
          anchor: `python sqlite3 ${fmtMs(mn)}`,
          ratio: `${(mo / mn).toFixed(2)}x`,
          target: '<= 2.00x',
          pass: mo / mn <= 2,
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await py.close();
    await node.close();
  }
  return rows;
}
