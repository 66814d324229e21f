// Bundles the extension and the CLI. `--production` minifies; otherwise source maps.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  // ssh2 (through dockerode) tries optional native bindings inside try/catch.
  external: ['vscode', 'cpu-features', '*.node', 'sql.js/dist/sql-wasm.wasm'],
};

mkdirSync('dist', { recursive: true });
// A production build ships no source maps: drop those of an earlier development build.
if (production) for (const f of ['extension.js.map', 'cli.js.map']) rmSync(`dist/${f}`, { force: true });
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');

const builds = [
  { ...common, entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/extension.js' },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
