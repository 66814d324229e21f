// decnet-reaper: the headless CLI over the same core as the extension.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { CLI_SETTING_NAMES, parseMysqlUrl, resolveDatabase, type DbTarget } from '../core/config';
import { resolveDockerEndpoint, type DockerEndpoint } from '../core/dockerEndpoint';
import type { Group, ScanResult } from '../core/model';
import { executeRemoval, planRemoval, RefusedError, type RemovalPlan } from '../core/reaper';
import { formatPlan, formatReportText, type ReapReport } from '../core/report';
import { scan } from '../core/scan';
import { escapeControl, escapeTerminal, safeJson } from '../core/textSafe';
// A DECNET swarm: the fleet command, and --on / --host for reap and overlaps.
import { fleetCommand } from './commands/fleet';
import { resolveOnHost } from './hostOption';
import { dbForHost } from '../core/fleet';
import type { HostRef } from '../core/model';
import {
  conflictJson,
  describeOverlap,
  describeOwner,
  findConflicts,
  findOverlapsWith,
  lanClaimJson,
  parseCidr,
  type NetworkConflict,
} from '../core/overlaps';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_REFUSED = 2;

const USAGE = `Usage:
  decnet-reaper scan [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--json]
  decnet-reaper reap PREFIX... [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--dry-run] [--yes] [--json]
  decnet-reaper reap --all-orphans [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--dry-run] [--yes] [--json]
  decnet-reaper reap --torn-down PREFIX [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--dry-run] [--yes] [--json]
  decnet-reaper overlaps [CIDR | IP] [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--json]
  decnet-reaper fleet [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--host NAME=ENDPOINT]... [--timeout S] [--json]
  reap and overlaps also take [--on NAME] [--host NAME=ENDPOINT]...; reap --misplaced PREFIX [--on NAME]

In a DECNET swarm, --on NAME acts on one host: master (the default) or a worker of swarm_hosts,
whose Docker endpoint is given with --host NAME=ENDPOINT (a URL, or context:NAME). There, a prefix
the database knows but that belongs on another host is misplaced: reap --misplaced removes it
from this host after you type the prefix (its row stays). fleet lists every host.

reap --torn-down removes what is left on Docker of a topology whose row says torn_down (any other
status is refused); without --yes it asks you to type the prefix. overlaps lists every Docker
network whose pool overlaps a LAN of a topology that is not torn_down, or another network's pool;
with a CIDR or an address, the networks whose pools overlap it.

The database is resolved as DECNET does: --db / --db-url (mysql://user:pass@host:port/db, or
SQLAlchemy's mysql+<driver>://…), else DECNET_DB_TYPE, DECNET_DB_URL, DECNET_DB_HOST/PORT/NAME/
USER/PASSWORD and DECNET_DB_PATH, else [database] of /etc/decnet/decnet.ini, else ./decnet.db.
A database named there that cannot be used (empty, a URL that does not parse, a bad port or type)
is an error (exit 2), never replaced by another one.
The Docker endpoint is resolved as the Docker CLI does: --docker-host, --context, DOCKER_HOST
(with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), DOCKER_CONTEXT, the current context of
~/.docker/config.json, then unix:///var/run/docker.sock. Endpoints: unix://, tcp://, ssh://.
Exit status: 0 done (overlaps: whether or not it found any); 1 some resources failed; 2 refused
(live or unknown prefix, unreadable database or daemon, bad usage).`;

class UsageError extends Error {}

/** A database named in the environment or decnet.ini that cannot be used: exit 2, no usage text. */
class ConfigError extends Error {}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Asks a yes/no question on the terminal; undefined when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** Asks for a line of text on the terminal; undefined when there is no terminal. */
  ask?: (question: string) => Promise<string>;
}

export function scanJson(result: ScanResult): object {
  return {
    docker_endpoint: result.dockerEndpoint,
    docker_daemon: result.docker.ok ? result.docker.value.daemon : null,
    database: result.dbSource,
    live_prefixes: result.livePrefixes,
    orphan_prefixes: result.orphanPrefixes,
    groups: result.groups.map((g) => ({
      prefix: g.prefix,
      state: g.state,
      topology: g.topology ? { id: g.topology.id, name: g.topology.name, status: g.topology.status, mode: g.topology.mode } : null,
      containers: g.containers.map((c) => ({ id: c.id, name: c.name, state: c.state })),
      networks: g.networks.map((n) => ({ id: n.id, name: n.name, subnets: n.subnets })),
    })),
  };
}

