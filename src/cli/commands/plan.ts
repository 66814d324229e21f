// `decnet-reaper plan (PREFIX... | --all-orphans | --torn-down PREFIX) --out FILE`: the plan of a
// removal written as JSON, to review, hand over and apply later with `apply`. Nothing is removed.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RefusedError } from '../../core/model';
import { planRemoval } from '../../core/removal/plan';
import { planToFile, serializePlanFile } from '../../core/removal/planFile';
import { formatPlan, planJson } from '../../core/removal/text';
import { unclassifiedReason } from '../../core/rules';
import { scan } from '../../core/scan';
import { safeJson } from '../../core/textSafe';
import type { Io } from '../io';
import { CommandUsageError, endWith, EXIT_OK, once, resolveTarget, TARGET_OPTIONS } from './planShared';

export const PLAN_USAGE = `Usage:
  decnet-reaper plan PREFIX... --out FILE [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--allow-empty-db] [--json]
  decnet-reaper plan --all-orphans --out FILE [...]
  decnet-reaper plan --torn-down PREFIX --out FILE [...]

Writes the plan of the removal to FILE (JSON, with plan_sha256) and prints what reap --dry-run
prints. Nothing is removed: apply FILE removes it later.`;

export async function planCommand(argv: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...TARGET_OPTIONS,
        out: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        'all-orphans': { type: 'boolean', default: false },
        'torn-down': { type: 'boolean', default: false },
        'allow-empty-db': { type: 'boolean', default: false },
      },
    });
    const out = once(values, 'out');
    if (out === undefined || !out.trim()) throw new CommandUsageError('plan needs --out FILE');
    const allOrphans = values['all-orphans'];
    const tornDown = values['torn-down'];
    if (allOrphans && positionals.length) throw new CommandUsageError('give either PREFIX... or --all-orphans, not both');
    if (!allOrphans && !positionals.length) throw new CommandUsageError('plan needs at least one PREFIX, or --all-orphans');
    if (tornDown && allOrphans) throw new CommandUsageError('--torn-down takes the PREFIX of a torn_down topology, not --all-orphans');
    const target = resolveTarget(values, io);
    const result = await scan(target);
    const why = unclassifiedReason(result);
    if (why) throw new RefusedError(`Nothing was planned: ${why}`);
    const wanted = allOrphans ? result.orphanPrefixes : positionals;
    if (!wanted.length) throw new RefusedError('No orphan groups on this daemon: nothing to plan.');
    const plan = planRemoval(result, wanted, { mode: tornDown ? 'tornDown' : 'orphan', allowEmptyDb: values['allow-empty-db'] });
    const file = planToFile(plan, target);
    const dest = path.resolve(io.cwd, out);
    // Written whole or not at all.
    const tmp = `${dest}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, serializePlanFile(file), { flag: 'wx', mode: 0o644 });
      renameSync(tmp, dest);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new RefusedError(`The plan cannot be written to ${dest}: ${(err as Error).message}`);
    }
    if (values.json) io.stdout(safeJson({ dry_run: true, plan: planJson(plan), plan_file: dest, plan_sha256: file.plan_sha256 }));
    else io.stdout(`Dry run: nothing is removed.\n${formatPlan(plan)}\nPlan written to ${dest} (plan_sha256 ${file.plan_sha256}).`);
    return EXIT_OK;
  } catch (err) {
    return endWith(err, io, PLAN_USAGE, argv.includes('--json'));
  }
}
