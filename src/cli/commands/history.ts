// `decnet-reaper history [--json] [--limit N] [--audit-log PATH]`: the removals the audit log holds.
import { parseArgs } from 'node:util';
import { describeEntry, readAuditHistory, summarizeEntry } from '../../core/audit';
import { safeJson } from '../../core/textSafe';
import type { Io } from '../io';
import { auditLogPath, CommandUsageError, endWith, EXIT_OK, EXIT_REFUSED, once } from './planShared';

export const HISTORY_USAGE = `Usage:
  decnet-reaper history [--json] [--limit N] [--audit-log PATH]

The past removals in the audit log, newest first: time, daemon, prefixes, counts. --json adds
each removal's report.`;

export async function historyCommand(argv: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        limit: { type: 'string', multiple: true },
        'audit-log': { type: 'string', multiple: true },
      },
    });
    if (positionals.length) throw new CommandUsageError(`history takes no arguments (got ${positionals.join(' ')})`);
    const limitText = once(values, 'limit');
    let limit: number | undefined;
    if (limitText !== undefined) {
      if (!/^\d+$/.test(limitText.trim())) throw new CommandUsageError(`--limit takes a number (got ${limitText})`);
      limit = Number(limitText.trim());
    }
    const file = auditLogPath(once(values, 'audit-log'), io);
    let history;
    try {
      history = readAuditHistory(file, { limit });
    } catch (err) {
      if (values.json) io.stdout(safeJson({ error: { kind: 'unreadable', message: (err as Error).message } }));
      io.stderr(`decnet-reaper: ${(err as Error).message}`);
      return EXIT_REFUSED;
    }
    if (values.json) {
      io.stdout(
        safeJson({
          audit_log: history.path,
          damaged_lines: history.damaged,
          removals: history.entries.map((e) => ({ ...summarizeEntry(e), report: e.report })),
        }),
      );
    } else {
      if (!history.entries.length) io.stdout(`No removals in ${history.path}.`);
      for (const e of history.entries) io.stdout(describeEntry(e));
      if (history.damaged) io.stderr(`decnet-reaper: ${history.damaged} damaged line(s) in ${history.path} skipped`);
    }
    return await Promise.resolve(EXIT_OK);
  } catch (err) {
    return endWith(err, io, HISTORY_USAGE, argv.includes('--json'));
  }
}
