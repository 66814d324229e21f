// Every command of decnet-reaper, once: adding one is a file beside this one and a line here.
import type { CliCommand } from '../command';
import type { Io } from '../io';
import { APPLY_USAGE, applyCommand } from './apply';
import { fleetCommand } from './fleet';
import { HISTORY_USAGE, historyCommand } from './history';
import { overlapsCommand } from './overlaps';
import { PLAN_USAGE, planCommand } from './plan';
import { reapCommand } from './reap';
import { scanCommand } from './scan';

const TARGET_FLAGS_NOTE = 'It takes the database and Docker flags of every command.';

/** A command that parses its own arguments; its help is its usage text. */
function ownParser(
  name: string,
  summary: string,
  usage: string,
  spec: Pick<CliCommand, 'flags' | 'json' | 'exits' | 'examples'>,
  run: (argv: string[], io: Io) => Promise<number>,
): CliCommand {
  const [synopsisPart, ...rest] = usage.split('\n\n');
  return {
    name,
    summary,
    synopsis: synopsisPart
      .split('\n')
      .slice(1)
      .map((l) => l.trim().replace(/^decnet-reaper /, '')),
    description: rest.join('\n\n'),
    ...spec,
    run: () => Promise.reject(new Error(`${name} parses its own arguments`)),
    runArgv: run,
  };
}

const planCli = ownParser(
  'plan',
  'Write the plan of a removal to a file, to review and apply later',
  PLAN_USAGE,
  {
    flags: {
      out: { type: 'string', arg: 'FILE', help: 'where to write the plan (JSON); required' },
      'all-orphans': { type: 'boolean', help: 'every orphan prefix on the daemon' },
      'torn-down': { type: 'boolean', help: 'the leftovers of the torn_down topology PREFIX' },
      'allow-empty-db': { type: 'boolean', help: 'plan even when the database holds no topology at all' },
    },
    json: `The plan as reap --dry-run --json prints it. ${TARGET_FLAGS_NOTE}`,
    exits: ['0  the plan was written', '2  refused: bad usage, the database or Docker cannot be read, a live or unknown prefix'],
    examples: ['decnet-reaper plan --all-orphans --out reap-plan.json', 'decnet-reaper apply reap-plan.json'],
  },
  planCommand,
);

const applyCli = ownParser(
  'apply',
  'Remove what a plan file names, if it is still there and still an orphan',
  APPLY_USAGE,
  {
    flags: {
      yes: { type: 'boolean', short: 'y', help: 'do not ask' },
      'audit-log': { type: 'string', arg: 'PATH', help: 'append the removal to this audit log' },
      'no-audit-log': { type: 'boolean', help: 'remove without writing the audit log' },
      'allow-empty-db': { type: 'boolean', help: 'remove even when the database holds no topology at all' },
    },
    json: `The report as reap --json prints it. ${TARGET_FLAGS_NOTE} Without them it uses the plan's.`,
    exits: ['0  every planned resource is gone', '1  some were skipped or failed (the report says why)', '2  refused: nothing removed'],
    examples: ['decnet-reaper apply reap-plan.json --yes'],
  },
  applyCommand,
);

const historyCli = ownParser(
  'history',
  'List the removals recorded in the audit log',
  HISTORY_USAGE,
  {
    flags: {
      limit: { type: 'string', arg: 'N', help: 'the N newest removals' },
      'audit-log': { type: 'string', arg: 'PATH', help: 'read this audit log' },
    },
    json: '{ "removals": [{ "time", "user", "hostname", "report" }] }, newest first',
    exits: ['0  listed (an empty log included)', '2  the audit log cannot be read, bad usage'],
    examples: ['decnet-reaper history --limit 5'],
  },
  historyCommand,
);

export const COMMANDS: readonly CliCommand[] = [scanCommand, reapCommand, overlapsCommand, planCli, applyCli, historyCli, fleetCommand];
