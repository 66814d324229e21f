// `decnet-reaper apply FILE [--yes] [--json]`: removes what a plan file names, on the database and
// daemon resolved here (as for every command) and only when they are the plan's, and of it only
// what is still there unchanged and still allowed.
import { readRegularFile } from '../../core/fsSafe';
import {
  databaseFlagOf,
  endpointFlagOf,
  everyPlannedResourceGone,
  MAX_PLAN_BYTES,
  parsePlanFile,
  planFromFile,
  planTargetMismatch,
  planTargetRefusal,
  type PlanTargetMismatch,
} from '../../core/removal/planFile';
import { assumeYes, runRemovalSession } from '../../core/removal/session';
import { formatReportText } from '../../core/removal/text';
import { safeJson } from '../../core/textSafe';
import type { CliCommand, CommandContext } from '../command';
import { CliError, EXIT_FAILED, EXIT_OK, usageError } from '../errors';
import { AUDIT_FLAGS, auditTarget, terminalAsker } from './shared';

/** How to name the plan's database or endpoint on the command line, when it is the right one. */
function refusal(m: PlanTargetMismatch): string {
  const db = m.database && databaseFlagOf(m.database.plan);
  const ep = m.endpoint && endpointFlagOf(m.endpoint.plan);
  return planTargetRefusal(m, {
    database: db
      ? `If the plan's database is DECNET's, name it: ${db}.`
      : "If the plan's database is DECNET's, name it with --db or --db-url.",
    endpoint: ep
      ? `If the plan's endpoint is the right one, name it: ${ep}.`
      : "If the plan's endpoint is the right one, name it with --docker-host or --context.",
  });
}

export const applyCommand: CliCommand = {
  name: 'apply',
  summary: 'Remove what a plan file names, if it is still there and still an orphan',
  synopsis: ['apply FILE [--yes]'],
  description: [
    'Removes what the plan FILE (from decnet-reaper plan) names. The database and the Docker endpoint',
    'are resolved as for every command (--db/--db-url, --docker-host/--context, the environment,',
    'decnet.ini, ./decnet.db), never taken from the plan: a plan made from another database or on',
    "another endpoint or daemon is refused, and naming the plan's own with --db/--db-url or",
    '--docker-host/--context is how to accept it. Refused whole (exit 2) also when the file was',
    'changed or the database cannot be read. Of the plan, only resources still there unchanged (id,',
    'name, markers) whose prefix is still an orphan (still torn_down) are removed; the others are',
    'skipped and reported.',
  ].join('\n'),
  operands: 'file',
  flags: {
    yes: { type: 'boolean', short: 'y', help: 'do not ask' },
    ...AUDIT_FLAGS,
    'allow-empty-db': { type: 'boolean', help: 'remove even when the database holds no topology at all' },
  },
  json: 'The report as reap --json prints it, or { "error": { "kind", "message" } } when refused.',
  exits: ['0  every planned resource is gone', '1  some were skipped or failed (the report says why)', '2  refused: nothing removed'],
  examples: ['decnet-reaper apply reap-plan.json --yes', 'decnet-reaper apply reap-plan.json --db /opt/decnet/decnet.db'],
  async run(ctx: CommandContext): Promise<number> {
    const { io } = ctx;
    if (ctx.args.length !== 1) throw usageError('apply takes one plan FILE', 'apply');
    const audit = auditTarget(ctx.flags, io, 'apply');
    let text: string;
    try {
      text = readRegularFile(ctx.args[0], MAX_PLAN_BYTES).toString('utf8');
    } catch (err) {
      throw new CliError('refused', `The plan file cannot be read: ${(err as Error).message}. Nothing was removed.`);
    }
    const file = parsePlanFile(text);
    // The database and daemon that decide what is live are the ones resolved here, never the plan's.
    const target = ctx.target();
    const mismatch = planTargetMismatch(file, target);
    if (mismatch) throw new CliError('refused', refusal(mismatch));
    const plan = planFromFile(file);
    const outcome = await runRemovalSession(
      { kind: 'plan', plan },
      {
        db: target.db,
        dockerHost: target.dockerHost,
        asker: ctx.flags.yes === true ? assumeYes : terminalAsker(io),
        audit,
        allowEmptyDb: ctx.flags['allow-empty-db'] === true,
        progress: ctx.json ? undefined : { step: (p) => io.stderr(`[${p.done}/${p.total}] ${p.message}`) },
      },
    );
    switch (outcome.kind) {
      case 'removed': {
        const report = outcome.report;
        io.stdout(ctx.json ? safeJson(report) : formatReportText(report));
        return everyPlannedResourceGone(plan, report) ? EXIT_OK : EXIT_FAILED;
      }
      case 'cancelled':
        throw new CliError('cancelled', outcome.message);
      case 'nothing':
        // Every planned resource is gone already: nothing to ask, nothing removed, nothing left to do.
        io.stdout(ctx.json ? safeJson(outcome.report) : outcome.message);
        return EXIT_OK;
      case 'refused':
        throw new CliError('refused', outcome.message);
      case 'planned':
        return EXIT_OK;
    }
  },
};
