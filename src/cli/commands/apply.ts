// `decnet-reaper apply FILE [--yes] [--json]`: removes what a plan file names, on the same daemon
// and database only, and of it only what is still there unchanged and still allowed.
import { parseArgs } from 'node:util';
import { readRegularFile } from '../../core/fsSafe';
import { RefusedError } from '../../core/model';
import {
  everyPlannedResourceGone,
  MAX_PLAN_BYTES,
  parsePlanFile,
  planDatabase,
  planDockerEndpoint,
  planFromFile,
  requirePlanTarget,
} from '../../core/removal/planFile';
import { assumeYes, runRemovalSession } from '../../core/removal/session';
import { formatReportText } from '../../core/removal/text';
import { safeJson } from '../../core/textSafe';
import type { Io } from '../io';
import {
  AUDIT_OPTIONS,
  auditTarget,
  CommandUsageError,
  endWith,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_REFUSED,
  TARGET_OPTIONS,
  targetFromFlags,
  terminalAsker,
} from './planShared';

export const APPLY_USAGE = `Usage:
  decnet-reaper apply FILE [--yes] [--json] [--db PATH | --db-url URL] [--docker-host URL | --context NAME]
                           [--audit-log PATH | --no-audit-log] [--allow-empty-db]

Removes what the plan FILE (from decnet-reaper plan) names. Without --db/--db-url and
--docker-host/--context it uses the plan's database and endpoint; given, they must name the same.
Refused whole (exit 2) when the file was changed, the daemon or the database is another, or the
database cannot be read. Of the plan, only resources still there unchanged (id, name, markers)
whose prefix is still an orphan (still torn_down) are removed; the others are skipped and
reported. Exit status: 0 every planned resource is gone; 1 some were skipped or failed; 2 refused.`;

export async function applyCommand(argv: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...TARGET_OPTIONS,
        ...AUDIT_OPTIONS,
        yes: { type: 'boolean', short: 'y', default: false },
        json: { type: 'boolean', default: false },
        'allow-empty-db': { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) throw new CommandUsageError('apply takes one plan FILE');
    const audit = auditTarget(values, io);
    let text: string;
    try {
      text = readRegularFile(positionals[0], MAX_PLAN_BYTES).toString('utf8');
    } catch (err) {
      throw new RefusedError(`The plan file cannot be read: ${(err as Error).message}. Nothing was removed.`);
    }
    const file = parsePlanFile(text);
    const given = targetFromFlags(values, io);
    const db = given.db ?? planDatabase(file, io.env);
    if (db.kind === 'invalid') throw new RefusedError(`${db.message}. Nothing was removed.`);
    const dockerHost = given.dockerHost ?? planDockerEndpoint(file, io.env);
    requirePlanTarget(file, dockerHost, db);
    const plan = planFromFile(file);
    const outcome = await runRemovalSession(
      { kind: 'plan', plan },
      {
        db,
        dockerHost,
        asker: values.yes ? assumeYes : terminalAsker(io),
        audit,
        allowEmptyDb: values['allow-empty-db'],
        progress: values.json ? undefined : { step: (p) => io.stderr(`[${p.done}/${p.total}] ${p.message}`) },
      },
    );
    switch (outcome.kind) {
      case 'removed': {
        const report = outcome.report;
        if (values.json) io.stdout(safeJson(report));
        else io.stdout(formatReportText(report));
        return everyPlannedResourceGone(plan, report) ? EXIT_OK : EXIT_FAILED;
      }
      case 'refused':
      case 'cancelled':
      case 'nothing':
        if (values.json) {
          io.stdout(safeJson({ error: { kind: outcome.kind === 'cancelled' ? 'cancelled' : 'refused', message: outcome.message } }));
        }
        io.stderr(`decnet-reaper: refused: ${outcome.message}`);
        return EXIT_REFUSED;
      case 'planned':
        return EXIT_OK;
    }
  } catch (err) {
    return endWith(err, io, APPLY_USAGE, argv.includes('--json'));
  }
}
