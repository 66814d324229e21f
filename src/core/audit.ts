// The audit log: one JSON line per removal, appended to a file that is never truncated or
// rewritten. Opened before anything is removed (a log that cannot be opened refuses the removal),
// created with mode 0600, each line flushed to disk (fsync) before the removal is reported done.
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readSync, statSync, type Stats, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskEndpointUrl } from './dockerEndpoint';
import { displayPath } from './fsSafe';
import type { ReapReport } from './model';
import { removedByIt } from './removal/text';
import { RefusedError } from './model';

/** `$XDG_STATE_HOME/decnet-reaper/audit.jsonl`, else `~/.local/state/decnet-reaper/audit.jsonl`. */
export function defaultAuditLogPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME?.trim();
  // XDG: a relative XDG_STATE_HOME is invalid and ignored.
  const state = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME?.trim() || os.homedir(), '.local', 'state');
  return path.join(state, 'decnet-reaper', 'audit.jsonl');
}

/** Where a removal's audit line goes: a file, or nowhere when the user opted out. */
export type AuditTarget = { path: string } | { disabled: true };

/** `docker inspect` of the resources removed, taken just before each removal. */
export interface AuditInspect {
  containers: unknown[];
  networks: unknown[];
}

/** One line of the audit log. */
export interface AuditEntry {
  time: string;
  user: string;
  hostname: string;
  report: ReapReport;
  inspect: AuditInspect;
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? String(process.getuid?.() ?? '');
  }
}

/** How to choose another audit log, said with every refusal of one. */
const CHOOSE_ANOTHER = 'choose another file with --audit-log (decnet.audit.logPath in the editor)';

/**
 * Why an open audit log must not receive a removal's records, with the fix, or undefined: it is
 * not a regular file, another user owns it, or its group or others can access it. `shown` is
 * the path as the message names it.
 */
export function auditFileProblem(
  st: Pick<Stats, 'isFile' | 'uid' | 'mode' | 'nlink'>,
  shown: string,
  uid: number | undefined = process.getuid?.(),
): string | undefined {
  if (!st.isFile()) return `The audit log ${shown} is not a regular file: ${CHOOSE_ANOTHER}`;
  if (st.nlink > 1) {
    return `The audit log ${shown} has ${st.nlink} names (hard links), so it may be another file under another name: ${CHOOSE_ANOTHER}`;
  }
  if (uid !== undefined && st.uid !== uid) {
    return `The audit log ${shown} belongs to user ${st.uid}, not to you (user ${uid}), who could read what it records: ${CHOOSE_ANOTHER}`;
  }
  const open = st.mode & 0o077;
  if (open !== 0) {
    const who = open & 0o070 ? (open & 0o007 ? 'its group and others' : 'its group') : 'others';
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    return `The audit log ${shown} can be accessed by ${who} (mode ${mode}) and records docker inspect output, environment values included: run chmod 600 ${shown}, or ${CHOOSE_ANOTHER}`;
  }
  return undefined;
}

/**
 * Why the audit log's folder must not hold it, or undefined: others can write into it and it is
 * not sticky (as /tmp is), so another user could swap the file for one of theirs between two
 * removals.
 */
export function auditFolderProblem(folder: string, shown: string): string | undefined {
  let st: Stats;
  try {
    st = statSync(folder);
  } catch {
    return undefined; // the open above succeeded: it exists
  }
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    return `The audit log ${shown} lies in a folder others can write to (mode ${mode}, not sticky), where another user could put their own file in its place: ${CHOOSE_ANOTHER}`;
  }
  return undefined;
}

/** An audit log opened for append. */
export class AuditLog {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
  ) {}

  /**
   * Opens (creating it, mode 0600, and its folder, mode 0700) `file` for append. Refuses
   * (RefusedError) what could let a removal's records (`docker inspect`, with environment values)
   * reach someone else, as ssh refuses a private key: a symbolic link (never followed), anything
   * but a regular file (a FIFO, a device, a folder), a file owned by another user, or one that its
   * group or others can access. A path that cannot be opened is refused too: the removal does not
   * run then.
   */
  static open(file: string): AuditLog {
    const shown = displayPath(file);
    let fd: number;
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // Before anything is created in it.
      const folder = auditFolderProblem(path.dirname(file), shown);
      if (folder) throw new RefusedError(`${folder}. Nothing was removed.`);
      // O_NOFOLLOW: a link at the path is refused (ELOOP), never written through.
      // O_NONBLOCK: a FIFO with no reader fails at once instead of blocking the process.
      fd = openSync(
        file,
        constants.O_WRONLY |
          constants.O_APPEND |
          constants.O_CREAT |
          constants.O_NOFOLLOW |
          constants.O_NONBLOCK |
          (constants.O_NOCTTY ?? 0),
        0o600,
      );
    } catch (err) {
      if (err instanceof RefusedError) throw err;
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ELOOP') {
        throw new RefusedError(
          `The audit log ${shown} is a symbolic link, and a link is never written through (the records hold docker inspect output): name the file itself, or ${CHOOSE_ANOTHER}. Nothing was removed.`,
        );
      }
      throw new RefusedError(`The audit log ${shown} cannot be opened for append (${e.code ?? e.message}): nothing was removed.`);
    }
    const problem = auditFileProblem(fstatSync(fd), shown);
    if (problem) {
      closeSync(fd);
      throw new RefusedError(`${problem}. Nothing was removed.`);
    }
    return new AuditLog(file, fd);
  }

  /** Appends one line and flushes it to disk. Throws on failure (the removal reports it). */
  append(report: ReapReport, inspect: AuditInspect): AuditEntry {
    if (this.fd === undefined) throw new Error(`the audit log ${displayPath(this.path)} is closed`);
    const entry: AuditEntry = { time: new Date().toISOString(), user: currentUser(), hostname: os.hostname(), report, inspect };
    const bytes = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    fsyncSync(this.fd);
    return entry;
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}

