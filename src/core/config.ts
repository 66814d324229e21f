// Where the DECNET DB and the Docker daemon are, resolved as DECNET and the Docker CLI do.
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export type DbPathOrigin = 'setting' | 'DECNET_DB_PATH' | 'decnet.ini' | 'workspace' | 'none';

export interface DbLocation {
  path: string | undefined;
  origin: DbPathOrigin;
}

export const DEFAULT_INI_PATH = '/etc/decnet/decnet.ini';

/** Parses an INI file into sections of lowercased keys. Comments start with `;` or `#`. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1].trim().toLowerCase();
      sections[current] ??= {};
      continue;
    }
    const eq = line.search(/[=:]/);
    if (eq < 0) continue;
    (sections[current] ??= {})[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return sections;
}

/**
 * The SQLite path in a SQLAlchemy URL (`sqlite:///relative.db`, `sqlite+aiosqlite:////abs/decnet.db`),
 * or undefined for any other backend.
 */
export function sqlitePathFromUrl(url: string): string | undefined {
  const m = /^sqlite(?:\+[a-z0-9_]+)?:\/\/\/(.*?)(?:\?.*)?$/i.exec(url.trim());
  if (!m || !m[1]) return undefined;
  return m[1];
}

function dbPathFromIni(iniPath: string, baseDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(iniPath, 'utf8');
  } catch {
    return undefined;
  }
  const db = parseIni(text).database ?? {};
  if (db.type && db.type.toLowerCase() !== 'sqlite') return undefined;
  const fromUrl = db.url ? sqlitePathFromUrl(db.url) : undefined;
  const p = fromUrl ?? db.path;
  if (!p) return undefined;
  return path.resolve(baseDir, p);
}

/**
 * The DB path: the setting, else `DECNET_DB_PATH`, else `[database]` of /etc/decnet/decnet.ini
 * (a `sqlite:///…` url or a `path`), else a `decnet.db` at the root of an open workspace folder.
 */
export function resolveDbPath(input: {
  setting?: string;
  env?: NodeJS.ProcessEnv;
  workspaceFolders?: string[];
  iniPath?: string;
}): DbLocation {
  const env = input.env ?? process.env;
  const setting = input.setting?.trim();
  if (setting) return { path: expandHome(setting, env), origin: 'setting' };
  const fromEnv = env.DECNET_DB_PATH?.trim();
  if (fromEnv) return { path: expandHome(fromEnv, env), origin: 'DECNET_DB_PATH' };
  const iniPath = input.iniPath ?? DEFAULT_INI_PATH;
  const fromIni = dbPathFromIni(iniPath, path.dirname(iniPath));
  if (fromIni) return { path: fromIni, origin: 'decnet.ini' };
  for (const folder of input.workspaceFolders ?? []) {
    const candidate = path.join(folder, 'decnet.db');
    if (isFile(candidate)) return { path: candidate, origin: 'workspace' };
  }
  return { path: undefined, origin: 'none' };
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === '~' || p.startsWith('~/')) return path.join(env.HOME ?? '', p.slice(1));
  return p;
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}
