// `decnet-reaper plan (PREFIX... | --all-orphans | --torn-down PREFIX) --out FILE`: the plan of a
// removal written as JSON, to review, hand over and apply later with `apply`. Nothing is removed.
import * as path from 'node:path';
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
  },
  json: '{ "dry_run": true, "plan": { as reap --dry-run --json prints it }, "plan_file", "plan_sha256", "error": null | { "kind", "message" } }',
  exits: ['0  the plan was written', '2  refused: bad usage, the database or Docker cannot be read, a live or unknown prefix'],
  examples: ['decnet-reaper plan --all-orphans --out reap-plan.json', 'decnet-reaper apply reap-plan.json'],
  async run(ctx: CommandContext): Promise<number> {
    const { io, args: prefixes } = ctx;
    const out = onceFlag(ctx.flags, 'out', 'plan');
    if (out === undefined || !out.trim()) throw usageError('plan needs --out FILE', 'plan');
    const allOrphans = ctx.flags['all-orphans'] === true;
    const tornDown = ctx.flags['torn-down'] === true;
    if (allOrphans && prefixes.length) throw usageError('give either PREFIX... or --all-orphans, not both', 'plan');
    if (!allOrphans && !prefixes.length) throw usageError('plan needs at least one PREFIX, or --all-orphans', 'plan');
    if (tornDown && allOrphans) throw usageError('--torn-down takes the PREFIX of a torn_down topology, not --all-orphans', 'plan');
    const target = ctx.target();
    const result = await scan(target);
    const unclassified = unclassifiedError(result, ' Nothing was planned.');
    if (unclassified) throw unclassified;
    const wanted = allOrphans ? result.orphanPrefixes : prefixes;
    if (!wanted.length) throw new CliError('refused', 'No orphan groups on this daemon: nothing to plan.');
    const plan = planRemoval(result, wanted, {
      mode: tornDown ? 'tornDown' : 'orphan',
      allowEmptyDb: ctx.flags['allow-empty-db'] === true,
    });
    const file = planToFile(plan);
    const dest = path.resolve(io.cwd, out);
    try {
      writePlanFile(dest, file);
    } catch (err) {
      throw new CliError('refused', (err as Error).message);
    }
    if (ctx.json) io.stdout(safeJson({ dry_run: true, plan: planJson(plan), plan_file: dest, plan_sha256: file.plan_sha256, error: null }));
    else io.stdout(`Dry run: nothing is removed.\n${formatPlan(plan)}\nPlan written to ${dest} (plan_sha256 ${file.plan_sha256}).`);
    return EXIT_OK;
  },
};
