// `npm run package`: the production bundles, the .vsix (vsce, which must print no warning), the
// CLI as one file without Node (dist/decnet-reaper-linux-x64, scripts/sea.mjs; on Linux x64) and
// dist/SHA256SUMS for what was built, as `sha256sum -c SHA256SUMS` reads it.
//   node --import tsx scripts/package.ts
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { buildSea, SEA_PATH, seaUnsupported } from './sea';

const ROOT = resolve(__dirname, '..');
const VSIX = join(ROOT, 'dist', 'decnet-topology-reaper.vsix');
const SUMS = join(ROOT, 'dist', 'SHA256SUMS');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`package: ${basename(args[0] ?? cmd)} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

// Nothing of an earlier run may pass for this one's.
for (const f of [VSIX, SEA_PATH, SUMS]) rmSync(f, { force: true });

run(process.execPath, ['esbuild.mjs', '--production']);
// The extension's own repository has no public address: vsce is told so rather than given a
// made-up one (--allow-missing-repository); --no-rewrite-relative-links keeps the README's links.
const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
run(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '--out', VSIX]);

const unsupported = seaUnsupported();
if (unsupported) console.error(`package: dist/${basename(SEA_PATH)} is not built: ${unsupported}`);
else {
  try {
    buildSea();
  } catch (e) {
    console.error(`package: ${(e as Error).message}`);
    process.exit(1);
  }
  console.error(`package: built dist/${basename(SEA_PATH)}`);
}

const lines = [VSIX, SEA_PATH]
  .filter((f) => existsSync(f))
  .map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${basename(f)}\n`);
writeFileSync(SUMS, lines.join(''));
console.error(`package: dist/SHA256SUMS lists ${lines.map((l) => l.slice(66).trim()).join(', ')}`);
