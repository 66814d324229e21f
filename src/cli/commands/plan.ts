// `decnet-reaper plan (PREFIX... | --all-orphans | --torn-down PREFIX) --out FILE`: the plan of a
// removal written as JSON, to review, hand over and apply later with `apply`. Nothing is removed.
import * as path from 'node:path';
import type { SkippedItem } from '../../core/model';
import { planRemoval } from '../../core/removal/plan';
import { planToFile, writePlanFile } from '../../core/removal/planFile';
import { formatPlan, planJson } from '../../core/removal/text';
import { scan } from '../../core/scan';
import { safeJson } from '../../core/textSafe';
import type { CliCommand, CommandContext } from '../command';
import { CliError, EXIT_OK, usageError } from '../errors';
import { unclassifiedError } from '../failures';
import { onceFlag } from './shared';

export const planCommand: CliCommand = {
  name: 'plan',
  summary: 'Write the plan of a removal to a file, to review and apply later',
  synopsis: ['plan PREFIX... --out FILE', 'plan --all-orphans --out FILE', 'plan --torn-down PREFIX --out FILE'],
  description: [
    'Writes the plan of the removal to FILE (JSON, with plan_sha256) and prints what reap --dry-run',
    'prints. Nothing is removed: apply FILE removes it later, on the same database and daemon only.',
  ].join('\n'),
  operands: 'prefix',
  flags: {
    out: { type: 'string', arg: 'FILE', value: 'file', help: 'where to write the plan (JSON); required' },
    'all-orphans': { type: 'boolean', help: 'every orphan prefix on the daemon' },
    'torn-down': { type: 'boolean', help: 'the leftovers of the torn_down topology PREFIX' },
    'allow-empty-db': { type: 'boolean', help: 'plan even when the database holds no topology at all' },
    'detailed-exit-code': {
      type: 'boolean',
      help: 'exit 3 when a plan is written, 0 when --all-orphans finds nothing to plan (for timers)',
    },
  },
  json: [
    '{ "dry_run": true, "plan": { as reap --dry-run --json prints it }, "plan_file", "plan_sha256", "error": null | { "kind", "message" } }',
    'With --detailed-exit-code and nothing to plan: { "dry_run": true, "plan": null, "plan_file": null, "plan_sha256": null,',
    '  "nothing": "why", "kept": [{ "kind", "name", "id", "reason" }], "error": null }',
  ].join('\n'),
  exits: [
    '0  the plan was written (with --detailed-exit-code: --all-orphans found nothing to plan, no file written)',
    '2  refused: bad usage, the database or Docker cannot be read, a live or unknown prefix; without',
    '   --detailed-exit-code also when --all-orphans finds nothing to plan',
    '3  with --detailed-exit-code: the plan was written',
  ],
  examples: [
    'decnet-reaper plan --all-orphans --out reap-plan.json',
    'decnet-reaper apply reap-plan.json',
    'decnet-reaper plan --all-orphans --detailed-exit-code --out /var/lib/decnet-reaper/plan-$(date +%F).json --json',
  ],
  async run(ctx: CommandContext): Promise<number> {
    const { io, args: prefixes } = ctx;
    const out = onceFlag(ctx.flags, 'out', 'plan');
    if (out === undefined || !out.trim()) throw usageError('plan needs --out FILE', 'plan');
    const allOrphans = ctx.flags['all-orphans'] === true;
    const tornDown = ctx.flags['torn-down'] === true;
    const detailed = ctx.flags['detailed-exit-code'] === true;
    if (allOrphans && prefixes.length) throw usageError('give either PREFIX... or --all-orphans, not both', 'plan');
    if (!allOrphans && !prefixes.length) throw usageError('plan needs at least one PREFIX, or --all-orphans', 'plan');
    if (tornDown && allOrphans) throw usageError('--torn-down takes the PREFIX of a torn_down topology, not --all-orphans', 'plan');
    const target = ctx.target();
    const result = await scan(target);
    const unclassified = unclassifiedError(result, ' Nothing was planned.');
    if (unclassified) throw unclassified;
    const wanted = allOrphans ? result.orphanPrefixes : prefixes;
    // For a timer, "nothing to plan" is a quiet night, not a refusal: only with --detailed-exit-code.
    const nothingIsFine = detailed && allOrphans;
    if (!wanted.length) {
      const message = 'No orphan groups on this daemon: nothing to plan.';
      if (nothingIsFine) return nothingToPlan(ctx, message, []);
      throw new CliError('refused', message);
    }
    const plan = planRemoval(result, wanted, {
      mode: tornDown ? 'tornDown' : 'orphan',
      allowEmptyDb: ctx.flags['allow-empty-db'] === true,
      allowEmpty: nothingIsFine,
    });
    if (!plan.containers.length && !plan.networks.length) {
      return nothingToPlan(ctx, `Nothing to plan: every resource left of ${wanted.join(', ')} is kept.`, plan.excluded);
    }
    const file = planToFile(plan);
    const dest = path.resolve(io.cwd, out);
    try {
      writePlanFile(dest, file);
    } catch (err) {
      throw new CliError('refused', (err as Error).message);
    }
    if (ctx.json) io.stdout(safeJson({ dry_run: true, plan: planJson(plan), plan_file: dest, plan_sha256: file.plan_sha256, error: null }));
    else io.stdout(`Dry run: nothing is removed.\n${formatPlan(plan)}\nPlan written to ${dest} (plan_sha256 ${file.plan_sha256}).`);
    return detailed ? EXIT_PLAN_WRITTEN : EXIT_OK;
  },
};

/** `plan --detailed-exit-code`: a plan was written. */
export const EXIT_PLAN_WRITTEN = 3;

/** `plan --all-orphans --detailed-exit-code` with nothing to remove: no file, exit 0. */
function nothingToPlan(ctx: CommandContext, message: string, kept: readonly SkippedItem[]): number {
  if (ctx.json) {
    ctx.io.stdout(safeJson({ dry_run: true, plan: null, plan_file: null, plan_sha256: null, nothing: message, kept, error: null }));
  } else {
    ctx.io.stdout(message);
    if (kept.length) ctx.io.stdout(['Kept:', ...kept.map((x) => `  ${x.kind} ${x.name}: ${x.reason}`)].join('\n'));
  }
  return EXIT_OK;
}
