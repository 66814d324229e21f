// Builds the CLI as one file that needs no Node on the host: a Node single executable application
// (https://nodejs.org/docs/latest-v20.x/api/single-executable-applications.html) made of a copy of
// the `node` running this script, with dist/cli.js as its main script, sql.js's wasm as an
// embedded asset (read with `sea.getAsset`, src/core/singleExecutable.ts) and a V8 code cache of
// the script (the main lever on a cold start: `npm run bench -- --only=startup` measures it).
//
//   node --import tsx scripts/sea.ts [--out FILE] [--no-code-cache]   (after `node esbuild.mjs --production`)
//
// Linux x64 only (the DECNET hosts): elsewhere, or on a Node without single executable support
// (before 20.12), it says why and builds nothing. `strip` (binutils), when present, drops the
// debugging symbols of the copied `node` first: about 12 MB less, nothing the CLI uses.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
export const SEA_NAME = 'decnet-reaper-linux-x64';
export const SEA_PATH = join(ROOT, 'dist', SEA_NAME);
// The fuse every Node release carries, flipped by postject when it injects the blob.
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Why a single executable cannot be built with this Node on this machine, or undefined. */
export function seaUnsupported(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `built on Linux x64 only (this is ${process.platform}-${process.arch})`;
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 12)) return `needs Node >= 20.12 for embedded assets (this is ${process.version})`;
  if (!readFileSync(process.execPath).includes(`${FUSE}:0`)) return `${process.execPath} has no single executable fuse`;
  return undefined;
}

/**
 * Builds the single executable at `out` (dist/decnet-reaper-linux-x64 by default) from
 * dist/cli.js and dist/sql-wasm.wasm, which must be built. Returns its path.
 */
export function buildSea({
  out = SEA_PATH,
  codeCache = true,
  log = (m: string) => console.error(m),
}: { out?: string; codeCache?: boolean; log?: (message: string) => void } = {}): string {
  const why = seaUnsupported();
  if (why) throw new Error(`the single executable is not built: ${why}`);
  const cli = join(ROOT, 'dist', 'cli.js');
  const wasm = join(ROOT, 'dist', 'sql-wasm.wasm');
  for (const f of [cli, wasm]) if (!existsSync(f)) throw new Error(`${f} is missing: run node esbuild.mjs --production first`);
  const work = mkdtempSync(join(tmpdir(), 'decnet-reaper-sea-'));
  try {
    const blob = join(work, 'sea-prep.blob');
    const config = join(work, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        main: cli,
        output: blob,
        // Node 20 warns on every start otherwise: noise in a cron mail or the journal.
        disableExperimentalSEAWarning: true,
        useCodeCache: codeCache,
        assets: { 'sql-wasm.wasm': wasm },
      }),
    );
    const prep = spawnSync(process.execPath, ['--experimental-sea-config', config], { cwd: work, encoding: 'utf8' });
    if (prep.status !== 0) throw new Error(`node --experimental-sea-config failed: ${prep.stderr || prep.stdout}`);
    const bin = join(work, SEA_NAME);
    copyFileSync(process.execPath, bin);
    chmodSync(bin, 0o755);
    const strip = spawnSync('strip', [bin], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (strip.error) log(`sea: strip is not installed: the copy of node keeps its debugging symbols`);
    else if (strip.status !== 0) throw new Error(`strip failed: ${strip.stderr.trim()}`);
    // postject's own CLI, in a child: LIEF prints warnings about the copied node's many ELF notes
    // ("Can't find string offset for section name '.note'"), harmless, shown only when it fails.
    const injected = spawnSync(
      process.execPath,
      [require.resolve('postject/dist/cli.js'), bin, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (injected.status !== 0) throw new Error(`postject failed (exit ${injected.status}):\n${injected.stdout}${injected.stderr}`);
    // It must run, here and now, without anything beside it.
    const v = spawnSync(bin, ['--version'], { cwd: work, encoding: 'utf8', env: { PATH: '/nonexistent' } });
    if (v.status !== 0 || !v.stdout.startsWith('decnet-reaper ')) {
      throw new Error(`the single executable does not run: exit ${v.status}, ${v.stderr || v.stdout || String(v.error)}`);
    }
    renameSync(bin, out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = at >= 0 ? resolve(args[at + 1] ?? '') : SEA_PATH;
  try {
    console.error(`sea: built ${buildSea({ out, codeCache: !args.includes('--no-code-cache') })}`);
  } catch (e) {
    console.error(`sea: ${(e as Error).message}`);
    process.exit(1);
  }
}
