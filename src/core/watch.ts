// Keeps a view true: Docker events and changes to the DECNET database become debounced
// "changed" signals. No `vscode` import: the extension starts a watcher only while its view is
// visible, and the tests drive it against a real daemon.
//
// - Docker: one `GET /events` stream (containers created, destroyed, renamed, started, died;
//   networks created, destroyed, connected, disconnected). When it drops (the daemon stopped or
//   restarted, the socket went away) it is reopened with exponential backoff, and a successful
//   reopening after a drop signals `reconnected`: events missed meanwhile are lost, so everything
//   must be listed again.
// - Database: the folder of the SQLite file is watched for changes to the file and its `-wal`.
//   DECNET writes logs into the same file all the time, so database signals are held to one per
//   `dbMinIntervalMs`.
// - A slow fallback poll (off by default here) covers whatever both miss.
import { statSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { connectDocker, describeDockerError } from './docker';
import type { DockerEndpoint } from './dockerEndpoint';
import { endpointLabel } from './scan';

export type ChangeReason =
  | { kind: 'docker'; type: string; action: string; name?: string }
  | { kind: 'db'; file: string }
  | { kind: 'reconnected' }
  | { kind: 'poll' };

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected';

export interface WatchLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface WatchOptions {
  dockerHost: string | DockerEndpoint;
  /** The SQLite file; undefined: no file to watch (the poll still runs). */
  dbPath: string | undefined;
  /** Quiet period after the last signal before "changed" fires. Default 500 ms. */
  debounceMs?: number;
  /** A stream of signals still fires at least this often. Default 2 s. */
  maxWaitMs?: number;
  /** Database-only signals fire at most this often. Default 5 s. */
  dbMinIntervalMs?: number;
  /** Fallback poll; 0 or undefined: off. */
  pollIntervalMs?: number;
  /** First reconnection delay, doubled on each failure up to `reconnectMaxMs`. Default 500 ms. */
  reconnectInitialMs?: number;
  /** Default 30 s. */
  reconnectMaxMs?: number;
  log?: WatchLog;
}

/** The Docker events that can change what the view shows. */
export const WATCHED_EVENTS = {
  container: ['create', 'destroy', 'rename', 'start', 'die'],
  network: ['create', 'destroy', 'connect', 'disconnect'],
} as const;

/** A connection that lasted less than this does not reset the backoff (a daemon that accepts, then drops). */
const STABLE_CONNECTION_MS = 5_000;

export interface Subscription {
  dispose(): void;
}

type Listener<T extends unknown[]> = (...args: T) => void;

class Emitter<T extends unknown[]> {
  private listeners = new Set<Listener<T>>();
  on(listener: Listener<T>): Subscription {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  emit(...args: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(...args);
      } catch {
        // A failing listener must not stop the others, nor the watcher.
      }
    }
  }
  clear(): void {
    this.listeners.clear();
  }
}

/**
 * Collects signals and fires them as one batch after a quiet period: never later than
 * `maxWaitMs` after the first one, and, when the batch holds database signals only, never
 * sooner than `dbMinIntervalMs` after the previous batch.
 */
export class ChangeDebouncer {
  private pending: ChangeReason[] = [];
  private firstAt: number | undefined;
  private lastFiredAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fire: (reasons: ChangeReason[]) => void,
    private readonly quietMs = 500,
    private readonly maxWaitMs = 2_000,
    private readonly dbMinIntervalMs = 5_000,
  ) {}

  trigger(reason: ChangeReason): void {
    const now = Date.now();
    this.pending.push(reason);
    this.firstAt ??= now;
    let due = Math.min(now + this.quietMs, this.firstAt + this.maxWaitMs);
    if (this.pending.every((r) => r.kind === 'db')) due = Math.max(due, this.lastFiredAt + this.dbMinIntervalMs);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, due - now));
  }

  /** Fires what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length) return;
    const reasons = this.pending;
    this.pending = [];
    this.firstAt = undefined;
    this.lastFiredAt = Date.now();
    this.fire(reasons);
  }

  /** Drops what is pending. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.firstAt = undefined;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }
}

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/**
 * Watches one Docker endpoint and one database file. `start()` and `stop()` may be called any
 * number of times; listeners stay registered across them.
 */
