// `decnet-reaper reap`: one removal session (the same as the editor's), asked on the terminal.
import type { ReapReport, RemovalPlan, ScanResult } from '../../core/model';
import { assumeYes, runRemovalSession, type RemovalOutcome, type RemovalRequest } from '../../core/removal/session';
import { emptyReport, formatPlan, formatReportText, planJson, removalSubject } from '../../core/removal/text';
import { DEFAULT_HOST_TIMEOUT_MS, MASTER_NAME, parseHostMapping, readForMisplaced, type MisplacedRead } from '../../core/fleet';
import { RefusedError } from '../../core/model';
import { scan } from '../../core/scan';
import { safeJson } from '../../core/textSafe';
import type { CliCommand, CommandContext } from '../command';
import { CliError, errorJson, EXIT_FAILED, EXIT_OK, usageError } from '../errors';
import { unclassifiedError } from '../failures';
import { AUDIT_FLAGS, auditTarget, terminalAsker } from './shared';
import { ON_HOST_FLAGS, targetOnHost } from '../hostOption';

/** The one document `reap --json` prints: the report's keys, then `dry_run`, `plan`, `kept`, `error`. */
function reapJson(report: ReapReport, dryRun: boolean, plan: RemovalPlan | undefined, error: CliError | undefined): string {
  return safeJson({
    ...report,
    mode: report.mode ?? (plan?.mode === 'tornDown' ? 'torn_down' : 'orphan'),
    kept: report.kept ?? plan?.excluded ?? [],
    dry_run: dryRun,
    plan: plan ? planJson(plan) : null,
    error: error ? errorJson(error) : null,
  });
}

function baseReport(result: ScanResult, mode: 'orphan' | 'torn_down' | 'misplaced'): ReapReport {
  return { ...emptyReport(result), mode };
}

