// What `plan`, `apply` and `history` share: exit statuses, errors, the database and Docker
// options (resolved exactly as `reap` resolves them), the audit log options, the asker.
import type { ParseArgsConfig } from 'node:util';
import { defaultAuditLogPath, type AuditTarget } from '../../core/audit';
import { CLI_SETTING_NAMES, parseMysqlUrl, resolveDatabase, type DbTarget } from '../../core/config';
import { resolveDockerEndpoint, type DockerEndpoint } from '../../core/dockerEndpoint';
import { RefusedError } from '../../core/model';
import type { RemovalAsker } from '../../core/removal/session';
import { safeJson } from '../../core/textSafe';
import { CliError } from '../errors';
import type { Io } from '../io';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_REFUSED = 2;

/** Bad usage: exit 2, pointing to the command's --help. */
export class CommandUsageError extends CliError {
  constructor(message: string, command?: string) {
    super('usage', message, command);
  }
}

export const TARGET_OPTIONS = {
  db: { type: 'string', multiple: true },
  'db-url': { type: 'string', multiple: true },
  'docker-host': { type: 'string', multiple: true },
  context: { type: 'string', multiple: true },
} as const satisfies ParseArgsConfig['options'];

export const AUDIT_OPTIONS = {
  'audit-log': { type: 'string', multiple: true },
  'no-audit-log': { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

/** The value of an option that may be given once. */
export function once(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name] as string[] | undefined;
  if (!v?.length) return undefined;
  if (v.length > 1) throw new CommandUsageError(`--${name} is given ${v.length} times: give it once`);
  return v[0];
}

export interface GivenTarget {
  /** Undefined when neither --db nor --db-url was given. */
  db?: DbTarget;
  /** Undefined when neither --docker-host nor --context was given. */
  dockerHost?: DockerEndpoint;
}

/** The database and endpoint named by flags (resolved as `reap` resolves them), when given. */
export function targetFromFlags(values: Record<string, unknown>, io: Io): GivenTarget {
  const dbPath = once(values, 'db');
  const dbUrl = once(values, 'db-url');
  const dockerHost = once(values, 'docker-host');
  const context = once(values, 'context');
  if (dockerHost !== undefined && context !== undefined) throw new CommandUsageError('give either --docker-host or --context, not both');
  if (dbPath !== undefined && dbUrl !== undefined) throw new CommandUsageError('give either --db or --db-url, not both');
  if (dockerHost !== undefined && !dockerHost.trim()) throw new CommandUsageError('--docker-host is empty');
  if (context !== undefined && !context.trim()) throw new CommandUsageError('--context is empty');
  const out: GivenTarget = {};
  if (dbPath !== undefined || dbUrl !== undefined) out.db = resolveDb(dbPath, dbUrl, io);
  if (dockerHost !== undefined || context !== undefined) out.dockerHost = resolveDockerEndpoint({ setting: dockerHost, context, env: io.env });
  return out;
}

function resolveDb(dbPath: string | undefined, dbUrl: string | undefined, io: Io): DbTarget {
  const db = resolveDatabase({
    settings: { path: dbPath, url: dbUrl },
    settingNames: CLI_SETTING_NAMES,
    env: io.env,
    workspaceFolders: [io.cwd],
    secretPassword: dbUrl !== undefined ? parseMysqlUrl(dbUrl)?.password : undefined,
  });
  if (db.kind === 'invalid') {
    if (db.origin === 'setting') throw new CommandUsageError(db.message);
    throw new RefusedError(`${db.message}. Nothing is read or classified.`);
  }
  return db;
}

/** The database and endpoint as `reap` resolves them: flags, else the environment, else defaults. */
export function resolveTarget(values: Record<string, unknown>, io: Io): { db: DbTarget; dockerHost: DockerEndpoint } {
  const given = targetFromFlags(values, io);
  return {
    db: given.db ?? resolveDb(undefined, undefined, io),
    dockerHost: given.dockerHost ?? resolveDockerEndpoint({ env: io.env }),
  };
}

/** `--audit-log PATH`, `--no-audit-log`, else `$XDG_STATE_HOME/decnet-reaper/audit.jsonl`. */
export function auditTarget(values: Record<string, unknown>, io: Io): AuditTarget {
  const file = once(values, 'audit-log');
  if (values['no-audit-log'] === true) {
    if (file !== undefined) throw new CommandUsageError('give either --audit-log or --no-audit-log, not both');
    return { disabled: true };
  }
  if (file !== undefined && !file.trim()) throw new CommandUsageError('--audit-log is empty');
  return { path: auditLogPath(file, io) };
}

export function auditLogPath(file: string | undefined, io: Io): string {
  if (file === undefined) return defaultAuditLogPath(io.env);
  return file.startsWith('/') ? file : `${io.cwd}/${file}`;
}

/** Asks on the terminal; without one (and without --yes) the removal is refused. */
export function terminalAsker(io: Io): RemovalAsker {
  return {
    confirm: async (plan, question, detail) => {
      if (!io.confirm) throw new RefusedError('no terminal to confirm on: pass --yes to remove without asking');
      io.stderr(detail);
      return io.confirm(`${question} [y/N] `);
    },
    typePrefix: async (_plan, expected, prompt) => {
      if (!io.ask) throw new RefusedError('no terminal to confirm on: pass --yes to remove without asking');
      const typed = await io.ask(`${prompt} `);
      return typed.trim() === expected ? expected : typed;
    },
  };
}

/** How an error ends a command: its exit status, its message on stderr. */
export function endWith(err: unknown, io: Io, usage: string, json = false): number {
  // With --json, one document whatever happens: the error, as every command prints it.
  const kind = err instanceof RefusedError ? 'refused' : err instanceof CommandUsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 'usage' : 'unexpected';
  if (json) io.stdout(safeJson({ error: { kind, message: (err as Error)?.message ?? String(err) } }));
  if (err instanceof RefusedError) {
    io.stderr(`decnet-reaper: refused: ${err.message}`);
    return EXIT_REFUSED;
  }
  if (err instanceof CommandUsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    const command = /decnet-reaper (\w+)/.exec(usage)?.[1];
    io.stderr(`decnet-reaper: ${(err as Error).message}\nRun 'decnet-reaper${command ? ` ${command}` : ''} --help' for usage.`);
    return EXIT_REFUSED;
  }
  const e = err as Error;
  io.stderr(`decnet-reaper: unexpected error: ${e?.message ?? String(err)}`);
  if (io.env.DECNET_REAPER_DEBUG === '1' && e?.stack) io.stderr(e.stack);
  return EXIT_FAILED;
}
