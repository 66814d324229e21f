// What a command is: its help, its own flags, and how it runs. Each command is one file under
// commands/, listed once in commands/index.ts.
import { CLI_SETTING_NAMES, parseMysqlUrl, resolveDatabase, type DbTarget } from '../core/config';
import { resolveDockerEndpoint, type DockerEndpoint } from '../core/dockerEndpoint';
import { MAX_REQUEST_TIMEOUT_MS } from '../core/deadline';
import { CliError, usageError } from './errors';
import type { Io } from './io';

/**
 * What a flag's value or a command's operands are, for `decnet-reaper completion`: a file; a
 * Docker endpoint URL; a Docker context; a host of the swarm (`--on`); `NAME=ENDPOINT` (`--host`);
 * a topology prefix (offered only by a script made with `completion --prefixes`); a command; a
 * shell. Nothing is offered for a value without one.
 */
export type ValueKind = 'file' | 'docker-host' | 'context' | 'swarm-host' | 'host-endpoint' | 'prefix' | 'command' | 'shell';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in --help: `--torn-down`, `--yes, -y`. */
  help: string;
  /** The value's name in --help: `PATH`. */
  arg?: string;
  /** What the value is, for completion (string flags). */
  value?: ValueKind;
  /** Given more than once on purpose (`--host`): completion offers it again. */
  repeatable?: boolean;
}

export interface CliCommand {
  name: string;
  /** One line, for `decnet-reaper --help`. */
  summary: string;
  /** Usage lines without the flags every command takes. */
  synopsis: string[];
  description: string;
  /** Flags of this command only (the common ones are added, unless `common` is false). */
  flags: Record<string, FlagSpec>;
  /** False for a command that reads neither the database nor Docker (`completion`): no common flags. */
  common?: boolean;
  /** What the operands after the command name are, for completion. */
  operands?: ValueKind;
  /** The shape of `--json`, for --help. */
  json: string;
  exits: string[];
  examples: string[];
  run(ctx: CommandContext): Promise<number>;
}

const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', help: 'show this help' };

/** The flags every command takes. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  db: { type: 'string', arg: 'PATH', value: 'file', help: "DECNET's SQLite file (decnet.db)" },
  'db-url': { type: 'string', arg: 'URL', help: 'mysql://user:pass@host:port/db, mysql+<driver>://… or sqlite:///path' },
  'docker-host': {
    type: 'string',
    arg: 'URL',
    value: 'docker-host',
    help: 'Docker endpoint: unix://…, tcp://host:2376, ssh://user@host',
  },
  context: { type: 'string', arg: 'NAME', value: 'context', help: 'Docker context to use' },
  timeout: { type: 'string', arg: 'SECONDS', help: 'the longest any request to Docker or the database may take (default 30)' },
  json: { type: 'boolean', help: 'print one JSON document (also when refused)' },
  help: HELP_FLAG,
};

export interface Target {
  db: DbTarget;
  dockerHost: DockerEndpoint;
}

export interface CommandContext {
  io: Io;
  /** Positional arguments after the command name. */
  args: string[];
  /** The command's own flags (booleans default to false). */
  flags: Record<string, string | boolean | undefined>;
  json: boolean;
  /** `--timeout` in milliseconds, when given (it is already the deadline of every request). */
  timeoutMs: number | undefined;
  /** The database and the Docker endpoint, resolved; CliError `usage`/`config` when they cannot be. */
  target(): Target;
  /** Every command of the CLI (for `completion`). */
  commands: readonly CliCommand[];
  /** The CLI's version, as `--version` prints it first. */
  version: string;
}

/** `--timeout SECONDS` in milliseconds (more than 0, at most an hour), or undefined when not given. */
export function timeoutFlag(values: Record<string, unknown>, command: string): number | undefined {
  const v = values.timeout as string[] | undefined;
  if (!v?.length) return undefined;
  if (v.length > 1) throw usageError(`--timeout is given ${v.length} times: give it once`, command);
  const text = v[0].trim();
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0 && seconds <= MAX_REQUEST_TIMEOUT_MS / 1000)) {
    throw usageError(`--timeout takes seconds, more than 0 and at most ${MAX_REQUEST_TIMEOUT_MS / 1000} (got ${v[0]})`, command);
  }
  return seconds * 1000;
}

/** Where the CLI reads decnet.ini: DECNET_REAPER_INI, else /etc/decnet/decnet.ini. */
export function iniPathOf(env: NodeJS.ProcessEnv): string | undefined {
  return env.DECNET_REAPER_INI || undefined;
}

/** Resolves the database and the endpoint from the common flags and the environment. */
export function resolveTarget(command: string, values: Record<string, unknown>, io: Io): Target {
  const once = (name: string): string | undefined => {
    const v = values[name] as string[] | undefined;
    if (!v?.length) return undefined;
    if (v.length > 1) throw usageError(`--${name} is given ${v.length} times: give it once`, command);
    return v[0];
  };
  const dbPath = once('db');
  const dbUrl = once('db-url');
  const dockerHost = once('docker-host');
  const context = once('context');
  if (dockerHost !== undefined && context !== undefined) throw usageError('give either --docker-host or --context, not both', command);
  if (dbPath !== undefined && dbUrl !== undefined) throw usageError('give either --db or --db-url, not both', command);
  if (dockerHost !== undefined && !dockerHost.trim()) throw usageError('--docker-host is empty', command);
  if (context !== undefined && !context.trim()) throw usageError('--context is empty', command);
  const db = resolveDatabase({
    settings: { path: dbPath, url: dbUrl },
    settingNames: CLI_SETTING_NAMES,
    env: io.env,
    workspaceFolders: [io.cwd],
    iniPath: iniPathOf(io.env),
    // A password typed in --db-url is used for this run only, and wins over the environment.
    typedPassword: dbUrl !== undefined ? parseMysqlUrl(dbUrl)?.password : undefined,
  });
  // A database named but not usable is an error before anything is read: never another one.
  if (db.kind === 'invalid') {
    if (db.origin === 'setting') throw usageError(db.message, command);
    throw new CliError('config', `${db.message}. Nothing is read or classified.`);
  }
  return { db, dockerHost: resolveDockerEndpoint({ setting: dockerHost, context, env: io.env }) };
}

function flagLines(flags: Record<string, FlagSpec>): string[] {
  const rows = Object.entries(flags).map(([name, f]) => [
    `${f.short ? `-${f.short}, ` : '    '}--${name}${f.arg ? ` ${f.arg}` : ''}`,
    f.help,
  ]);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`);
}

/** The flags `cmd` takes: its own, and the common ones unless it has none. */
export function flagsOf(cmd: CliCommand): Record<string, FlagSpec> {
  return cmd.common === false ? { ...cmd.flags, help: HELP_FLAG } : { ...cmd.flags, ...COMMON_FLAGS };
}

export function commandHelp(cmd: CliCommand): string {
  return [
    `Usage:`,
    ...cmd.synopsis.map((s) => `  decnet-reaper ${s} [flags]`),
    '',
    cmd.description,
    '',
    'Flags:',
    ...flagLines(flagsOf(cmd)),
    ...(cmd.json ? ['', 'With --json:', ...cmd.json.split('\n').map((l) => `  ${l}`)] : []),
    '',
    'Exit status:',
    ...cmd.exits.map((e) => `  ${e}`),
    '',
    'Examples:',
    ...cmd.examples.map((e) => `  ${e}`),
  ].join('\n');
}
