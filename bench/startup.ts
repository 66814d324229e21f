// Start-up: `activationEvents` stays empty, activation touches neither the database nor Docker
// before the view asks (checked on the packaged bundle, with a stand-in vscode module that
// records every file access and socket), and the packaged .vsix stays under 2 MB.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { refreshFixture } from './dbRead';
import { benchCliStartup } from './startupCli';
import { type BenchOptions, fmtBytes, fmtMs, log, MiB, privateDockerHost, ROOT, type Row } from './lib';

const run = promisify(execFile);

interface ProbeEvent {
  phase: string;
  op: string;
  target: string;
}

export async function benchStartup(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { activationEvents?: unknown[] };
  const emptyEvents = Array.isArray(pkg.activationEvents) && pkg.activationEvents.length === 0;
  rows.push({
    section: 'startup',
    what: 'package.json activationEvents (the view activates the extension)',
    measured: JSON.stringify(pkg.activationEvents),
    anchor: '',
    ratio: '',
    target: '[]',
    pass: emptyEvents,
  });

  log('startup: npm run package');
  const vsix = path.join(ROOT, 'dist/decnet-topology-reaper.vsix');
  fs.rmSync(vsix, { force: true });
  let packageError = '';
  try {
    await run('npm', ['run', '--silent', 'package'], { cwd: ROOT, maxBuffer: 16 << 20 });
  } catch (e) {
    // The bundle is built before vsce runs: the probe below still has dist/extension.js.
    const err = e as { stderr?: string; message: string };
    packageError =
      (err.stderr || err.message)
        .trim()
        .split('\n')
        .find((l) => /error/i.test(l)) ?? err.message;
    log(`startup: npm run package failed: ${packageError}`);
  }
  const size = fs.existsSync(vsix) ? fs.statSync(vsix).size : NaN;
  rows.push({
    section: 'startup',
    what: 'packaged .vsix (npm run package)',
    measured: packageError ? `not built: ${packageError.slice(0, 70)}` : fmtBytes(size),
    anchor: '',
    ratio: '',
    target: '< 2 MiB',
    pass: !packageError && size < 2 * MiB,
  });

  // A small database and the private daemon: the probe checks that both are left alone until
  // the view asks, and then that they are read (so that the check can see what it looks for).
  const fx = refreshFixture(opts);
  const host = privateDockerHost();
  const socket = host.slice('unix://'.length);
  const settings = { 'decnet.database.path': fx.path, 'decnet.docker.host': host };
  log('startup: loading dist/extension.js with a recording stand-in for vscode');
  const { stdout } = await run(
    process.execPath,
    [path.join(ROOT, 'bench/startupProbe.cjs'), path.join(ROOT, 'dist/extension.js'), JSON.stringify(settings)],
    { cwd: ROOT, env: { ...process.env, DECNET_DB_PATH: '', DOCKER_HOST: '' }, maxBuffer: 64 << 20 },
  );
  const probe = JSON.parse(stdout.trim().split('\n').pop()!) as {
    requireMs: number;
    activateMs: number;
    providers: number;
    events: ProbeEvent[];
    error?: string;
  };
  if (probe.error) throw new Error(`the probe failed: ${probe.error}`);
  const dbOrDocker = (e: ProbeEvent): boolean =>
    e.op === 'socket.connect' ||
    e.target.startsWith(fx.path) ||
    e.target.endsWith('.db') ||
    e.target.includes('decnet.ini') ||
    e.target.includes(socket);
  const early = probe.events.filter((e) => e.phase !== 'view' && e.phase !== 'done' && dbOrDocker(e));
  const later = probe.events.filter((e) => e.phase === 'view' || e.phase === 'done');
  const sawDb = later.some((e) => e.target.startsWith(fx.path));
  const sawDocker = later.some((e) => e.op === 'socket.connect' && e.target.includes(socket));
  const filesBefore = probe.events.filter((e) => e.phase === 'require' || e.phase === 'activate' || e.phase === 'idle');
  rows.push({
    section: 'startup',
    what: `DB or Docker work during require + activate + 1 s idle (${filesBefore.length} other file ops)`,
    measured: early.length
      ? early
          .slice(0, 3)
          .map((e) => `${e.op} ${e.target}`)
          .join(', ')
      : 'none',
    anchor: `after the view asks: DB ${sawDb ? 'read' : 'NOT read'}, Docker ${sawDocker ? 'connected' : 'NOT connected'}`,
    ratio: '',
    target: 'none before, both after',
    // The check must also see the work once the view asks, or it proves nothing.
    pass: early.length === 0 && sawDb && sawDocker && probe.providers > 0,
  });
  rows.push({
    section: 'startup',
    what: 'require(dist/extension.js) + activate()',
    measured: `${fmtMs(probe.requireMs)} + ${fmtMs(probe.activateMs)}`,
    anchor: '',
    ratio: '',
    target: '',
  });
  rows.push(...(await benchCliStartup(opts)));
  return rows;
}
