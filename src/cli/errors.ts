// What a CLI run can end in besides success, and the exit status of each.

export const EXIT_OK = 0;
/** Some resources failed (or an unexpected error). */
export const EXIT_FAILED = 1;
/** Refused: bad usage, an unusable or unreadable database or daemon, a live or unknown prefix, not confirmed. */
export const EXIT_REFUSED = 2;

/**
 * `usage`: bad flags or arguments. `config`: a database named but not usable. `unreadable`: the
 * database or Docker cannot be read, so nothing is classified. `refused`: the request cannot be
 * carried out (a live or unknown prefix, no terminal to confirm on). `cancelled`: not confirmed.
 * `unexpected`: anything else (exit 1).
 */
export type CliErrorKind = 'usage' | 'config' | 'unreadable' | 'refused' | 'cancelled' | 'unexpected';

export class CliError extends Error {
  /** Set when the command already printed its JSON document, `error` included. */
  printed = false;

  constructor(
    readonly kind: CliErrorKind,
    message: string,
    /** The command whose --help a usage error points to. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }

  get exitCode(): number {
    return this.kind === 'unexpected' ? EXIT_FAILED : EXIT_REFUSED;
  }
}

export function usageError(message: string, command?: string): CliError {
  return new CliError('usage', message, command);
}

/** The `error` of every JSON document: null on success. */
export function errorJson(e: CliError): { kind: CliErrorKind; message: string } {
  return { kind: e.kind, message: e.message };
}
