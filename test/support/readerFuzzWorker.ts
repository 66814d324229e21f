// The child process of the reader fuzz test (started by runFuzz in readerFuzz.ts): runs cases
// [from, to) of a seed and reports each one to its parent, which kills it when a read hangs.
// Config: JSON in argv[2]. Messages (process.send): begin / end / done / fatal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { forgetCachedReads, readSqliteDb } from '../../src/core/db/sqlite';
import { DbReadError, type DbSnapshot } from '../../src/core/model';
import {
  baseFiles,
  diffRows,
  expectedRows,
  makeCase,
  Oracle,
  PASSING,
  SLOW_MS,
  type Base,
  type FuzzCase,
  type OracleAnswer,
  type Outcome,
} from './readerFuzz';

export interface WorkerConfig {
  seed: number;
  from: number;
  to: number;
  /** Cases from, from + step, ... (several workers share a run). */
  step: number;
  basesFile: string;
  dir: string;
  /** Stop after the first failing case. */
  stopAtFirst: boolean;
  /** Look for a smaller subset of a failing case's mutations that fails the same way. */
  minimize: boolean;
  only: number[] | null;
  /** Keep the files of the cases (for a replay). */
  keep: boolean;
}

export type WorkerMessage =
  | { t: 'begin'; i: number; trial: number[] | null }
  | {
      t: 'end';
      i: number;
      base: string;
      mode: string;
      mutations: string[];
      applied: number[];
      outcome: Outcome;
      /** The smallest subset of mutations found that fails the same way. */
      minimal: number[] | null;
      files?: string;
    }
  | { t: 'done' }
  | { t: 'fatal'; msg: string };

