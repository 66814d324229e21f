// Every command of decnet-reaper, once: adding one is a file beside this one and a line here.
import type { CliCommand } from '../command';
import { applyCommand } from './apply';
import { completionCommand } from './completion';
import { fleetCommand } from './fleet';
import { historyCommand } from './history';
import { overlapsCommand } from './overlaps';
import { planCommand } from './plan';
import { reapCommand } from './reap';
import { scanCommand } from './scan';

export const COMMANDS: readonly CliCommand[] = [
  scanCommand,
  reapCommand,
  overlapsCommand,
  planCommand,
  applyCommand,
  historyCommand,
  fleetCommand,
  completionCommand,
];