export const reapCommand: CliCommand = {
  name: 'reap',
  summary: 'Remove orphan groups, or the leftovers of a torn-down topology',
  synopsis: ['reap PREFIX...', 'reap --all-orphans', 'reap --torn-down PREFIX...'],
  description: [
    'Removes the containers and networks of orphan prefixes (no topology in the database owns them):',
    'the ones given, or every one with --all-orphans. With --torn-down, the leftovers of topologies',
    'whose row says torn_down (the row stays). The plan is shown and confirmed on the terminal ([y/N];',
    'for --torn-down you type the prefix), unless --yes. Just before removing, the database and Docker',
    'are read again; anything that changed is skipped and reported. What must be kept (shared with a',
    'live topology, a malformed DECNET marker, a network a kept container is attached to) is kept,',
    'and the report says why. Progress goes to stderr, the report to stdout.',
  ].join('\n'),
  operands: 'prefix',
  flags: {
    'all-orphans': { type: 'boolean', help: 'every orphan prefix on the daemon' },
    'torn-down': { type: 'boolean', help: 'remove the leftovers of the torn_down topologies PREFIX... instead' },
    'dry-run': { type: 'boolean', help: 'print the plan; remove nothing' },
    yes: { type: 'boolean', short: 'y', help: 'do not ask: remove what the plan says' },
    ...AUDIT_FLAGS,
    'allow-empty-db': { type: 'boolean', help: 'remove even when the database holds no topology at all' },
    misplaced: { type: 'boolean', help: 'remove from this host the topologies PREFIX... that belong on another swarm host' },
    ...ON_HOST_FLAGS,
  },
  json: [
    'DECNET\'s reap-orphans report: { "started_at", "finished_at", "mode": "orphan" | "torn_down",',
    '  "docker_endpoint", "docker_daemon", "database", "live_prefixes", "orphan_prefixes",',
    '  "prefixes_reaped", "containers_removed", "already_gone",',
    '  "endpoints_disconnected": [{ "network", "container", "state" }] (stopped containers too),',
    '  "networks_removed", "skipped": [{ "kind", "name", "id", "reason" }], "errors": [...] },',
    'plus "kept": [{ "kind", "name", "id", "reason" }], "dry_run": bool,',
    '"plan": null | { "mode", "docker_endpoint", "database", "prefixes", "containers", "networks",',
    '  "endpoints_to_disconnect": [{ "network", "container", "state" }], "kept" } (with --dry-run, or',
    '  when refused or cancelled after planning),',
    'and "error": null | { "kind", "message" }. Nothing removed: the lists are empty.',
  ].join('\n'),
  exits: [
    '0  removed, or nothing to remove (every orphan kept counts: the report says why), or --dry-run',
    '1  some resources could not be removed (the report lists them; the rest was removed)',
    '2  refused or not confirmed: a live or unknown prefix, the database or Docker cannot be read,',
    '   no terminal to confirm on without --yes, bad usage',
  ],
  examples: [
    'decnet-reaper reap --all-orphans --dry-run',
    'decnet-reaper reap 0badc0de',
    'decnet-reaper reap --all-orphans --yes --json > reap-report.json',
    'decnet-reaper reap --torn-down 3f2a9c1e',
  ],
  async run(ctx: CommandContext): Promise<number> {
    const { io, args: prefixes } = ctx;
    const allOrphans = ctx.flags['all-orphans'] === true;
    const tornDown = ctx.flags['torn-down'] === true;
    const dryRun = ctx.flags['dry-run'] === true;
    const yes = ctx.flags.yes === true;
    const misplaced = ctx.flags.misplaced === true;
    if (misplaced && (allOrphans || tornDown)) throw usageError('--misplaced takes the PREFIX of a misplaced topology, alone', 'reap');
    if (tornDown && allOrphans) throw usageError('--torn-down takes the PREFIX of a torn_down topology, not --all-orphans', 'reap');
    if (allOrphans && prefixes.length) throw usageError('give either PREFIX... or --all-orphans, not both', 'reap');
    if (!allOrphans && !prefixes.length) throw usageError('reap needs at least one PREFIX, or --all-orphans', 'reap');
    const resolved = ctx.target();
    const on = await targetOnHost('reap', ctx.flags, resolved, io.env);
    const target = { ...resolved, dockerHost: on.dockerHost };
    const request: RemovalRequest = tornDown
      ? { kind: 'tornDown', prefixes }
      : misplaced
        ? { kind: 'misplaced', prefixes }
        : allOrphans
          ? { kind: 'allOrphans' }
          : { kind: 'prefixes', prefixes };
    const mode = tornDown ? 'torn_down' : misplaced ? 'misplaced' : 'orphan';

    // One fresh read: the plan is made from it, and the report says what it found even if refused.
    // A misplaced removal reads every host of the swarm, now and again just before removing: a
    // topology is misplaced only while the host it belongs on answers and is another daemon.
    const readMisplaced = (): Promise<MisplacedRead> =>
      readForMisplaced({
        db: target.db,
        master: resolved.dockerHost,
        mapping: parseHostMapping((ctx.flags.host as string[] | undefined) ?? []),
        env: io.env,
        timeoutMs: ctx.timeoutMs ?? DEFAULT_HOST_TIMEOUT_MS,
        hostName: on.host?.name ?? MASTER_NAME,
        prefixes,
        fix: (u) =>
          u.name === MASTER_NAME
            ? "Make the master's Docker daemon reachable (--docker-host, --context, or --host master=ENDPOINT)."
            : u.noEndpoint
              ? `Give ${u.name}'s endpoint with --host ${u.name}=ENDPOINT${u.offer ? ` (for example --host ${u.name}=${u.offer})` : ''}.`
              : '',
      });
    let result: ScanResult;
    /** For --misplaced: whether a host each prefix belongs on holds something of it. */
    let homeHolds: Record<string, boolean> = {};
    if (misplaced) {
      try {
        ({ result, runsAtHome: homeHolds } = await readMisplaced());
      } catch (e) {
        if (e instanceof RefusedError) throw new CliError('refused', e.message, 'reap');
        throw e;
      }
    } else {
      result = await scan({ db: target.db, dockerHost: target.dockerHost, host: on.host });
    }
    const fail = (error: CliError, plan?: RemovalPlan): never => {
      if (ctx.json) {
        io.stdout(reapJson(baseReport(result, mode), dryRun, plan, error));
        error.printed = true;
      }
      throw error;
    };
    const unclassified = unclassifiedError(result, ' Nothing was removed.');
    if (unclassified) fail(unclassified);

    const asker = yes ? assumeYes : terminalAsker(io);
    const outcome: RemovalOutcome = await runRemovalSession(request, {
      db: target.db,
      dockerHost: target.dockerHost,
      host: on.host,
      firstRead: result,
      asker,
      dryRun,
      audit: auditTarget(ctx.flags, io, 'reap'),
      allowEmptyDb: ctx.flags['allow-empty-db'] === true,
      ...(misplaced ? { runsAtHome: homeHolds, scan: async () => (await readMisplaced()).result } : {}),
      progress: ctx.json ? undefined : { step: (p) => io.stderr(`[${p.done}/${p.total}] ${p.message}`) },
    });
    switch (outcome.kind) {
      case 'refused':
        return fail(new CliError('refused', outcome.message), outcome.plan);
      case 'cancelled':
        return fail(new CliError('cancelled', outcome.message), outcome.plan);
      case 'nothing':
        if (ctx.json) io.stdout(reapJson({ ...outcome.report, mode }, dryRun, outcome.plan, undefined));
        else if (outcome.plan) {
          io.stdout(`Nothing to remove: every resource left of ${removalSubject(outcome.plan)} is kept.`);
          io.stdout(['Kept:', ...outcome.plan.excluded.map((x) => `  ${x.kind} ${x.name}: ${x.reason}`)].join('\n'));
        } else io.stdout(outcome.message);
        return EXIT_OK;
      case 'planned':
        if (ctx.json) io.stdout(reapJson(baseReport(result, mode), true, outcome.plan, undefined));
        else io.stdout(`Dry run: nothing is removed.\n${formatPlan(outcome.plan)}`);
        return EXIT_OK;
      case 'removed':
        if (ctx.json) io.stdout(reapJson(outcome.report, false, undefined, undefined));
        else io.stdout(formatReportText(outcome.report));
        return outcome.report.errors.length ? EXIT_FAILED : EXIT_OK;
    }
  },
};
