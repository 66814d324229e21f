// decnet-reaper: the headless CLI over the same core as the extension.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { parseMysqlUrl, resolveDatabase, type DbTarget } from '../core/config';
import { resolveDockerEndpoint, type DockerEndpoint } from '../core/dockerEndpoint';
import type { Group, ScanResult } from '../core/model';
import { executeRemoval, planRemoval, RefusedError, type RemovalPlan } from '../core/reaper';
import { formatPlan, formatReportText, type ReapReport } from '../core/report';
import { scan } from '../core/scan';
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

reap --torn-down removes what is left on Docker of a topology whose row says torn_down (any other
status is refused); without --yes it asks you to type the prefix. overlaps lists every Docker
network whose pool overlaps a LAN of a topology that is not torn_down, or another network's pool;
with a CIDR or an address, the networks whose pools overlap it.

The database is resolved as DECNET does: --db / --db-url (mysql://user:pass@host:port/db, or
SQLAlchemy's mysql+<driver>://…), else DECNET_DB_TYPE, DECNET_DB_URL, DECNET_DB_HOST/PORT/NAME/
USER/PASSWORD and DECNET_DB_PATH, else [database] of /etc/decnet/decnet.ini, else ./decnet.db.
The Docker endpoint is resolved as the Docker CLI does: --docker-host, --context, DOCKER_HOST
(with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), DOCKER_CONTEXT, the current context of
~/.docker/config.json, then unix:///var/run/docker.sock. Endpoints: unix://, tcp://, ssh://.
Exit status: 0 done (overlaps: whether or not it found any); 1 some resources failed; 2 refused
(live or unknown prefix, unreadable database or daemon, bad usage).`;

class UsageError extends Error {}

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
      ? `${g.prefix}  live    ${g.topology?.name} (${g.topology?.status}, ${g.topology?.mode})`
      : `${g.prefix}  ${g.state === 'orphan' ? 'orphan' : 'unknown'}`;
  const lines = [head];
  for (const c of g.containers) lines.push(`    container ${c.name}  ${c.state}${c.removable || g.state !== 'orphan' ? '' : '  (kept: also live)'}`);
  for (const n of g.networks) lines.push(`    network   ${n.name}  ${n.subnets.join(', ')}`);
  return lines.join('\n');
}

function scanFailure(result: ScanResult): string | undefined {
  if (!result.docker.ok) return result.docker.error.message;
  if (!result.db.ok) {
    return `The DECNET database could not be read (${result.db.error.kind}): ${result.db.error.message}. Nothing is classified orphan.`;
  }
  return undefined;
}

async function runScan(opts: Options, io: Io): Promise<number> {
  const result = await scan({ db: opts.db, dockerHost: opts.dockerHost });
  const failure = scanFailure(result);
  if (opts.json) {
    const body = scanJson(result) as Record<string, unknown>;
    if (failure) body.error = failure;
    io.stdout(JSON.stringify(body, null, 2));
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
    io.stderr(`decnet-reaper: ${failure}`);
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
  const result = await scan({ db: opts.db, dockerHost: opts.dockerHost });
  const failure = scanFailure(result);
  if (failure) throw new RefusedError(`${failure} Nothing is removed.`);
  const wanted = opts.allOrphans ? result.orphanPrefixes : prefixes;
  if (!wanted.length) {
    if (opts.json) io.stdout(JSON.stringify(emptyReport(result), null, 2));
    else io.stdout('No orphan groups on this daemon: nothing to remove.');
    return EXIT_OK;
  }
  const plan = planRemoval(result, wanted, { mode: opts.tornDown ? 'tornDown' : 'orphan' });
  if (opts.dryRun) {
    if (opts.json) io.stdout(JSON.stringify({ dry_run: true, plan: planJson(plan) }, null, 2));
    else io.stdout(`Dry run: nothing is removed.\n${formatPlan(plan)}`);
    return EXIT_OK;
  }
  if (!opts.yes && plan.mode === 'tornDown') {
    // A stronger confirmation: the row stays in DECNET's database, so type the prefix.
    if (!io.ask) throw new RefusedError('no terminal to confirm on: pass --yes to remove without asking');
    io.stderr(formatPlan(plan));
    const expected = plan.prefixes.join(' ');
    const typed = await io.ask(
      `Remove ${plan.containers.length} containers and ${plan.networks.length} networks left by torn-down ${(plan.topologies ?? []).map((t) => t.name).join(', ')}? Type ${expected} to confirm: `,
    );
    if (typed.trim() !== expected) throw new RefusedError('not confirmed (the prefix was not typed): nothing was removed');
  } else if (!opts.yes) {
    if (!io.confirm) throw new RefusedError('no terminal to confirm on: pass --yes to remove without asking');
    io.stderr(formatPlan(plan));
    const ok = await io.confirm(
      `Remove ${plan.containers.length} containers and ${plan.networks.length} networks of ${plan.prefixes.join(', ')}? [y/N] `,
    );
    if (!ok) throw new RefusedError('not confirmed: nothing was removed');
  }
  const report = await executeRemoval(plan, {
    db: opts.db,
    dockerHost: opts.dockerHost,
    onProgress: opts.json ? undefined : (p) => io.stderr(`[${p.done}/${p.total}] ${p.message}`),
  });
  if (opts.json) io.stdout(JSON.stringify(report, null, 2));
  else io.stdout(formatReportText(report));
  return report.errors.length ? EXIT_FAILED : EXIT_OK;
}

function planJson(plan: RemovalPlan): object {
  return {
    mode: plan.mode === 'tornDown' ? 'torn_down' : 'orphan',
    ...(plan.mode === 'tornDown' ? { topologies: plan.topologies } : {}),
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
  if (opts.dryRun || opts.yes || opts.allOrphans || opts.tornDown) {
    throw new UsageError('--dry-run, --yes, --all-orphans and --torn-down go with reap');
  }
  const query = args.length ? parseCidr(args[0]) : undefined;
  if (args.length && !query) {
    throw new UsageError(`"${args[0]}" is neither a CIDR (172.16.5.0/24, fd00:dec::/64) nor an IP address`);
  }
  const result = await scan({ db: opts.db, dockerHost: opts.dockerHost });
  if (!result.docker.ok) throw new RefusedError(result.docker.error.message);
  const db = result.db.ok ? result.db.value : undefined;
  const failure = result.db.ok
    ? undefined
    : `The DECNET database could not be read (${result.db.error.kind}): ${result.db.error.message}. Topology LANs were not compared and DECNET networks are not classified.`;
  const head = { docker_endpoint: result.dockerEndpoint, database: result.dbSource };
  if (query) {
    const q = findOverlapsWith(query, result.docker.value, db);
    if (opts.json) {
      const body: Record<string, unknown> = {
        query: q.query.text,
        ...head,
        conflicts: q.matches.map(conflictJson),
        lans: q.lans.map(lanClaimJson),
      };
      if (failure) body.error = failure;
      io.stdout(JSON.stringify(body, null, 2));
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
      const body: Record<string, unknown> = { ...head, conflicts: conflicts.map(conflictJson) };
      if (failure) body.error = failure;
      io.stdout(JSON.stringify(body, null, 2));
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

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        db: { type: 'string' },
        'db-url': { type: 'string' },
        'docker-host': { type: 'string' },
        context: { type: 'string' },
        json: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        'all-orphans': { type: 'boolean', default: false },
        'torn-down': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (values['docker-host'] && values.context) throw new UsageError('give either --docker-host or --context, not both');
    if (values.db && values['db-url']) throw new UsageError('give either --db or --db-url, not both');
    const opts: Options = {
      db: resolveDatabase({
        settings: { path: values.db, url: values['db-url'] },
        env: io.env,
        workspaceFolders: [io.cwd],
        // A password given in --db-url is used for this run only.
        secretPassword: values['db-url'] ? parseMysqlUrl(values['db-url'])?.password : undefined,
      }),
      dockerHost: resolveDockerEndpoint({ setting: values['docker-host'], context: values.context, env: io.env }),
      json: values.json!,
      dryRun: values['dry-run']!,
      yes: values.yes!,
      allOrphans: values['all-orphans']!,
      tornDown: values['torn-down']!,
    };
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
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`decnet-reaper: ${(err as Error).message}\n\n${USAGE}`);
      return EXIT_REFUSED;
    }
    io.stderr(`decnet-reaper: ${(err as Error).stack ?? String(err)}`);
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
