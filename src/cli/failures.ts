// A read of the database or Docker that failed, said the same way by every command.
import type { ScanResult } from '../core/model';
import { unclassifiedReason } from '../core/rules';
import { CliError } from './errors';

/** `docker_error` and `database_error` of `scan --json` and `overlaps --json`: null when fine. */
export function failureFields(result: ScanResult): { docker_error: string | null; database_error: string | null } {
  return {
    docker_error: result.docker.ok ? null : result.docker.error.message,
    database_error: result.db.ok
      ? null
      : `The DECNET database could not be read (${result.db.error.kind}): ${result.db.error.message}. Nothing is classified orphan.`,
  };
}

/** Why nothing is classified (Docker, the database, or both), as an `unreadable` error; undefined when both were read. */
export function unclassifiedError(result: ScanResult, suffix = ''): CliError | undefined {
  const why = unclassifiedReason(result);
  return why ? new CliError('unreadable', `${why}${suffix}`) : undefined;
}