export class TopologyWatcher {
  private readonly changed = new Emitter<[ChangeReason[]]>();
  private readonly connection = new Emitter<[ConnectionState, string | undefined]>();
  private readonly debouncer: ChangeDebouncer;
  private readonly endpoint: string;
  private running = false;
  /** Bumped on every start/stop: callbacks of an older generation do nothing. */
  private generation = 0;
  private state: ConnectionState = 'idle';
  private stream: IncomingMessage | undefined;
  private abort: AbortController | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay: number;
  private everFailed = false;
  private connectedAt = 0;
  private startedAtSeconds = 0;
  private fileWatcher: FSWatcher | undefined;
  private fileRetryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WatchOptions) {
    this.endpoint = endpointLabel(options.dockerHost);
    this.reconnectDelay = options.reconnectInitialMs ?? 500;
    this.debouncer = new ChangeDebouncer(
      (reasons) => this.changed.emit(reasons),
      options.debounceMs ?? 500,
      options.maxWaitMs ?? 2_000,
      options.dbMinIntervalMs ?? 5_000,
    );
  }

  /** Debounced: one call per batch of signals. */
  onChanged(listener: (reasons: ChangeReason[]) => void): Subscription {
    return this.changed.on(listener);
  }

  /** The event stream's state, with the error when it dropped or could not be opened. */
  onConnectionChanged(listener: (state: ConnectionState, error: string | undefined) => void): Subscription {
    return this.connection.on(listener);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.everFailed = false;
    this.reconnectDelay = this.options.reconnectInitialMs ?? 500;
    // Events since this second are replayed, so nothing between the caller's scan and the
    // stream's opening is missed.
    this.startedAtSeconds = Math.floor(Date.now() / 1000);
    this.log('debug', `watching ${this.endpoint}${this.options.dbPath ? ` and ${this.options.dbPath}` : ''}`);
    void this.connect(this.generation);
    this.watchFile(this.generation);
    const poll = this.options.pollIntervalMs ?? 0;
    if (poll > 0) this.pollTimer = setInterval(() => this.debouncer.trigger({ kind: 'poll' }), poll);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.fileRetryTimer);
    clearInterval(this.pollTimer);
    this.reconnectTimer = this.fileRetryTimer = this.pollTimer = undefined;
    this.abort?.abort();
    this.abort = undefined;
    this.stream?.destroy();
    this.stream = undefined;
    this.fileWatcher?.close();
    this.fileWatcher = undefined;
    this.debouncer.cancel();
    this.setState('idle');
  }

  dispose(): void {
    this.stop();
    this.changed.clear();
    this.connection.clear();
  }

  private log(level: keyof WatchLog, message: string): void {
    this.options.log?.[level](message);
  }

  private setState(state: ConnectionState, error?: string): void {
    if (this.state === state && !error) return;
    this.state = state;
    this.connection.emit(state, error);
  }

  // ---- Docker events ----

  private async connect(generation: number): Promise<void> {
    if (generation !== this.generation) return;
    this.setState('connecting');
    const abort = new AbortController();
    this.abort = abort;
    let stream: IncomingMessage;
    try {
      const docker = connectDocker(this.options.dockerHost);
      // The client's request timeout would cut an idle event stream: this one stays open.
      (docker.modem as { timeout?: number }).timeout = undefined;
      // dockerode's types lack `abortSignal`, and its promise form resolves to the raw response.
      const events = docker.getEvents({
        since: this.startedAtSeconds,
        filters: { type: Object.keys(WATCHED_EVENTS), event: [...new Set(Object.values(WATCHED_EVENTS).flat())] },
        abortSignal: abort.signal,
      } as never) as unknown as Promise<IncomingMessage>;
      stream = await events;
    } catch (err) {
      if (generation !== this.generation) return;
      this.dropped(generation, `cannot open the event stream: ${describeDockerError(err)}`);
      return;
    }
    if (generation !== this.generation) {
      stream.destroy();
      return;
    }
    this.stream = stream;
    this.connectedAt = Date.now();
    const wasFailing = this.everFailed;
    this.setState('connected');
    this.log('info', `event stream open at ${this.endpoint}`);
    if (wasFailing) {
      // Events were missed while the stream was down: everything must be listed again.
      this.debouncer.trigger({ kind: 'reconnected' });
    }
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let i: number;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i).trim();
        buffered = buffered.slice(i + 1);
        if (line) this.onEventLine(line);
      }
    });
    let closed = false;
    const onClose = (err?: Error): void => {
      if (closed) return;
      closed = true;
      if (generation !== this.generation) return;
      this.stream = undefined;
      this.dropped(generation, err ? describeDockerError(err) : 'the daemon closed the event stream');
    };
    stream.on('error', onClose);
    stream.on('end', () => onClose());
    stream.on('close', () => onClose());
  }

  private onEventLine(line: string): void {
    let event: DockerEvent;
    try {
      event = JSON.parse(line) as DockerEvent;
    } catch {
      return;
    }
    const type = event.Type ?? '';
    const action = (event.Action ?? '').split(':')[0];
    const wanted = (WATCHED_EVENTS as Record<string, readonly string[]>)[type];
    if (!wanted?.includes(action)) return;
    const name = event.Actor?.Attributes?.name;
    this.log('debug', `docker ${type} ${action}${name ? ` ${name}` : ''}`);
    this.debouncer.trigger({ kind: 'docker', type, action, name });
  }

  private dropped(generation: number, why: string): void {
    const lived = this.connectedAt ? Date.now() - this.connectedAt : 0;
    this.connectedAt = 0;
    if (lived >= STABLE_CONNECTION_MS) this.reconnectDelay = this.options.reconnectInitialMs ?? 500;
    this.everFailed = true;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.options.reconnectMaxMs ?? 30_000);
    this.setState('disconnected', why);
    this.log('warn', `event stream at ${this.endpoint}: ${why}; reconnecting in ${delay} ms`);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // Events since the drop cannot be replayed after a restart; the reconnection re-lists all.
      this.startedAtSeconds = Math.floor(Date.now() / 1000);
      void this.connect(generation);
    }, delay);
  }

  // ---- The database file ----

  private watchFile(generation: number): void {
    const dbPath = this.options.dbPath;
    if (!dbPath || generation !== this.generation) return;
    const dir = path.dirname(dbPath);
    const base = path.basename(dbPath);
    const names = new Set([base, `${base}-wal`]);
    // A database whose folder does not exist yet (DECNET not installed there yet): the nearest
    // folder that exists is watched for the next one on the way, then that one, down to the file's.
    const { existing, next } = nearestFolder(dir);
    try {
      const watcher = watch(existing, { persistent: true }, (_event, filename) => {
        const name = filename?.toString();
        if (next !== undefined) {
          if (name !== undefined && name !== next) return;
          // The next folder on the way appeared (or something moved): watch from there again.
          watcher.close();
          if (this.fileWatcher === watcher) this.fileWatcher = undefined;
          this.debouncer.trigger({ kind: 'db', file: base });
          this.watchFile(generation);
          return;
        }
        if (name !== undefined && !names.has(name)) return;
        this.debouncer.trigger({ kind: 'db', file: name ?? base });
      });
      watcher.on('error', (err) => {
        if (generation !== this.generation) return;
        this.log('warn', `watching ${existing}: ${err.message}; retrying`);
        watcher.close();
        this.fileWatcher = undefined;
        this.retryFileWatch(generation);
      });
      this.fileWatcher = watcher;
      if (next !== undefined) this.log('debug', `${dir} does not exist yet: watching ${existing} for ${next}`);
    } catch (err) {
      this.log('warn', `cannot watch ${existing}: ${(err as Error).message}; retrying`);
      this.retryFileWatch(generation);
    }
  }

  private retryFileWatch(generation: number): void {
    clearTimeout(this.fileRetryTimer);
    this.fileRetryTimer = setTimeout(() => {
      this.fileRetryTimer = undefined;
      if (generation !== this.generation) return;
      // The file may have come back meanwhile.
      this.debouncer.trigger({ kind: 'db', file: path.basename(this.options.dbPath ?? '') });
      this.watchFile(generation);
    }, 10_000);
  }
}

/**
 * `dir` when it exists; else its nearest ancestor that does, with the name of the next folder on
 * the way to `dir` (the one to wait for).
 */
export function nearestFolder(dir: string): { existing: string; next?: string } {
  let child: string | undefined;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if (statSync(d).isDirectory()) return child === undefined ? { existing: d } : { existing: d, next: child };
    } catch {
      // not there (yet)
    }
    const up = path.dirname(d);
    if (up === d) return { existing: d, ...(child !== undefined ? { next: child } : {}) };
    child = path.basename(d);
  }
}