function describeGroup(g: Group): string {
  const head =
    g.state === 'live'
      ? `${g.prefix}  live    ${escapeControl(g.topology?.name ?? '')} (${escapeControl(g.topology?.status ?? '')}, ${escapeControl(g.topology?.mode ?? '')})`
      : `${g.prefix}  ${g.state === 'orphan' ? 'orphan' : 'unknown'}`;
  const lines = [head];
  for (const c of g.containers) lines.push(`    container ${c.name}  ${c.state}${c.removable || g.state !== 'orphan' ? '' : '  (kept: also live)'}`);
  for (const n of g.networks) lines.push(`    network   ${n.name}  ${n.subnets.join(', ')}`);
  return lines.join('\n');
}

interface ScanFailures {
  docker?: string;
  database?: string;
}

/** What stops a classification: Docker, the database, or both (each is reported). */
function scanFailures(result: ScanResult): ScanFailures | undefined {
  const f: ScanFailures = {};
  if (!result.docker.ok) f.docker = result.docker.error.message;
  if (!result.db.ok) {
    f.database = `The DECNET database could not be read (${result.db.error.kind}): ${result.db.error.message}. Nothing is classified orphan.`;
  }
  return f.docker || f.database ? f : undefined;
}

/** `error` as before (Docker's first), and `docker_error` / `database_error`, null when fine. */
function failureJson(f: ScanFailures | undefined): Record<string, unknown> {
  return {
    ...(f ? { error: f.docker ?? f.database } : {}),
    docker_error: f?.docker ?? null,
    database_error: f?.database ?? null,
  };
}

function reportFailures(f: ScanFailures, io: Io): void {
  if (f.docker) io.stderr(`decnet-reaper: ${f.docker}`);
  if (f.database) io.stderr(`decnet-reaper: ${f.database}`);
}

async function runScan(opts: Options, io: Io): Promise<number> {
  const result = await scan({ db: opts.db, dockerHost: opts.dockerHost });
  const failure = scanFailures(result);
  if (opts.json) {
    io.stdout(safeJson({ ...scanJson(result), ...failureJson(failure) }));
  } else {
    const daemon = result.docker.ok ? `\nDocker daemon: ${result.docker.value.daemon.name} (id ${result.docker.value.daemon.id})` : '';
    io.stdout(`Docker endpoint: ${result.dockerEndpoint}${daemon}\nDatabase: ${result.dbSource}`);
    if (!result.groups.length && !failure) io.stdout('No DECNET resources on this daemon.');
    for (const g of result.groups) io.stdout(describeGroup(g));
    if (!failure) {
      io.stdout(`Live: ${result.livePrefixes.join(', ') || '(none)'}\nOrphans: ${result.orphanPrefixes.join(', ') || '(none)'}`);
    }
  }
  if (failure) {
    reportFailures(failure, io);
    return EXIT_REFUSED;
  }
  return EXIT_OK;
}

function emptyReport(result: ScanResult): ReapReport {
  const now = new Date().toISOString();
  return {
    started_at: now,
    finished_at: now,
    docker_endpoint: result.dockerEndpoint,
    docker_daemon: result.docker.ok ? result.docker.value.daemon : { name: '', id: '', version: '' },
    database: result.dbSource,
    live_prefixes: result.livePrefixes,
    orphan_prefixes: result.orphanPrefixes,
    prefixes_reaped: [],
    containers_removed: [],
    already_gone: [],
    endpoints_disconnected: [],
    networks_removed: [],
    skipped: [],
    errors: [],
  };
}

