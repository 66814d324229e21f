// A cold `decnet-reaper scan` beside what the Docker CLI takes to list the same daemon
// (`docker ps -a` and `docker network ls`), run in turns in one run, and where the CLI's time
// goes: Node's boot, loading the bundle, reading the database, listing Docker, and exiting. The
// same scan by the single executable (dist/decnet-reaper-linux-x64, `npm run package`), with its
// V8 code cache and, to tell what the cache is worth, a copy built without one; and its size.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { buildSea, SEA_PATH, seaUnsupported } from '../scripts/sea';
import { makeDecnetDb, topologyRow } from '../test/support/makeDb';
import { type BenchOptions, fmtBytes, fmtMs, log, median, privateDockerHost, ROOT, type Row } from './lib';

const run = promisify(execFile);

async function wall(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stderr: string }> {
  const t0 = process.hrtime.bigint();
  const { stderr } = await run(cmd, args, { env, maxBuffer: 16 << 20 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, stderr };
}

/** A fresh process that reads the database once, then lists Docker once, and says how long each took. */
const PROBE = `
import { readDb, readDocker } from '${path.join(ROOT, 'src/core/scan').replace(/\\/g, '/')}';
import { performance } from 'node:perf_hooks';
const [db, host] = process.argv.slice(2);
(async () => {
  const t0 = performance.now();
  await readDb({ kind: 'sqlite', path: db, origin: 'setting' });
  const t1 = performance.now();
  await readDocker(host);
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ read: t1 - t0, list: t2 - t1 }));
  process.exit(0);
})();
`;

export async function benchCliStartup(opts: BenchOptions): Promise<Row[]> {
  const runs = opts.quick ? 5 : 15;
  // A small database, as on a host with a few topologies: 3 topologies, 6 LANs, committed in the -wal too.
  const ids = ['3f2a9c1e-0000-4000-8000-000000000001', '5b7d0e4f-0000-4000-8000-000000000002', '9c1e3f2a-0000-4000-8000-000000000003'];
  const fxDir = path.join(opts.dir, 'cli-startup');
  fs.rmSync(fxDir, { recursive: true, force: true });
  const fx = {
    path: makeDecnetDb(fxDir, {
      checkpointed: [topologyRow(ids[0], 'maze-1', 'active'), topologyRow(ids[1], 'maze-2', 'torn_down')],
      walOnly: [topologyRow(ids[2], 'maze-3', 'deploying')],
      lans: ids.flatMap((id, i) =>
        [0, 1].map((j) => ({
          id: `lan-${i}-${j}`,
          topologyId: id,
          name: `lan${j}`,
          subnet: `172.16.${i * 2 + j}.0/24`,
          isDmz: j === 0,
          dockerNetworkId: null,
        })),
      ),
    }),
  };
  const host = privateDockerHost();
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: ROOT });
  const cli = path.join(ROOT, 'dist/cli.js');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'decnet-cli-bench-'));
  const probe = path.join(ROOT, 'dist', 'bench-scan-probe.js');
  fs.writeFileSync(path.join(tmp, 'probe.ts'), PROBE);
  await esbuild.build({
    entryPoints: [path.join(tmp, 'probe.ts')],
    outfile: probe,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    logLevel: 'error',
    external: ['cpu-features', '*.node', 'sql.js/dist/sql-wasm.wasm'],
  });
  // The single executable as `npm run package` built it (built here if that failed), and a copy
  // without the code cache.
  const noSea = seaUnsupported();
  const seaNoCache = path.join(tmp, 'decnet-reaper-no-code-cache');
  if (!noSea) {
    if (!fs.existsSync(SEA_PATH)) buildSea({ log });
    buildSea({ out: seaNoCache, codeCache: false, log });
  }
  const env = { PATH: process.env.PATH, HOME: tmp, DOCKER_HOST: host, DECNET_REAPER_INI: path.join(tmp, 'none.ini') };
  log(`startup: cold decnet-reaper scan vs docker ps -a + docker network ls, ${runs} runs each, in turns`);
  const docker: number[] = [];
  const scan: number[] = [];
  const boot: number[] = [];
  const load: number[] = [];
  const loadedAt: number[] = [];
  const doneAt: number[] = [];
  const read: number[] = [];
  const list: number[] = [];
  const sea: number[] = [];
  const seaCold: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      docker.push((await wall('docker', ['ps', '-a'], env)).ms + (await wall('docker', ['network', 'ls'], env)).ms);
      const s = await wall(process.execPath, [cli, 'scan', '--db', fx.path], { ...env, DECNET_REAPER_TIMING: '1' });
      scan.push(s.ms);
      if (!noSea) {
        sea.push((await wall(SEA_PATH, ['scan', '--db', fx.path], env)).ms);
        seaCold.push((await wall(seaNoCache, ['scan', '--db', fx.path], env)).ms);
      }
      const m = /timing: loaded ([\d.]+) ms, done ([\d.]+) ms/.exec(s.stderr);
      if (m) {
        loadedAt.push(Number(m[1]));
        doneAt.push(Number(m[2]));
      }
      boot.push((await wall(process.execPath, ['-e', '0'], env)).ms);
      load.push((await wall(process.execPath, ['-e', `require(${JSON.stringify(cli)})`], env)).ms);
      const p = await run(process.execPath, [probe, fx.path, host], { env });
      const t = JSON.parse(p.stdout) as { read: number; list: number };
      read.push(t.read);
      list.push(t.list);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(probe, { force: true });
  }
  const d = median(docker);
  const c = median(scan);
  const b = median(boot);
  const total = c;
  const loaded = median(loadedAt);
  const done = median(doneAt);
  const seaRows: Row[] = noSea
    ? [{ section: 'startup', what: 'the single executable', measured: `not built: ${noSea}`, anchor: '', ratio: '', target: '' }]
    : [
        {
          section: 'startup',
          what: `cold scan by the single executable (${path.basename(SEA_PATH)}), median of ${runs}`,
          measured: fmtMs(median(sea)),
          anchor: `docker ps -a + docker network ls ${fmtMs(d)}`,
          ratio: `${(median(sea) / d).toFixed(1)}x`,
          target: '≤ 2x',
          pass: median(sea) <= 2 * d,
        },
        {
          section: 'startup',
          what: 'what the V8 code cache is worth: the same binary without it',
          measured: fmtMs(median(seaCold)),
          anchor: `with it ${fmtMs(median(sea))}`,
          ratio: `${(median(seaCold) / median(sea)).toFixed(2)}x`,
          target: '',
        },
        {
          section: 'startup',
          what: 'size of the single executable (node + bundle + wasm)',
          measured: fmtBytes(fs.statSync(SEA_PATH).size),
          anchor: `dist/cli.js + sql-wasm.wasm ${fmtBytes(fs.statSync(cli).size + fs.statSync(path.join(ROOT, 'dist/sql-wasm.wasm')).size)}`,
          ratio: '',
          target: '',
        },
      ];
  return [
    {
      section: 'startup',
      what: `cold \`decnet-reaper scan\` (small DB, private daemon), median of ${runs}`,
      measured: fmtMs(c),
      anchor: `docker ps -a + docker network ls ${fmtMs(d)}`,
      ratio: `${(c / d).toFixed(1)}x`,
      target: '≤ 4x',
      pass: c <= 4 * d,
    },
    {
      section: 'startup',
      what: 'where a cold scan goes: boot · load · read · list · exit',
      measured: `${fmtMs(b)} · ${fmtMs(median(load) - b)} · ${fmtMs(median(read))} · ${fmtMs(median(list))} · ${fmtMs(total - done)}`,
      anchor: `bundle loaded at ${fmtMs(loaded)}, output done at ${fmtMs(done)}, process gone at ${fmtMs(total)}`,
      ratio: '',
      target: '',
    },
    ...seaRows,
  ];
}
