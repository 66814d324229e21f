// What several commands share: a flag given once, the audit log options, the asker on the terminal.
import { defaultAuditLogPath, type AuditTarget } from '../../core/audit';
import { RefusedError } from '../../core/model';
import type { RemovalAsker } from '../../core/removal/session';
import type { FlagSpec } from '../command';
import { usageError } from '../errors';
import type { Io } from '../io';

/** The value of a string flag that may be given once (string flags are parsed as lists). */
export function onceFlag(flags: Record<string, unknown>, name: string, command: string): string | undefined {
  const v = flags[name] as string[] | string | undefined;
  if (v === undefined) return undefined;
  const all = Array.isArray(v) ? v : [v];
  if (!all.length) return undefined;
  if (all.length > 1) throw usageError(`--${name} is given ${all.length} times: give it once`, command);
  return all[0];
}

/** The flags of a command that removes and so writes the audit log. */
export const AUDIT_FLAGS: Record<string, FlagSpec> = {
  'audit-log': {
    type: 'string',
    arg: 'PATH',
    value: 'file',
    help: 'append the removal to this audit log (default $XDG_STATE_HOME/decnet-reaper/audit.jsonl)',
  },
  'no-audit-log': { type: 'boolean', help: 'remove without writing the audit log' },
};

/** `--audit-log PATH`, `--no-audit-log`, else `$XDG_STATE_HOME/decnet-reaper/audit.jsonl`. */
export function auditTarget(flags: Record<string, unknown>, io: Io, command: string): AuditTarget {
  const file = onceFlag(flags, 'audit-log', command);
  if (flags['no-audit-log'] === true) {
    if (file !== undefined) throw usageError('give either --audit-log or --no-audit-log, not both', command);
    return { disabled: true };
  }
  if (file !== undefined && !file.trim()) throw usageError('--audit-log is empty', command);
  return { path: auditLogPath(file, io) };
}

export function auditLogPath(file: string | undefined, io: Io): string {
  if (file === undefined) return defaultAuditLogPath(io.env);
  return file.startsWith('/') ? file : `${io.cwd}/${file}`;
}

/** Asks on the terminal; without one (and without --yes) the removal is refused. */
export function terminalAsker(io: Io): RemovalAsker {
  const noTerminal = (): never => {
    throw new RefusedError('no terminal to confirm on: pass --yes to remove without asking');
  };
  return {
    confirm: async (plan, question, detail) => {
      const typed = plan.mode === 'tornDown' || plan.mode === 'misplaced';
      if (typed ? !io.ask : !io.confirm) noTerminal();
      io.stderr(detail);
      // Leftovers of a torn-down topology, or a misplaced one, are confirmed by typing the prefix, next.
      return typed ? true : io.confirm!(`${question} [y/N] `);
    },
    typePrefix: async (_plan, _expected, prompt) => (io.ask ? io.ask(`${prompt} `) : noTerminal()),
  };
}
