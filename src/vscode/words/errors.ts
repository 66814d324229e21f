// Database and Docker errors in words: an error row's label (its cause) and description.
import type { DbErrorKind } from '../../core/model';

/** A database error kind in words, for a row's description. */
export function dbErrorWords(kind: DbErrorKind): string {
  switch (kind) {
    case 'not-configured':
      return 'no database configured';
    case 'misconfigured':
      return 'a setting cannot be used';
    case 'missing':
      return 'file not found';
    case 'not-sqlite':
      return 'not a SQLite database';
    case 'unreadable':
      return 'file cannot be read';
    case 'locked':
      return 'locked by another process';
    case 'corrupt':
      return 'the file is damaged';
    case 'truncated':
      return 'the file is cut short';
    case 'not-decnet':
      return "not DECNET's database";
    case 'torn':
      return 'changed while being read';
    case 'unreachable':
      return 'server unreachable';
    case 'access-denied':
      return 'access denied';
  }
}

/** An error row's label: its cause, which a narrow view keeps (`Database file not found`). */
export function dbErrorLabel(kind: DbErrorKind): string {
  switch (kind) {
    case 'not-configured':
      return 'No DECNET database configured';
    case 'misconfigured':
      return 'Database setting cannot be used';
    case 'missing':
      return 'Database file not found';
    case 'not-sqlite':
      return 'Not a SQLite database';
    case 'unreadable':
      return 'Database file cannot be read';
    case 'locked':
      return 'Database locked by another process';
    case 'corrupt':
      return 'Database file damaged';
    case 'truncated':
      return 'Database file cut short';
    case 'not-decnet':
      return "Not DECNET's database";
    case 'torn':
      return 'Database changed while being read';
    case 'unreachable':
      return 'Database server unreachable';
    case 'access-denied':
      return 'Database access denied';
  }
}

/** A Docker error row's label: its cause, short enough for a narrow view (`No Docker socket`). */
export function dockerErrorLabel(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'No Docker socket';
    case 'ECONNREFUSED':
      return 'Docker refused connection';
    case 'EACCES':
    case 'EPERM':
      return 'Docker access denied';
    case 'ETIMEDOUT':
      return 'Docker not answering';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'Docker host unknown';
    case 'NOENDPOINT':
      return 'No Docker endpoint configured';
    default:
      return 'Cannot reach Docker';
  }
}

/** `file not found: /srv/decnet/decnet.db`. */
export function dbErrorDescription(kind: DbErrorKind, where: string | undefined): string {
  return where ? `${dbErrorWords(kind)}: ${where}` : dbErrorWords(kind);
}
