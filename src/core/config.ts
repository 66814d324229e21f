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

// ---------------------------------------------------------------------------------------------
// The database backend, resolved as DECNET resolves it.

export interface SqliteTarget {
  kind: 'sqlite';
  path: string;
  origin: DbPathOrigin;
}

export interface MysqlTarget {
  kind: 'mysql';
  host: string;
  port: number;
  database: string;
  user: string;
  /** Never printed, never stored in settings. */
  password?: string;
  /** Where the connection settings came from. */
  origin: 'setting' | 'environment' | 'decnet.ini';
  passwordFrom: 'DECNET_DB_PASSWORD' | 'url' | 'secret storage' | 'none';
}

export interface NoDbTarget {
  kind: 'none';
  origin: 'none';
}

export type DbTarget = SqliteTarget | MysqlTarget | NoDbTarget;

/** What the user set in the editor or on the command line; the password never is. */
export interface DbSettings {
  type?: string;
  path?: string;
  /** SQLAlchemy-style URL: `mysql://user@host:3306/decnet`, `mysql+asyncmy://…`, `sqlite:///…`. */
  url?: string;
}

export interface MysqlUrl {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

/** Parses `mysql://user:pass@host:port/db` and SQLAlchemy's `mysql+<driver>://…`. */
export function parseMysqlUrl(url: string): MysqlUrl | undefined {
  const m = /^(mysql|mariadb)(\+[a-z0-9_]+)?:\/\//i.exec(url.trim());
  if (!m) return undefined;
  let u: URL;
  try {
    u = new URL(`mysql://${url.trim().slice(m[0].length)}`);
  } catch {
    return undefined;
  }
  return {
    host: u.hostname || 'localhost',
    port: Number(u.port || 3306),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'decnet',
    user: decodeURIComponent(u.username) || 'decnet',
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

/** `sqlite: /path` or `mysql: user@host:port/db`: which DB was read, without any secret. */
export function describeDbTarget(target: DbTarget): string {
  switch (target.kind) {
    case 'sqlite':
      return `sqlite: ${path.resolve(target.path)}`;
    case 'mysql':
      return `mysql: ${target.user}@${target.host}:${target.port}/${target.database}`;
    case 'none':
      return '(none)';
  }
}

function iniDatabase(iniPath: string): Record<string, string> {
  try {
    return parseIni(readFileSync(iniPath, 'utf8')).database ?? {};
  } catch {
    return {};
  }
}

/**
 * The DB to read: VS Code settings (or CLI flags), else the environment (`DECNET_DB_TYPE`,
 * `DECNET_DB_URL`, `DECNET_DB_HOST/PORT/NAME/USER/PASSWORD`, `DECNET_DB_PATH`), else
 * `[database]` of /etc/decnet/decnet.ini (which seeds the same variables; real ones win).
 * The MySQL password comes from DECNET_DB_PASSWORD, a URL in the environment, or `secretPassword`
 * (the editor's secret storage); never from settings.
 */
export function resolveDatabase(input: {
  settings?: DbSettings;
  env?: NodeJS.ProcessEnv;
  workspaceFolders?: string[];
  iniPath?: string;
  secretPassword?: string;
}): DbTarget {
  const env = input.env ?? process.env;
  const settings = input.settings ?? {};
  const iniPath = input.iniPath ?? DEFAULT_INI_PATH;
  const ini = iniDatabase(iniPath);
  const pick = (setting: string | undefined, envKey: string, iniKey: string) => {
    const s = setting?.trim();
    if (s) return { value: s, from: 'setting' as const };
    const e = env[envKey]?.trim();
    if (e) return { value: e, from: 'environment' as const };
    const i = ini[iniKey]?.trim();
    if (i) return { value: i, from: 'decnet.ini' as const };
    return undefined;
  };
  const url = pick(settings.url, 'DECNET_DB_URL', 'url');
  const type = pick(settings.type, 'DECNET_DB_TYPE', 'type');
  // A SQLite path or URL set explicitly means SQLite, whatever the environment's type says.
  const explicitSqlite = !settings.type?.trim() && (!!settings.path?.trim() || (!!settings.url?.trim() && !parseMysqlUrl(settings.url)));
  const kind = explicitSqlite ? 'sqlite' : (type?.value ?? (url && parseMysqlUrl(url.value) ? 'mysql' : 'sqlite')).toLowerCase();

  if (kind === 'mysql' || kind === 'mariadb') {
    const fromUrl = url ? parseMysqlUrl(url.value) : undefined;
    const part = (envKey: string, iniKey: string, fallback: string) =>
      env[envKey]?.trim() || ini[iniKey]?.trim() || fallback;
    const base: MysqlUrl = fromUrl ?? {
      host: part('DECNET_DB_HOST', 'host', 'localhost'),
      port: Number(part('DECNET_DB_PORT', 'port', '3306')),
      database: part('DECNET_DB_NAME', 'name', 'decnet'),
      user: part('DECNET_DB_USER', 'user', 'decnet'),
    };
    // A password written in a settings URL is ignored: settings are not a place for secrets.
    const urlPassword = url?.from === 'environment' ? fromUrl?.password : undefined;
    const envPassword = env.DECNET_DB_PASSWORD;
    const password = envPassword ?? urlPassword ?? input.secretPassword;
    return {
      kind: 'mysql',
      host: base.host,
      port: base.port,
      database: base.database,
      user: base.user,
      password,
      origin: url?.from ?? type?.from ?? 'environment',
      passwordFrom:
        envPassword !== undefined ? 'DECNET_DB_PASSWORD' : urlPassword !== undefined ? 'url' : input.secretPassword !== undefined ? 'secret storage' : 'none',
    };
  }

  const sqliteFromUrl = url && url.from !== 'decnet.ini' ? sqlitePathFromUrl(url.value) : undefined;
  const location = resolveDbPath({
    setting: settings.path?.trim() || (url?.from === 'setting' ? sqliteFromUrl : undefined),
    env: sqliteFromUrl && url?.from === 'environment' && !env.DECNET_DB_PATH ? { ...env, DECNET_DB_PATH: sqliteFromUrl } : env,
    workspaceFolders: input.workspaceFolders,
    iniPath,
  });
  return location.path ? { kind: 'sqlite', path: location.path, origin: location.origin } : { kind: 'none', origin: 'none' };
}
