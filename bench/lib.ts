// Shared pieces of the benchmark: statistics, child processes spoken to line by line, the
// cache folder, the private Docker daemon, the results table.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const MiB = 1024 * 1024;

export interface BenchOptions {
  quick: boolean;
  /** Sections to run (db, refresh, removal, startup). */
  only: Set<string>;
  /** Cache folder for fixtures (outside the repository). */
  dir: string;
  dockerHost?: string;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtBytes(b: number): string {
  if (b >= 1024 * MiB) return `${(b / 1024 / MiB).toFixed(2)} GiB`;
  if (b >= MiB) return `${(b / MiB).toFixed(1)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b} B`;
}

/** One line of the results table. `pass` undefined: context only, not a target. */
export interface Row {
  section: string;
  what: string;
  measured: string;
  anchor: string;
  ratio: string;
  target: string;
  pass?: boolean;
}

export function printTable(rows: Row[]): string {
  const head = ['target', 'measured', 'anchor', 'ratio', 'limit', 'result'];
  const body = rows.map((r) => [
    `${r.section}: ${r.what}`,
    r.measured,
    r.anchor,
    r.ratio,
    r.target,
    r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** A child process that answers each line it is sent with one line (JSON). */
export class LineChild {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private waiters: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  private stderr = '';
  private exited = false;

  constructor(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env });
    this.child.stdout.on('data', (d) => {
      this.buffered += String(d);
      let i;
      while ((i = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, i);
        this.buffered = this.buffered.slice(i + 1);
        this.waiters.shift()?.resolve(line);
      }
    });
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + String(d)).slice(-4000);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error(`${cmd} exited (${code ?? signal}): ${this.stderr}`));
    });
  }

  async ask<T>(command: unknown): Promise<T> {
    if (this.exited) throw new Error(`child exited: ${this.stderr}`);
    const p = new Promise<string>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    const line = await p;
    const r = JSON.parse(line) as T & { error?: string };
    return r;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.on('exit', () => resolve()));
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(t);
  }
}

/** python3 from PATH (the tests use the same). */
export function python(): string {
  return process.env.DECNET_BENCH_PYTHON || 'python3';
}

export function ensureDir(d: string): string {
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** The environment of the private daemon this run started, if it started one. */
let startedDaemon: NodeJS.ProcessEnv | undefined;

/**
 * The private test daemon's URL: DECNET_TEST_DOCKER_HOST when set, else started (or found
 * running) by scripts/private-dockerd.sh. Never the system daemon. A daemon found running is left
 * running (other people's tests may be using it); one this run started is stopped at its end
 * (stopStartedDaemon).
 */
export function privateDockerHost(): string {
  let host = process.env.DECNET_TEST_DOCKER_HOST;
  if (!host) {
    const env = { ...process.env, DECNET_TEST_ROOT: process.env.DECNET_TEST_ROOT || '/tmp/decnet-reaper-test' };
    const r = spawnSync('bash', [path.join(ROOT, 'scripts/private-dockerd.sh'), 'start'], { env, encoding: 'utf8' });
    process.stderr.write(r.stderr);
    if (r.status !== 0) throw new Error(`scripts/private-dockerd.sh start failed (${r.status})`);
    host = r.stdout.trim();
    if (/started at /.test(r.stderr)) startedDaemon = env;
  }
  if (!host.startsWith('unix://') || host === 'unix:///var/run/docker.sock' || host === 'unix:///run/docker.sock') {
    throw new Error(`refusing to benchmark against ${host}: only the private test daemon is allowed`);
  }
  return host;
}

/** Stops the private daemon if this run started it (and only then). */
export function stopStartedDaemon(): void {
  if (!startedDaemon) return;
  log('stopping the private test daemon this run started');
  spawnSync('bash', [path.join(ROOT, 'scripts/private-dockerd.sh'), 'stop'], { env: startedDaemon, stdio: 'inherit' });
  startedDaemon = undefined;
}

/** Status fields of a process (VmRSS, VmHWM in bytes). */
export function procStatus(pid: number | 'self' = 'self'): { rss: number; hwm: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
