// Every command of decnet-reaper, once: adding one is a file beside this one and a line here.
import type { CliCommand } from '../command';
import { overlapsCommand } from './overlaps';
import { reapCommand } from './reap';
import { scanCommand } from './scan';

export const COMMANDS: readonly CliCommand[] = [scanCommand, reapCommand, overlapsCommand];