const send = (m: WorkerMessage): void => {
  process.send?.(m);
};

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer in ${ms} ms`)), ms);
    }),
  ]);
}

function writeOver(file: string, data: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, data, 0, data.length, 0);
    fs.ftruncateSync(fd, data.length);
  } finally {
    fs.closeSync(fd);
  }
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as WorkerConfig;
  const bases = JSON.parse(fs.readFileSync(cfg.basesFile, 'utf8')) as Base[];
  const files = new Map(bases.map((b) => [b.name, baseFiles(b)]));
  const oracle = new Oracle();
  const expectedOf = new Map<string, ReturnType<typeof expectedRows>>();

  // The bases themselves: SQLite's integrity check passes and the reader agrees with it.
  for (const b of bases) {
    const a = await oracle.check(b.path);
    if (!a.ok) throw new Error(`base ${b.name} fails SQLite's integrity check: ${a.why}`);
    const want = expectedRows(a);
    forgetCachedReads();
    const got = await readSqliteDb(b.path);
    const d = diffRows(got, want);
    if (d) throw new Error(`the reader and SQLite disagree on the undamaged base ${b.name}: ${d}`);
    if (want.topologies.length === 0) throw new Error(`base ${b.name} has no topologies`);
    expectedOf.set(b.name, want);
  }

  const run = async (c: FuzzCase, tag: string): Promise<Outcome> => {
    const p = path.join(cfg.dir, `c${c.index}${tag}.db`);
    const walPath = p + '-wal';
    try {
      if (c.mode === 'inplace') {
        // The undamaged files first, read (and kept) under this path; then damaged in place.
        const f = files.get(c.base.name)!;
        fs.writeFileSync(p, f.main);
        if (f.wal) fs.writeFileSync(walPath, f.wal);
        let got: DbSnapshot | null = null;
        let err: unknown = null;
        try {
          got = await readSqliteDb(p);
        } catch (e) {
          err = e;
        }
        const d = got ? diffRows(got, expectedOf.get(c.base.name)!) : String(err);
        if (d) return { kind: 'inplace-undamaged-read-failed', oracleOk: true, ms: 0, detail: d };
        writeOver(p, c.main);
        if (c.wal) writeOver(walPath, c.wal);
      } else {
        if (c.mode === 'fresh') forgetCachedReads();
        fs.writeFileSync(p, c.main);
        if (c.wal) fs.writeFileSync(walPath, c.wal);
      }
      const answer: Promise<OracleAnswer> = withTimeout(oracle.check(p), 60_000, 'the python3 oracle');
      answer.catch(() => undefined);
      const t0 = performance.now();
      let got: DbSnapshot | null = null;
      let err: unknown = null;
      try {
        got = await readSqliteDb(p);
      } catch (e) {
        err = e;
      }
      const ms = Math.round(performance.now() - t0);
      let a: OracleAnswer;
      try {
        a = await answer;
      } catch (e) {
        return { kind: 'oracle-crash', oracleOk: false, ms, detail: String(e) };
      }
      if (!a.ok && a.crash) return { kind: 'oracle-crash', oracleOk: false, ms, detail: a.why };
      const oracleOk = a.ok;
      const sqlite = a.ok ? 'SQLite: integrity ok' : `SQLite: ${a.why}`;
      if (ms > SLOW_MS) return { kind: 'slow', oracleOk, ms, detail: `the read took ${ms} ms; ${sqlite}` };
      if (err !== null) {
        if (err instanceof DbReadError) {
          // Nothing writes to these files: a read is never torn, only refused for what they hold.
          if (err.kind === 'torn') return { kind: 'torn-at-rest', refusedAs: err.kind, oracleOk, ms, detail: err.message };
          return { kind: 'refused', refusedAs: err.kind, oracleOk, ms, detail: err.message };
        }
        return { kind: 'non-DbReadError', oracleOk, ms, detail: `${err instanceof Error ? err.stack : JSON.stringify(err)}; ${sqlite}` };
      }
      if (!a.ok)
        return {
          kind: 'rows-despite-damage',
          oracleOk,
          ms,
          detail: `reader returned ${got!.topologies.length} topologies, ${got!.lans.length} lans; ${sqlite}`,
        };
      const d = diffRows(got!, expectedRows(a));
      if (d) return { kind: 'rows-differ', oracleOk, ms, detail: d };
      return { kind: 'agree', oracleOk, ms, detail: '' };
    } finally {
      if (!cfg.keep) {
        fs.rmSync(p, { force: true });
        fs.rmSync(walPath, { force: true });
      }
    }
  };

  const minimized = new Map<string, number>();
  for (let i = cfg.from; i < cfg.to; i += cfg.step) {
    const c = makeCase(cfg.seed, i, bases, files, cfg.only);
    send({ t: 'begin', i, trial: null });
    const outcome = await run(c, '');
    let minimal: number[] | null = null;
    // Narrowed down: the first few failing cases of each outcome and set of mutation kinds.
    const rawKey = `${outcome.kind} ${c.applied
      .map((j) => c.mutations[j].split(' ')[0])
      .sort()
      .join(' ')}`;
    const tries = (minimized.get(rawKey) ?? 0) + 1;
    if (!PASSING.has(outcome.kind)) minimized.set(rawKey, tries);
    if (!PASSING.has(outcome.kind) && cfg.minimize && c.applied.length > 1 && tries <= 2) {
      const subsets = c.applied.map((j) => [j]);
      if (c.applied.length === 3)
        subsets.push(
          ...[
            [0, 1],
            [0, 2],
            [1, 2],
          ].map((s) => s.map((k) => c.applied[k])),
        );
      for (const s of subsets) {
        send({ t: 'begin', i, trial: s });
        const o = await run(makeCase(cfg.seed, i, bases, files, s), `-${s.join('_')}`);
        if (o.kind === outcome.kind) {
          minimal = s;
          break;
        }
      }
    }
    send({
      t: 'end',
      i,
      base: c.base.name,
      mode: c.mode,
      mutations: c.mutations,
      applied: c.applied,
      outcome,
      minimal,
      files: cfg.keep ? path.join(cfg.dir, `c${i}.db`) : undefined,
    });
    if (cfg.stopAtFirst && !PASSING.has(outcome.kind)) break;
  }
  oracle.close();
  process.send?.({ t: 'done' } satisfies WorkerMessage, () => process.disconnect?.());
}

// The parent ends this process once it has 'done' or 'fatal'.
main().catch((e: unknown) => {
  send({ t: 'fatal', msg: e instanceof Error ? (e.stack ?? e.message) : String(e) });
});
