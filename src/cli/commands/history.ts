// `decnet-reaper history [--json] [--limit N] [--audit-log PATH]`: the removals the audit log holds.
import { describeEntry, readAuditHistory, shownReport, summarizeEntry } from '../../core/audit';
import { safeJson } from '../../core/textSafe';
import { maskedWords } from '../../core/dockerEndpoint';
import type { CliCommand, CommandContext } from '../command';
import { CliError, EXIT_OK, usageError } from '../errors';
import { auditLogPath, onceFlag } from './shared';

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'List the removals recorded in the audit log',
  synopsis: ['history [--limit N] [--audit-log PATH]'],
  description: "The past removals in the audit log, newest first: time, daemon, prefixes, counts. --json adds\neach removal's report.",
  flags: {
    limit: { type: 'string', arg: 'N', help: 'the N newest removals' },
    'audit-log': {
      type: 'string',
      arg: 'PATH',
      value: 'file',
      help: 'read this audit log (default $XDG_STATE_HOME/decnet-reaper/audit.jsonl)',
    },
  },
  json: '{ "audit_log", "damaged_lines", "removals": [{ "time", "user", "hostname", "docker_endpoint", "docker_daemon", "database", "mode", "prefixes", counts..., "report" }] }, newest first',
  exits: ['0  listed (an empty log included)', '2  the audit log cannot be read, bad usage'],
  examples: ['decnet-reaper history --limit 5'],

  async run(ctx: CommandContext): Promise<number> {
    const { io } = ctx;
    if (ctx.args.length) throw usageError(`history takes no arguments (got ${maskedWords(ctx.args)})`, 'history');
    const limitText = onceFlag(ctx.flags, 'limit', 'history');
    let limit: number | undefined;
    if (limitText !== undefined) {
      if (!/^\d+$/.test(limitText.trim())) throw usageError(`--limit takes a number (got ${limitText})`, 'history');
      limit = Number(limitText.trim());
    }
    const file = auditLogPath(onceFlag(ctx.flags, 'audit-log', 'history'), io);
    let history;
    try {
      history = readAuditHistory(file, { limit });
    } catch (err) {
      throw new CliError('unreadable', (err as Error).message);
    }
    if (ctx.json) {
      io.stdout(
        safeJson({
          audit_log: history.path,
          damaged_lines: history.damaged,
          removals: history.entries.map((e) => ({ ...summarizeEntry(e), report: shownReport(e.report) })),
        }),
      );
    } else {
      if (!history.entries.length) io.stdout(`No removals in ${history.path}.`);
      for (const e of history.entries) io.stdout(describeEntry(e));
      if (history.damaged)
        io.stderr(`decnet-reaper: ${history.damaged} damaged line${history.damaged === 1 ? '' : 's'} in ${history.path} skipped`);
    }
    return EXIT_OK;
  },
};