async function runReap(opts: Options, prefixes: string[], io: Io): Promise<number> {
  if (opts.allOrphans && prefixes.length) throw new UsageError('give either PREFIX... or --all-orphans, not both');
  if (!opts.allOrphans && !prefixes.length) throw new UsageError('reap needs at least one PREFIX, or --all-orphans');
  if (opts.tornDown && opts.allOrphans) throw new UsageError('--torn-down takes the PREFIX of a torn_down topology, not --all-orphans');
  if (opts.misplaced && (opts.allOrphans || opts.tornDown)) throw new UsageError('--misplaced takes the PREFIX of a misplaced topology, alone');
  const result = await scan({ db: opts.db, dockerHost: opts.dockerHost, host: opts.host });
  const failure = scanFailures(result);
  if (failure) throw new RefusedError(`${[failure.docker, failure.database].filter(Boolean).join('\n')} Nothing is removed.`);
  const wanted = opts.allOrphans ? result.orphanPrefixes : prefixes;
  if (!wanted.length) {
    if (opts.json) io.stdout(safeJson(emptyReport(result)));
    else io.stdout('No orphan groups on this daemon: nothing to remove.');
    return EXIT_OK;
  }
  const plan = planRemoval(result, wanted, { mode: opts.tornDown ? 'tornDown' : opts.misplaced ? 'misplaced' : 'orphan' });
  if (opts.dryRun) {
    if (opts.json) io.stdout(safeJson({ dry_run: true, plan: planJson(plan) }));
    else io.stdout(`Dry run: nothing is removed.\n${formatPlan(plan)}`);
    return EXIT_OK;
  }
  if (!opts.yes && (plan.mode === 'tornDown' || plan.mode === 'misplaced')) {
    // A stronger confirmation: the row stays in DECNET's database, so type the prefix.
    if (!io.ask) throw new RefusedError('no terminal to confirm on: pass --yes to remove without asking');
    io.stderr(formatPlan(plan));
    const expected = plan.prefixes.join(' ');
    const on = plan.host ? ` from host ${plan.host.name} (${plan.dockerEndpoint}, daemon ${plan.daemon.id})` : '';
    const typed = await io.ask(
      plan.mode === 'misplaced'
        ? `Remove ${plan.containers.length} containers and ${plan.networks.length} networks of misplaced ${(plan.topologies ?? []).map((t) => t.name).join(', ')}${on}? Type ${expected} to confirm: `
        : `Remove ${plan.containers.length} containers and ${plan.networks.length} networks left by torn-down ${(plan.topologies ?? []).map((t) => t.name).join(', ')}${on}? Type ${expected} to confirm: `,
    );
    if (typed.trim() !== expected) throw new RefusedError('not confirmed (the prefix was not typed): nothing was removed');
  } else if (!opts.yes) {
    if (!io.confirm) throw new RefusedError('no terminal to confirm on: pass --yes to remove without asking');
    io.stderr(formatPlan(plan));
    const on = plan.host ? ` on host ${plan.host.name} (${plan.dockerEndpoint}, daemon ${plan.daemon.id})` : '';
    const ok = await io.confirm(
      `Remove ${plan.containers.length} containers and ${plan.networks.length} networks of ${plan.prefixes.join(', ')}${on}? [y/N] `,
    );
    if (!ok) throw new RefusedError('not confirmed: nothing was removed');
  }
  const report = await executeRemoval(plan, {
    db: opts.db,
    dockerHost: opts.dockerHost,
    host: opts.host,
    onProgress: opts.json ? undefined : (p) => io.stderr(`[${p.done}/${p.total}] ${p.message}`),
  });
  if (opts.json) io.stdout(safeJson(report));
  else io.stdout(formatReportText(report));
  return report.errors.length ? EXIT_FAILED : EXIT_OK;
}

function planJson(plan: RemovalPlan): object {
  return {
    mode: plan.mode === 'tornDown' ? 'torn_down' : (plan.mode ?? 'orphan'),
    ...(plan.mode === 'tornDown' || plan.mode === 'misplaced' ? { topologies: plan.topologies } : {}),
    ...(plan.host ? { host: plan.host.name, docker_daemon: plan.daemon } : {}),
    docker_endpoint: plan.dockerEndpoint,
    database: plan.dbSource,
    prefixes: plan.prefixes,
    containers: plan.containers.map((c) => ({ id: c.id, name: c.name })),
    networks: plan.networks.map((n) => ({ id: n.id, name: n.name, subnets: n.subnets })),
    endpoints_to_disconnect: plan.networks.flatMap((n) =>
      n.endpoints
        .filter((e) => !plan.containers.some((c) => c.id === e.containerId))
        .map((e) => ({ network: n.name, container: e.name })),
    ),
    kept: plan.excluded,
  };
}

interface Options {
  db: DbTarget;
  dockerHost: DockerEndpoint;
  json: boolean;
  dryRun: boolean;
  yes: boolean;
  allOrphans: boolean;
  tornDown: boolean;
  misplaced: boolean;
  /** The swarm host (--on); master by default. */
  host?: HostRef;
}

function describeConflict(c: NetworkConflict, extra: string[] = []): string {
  const lines = [`${c.network.name}  ${c.network.subnets.join(', ')}  ${describeOwner(c.owner)}`];
  lines.push(...extra);
  for (const o of c.overlaps) lines.push(`    ${describeOverlap(o)}`);
  if (c.network.endpoints.length) lines.push(`    containers: ${c.network.endpoints.map((e) => e.name).join(', ')}`);
  return lines.join('\n');
}

/**
 * `overlaps [CIDR]`: which networks hold a subnet and who owns them. Exit 0 whether or not it
 * finds any (the output says); 2 when Docker or the database cannot be read (with the database
 * unreadable it still prints the overlaps between networks, with DECNET owners `unknown`).
 */
