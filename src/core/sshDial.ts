// ssh:// Docker endpoints, reached as the Docker CLI reaches them: the system `ssh` runs
// `docker system dial-stdio` on the host, and HTTP flows over its stdin and stdout. So the
// user's ~/.ssh/config, known_hosts checks, keys and agent all apply, exactly as for `docker`.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as http from 'node:http';
import { Duplex } from 'node:stream';

export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
}

export function parseSshUrl(url: string): SshTarget {
  const u = new URL(url);
  return {
    user: decodeURIComponent(u.username) || undefined,
    host: u.hostname,
    port: u.port ? Number(u.port) : undefined,
  };
}

/** The `ssh` arguments: no prompts (BatchMode), the host key checked as configured. */
export function sshArgs(target: SshTarget): string[] {
  const args = ['-o', 'BatchMode=yes'];
  if (target.port) args.push('-p', String(target.port));
  if (target.user) args.push('-l', target.user);
  args.push('--', target.host, 'docker', 'system', 'dial-stdio');
  return args;
}

/**
 * The `ssh` processes of connections still open. A process that exits (the CLI ends as soon as
 * its output is written, a request abandoned at its deadline may still be dialling) takes them
 * with it: none is left behind, orphaned, dialling forever.
 */
const liveChildren = new Set<ChildProcessWithoutNullStreams>();
let exitHook = false;
function killAtExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill();
      } catch {
        // already gone
      }
    }
  });
}

/**
 * One connection: HTTP written to ssh's stdin, read from its stdout. It ends only once ssh has
 * exited, so that ssh's reason for failing (host key, authentication, no docker on the host)
 * reaches the caller instead of a bare "socket hang up".
 */
class SshDialStream extends Duplex {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';

  constructor(target: SshTarget, sshCommand: string) {
    super();
    this.child = spawn(sshCommand, sshArgs(target), { stdio: ['pipe', 'pipe', 'pipe'] });
    const child = this.child;
    liveChildren.add(child);
    killAtExit();
    child.on('exit', () => liveChildren.delete(child));
    child.stdout.on('data', (d: Buffer) => {
      this.armIdleTimer();
      if (!this.push(d)) child.stdout.pause();
    });
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    // A write after ssh is gone fails with EPIPE; the exit below says why it is gone.
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => this.destroy(err));
    child.on('close', (code, signal) => {
      this.clearIdleTimer();
      if (code === 0) this.push(null);
      else {
        const how = code === null ? `killed by ${signal}` : `exit ${code}`;
        this.destroy(new Error(`ssh to ${target.host} failed (${how}): ${this.stderr.trim() || 'no message'}`));
      }
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.child.stdin.destroyed) return callback();
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearIdleTimer();
    if (this.child.exitCode === null) this.child.kill();
    callback(error);
  }

  // http.Agent treats a connection as a socket; these are the calls it makes on one.
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  /** As net.Socket: emits 'timeout' after `ms` without data (the HTTP client then aborts). */
  setTimeout(ms: number, callback?: () => void): this {
    this.idleMs = ms;
    if (callback) this.once('timeout', callback);
    this.armIdleTimer();
    return this;
  }

  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  private armIdleTimer(): void {
    this.clearIdleTimer();
    if (this.idleMs > 0) this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** An HTTP agent whose every connection is a fresh `ssh … docker system dial-stdio`. */
export function sshDialAgent(target: SshTarget, sshCommand = 'ssh'): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => new SshDialStream(target, sshCommand);
  return agent;
}
