// decnet-reaper: the headless CLI over the same core as the extension. This file parses the
// command line and dispatches to one of commands/ (listed in commands/index.ts); each command has
// its own help, flags, JSON shape and exit codes.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { RefusedError } from '../core/model';
import { isSingleExecutable } from '../core/singleExecutable';
import { safeJson } from '../core/textSafe';
import { DEFAULT_REQUEST_TIMEOUT_MS, setRequestTimeout } from '../core/deadline';
import { COMMON_FLAGS, commandHelp, flagsOf, resolveTarget, timeoutFlag, type CliCommand, type FlagSpec } from './command';
import { COMPLETE_COMMAND, completeValues } from './completion';
import { COMMANDS } from './commands';
import { CliError, errorJson, EXIT_FAILED, EXIT_OK, EXIT_REFUSED, usageError } from './errors';
import { processIo, safeIo, type Io } from './io';

export { EXIT_FAILED, EXIT_OK, EXIT_REFUSED } from './errors';
export type { Io } from './io';

declare const __DECNET_REAPER_VERSION__: string | undefined;
/** The commit the bundle was built from (esbuild.mjs): null when built outside a git work tree. */
declare const __DECNET_REAPER_COMMIT__: { id: string; dirty: boolean } | null | undefined;

/** When the bundle was loaded, in ms since the process started (for DECNET_REAPER_TIMING). */
const loadedAt = performance.now();

export function version(): string {
  if (typeof __DECNET_REAPER_VERSION__ === 'string') return __DECNET_REAPER_VERSION__;
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** What `--version` tells: the version, and the commit the bundle was built from (null when unknown). */
export function buildInfo(): { version: string; commit: string | null; dirty: boolean; built: boolean } {
  const commit = typeof __DECNET_REAPER_COMMIT__ === 'undefined' ? undefined : __DECNET_REAPER_COMMIT__;
  return { version: version(), commit: commit?.id ?? null, dirty: commit?.dirty ?? false, built: commit !== undefined };
}

/** `decnet-reaper 0.2.0 (commit 07abf9c1d2e3)`, or what is known when no commit is. */
export function versionLine(): string {
  const b = buildInfo();
  const about = b.commit
    ? `commit ${b.commit}${b.dirty ? ', with uncommitted changes' : ''}`
    : b.built
      ? 'built outside git: no commit recorded'
      : 'run from source, not a build';
  return `decnet-reaper ${b.version} (${about})`;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'decnet-reaper: find DECNET topologies left behind on Docker (orphans) and remove them safely.',
    '',
    'Usage:',
    '  decnet-reaper <command> [arguments] [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Flags of every command:',
    ...Object.entries(COMMON_FLAGS).map(([n, f]) => `  ${f.short ? `-${f.short}, ` : '    '}--${n}${f.arg ? ` ${f.arg}` : ''}  ${f.help}`),
    '  -V, --version        print the version and the commit it was built from',
    '',
    'The database is resolved as DECNET does: --db / --db-url, else DECNET_DB_TYPE, DECNET_DB_URL,',
    'DECNET_DB_HOST/PORT/NAME/USER, DECNET_DB_PATH, else [database] of /etc/decnet/decnet.ini',
    '(DECNET_REAPER_INI names another file), else ./decnet.db. The MySQL password: the one in --db-url,',
    "else DECNET_DB_PASSWORD, else the one in DECNET_DB_URL, else the one in decnet.ini's url.",
    'The Docker endpoint is resolved as the Docker CLI does: --docker-host, --context, DOCKER_HOST,',
    'DOCKER_CONTEXT, the current context of ~/.docker/config.json, unix:///var/run/docker.sock.',
    '',
    'Exit status: 0 done; 1 some resources failed; 2 refused (bad usage, the database or Docker cannot',
    'be read, a live or unknown prefix, not confirmed).',
    '',
    "Run 'decnet-reaper <command> --help' for a command's flags, JSON output and examples.",
  ].join('\n');
}

function versionJson(): string {
  const b = buildInfo();
  return safeJson({
    version: b.version,
    commit: b.commit,
    commit_dirty: b.dirty,
    node: process.version,
    single_executable: isSingleExecutable(),
  });
}

type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function parseOptions(flags: Record<string, FlagSpec>): ParseOptions {
  const out: ParseOptions = {};
  for (const [name, f] of Object.entries(flags)) {
    out[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.type === 'string' ? { multiple: true } : {}) };
  }
  return out;
}

/** parseArgs' messages, as a usage problem of this command. */
function parseProblem(err: Error): string {
  return err.message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '').replace(/^Unknown option/, 'unknown flag');
}