async function runOverlaps(opts: Options, args: string[], io: Io): Promise<number> {
  if (args.length > 1) throw new UsageError(`overlaps takes at most one CIDR or address (got ${args.join(' ')})`);
  if (opts.dryRun || opts.yes || opts.allOrphans || opts.tornDown || opts.misplaced) {
    throw new UsageError('--dry-run, --yes, --all-orphans, --torn-down and --misplaced go with reap');
  }
  const query = args.length ? parseCidr(args[0]) : undefined;
  if (args.length && !query) {
    throw new UsageError(`"${args[0]}" is neither a CIDR (172.16.5.0/24, fd00:dec::/64) nor an IP address`);
  }
  const result = await scan({ db: opts.db, dockerHost: opts.dockerHost, host: opts.host });
  const failure = result.db.ok
    ? undefined
    : `The DECNET database could not be read (${result.db.error.kind}): ${result.db.error.message}. Topology LANs were not compared and DECNET networks are not classified.`;
  const head = { docker_endpoint: result.dockerEndpoint, database: result.dbSource };
  if (!result.docker.ok) {
    // Nothing to list; both problems are said.
    const failures = { docker: result.docker.error.message, database: failure };
    if (opts.json) io.stdout(safeJson({ ...(query ? { query: query.text } : {}), ...head, conflicts: [], ...failureJson(failures) }));
    reportFailures(failures, io);
    return EXIT_REFUSED;
  }
  // A Docker pool is per daemon: only the LANs of topologies that belong on this host are wanted here.
  const db = result.db.ok ? (opts.host ? dbForHost(result.db.value, opts.host) : result.db.value) : undefined;
  if (query) {
    const q = findOverlapsWith(query, result.docker.value, db);
    if (opts.json) {
      const body: Record<string, unknown> = {
        query: q.query.text,
        ...head,
        conflicts: q.matches.map(conflictJson),
        lans: q.lans.map(lanClaimJson),
        ...failureJson(failure ? { database: failure } : undefined),
      };
      io.stdout(safeJson(body));
    } else {
      io.stdout(`Docker endpoint: ${result.dockerEndpoint}\nDatabase: ${result.dbSource}`);
      if (!q.matches.length) io.stdout(`No Docker network's pool overlaps ${q.query.text}.`);
      else io.stdout(`Networks whose pools overlap ${q.query.text}:`);
      for (const m of q.matches) io.stdout(describeConflict(m, [`    overlapping ${q.query.text}: ${m.matchedPools.join(', ')}`]));
      if (q.lans.length) {
        io.stdout(`Topology LANs that want it:`);
        for (const l of q.lans) io.stdout(`    ${l.topology.name} (${l.topology.status}), LAN ${l.lan.name}: ${l.lan.subnet}`);
      }
    }
  } else {
    const conflicts = findConflicts(result.docker.value, db);
    if (opts.json) {
      const body: Record<string, unknown> = { ...head, conflicts: conflicts.map(conflictJson), ...failureJson(failure ? { database: failure } : undefined) };
      io.stdout(safeJson(body));
    } else {
      io.stdout(`Docker endpoint: ${result.dockerEndpoint}\nDatabase: ${result.dbSource}`);
      for (const c of conflicts) io.stdout(describeConflict(c));
      io.stdout(
        conflicts.length
          ? `${conflicts.length} network${conflicts.length === 1 ? '' : 's'} in conflict.`
          : 'No subnet overlaps: no network pool overlaps a LAN of a topology that is not torn_down, nor another pool.',
      );
    }
  }
  if (failure) {
    io.stderr(`decnet-reaper: ${failure}`);
    return EXIT_REFUSED;
  }
  return EXIT_OK;
}

/** The value of an option that may be given once, or a usage error. */
function once(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name] as string[] | undefined;
  if (!v?.length) return undefined;
  if (v.length > 1) throw new UsageError(`--${name} is given ${v.length} times: give it once`);
  return v[0];
}

/**
 * Everything printed goes through here: control characters and bidi overrides from Docker or the
 * database (names, labels, hosts, error messages) are escaped, never sent raw to the terminal.
 * JSON is printed with safeJson, in which there is nothing left to escape.
 */
function safeIo(io: Io): Io {
  return {
    ...io,
    stdout: (t) => io.stdout(escapeTerminal(t)),
    stderr: (t) => io.stderr(escapeTerminal(t)),
    confirm: io.confirm && ((q) => io.confirm!(escapeTerminal(q))),
    ask: io.ask && ((q) => io.ask!(escapeTerminal(q))),
  };
}

