// DB read: this project's reader (readSqliteDb, in a Node process that does nothing else)
// beside python's native sqlite3 reading the same rows, on files of 100 MB, 1 GB and 3 GB (and
// over 4 GiB in a full run) whose bulk is DECNET's `logs` table, with committed rows only in
// the -wal. The two readers take turns, read by read, so that both see the same machine.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BenchOptions, ensureDir, fmtBytes, fmtMs, LineChild, log, median, MiB, python, ROOT, type Row } from './lib';

const WARMUPS = 3;
const READS = 20;

export interface DbFixture {
  label: string;
  path: string;
  bytes: number;
  walBytes: number;
  topologies: number;
  lans: number;
}

/**
 * A DECNET database of at least `bytes` under the cache folder, built by
 * bench/fixtures/big_db.py unless one is already there (same size, same -wal).
 */
export function dbFixture(opts: BenchOptions, label: string, bytes: number, extra: string[] = []): DbFixture {
  const dir = ensureDir(path.join(opts.dir, `db-${label}`));
  const dbPath = path.join(dir, 'decnet.db');
  const summaryPath = path.join(dir, 'summary.json');
  try {
    const s = JSON.parse(fs.readFileSync(summaryPath, 'utf8')) as DbFixture & { args: string[] };
    if (
      JSON.stringify(s.args) === JSON.stringify([String(bytes), ...extra]) &&
      fs.statSync(dbPath).size === s.bytes &&
      fs.statSync(`${dbPath}-wal`).size === s.walBytes
    ) {
      return { ...s, label, path: dbPath };
    }
  } catch {
    // not built yet, or changed: build it
  }
  log(`building the ${label} database in ${dir} (once; reused by later runs)`);
  fs.rmSync(summaryPath, { force: true });
  const args = [String(bytes), ...extra];
  const out = execFileSync(python(), [path.join(ROOT, 'bench/fixtures/big_db.py'), dbPath, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  const s = JSON.parse(out.trim().split('\n').pop()!) as {
    bytes: number;
    walBytes: number;
    topologies: number;
    lans: number;
    seconds: number;
  };
  log(`  ${fmtBytes(s.bytes)} (+ ${fmtBytes(s.walBytes)} of -wal) in ${s.seconds} s`);
  const fixture = { label, path: dbPath, bytes: s.bytes, walBytes: s.walBytes, topologies: s.topologies, lans: s.lans };
  fs.writeFileSync(summaryPath, JSON.stringify({ ...fixture, args }, null, 2));
  return fixture;
}

/** The DB of the refresh, removal and start-up sections: 1,000 topologies (+3 only in the -wal). */
export function refreshFixture(opts: BenchOptions): DbFixture {
  return dbFixture(opts, 'refresh-1000', 0, ['--topologies', '1000', '--wal-topologies', '3']);
}

interface ReadAnswer {
  ms: number;
  pagesReused?: boolean;
  topologies: number;
  lans: number;
  digest: string;
  pagesRead?: number;
  bytesRead?: number;
  pageCount?: number;
  /** Whether the read ran the structure check (integrity_check, ids against the index), and its time. */
  integrityChecked?: boolean;
  integrityCheckMs?: number;
  error?: string;
}

export function nodeChild(): LineChild {
  return new LineChild(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/dbReadChild.ts')]);
}

export function nativeReader(): LineChild {
  return new LineChild(python(), [path.join(ROOT, 'bench/native_reader.py')]);
}

export interface PairResult {
  ours: number[];
  /** Of each measured read of ours: the time of its structure check (0 when skipped). */
  oursCheck: number[];
  native: number[];
  /** The first read (sql.js loaded, every page of the tables read). */
  oursFirst: ReadAnswer;
  oursLast: ReadAnswer;
  nativeLast: ReadAnswer;
  growth: number;
  /** The reading process's peak RSS (VmHWM) during these reads. */
  peak: number;
  same: boolean;
  error?: string;
}

/** Our reader in a fresh Node process and the native reader, alternating, 3 warm-ups + 20 reads each. */
export interface PairOptions {
  mode?: 'paged' | 'fresh';
  reads?: number;
  /** Run before every pair of reads (a commit, for instance). */
  beforeEach?: () => Promise<void>;
  /**
   * The Node reader process to use (kept running across files, as python's is); a fresh one,
   * closed afterwards, when omitted.
   */
  node?: LineChild;
}

/**
 * Our reader and the native reader, alternating, 3 warm-ups + 20 reads each. The peak RSS of our
 * reading process is reset before the reads: `growth` is how much it grew while reading this file.
 */
export async function readPair(py: LineChild, dbPath: string, o: PairOptions = {}): Promise<PairResult> {
  const mode = o.mode ?? 'paged';
  const reads = o.reads ?? READS;
  const node = o.node ?? nodeChild();
  try {
    const base = await node.ask<{ rss: number }>({ cmd: 'baseline' });
    const ours: number[] = [];
    const oursCheck: number[] = [];
    const native: number[] = [];
    let oursFirst: ReadAnswer | undefined;
    let oursLast!: ReadAnswer;
    let nativeLast!: ReadAnswer;
    for (let i = 0; i < WARMUPS + reads; i++) {
      if (o.beforeEach) await o.beforeEach();
      const askOurs = async (): Promise<void> => {
        oursLast = await node.ask<ReadAnswer>({ cmd: 'read', path: dbPath, mode });
        if (oursLast.error) throw new Error(`our reader: ${oursLast.error}`);
        oursFirst ??= oursLast;
        if (i >= WARMUPS) {
          ours.push(oursLast.ms);
          oursCheck.push(oursLast.integrityChecked ? (oursLast.integrityCheckMs ?? 0) : 0);
        }
      };
      const askNative = async (): Promise<void> => {
        nativeLast = await py.ask<ReadAnswer>({ cmd: 'read', path: dbPath });
        if (nativeLast.error) throw new Error(`python sqlite3: ${nativeLast.error}`);
        if (i >= WARMUPS) native.push(nativeLast.ms);
      };
      // Take turns, and swap who goes first every read.
      if (i % 2) {
        await askOurs();
        await askNative();
      } else {
        await askNative();
        await askOurs();
      }
    }
    const peak = await node.ask<{ hwm: number }>({ cmd: 'peak' });
    const same =
      oursLast.digest === nativeLast.digest && oursLast.topologies === nativeLast.topologies && oursLast.lans === nativeLast.lans;
    return { ours, oursCheck, native, oursFirst: oursFirst!, oursLast, nativeLast, growth: peak.hwm - base.rss, peak: peak.hwm, same };
  } finally {
    if (!o.node) await node.close();
  }
}

/**
 * What the structure check (SQLite's integrity check of each table read, the topology ids against
 * their primary-key index) costs: timed inside each read, so the same read without it is the
 * read's time less the check's. `paged`: reads of an unchanged file (checked once, then skipped);
 * `fresh`: nothing kept (checked every read).
 */
function checkCostRow(what: string, paged: PairResult, fresh: PairResult, skipped: number): Row {
  const fc = median(fresh.oursCheck);
  const fo = median(fresh.ours);
  const first = paged.oursFirst.integrityCheckMs ?? NaN;
  log(
    `  structure check: ${fmtMs(fc)} of ${fmtMs(fo)} when nothing is kept (without it ${fmtMs(fo - fc)}); ` +
      `${fmtMs(first)} on the first read; skipped on ${skipped} of ${paged.oursCheck.length} reads of the unchanged file`,
  );
  return {
    section: 'db',
    what: `${what} (integrity_check of the tables read, ids vs index): median when nothing is kept; skipped on ${skipped}/${paged.oursCheck.length} unchanged reads`,
    measured: fmtMs(fc),
    anchor: `same read without it ${fmtMs(fo - fc)}`,
    ratio: `${(fo / (fo - fc)).toFixed(2)}x`,
    target: '',
  };
}

/** The same read with and without the structure check, when every read runs it (a commit before each). */
function withoutCheckRow(what: string, r: PairResult): Row {
  const with_ = median(r.ours);
  const without = median(r.ours.map((ms, i) => ms - r.oursCheck[i]));
  const check = median(r.oursCheck);
  log(`  structure check: ${fmtMs(check)} per read; the same reads without it ${fmtMs(without)}`);
  return {
    section: 'db',
    what: `${what}: the structure check, run on every read (median)`,
    measured: fmtMs(check),
    anchor: `reads without it ${fmtMs(without)}, with it ${fmtMs(with_)}`,
    ratio: `${(with_ / without).toFixed(2)}x`,
    target: '',
  };
}

/** A scratch copy of a fixture (with its -wal) that a writer may change. */
function liveCopy(opts: BenchOptions, fx: DbFixture): string {
  const dir = path.join(opts.dir, `live-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  ensureDir(dir);
  const dst = path.join(dir, 'decnet.db');
  fs.copyFileSync(fx.path, dst);
  fs.copyFileSync(`${fx.path}-wal`, `${dst}-wal`);
  return dst;
}

/** Plain sql.js in a fresh process: the whole file in memory. For context (and to show why not). */
async function naive(dbPath: string, reads: number): Promise<{ ms: number; growth: number; error?: string; topologies?: number }> {
  const node = nodeChild();
  try {
    const base = await node.ask<{ rss: number }>({ cmd: 'baseline' });
    const times: number[] = [];
    let last: ReadAnswer | undefined;
    for (let i = 0; i < 1 + reads; i++) {
      last = await node.ask<ReadAnswer>({ cmd: 'read', path: dbPath, mode: 'naive' });
      if (last.error) break;
      if (i >= 1) times.push(last.ms);
    }
    const peak = await node.ask<{ hwm: number }>({ cmd: 'peak' });
    return { ms: median(times), growth: peak.hwm - base.rss, error: last?.error, topologies: last?.topologies };
  } catch (e) {
    return { ms: NaN, growth: NaN, error: (e as Error).message.split('\n')[0] };
  } finally {
    await node.close();
  }
}

export async function benchDbRead(opts: BenchOptions): Promise<Row[]> {
  const sizes: Array<{ label: string; bytes: number; target: boolean }> = [
    { label: '100MB', bytes: 100e6, target: true },
    { label: '1GB', bytes: 1e9, target: true },
    { label: '3GB', bytes: 3e9, target: true },
  ];
  if (!opts.quick) sizes.push({ label: '4.5GB', bytes: 4.5e9, target: false });
  const rows: Row[] = [];
  const fixtures = sizes.map((s) => ({ ...s, fx: dbFixture(opts, s.label, s.bytes) }));
  const py = nativeReader();
  // One long-running reader process for every file, as python's is.
  const node = nodeChild();
  const start = await node.ask<{ rss: number }>({ cmd: 'baseline' });
  let maxPeak = start.rss;
  const costs: Array<{ label: string; bytesRead: number; pages: number }> = [];
  try {
    // The extension host reading decnet.db has read it before: the reading process starts warm
    // (sql.js loaded, the reader's code compiled by V8) from reads of a small DECNET database of
    // its own (the same tables, no logs), so that the first file measured is not charged for it
    // and every file sees the same process. Nothing of it is kept for the files measured.
    const warm = dbFixture(opts, 'warm-up', 0);
    for (let i = 0; i < WARMUPS + READS; i++) {
      const a = await node.ask<ReadAnswer>({ cmd: 'read', path: warm.path, mode: 'paged' });
      if (a.error) throw new Error(`our reader, warming up: ${a.error}`);
    }
    for (const { label, fx, target } of fixtures) {
      log(
        `DB read, ${label} (${fmtBytes(fx.bytes)}, -wal ${fmtBytes(fx.walBytes)}): ours and python sqlite3, ${WARMUPS}+${READS} reads each`,
      );
      const r = await readPair(py, fx.path, { node });
      maxPeak = Math.max(maxPeak, r.peak);
      const mo = median(r.ours);
      const mn = median(r.native);
      const ratio = mo / mn;
      const name = `DB read ${label}${target ? '' : ' (over 4 GiB)'}`;
      rows.push({
        section: 'db',
        what: `${name}, median of ${READS}`,
        measured: fmtMs(mo),
        anchor: `python sqlite3 ${fmtMs(mn)}`,
        ratio: `${ratio.toFixed(2)}x`,
        target: '<= 2.00x',
        pass: target ? ratio <= 2 && r.same : undefined,
      });
      rows.push({
        section: 'db',
        what: `${name}, same rows as SQLite (${r.oursLast.topologies} topologies, ${r.oursLast.lans} lans, -wal rows included)`,
        measured: r.same ? 'identical' : 'DIFFERENT',
        anchor: 'python sqlite3',
        ratio: '',
        target: 'identical',
        pass: r.same,
      });
      rows.push({
        section: 'db',
        what: `${name}, peak RSS growth of the reading process while it read this file`,
        measured: fmtBytes(r.growth),
        anchor: '',
        ratio: '',
        target: '< 64 MiB',
        pass: target ? r.growth < 64 * MiB : undefined,
      });
      costs.push({ label, bytesRead: r.oursFirst.bytesRead ?? NaN, pages: r.oursFirst.pagesRead ?? NaN });
      const skipped = r.oursCheck.filter((c) => c === 0).length;
      log(
        `  ours ${fmtMs(mo)}, python ${fmtMs(mn)} (${ratio.toFixed(2)}x), peak +${fmtBytes(r.growth)}; ` +
          `first read: ${r.oursFirst.pagesRead} of ${r.oursFirst.pageCount} pages (${fmtBytes(r.oursFirst.bytesRead ?? 0)}), ` +
          `later reads: ${r.oursLast.pagesRead} page(s)${r.oursLast.pagesReused ? ', SQLite kept the rest (file unchanged)' : ''}`,
      );
      // The same, keeping nothing between reads (as after a commit before every read).
      const f = await readPair(py, fx.path, { node, mode: 'fresh' });
      maxPeak = Math.max(maxPeak, f.peak);
      const fo = median(f.ours);
      const fn = median(f.native);
      rows.push({
        section: 'db',
        what: `${name}, nothing kept between reads (every page read, schema parsed), median of ${READS}`,
        measured: fmtMs(fo),
        anchor: `python sqlite3 ${fmtMs(fn)}`,
        ratio: `${(fo / fn).toFixed(2)}x`,
        target: '',
        pass: f.same ? undefined : false,
      });
      log(`  nothing kept between reads: ours ${fmtMs(fo)}, python ${fmtMs(fn)} (${(fo / fn).toFixed(2)}x), peak +${fmtBytes(f.growth)}`);
      rows.push(checkCostRow(`${name}, structure check`, r, f, skipped));
    }
    // DECNET writes all day: a commit lands in the -wal before every read (on a copy of the
    // 100 MB file), so nothing can be kept from one read to the next but the schema.
    const live = liveCopy(opts, fixtures[0].fx);
    const writer = new LineChild(python(), [path.join(ROOT, 'bench/fixtures/wal_writer.py'), live]);
    try {
      log('DB read while a writer commits before every read (100 MB copy)');
      const r = await readPair(py, live, {
        node,
        beforeEach: async () => {
          const w = await writer.ask<{ walBytes?: number; error?: string }>({ cmd: 'commit' });
          if (w.error) throw new Error(`writer: ${w.error}`);
        },
      });
      maxPeak = Math.max(maxPeak, r.peak);
      const mo = median(r.ours);
      const mn = median(r.native);
      rows.push({
        section: 'db',
        what: `DB read 100MB while a commit lands before every read, median of ${READS}`,
        measured: fmtMs(mo),
        anchor: `python sqlite3 ${fmtMs(mn)}`,
        ratio: `${(mo / mn).toFixed(2)}x`,
        target: '',
        pass: r.same ? undefined : false,
      });
      log(`  ours ${fmtMs(mo)}, python ${fmtMs(mn)} (${(mo / mn).toFixed(2)}x); ${r.oursLast.pagesRead} pages read per read`);
      rows.push(withoutCheckRow('DB read 100MB while a commit lands before every read', r));
    } finally {
      await writer.close();
      fs.rmSync(path.dirname(live), { recursive: true, force: true });
    }
  } finally {
    await py.close();
    await node.close();
  }
  rows.push({
    section: 'db',
    what: 'peak RSS growth of the reading process over every read above, from before its first read (sql.js included)',
    measured: fmtBytes(maxPeak - start.rss),
    anchor: '',
    ratio: '',
    target: '< 64 MiB',
    pass: maxPeak - start.rss < 64 * MiB,
  });
  // Cost follows the tables read: the same tables cost the same bytes whatever the file size.
  const small = costs[0];
  const big = costs.find((c) => c.label === '3GB')!;
  rows.push({
    section: 'db',
    what: `bytes a first read reads, 3 GB vs 100 MB file (${costs.map((c) => `${c.label}: ${c.pages} pages`).join(', ')})`,
    measured: fmtBytes(big.bytesRead),
    anchor: `100 MB file ${fmtBytes(small.bytesRead)}`,
    ratio: `${(big.bytesRead / small.bytesRead).toFixed(2)}x`,
    target: '<= 1.10x',
    pass: big.bytesRead <= small.bytesRead * 1.1,
  });

  // Plain sql.js, for context: what the reader does not do.
  const naiveSizes = opts.quick ? fixtures.filter((f) => f.label === '100MB' || f.label === '3GB') : fixtures.filter((f) => f.target);
  for (const { label, fx } of naiveSizes) {
    log(`plain sql.js (whole file into memory), ${label}`);
    const n = await naive(fx.path, fx.bytes > 2e9 ? 1 : 3);
    rows.push({
      section: 'db',
      what: `plain sql.js ${label} (whole file in memory; no -wal), for context`,
      measured: n.error ? `fails: ${n.error.slice(0, 60)}` : `${fmtMs(n.ms)}, peak +${fmtBytes(n.growth)}`,
      anchor: '',
      ratio: '',
      target: '',
    });
  }
  return rows;
}
