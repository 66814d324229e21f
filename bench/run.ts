// `npm run bench`: builds the fixtures it needs, runs every target beside its anchor, prints a
// table of medians and ratios, and exits non-zero when a target is missed.
//
//   npm run bench [-- --quick] [-- --only=db,writer,refresh,removal,fleet,startup] [-- --dir=PATH]
//
// Fixtures live in ${DECNET_BENCH_DIR:-/var/tmp/decnet-reaper-bench} (large DB files, reused
// between runs). Refresh and removal use the PRIVATE test daemon only (scripts/private-dockerd.sh,
// started when needed and then stopped at the end; one found running is left running); they create their own uniquely named resources on
// 198.19.0.0/16 and remove exactly those.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchDbRead } from './dbRead';
import { benchDbUnderWriter } from './dbUnderWriter';
import { benchFleet } from './fleet';
import { type BenchOptions, ensureDir, log, printTable, type Row, stopStartedDaemon } from './lib';
import { benchRefresh } from './refresh';
import { benchRemoval } from './removal';
import { benchStartup } from './startup';

const SECTIONS = ['db', 'writer', 'refresh', 'removal', 'fleet', 'startup'] as const;

function parseArgs(argv: string[]): BenchOptions {
  const opts: BenchOptions = {
    quick: false,
    only: new Set(SECTIONS),
    dir: process.env.DECNET_BENCH_DIR || '/var/tmp/decnet-reaper-bench',
  };
  for (const a of argv) {
    if (a === '--quick') opts.quick = true;
    else if (a.startsWith('--only=')) opts.only = new Set(a.slice(7).split(',').filter(Boolean));
    else if (a.startsWith('--dir=')) opts.dir = path.resolve(a.slice(6));
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench [-- --quick] [-- --only=db,writer,refresh,removal,fleet,startup] [-- --dir=PATH]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  for (const s of opts.only) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section ${s} (${SECTIONS.join(', ')})`);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  ensureDir(opts.dir);
  const started = Date.now();
  log(
    `${opts.quick ? 'quick' : 'full'} run; fixtures in ${opts.dir}; ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
  );
  const rows: Row[] = [];
  const failures: string[] = [];
  const run = async (name: string, fn: () => Promise<Row[]>): Promise<void> => {
    if (!opts.only.has(name)) return;
    try {
      rows.push(...(await fn()));
    } catch (e) {
      const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
      log(`${name} failed: ${msg}`);
      failures.push(name);
      rows.push({
        section: name,
        what: 'section could not run',
        measured: msg.split('\n')[0].slice(0, 80),
        anchor: '',
        ratio: '',
        target: '',
        pass: false,
      });
    }
  };
  await run('db', () => benchDbRead(opts));
  await run('writer', () => benchDbUnderWriter(opts));
  await run('refresh', () => benchRefresh(opts));
  await run('removal', () => benchRemoval(opts));
  await run('fleet', () => benchFleet(opts));
  try {
    await run('startup', () => benchStartup(opts));
  } finally {
    stopStartedDaemon();
  }

  const table = printTable(rows);
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  const missed = rows.filter((r) => r.pass === false);
  process.stdout.write(`\n${table}\n\n${missed.length ? `${missed.length} target(s) missed` : 'every target met'} (${minutes} min)\n`);
  const out = path.join(opts.dir, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify({ quick: opts.quick, minutes: Number(minutes), rows }, null, 2));
  log(`results also in ${out}`);
  process.exitCode = missed.length || failures.length ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 2;
});