export async function main(argv: string[], rawIo: Io): Promise<number> {
  const io = safeIo(rawIo);
  try {
    if (argv[0] === 'fleet') return await fleetCommand(argv.slice(1), io);
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        db: { type: 'string', multiple: true },
        'db-url': { type: 'string', multiple: true },
        'docker-host': { type: 'string', multiple: true },
        context: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        'all-orphans': { type: 'boolean', default: false },
        'torn-down': { type: 'boolean', default: false },
        on: { type: 'string', multiple: true },
        host: { type: 'string', multiple: true },
        misplaced: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    const dbPath = once(values, 'db');
    const dbUrl = once(values, 'db-url');
    const dockerHost = once(values, 'docker-host');
    const context = once(values, 'context');
    if (dockerHost !== undefined && context !== undefined) throw new UsageError('give either --docker-host or --context, not both');
    if (dbPath !== undefined && dbUrl !== undefined) throw new UsageError('give either --db or --db-url, not both');
    if (dockerHost !== undefined && !dockerHost.trim()) throw new UsageError('--docker-host is empty');
    if (context !== undefined && !context.trim()) throw new UsageError('--context is empty');
    const db = resolveDatabase({
      settings: { path: dbPath, url: dbUrl },
      settingNames: CLI_SETTING_NAMES,
      env: io.env,
      workspaceFolders: [io.cwd],
      // A password given in --db-url is used for this run only.
      secretPassword: dbUrl !== undefined ? parseMysqlUrl(dbUrl)?.password : undefined,
    });
    // A database named but not usable is an error before anything is read: never another one.
    if (db.kind === 'invalid') {
      if (db.origin === 'setting') throw new UsageError(db.message);
      throw new ConfigError(`${db.message}. Nothing is read or classified.`);
    }
    const opts: Options = {
      db,
      dockerHost: resolveDockerEndpoint({ setting: dockerHost, context, env: io.env }),
      json: values.json,
      dryRun: values['dry-run'],
      yes: values.yes,
      allOrphans: values['all-orphans'],
      tornDown: values['torn-down'],
      misplaced: values.misplaced,
    };
    if (command === 'reap' || command === 'overlaps') {
      // The swarm host acted on: master by default, a worker with --on (its endpoint from --host).
      let on;
      try {
        on = await resolveOnHost(once(values, 'on'), values.host ?? [], db, opts.dockerHost, io.env);
      } catch (e) {
        if (e instanceof RefusedError) throw e;
        throw new UsageError((e as Error).message);
      }
      opts.dockerHost = on.dockerHost;
      opts.host = on.host;
    } else if (values.on?.length || values.host?.length || opts.misplaced) {
      throw new UsageError('--on and --host go with reap and overlaps (fleet takes --host), --misplaced with reap');
    }
    switch (command) {
      case 'scan':
        if (rest.length) throw new UsageError(`scan takes no arguments (got ${rest.join(' ')})`);
        if (opts.dryRun || opts.yes || opts.allOrphans || opts.tornDown) {
          throw new UsageError('--dry-run, --yes, --all-orphans and --torn-down go with reap');
        }
        return await runScan(opts, io);
      case 'reap':
        return await runReap(opts, rest, io);
      case 'overlaps':
        return await runOverlaps(opts, rest, io);
      case undefined:
        throw new UsageError('a command is needed: scan, reap or overlaps');
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof RefusedError) {
      io.stderr(`decnet-reaper: refused: ${err.message}`);
      return EXIT_REFUSED;
    }
    if (err instanceof ConfigError) {
      io.stderr(`decnet-reaper: ${err.message}`);
      return EXIT_REFUSED;
    }
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`decnet-reaper: ${(err as Error).message}\n\n${USAGE}`);
      return EXIT_REFUSED;
    }
    // No stack trace: it could carry what was being parsed. DECNET_REAPER_DEBUG=1 shows it.
    const e = err as Error;
    io.stderr(`decnet-reaper: unexpected error: ${e?.message ?? String(err)}`);
    if (io.env.DECNET_REAPER_DEBUG === '1' && e?.stack) io.stderr(e.stack);
    return EXIT_FAILED;
  }
}

function terminalConfirm(): ((q: string) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(question)).trim());
    } finally {
      rl.close();
    }
  };
}

function terminalAsk(): ((q: string) => Promise<string>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(`${t}\n`),
    stderr: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
    cwd: process.cwd(),
    confirm: terminalConfirm(),
    ask: terminalAsk(),
  }).then((code) => {
    process.exitCode = code;
  });
}