/** The command named on the line: the first argument that is not a flag or a flag's value. */
function findCommand(argv: string[]): { name?: string; help: boolean; version: boolean } {
  const all: Record<string, FlagSpec> = { ...COMMON_FLAGS };
  for (const c of COMMANDS) Object.assign(all, c.flags);
  const options: ParseOptions = { ...parseOptions(all), version: { type: 'boolean', short: 'V' } };
  const { values, positionals } = parseArgs({ args: argv, options, strict: false, allowPositionals: true });
  return { name: positionals[0], help: values.help === true, version: values.version === true };
}

async function dispatch(argv: string[], io: Io, json: boolean): Promise<{ code: number; command?: string }> {
  // What the completion scripts ask (completion.ts); not a command people type.
  if (argv[0] === COMPLETE_COMMAND) return { code: await completeValues(argv.slice(1), COMMANDS, io) };
  const found = findCommand(argv);
  if (found.name === 'help') {
    const about = COMMANDS.find((c) => c.name === argv[argv.indexOf('help') + 1]);
    io.stdout(about ? commandHelp(about) : overview());
    return { code: EXIT_OK };
  }
  if (!found.name) {
    if (found.version) io.stdout(json ? versionJson() : versionLine());
    else if (found.help) io.stdout(overview());
    else throw usageError(`a command is needed: ${COMMANDS.map((c) => c.name).join(', ')}`);
    return { code: EXIT_OK };
  }
  const command: CliCommand | undefined = COMMANDS.find((c) => c.name === found.name);
  if (!command) throw usageError(`unknown command "${found.name}" (the commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  if (found.help) {
    io.stdout(commandHelp(command));
    return { code: EXIT_OK, command: command.name };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: parseOptions(flagsOf(command)), strict: true, allowPositionals: true });
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw usageError(parseProblem(e as Error), command.name);
    throw e;
  }
  const args = parsed.positionals.slice(parsed.positionals.indexOf(command.name) + 1);
  const timeoutMs = timeoutFlag(parsed.values, command.name);
  setRequestTimeout(timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const code = await command.run({
    io,
    args,
    flags: parsed.values as Record<string, string | boolean | undefined>,
    json,
    timeoutMs,
    target: () => resolveTarget(command.name, parsed.values, io),
    commands: COMMANDS,
    version: version(),
  });
  return { code, command: command.name };
}

export async function main(argv: string[], rawIo: Io): Promise<number> {
  const io = safeIo(rawIo);
  const json = argv.includes('--json');
  try {
    return (await dispatch(argv, io, json)).code;
  } catch (err) {
    const e =
      err instanceof CliError
        ? err
        : err instanceof RefusedError
          ? new CliError('refused', err.message)
          : // No stack trace: it could carry what was being parsed. DECNET_REAPER_DEBUG=1 shows it.
            new CliError('unexpected', `unexpected error: ${(err as Error)?.message ?? String(err)}`);
    if (json && !e.printed) rawIo.stdout(safeJson({ error: errorJson(e) }));
    const lead = e.kind === 'refused' || e.kind === 'cancelled' ? 'refused: ' : '';
    io.stderr(`decnet-reaper: ${lead}${e.message}`);
    if (e.kind === 'usage') {
      const cmd = e.command ?? findCommandSafe(argv);
      io.stderr(`Run 'decnet-reaper${cmd ? ` ${cmd}` : ''} --help' for usage.`);
    }
    if (e.kind === 'unexpected' && io.env.DECNET_REAPER_DEBUG === '1' && (err as Error)?.stack) io.stderr((err as Error).stack!);
    return e.kind === 'unexpected' ? EXIT_FAILED : EXIT_REFUSED;
  }
}

function findCommandSafe(argv: string[]): string | undefined {
  try {
    const name = findCommand(argv).name;
    return COMMANDS.some((c) => c.name === name) ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs and exits as soon as the output is written: nothing is left to wait for (V8 would
 * otherwise finish optimising sql.js's WebAssembly in the background before the process ends).
 */
export function runProcess(): void {
  // sql.js's WebAssembly runs on V8's baseline compiler only: V8 would otherwise optimise it in
  // the background, and a process does not end before that work does (about 100 ms, more on a
  // busy machine, for a read that takes less). Set before anything is compiled.
  setFlagsFromString('--liftoff-only');
  const io = processIo();
  void main(process.argv.slice(2), io).then(
    (code) => exitAfterFlush(code),
    () => exitAfterFlush(EXIT_FAILED),
  );
}

function exitAfterFlush(code: number): void {
  // `npm run bench` asks where the time goes.
  if (process.env.DECNET_REAPER_TIMING === '1')
    process.stderr.write(`decnet-reaper timing: loaded ${loadedAt.toFixed(1)} ms, done ${performance.now().toFixed(1)} ms\n`);
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  for (const s of [process.stdout, process.stderr]) {
    if (s.destroyed || !s.writable) done();
    else s.write('', done);
  }
}

if (require.main === module) runProcess();