/** What `history` reads. */
export interface AuditHistory {
  path: string;
  /** Newest first. */
  entries: AuditEntry[];
  /** Lines that are not a complete entry (a line cut short by a crash, say): skipped. */
  damaged: number;
}

/** At most this much of the log is read (its end: the newest removals). */
export const MAX_HISTORY_BYTES = 64 * 1024 * 1024;

function isEntry(v: unknown): v is AuditEntry {
  if (!v || typeof v !== 'object') return false;
  const e = v as Partial<AuditEntry>;
  const r = e.report as Partial<ReapReport> | undefined;
  return (
    typeof e.time === 'string' &&
    !!r &&
    typeof r === 'object' &&
    typeof r.docker_endpoint === 'string' &&
    Array.isArray(r.prefixes_reaped) &&
    Array.isArray(r.containers_removed) &&
    Array.isArray(r.networks_removed) &&
    Array.isArray(r.errors)
  );
}

/**
 * The removals in an audit log, newest first, at most `limit`. A log that does not exist has
 * none; a line that is not a complete entry (a damaged last line) is skipped and counted. Throws
 * an Error naming the file when it cannot be read or is not a regular file.
 */
export function readAuditHistory(file: string, opts: { limit?: number } = {}): AuditHistory {
  const shown = displayPath(file);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { path: file, entries: [], damaged: 0 };
    throw new Error(`The audit log ${shown} cannot be read (${e.code ?? e.message})`, { cause: err });
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`The audit log ${shown} is not a regular file`);
    const start = Math.max(0, st.size - MAX_HISTORY_BYTES);
    const buf = Buffer.alloc(st.size - start);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, start + n);
      if (got === 0) break;
      n += got;
    }
    text = buf.subarray(0, n).toString('utf8');
    // Cut into the middle of the file: the first, partial line is not an entry.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
  const entries: AuditEntry[] = [];
  let damaged = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isEntry(v)) entries.push(v);
      else damaged++;
    } catch {
      damaged++;
    }
  }
  entries.reverse();
  const limit = opts.limit;
  return { path: file, entries: limit !== undefined && limit >= 0 ? entries.slice(0, limit) : entries, damaged };
}

/** One removal as a history line lists it. */
export interface HistorySummary {
  time: string;
  user: string;
  hostname: string;
  docker_endpoint: string;
  docker_daemon: { name: string; id: string };
  database: string;
  mode: 'orphan' | 'torn_down' | 'misplaced';
  prefixes: string[];
  /** Removed by this removal (not those it found already gone). */
  containers_removed: number;
  networks_removed: number;
  skipped: number;
  errors: number;
}

/**
 * A logged report as it may be shown: its endpoint masked (a log written by an earlier version, or
 * by hand, may hold a password in it).
 */
export function shownReport(r: ReapReport): ReapReport {
  return typeof r.docker_endpoint === 'string' ? { ...r, docker_endpoint: maskEndpointUrl(r.docker_endpoint) } : r;
}

export function summarizeEntry(e: AuditEntry): HistorySummary {
  const r = e.report;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const mine = removedByIt({
    containers_removed: list(r.containers_removed),
    networks_removed: list(r.networks_removed),
    already_gone: list(r.already_gone),
  });
  return {
    time: e.time,
    user: typeof e.user === 'string' ? e.user : '',
    hostname: typeof e.hostname === 'string' ? e.hostname : '',
    docker_endpoint: maskEndpointUrl(r.docker_endpoint),
    docker_daemon: { name: r.docker_daemon?.name ?? '', id: r.docker_daemon?.id ?? '' },
    database: r.database ?? '',
    mode: r.mode ?? 'orphan',
    prefixes: r.prefixes_reaped,
    containers_removed: mine.containers.length,
    networks_removed: mine.networks.length,
    skipped: Array.isArray(r.skipped) ? r.skipped.length : 0,
    errors: r.errors.length,
  };
}

/** `2026-05-01T10:00:00.000Z  decnet-host  0badc0de  2 containers, 1 network, 0 skipped, 0 errors`. */
export function describeEntry(e: AuditEntry): string {
  const s = summarizeEntry(e);
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  const what = s.mode === 'torn_down' ? ' (torn down)' : '';
  return `${s.time}  ${s.docker_daemon.name || s.docker_endpoint}  ${s.prefixes.join(', ') || '(none)'}${what}  ${n(s.containers_removed, 'container')}, ${n(s.networks_removed, 'network')}, ${s.skipped} skipped, ${n(s.errors, 'error')}`;
}
