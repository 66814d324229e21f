// Machine-scoped settings written in the User settings of a remote window (Remote-SSH,
// code-server): VS Code does not apply them there (they are read from the Remote settings only),
// so the view would silently read another database or daemon. Pure: the caller reads the file.
import { parse, type ParseError } from 'jsonc-parser';

/** The extension's settings of `machine` scope (package.json): applied only from the Remote settings in a remote window. */
export const MACHINE_SCOPED_SETTINGS = [
  'decnet.database.type',
  'decnet.database.path',
  'decnet.database.url',
  'decnet.docker.host',
  'decnet.fleet.endpoints',
  'decnet.audit.logPath',
  'decnet.audit.enabled',
] as const;

export interface IgnoredSetting {
  key: string;
  /** The value in the User settings, as JSON (what to copy into the Remote settings). */
  value: string;
}

/**
 * The machine-scoped settings that `userSettingsText` (a User settings.json, JSON with comments)
 * sets to something other than what is in effect (`effective(key)`: the value the window
 * applies, undefined when unset). Unreadable text gives none.
 */
export function ignoredUserSettings(userSettingsText: string, effective: (key: string) => unknown): IgnoredSetting[] {
  const errors: ParseError[] = [];
  const parsed: unknown = parse(userSettingsText, errors, { allowTrailingComma: true, disallowComments: false });
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  const user = parsed as Record<string, unknown>;
  const out: IgnoredSetting[] = [];
  for (const key of MACHINE_SCOPED_SETTINGS) {
    if (!(key in user)) continue;
    const value = user[key];
    if (value === '' || value === null || value === undefined) continue;
    if (JSON.stringify(value) === JSON.stringify(effective(key))) continue;
    out.push({ key, value: JSON.stringify(value) });
  }
  return out;
}
