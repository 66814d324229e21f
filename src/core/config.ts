// Where the DECNET DB and the Docker daemon are, resolved as DECNET and the Docker CLI do.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { MAX_JSON_BYTES, readRegularFileIfExists } from './fsSafe';

export type DbPathOrigin = 'setting' | 'DECNET_DB_PATH' | 'DECNET_DB_URL' | 'decnet.ini' | 'workspace' | 'none';

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
// Database URLs, parsed as DECNET's SQLAlchemy parses them, and never printed with their password.

/** A database URL that cannot be used; the message shows the URL with its password masked. */
export class DbUrlError extends Error {}

export type ParsedDbUrl =
  { kind: 'mysql'; host: string; port: number; database: string; user: string; password?: string } | { kind: 'sqlite'; path: string };

/** SQLAlchemy's `make_url` pattern: a password runs up to the first `@` and may hold `/ : # ?`. */
const SQLALCHEMY_URL = /^([\w+]+):\/\/(?:([^:/]*)(?::([^@]*))?@)?(?:(?:\[([^/?]+)\]|([^/:?]+))?(?::([^/?]*))?)?(?:\/([^?]*))?(?:\?(.*))?$/s;

/**
 * `url` with its password replaced by `***`, whether or not it parses: everything between the
 * first `:` after `//` and the last `@` is masked; without an `@`, whatever follows a `:` that
 * is not a port number.
 */
export function maskDbUrl(url: string): string {
  const s = url.trim();
  const sep = s.indexOf('//');
  const start = sep >= 0 ? sep + 2 : 0;
  const at = s.lastIndexOf('@');
  if (at >= start) {
    const colon = s.indexOf(':', start);
    return colon >= 0 && colon < at ? `${s.slice(0, colon)}:***${s.slice(at)}` : s;
  }
  if (sep < 0) return s;
  const m = /^([^/?]*?):([^/?]*)/.exec(s.slice(start));
  if (m && m[2] && !/^\d+$/.test(m[2]) && !s.slice(start).startsWith('[')) return `${s.slice(0, start)}${m[1]}:***`;
  return s;
}

/** Python's `urllib.parse.unquote`: `%XX` decoded as UTF-8, a `%` without two hex digits kept. */
function unquote(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length;) {
    if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    bytes.push(...Buffer.from(ch, 'utf8'));
    i += ch.length;
  }
  return Buffer.from(bytes).toString('utf8');
}

const URL_FORMS = 'mysql://user@host:port/db, mysql+<driver>://… or sqlite:///path';

/**
 * Parses a DECNET database URL: `mysql://user:pass@host:port/db`, SQLAlchemy's
 * `mysql+<driver>://…` (or `mariadb…`), `sqlite:///relative.db`, `sqlite+<driver>:////abs.db`.
 * Throws DbUrlError (with the URL masked) for anything else: a typo in the scheme, another
 * database, a port that is not 1–65535, an `@` outside `user:password@` (write it `%40`).
 */
export function parseDbUrl(url: string): ParsedDbUrl {
  const s = url.trim();
  const shown = maskDbUrl(s);
  const m = SQLALCHEMY_URL.exec(s);
  if (!m) throw new DbUrlError(`not a database URL (${shown}): expected ${URL_FORMS}`);
  const [, scheme, user, password, ipv6, host, port, database, query] = m;
  const backend = scheme.toLowerCase().split('+')[0];
  if (backend === 'sqlite') {
    if (!s.slice(scheme.length).startsWith(':///') || !database) {
      throw new DbUrlError(`not a valid SQLite URL (${shown}): expected sqlite:///relative/path or sqlite:////absolute/path`);
    }
    return { kind: 'sqlite', path: database };
  }
  if (backend !== 'mysql' && backend !== 'mariadb') {
    throw new DbUrlError(`not a database URL DECNET uses (${shown}): the scheme is "${scheme}", expected ${URL_FORMS}`);
  }
  const bad = (why: string) => new DbUrlError(`not a valid MySQL URL (${shown}): ${why}`);
  if ([ipv6, host, port, database, query].some((part) => part?.includes('@'))) {
    throw bad('an "@" outside user:password@ (write an "@" in a user name or password as %40)');
  }
  let portNumber = 3306;
  if (port) {
    if (!/^\d+$/.test(port)) throw bad('the port is not a number');
    portNumber = Number(port);
    if (portNumber < 1 || portNumber > 65535) throw bad('the port is not between 1 and 65535');
  }
  const pass = password ? unquote(password) : undefined;
  return {
    kind: 'mysql',
    host: ipv6 ?? host ?? 'localhost',
    port: portNumber,
    database: database || 'decnet',
    user: (user && unquote(user)) || 'decnet',
    ...(pass ? { password: pass } : {}),
  };
}

/** The SQLite path of a `sqlite:///…` URL, or undefined for anything else. */
export function sqlitePathFromUrl(url: string): string | undefined {
  try {
    const u = parseDbUrl(url);
    return u.kind === 'sqlite' ? u.path : undefined;
  } catch {
    return undefined;
  }
}

/** The parts of a `mysql://…` URL, or undefined when it is not one that can be used. */
export function parseMysqlUrl(url: string): MysqlUrl | undefined {
  try {
    const u = parseDbUrl(url);
    return u.kind === 'mysql' ? { host: u.host, port: u.port, database: u.database, user: u.user, password: u.password } : undefined;
  } catch {
    return undefined;
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
  passwordFrom: 'command line' | 'DECNET_DB_PASSWORD' | 'url' | 'secret storage' | 'decnet.ini' | 'none';
  /** Why DECNET_DB_PASSWORD, although set, is not sent to this server (it names another), for the error. */
  passwordWithheld?: string;
}

export interface NoDbTarget {
  kind: 'none';
  origin: 'none';
}

/** A database named somewhere (flag, setting, variable, decnet.ini) that cannot be used. */
export interface InvalidDbTarget {
  kind: 'invalid';
  origin: 'setting' | 'environment' | 'decnet.ini';
  /** What is wrong: `--db-url`, `decnet.database.path`, `DECNET_DB_PORT`, `/etc/decnet/decnet.ini`… */
  source: string;
  /** Why, naming the source; a URL in it has its password masked. */
  message: string;
}

export type DbTarget = SqliteTarget | MysqlTarget | NoDbTarget | InvalidDbTarget;

/** What the user set in the editor or on the command line; the password never is. */
export interface DbSettings {
  type?: string;
  path?: string;
  /** SQLAlchemy-style URL: `mysql://user@host:3306/decnet`, `mysql+asyncmy://…`, `sqlite:///…`. */
  url?: string;
}

/** How the settings are called where they were given, for messages. */
export interface DbSettingNames {
  type: string;
  path: string;
  url: string;
}

export const EDITOR_SETTING_NAMES: DbSettingNames = {
  type: 'decnet.database.type',
  path: 'decnet.database.path',
  url: 'decnet.database.url',
};

export const CLI_SETTING_NAMES: DbSettingNames = { type: '--db-type', path: '--db', url: '--db-url' };

export interface MysqlUrl {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

/** `sqlite: /path` or `mysql: user@host:port/db`: which DB was read, without any secret. */
export function describeDbTarget(target: DbTarget): string {
  switch (target.kind) {
    case 'sqlite':
      return `sqlite: ${path.resolve(target.path)}`;
    case 'mysql':
      return `mysql: ${target.user}@${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}/${target.database}`;
    case 'none':
      return '(none)';
    case 'invalid':
      return `(not usable: ${target.source})`;
  }
}

type Origin = InvalidDbTarget['origin'];

/** `db-host:3306`. */
function serverText(s: { host: string; port: number }): string {
  return `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
}

class DbConfigError extends Error {
  constructor(
    readonly origin: Origin,
    readonly source: string,
    message: string,
  ) {
    super(message);
  }
}

interface Found {
  value: string;
  from: Origin;
  /** The flag, setting, variable or `decnet.ini [database] key` it came from. */
  name: string;
}

/**
 * The DB to read: VS Code settings (or CLI flags), else the environment (`DECNET_DB_TYPE`,
 * `DECNET_DB_URL`, `DECNET_DB_HOST/PORT/NAME/USER/PASSWORD`, `DECNET_DB_PATH`), else
 * `[database]` of /etc/decnet/decnet.ini (which seeds the same variables; real ones win), else a
 * `decnet.db` at the root of a workspace folder (the CLI: the current folder). In the environment,
 * a `sqlite:///` `DECNET_DB_URL` comes before `DECNET_DB_PATH`.
 * Only what is absent falls through: a value that is present but cannot be used (blank, a URL
 * that does not parse, an unknown type, a port out of range) gives an `invalid` target naming it,
 * never another database. Settings given as `undefined` are absent; an empty environment variable
 * is unset. The MySQL password comes from DECNET_DB_PASSWORD, a URL in the environment, or
 * `secretPassword` (the editor's secret storage); never from settings.
 */
export function resolveDatabase(input: {
  settings?: DbSettings;
  /** How the settings are named in messages (the editor's by default). */
  settingNames?: DbSettingNames;
  env?: NodeJS.ProcessEnv;
  workspaceFolders?: string[];
  iniPath?: string;
  secretPassword?: string;
  /** A password the user typed for this run (the CLI's `--db-url user:pass@…`): it wins over all. */
  typedPassword?: string;
}): DbTarget {
  try {
    return resolveOrThrow(input);
  } catch (err) {
    if (err instanceof DbConfigError) return { kind: 'invalid', origin: err.origin, source: err.source, message: err.message };
    throw err;
  }
}

function resolveOrThrow(input: Parameters<typeof resolveDatabase>[0]): DbTarget {
  const env = input.env ?? process.env;
  const settings = input.settings ?? {};
  const names = input.settingNames ?? EDITOR_SETTING_NAMES;
  const iniPath = input.iniPath ?? DEFAULT_INI_PATH;

  const setting = (key: keyof DbSettings): Found | undefined => {
    const raw = settings[key];
    if (raw === undefined) return undefined;
    const value = String(raw).trim();
    if (!value) throw new DbConfigError('setting', names[key], `${names[key]} is empty`);
    return { value, from: 'setting', name: names[key] };
  };
  const variable = (key: string): Found | undefined => {
    const raw = env[key];
    if (raw === undefined || raw === '') return undefined;
    const value = raw.trim();
    if (!value) throw new DbConfigError('environment', key, `${key} holds only blanks`);
    return { value, from: 'environment', name: key };
  };
  let iniValues: Record<string, string> | undefined;
  const iniKey = (key: string): Found | undefined => {
    if (!iniValues) {
      try {
        const bytes = readRegularFileIfExists(iniPath, MAX_JSON_BYTES);
        iniValues = bytes ? (parseIni(bytes.toString('utf8')).database ?? {}) : {};
      } catch (err) {
        throw new DbConfigError('decnet.ini', iniPath, `${(err as Error).message}: it says where DECNET's database is`);
      }
    }
    const value = iniValues[key]?.trim();
    return value ? { value, from: 'decnet.ini', name: `${iniPath} [database] ${key}` } : undefined;
  };
  const parse = (url: Found): ParsedDbUrl => {
    try {
      return parseDbUrl(url.value);
    } catch (err) {
      if (err instanceof DbUrlError) throw new DbConfigError(url.from, url.name, `${url.name} is ${err.message}`);
      throw err;
    }
  };
  const kindOf = (type: Found): 'sqlite' | 'mysql' => {
    const t = type.value.toLowerCase();
    if (t === 'sqlite') return 'sqlite';
    if (t === 'mysql' || t === 'mariadb') return 'mysql';
    throw new DbConfigError(type.from, type.name, `${type.name} is "${type.value}": DECNET's database type is sqlite or mysql`);
  };

  /** The MySQL server the environment (DECNET_DB_URL, DECNET_DB_HOST/PORT, decnet.ini) names: DECNET_DB_PASSWORD's. */
  const environmentServer = (): { host: string; port: number; from: string } => {
    for (const u of [variable('DECNET_DB_URL'), iniKey('url')]) {
      if (!u) continue;
      const parsed = parse(u);
      if (parsed.kind === 'mysql') return { host: parsed.host, port: parsed.port, from: u.name };
    }
    const host = variable('DECNET_DB_HOST') ?? iniKey('host');
    const port = variable('DECNET_DB_PORT') ?? iniKey('port');
    return {
      host: host?.value ?? 'localhost',
      port: port && /^\d+$/.test(port.value) ? Number(port.value) : 3306,
      from: host ? host.name : 'DECNET_DB_HOST (unset: localhost)',
    };
  };

  // Which backend: the first of these that is present decides.
  const sType = setting('type');
  const sPath = setting('path');
  const sUrl = setting('url');
  const sUrlParsed = sUrl ? parse(sUrl) : undefined;
  let kind: 'sqlite' | 'mysql';
  let kindFrom: Found | undefined;
  if (sType) [kind, kindFrom] = [kindOf(sType), sType];
  else if (sPath) kind = 'sqlite';
  else if (sUrlParsed) [kind, kindFrom] = [sUrlParsed.kind, sUrl];
  else {
    const type = variable('DECNET_DB_TYPE') ?? iniKey('type');
    if (type) [kind, kindFrom] = [kindOf(type), type];
    else {
      const url = variable('DECNET_DB_URL') ?? iniKey('url');
      kind = url ? parse(url).kind : 'sqlite';
    }
  }
  const mismatch = (url: Found, urlKind: string): DbConfigError =>
    new DbConfigError(
      url.from,
      url.name,
      `${url.name} is a ${urlKind === 'mysql' ? 'MySQL' : 'SQLite'} URL, but the database type is ${kind}${kindFrom ? ` (${kindFrom.name})` : ''}`,
    );

  if (kind === 'mysql') {
    let url: Found | undefined;
    let fromUrl: ParsedDbUrl | undefined;
    for (const candidate of [() => sUrl, () => variable('DECNET_DB_URL'), () => iniKey('url')]) {
      url = candidate();
      if (!url) continue;
      fromUrl = url === sUrl ? sUrlParsed : parse(url);
      if (fromUrl!.kind !== 'mysql') throw mismatch(url, fromUrl!.kind);
      break;
    }
    let base: MysqlUrl;
    if (fromUrl?.kind === 'mysql') base = fromUrl;
    else {
      const part = (envKey: string, key: string, fallback: string): string => (variable(envKey) ?? iniKey(key))?.value ?? fallback;
      const portFound = variable('DECNET_DB_PORT') ?? iniKey('port');
      let port = 3306;
      if (portFound) {
        port = /^\d+$/.test(portFound.value) ? Number(portFound.value) : NaN;
        if (!(port >= 1 && port <= 65535)) {
          throw new DbConfigError(
            portFound.from,
            portFound.name,
            `${portFound.name} is "${portFound.value}": a port is a number from 1 to 65535`,
          );
        }
      }
      base = {
        host: part('DECNET_DB_HOST', 'host', 'localhost'),
        port,
        database: part('DECNET_DB_NAME', 'name', 'decnet'),
        user: part('DECNET_DB_USER', 'user', 'decnet'),
      };
    }
    // A password written in an editor setting is ignored: settings are not a place for secrets.
    // What the user typed wins over the environment, which wins over files. DECNET_DB_PASSWORD
    // belongs to the server the environment (or decnet.ini, which seeds it) names: a server named
    // by a flag or setting elsewhere never gets it (its password is typed in the URL instead).
    const envUrlPassword = url?.from === 'environment' ? base.password : undefined;
    const iniUrlPassword = url?.from === 'decnet.ini' ? base.password : undefined;
    let envPassword = env.DECNET_DB_PASSWORD;
    let passwordWithheld: string | undefined;
    if (envPassword !== undefined && url?.from === 'setting') {
      const owner = environmentServer();
      if (owner.host !== base.host || owner.port !== base.port) {
        envPassword = undefined;
        passwordWithheld = `DECNET_DB_PASSWORD is for ${serverText(owner)} (the server ${owner.from} names), so it is not sent to ${serverText(base)}: type that server's password in ${names.url} (user:password@host)`;
      }
    }
    const sources: [string | undefined, MysqlTarget['passwordFrom']][] = [
      [input.typedPassword, 'command line'],
      [envPassword, 'DECNET_DB_PASSWORD'],
      [envUrlPassword, 'url'],
      [input.secretPassword, 'secret storage'],
      [iniUrlPassword, 'decnet.ini'],
    ];
    const [password, passwordFrom] = sources.find(([p]) => p !== undefined) ?? [undefined, 'none' as const];
    return {
      kind: 'mysql',
      host: base.host,
      port: base.port,
      database: base.database,
      user: base.user,
      password,
      origin: url?.from ?? kindFrom?.from ?? 'environment',
      passwordFrom,
      ...(passwordWithheld && password === undefined ? { passwordWithheld } : {}),
    };
  }

  // SQLite: the first path that is present.
  const sqlite = (p: string, origin: DbPathOrigin): SqliteTarget => ({ kind: 'sqlite', path: expandHome(p, env), origin });
  if (sPath) return sqlite(sPath.value, 'setting');
  if (sUrl && sUrlParsed) {
    if (sUrlParsed.kind !== 'sqlite') throw mismatch(sUrl, sUrlParsed.kind);
    return sqlite(sUrlParsed.path, 'setting');
  }
  const envUrl = variable('DECNET_DB_URL');
  // A MySQL URL beside a type that says sqlite is not the database DECNET uses: it is skipped.
  if (envUrl) {
    const u = parse(envUrl);
    if (u.kind === 'sqlite') return sqlite(u.path, 'DECNET_DB_URL');
  }
  const envPath = variable('DECNET_DB_PATH');
  if (envPath) return sqlite(envPath.value, 'DECNET_DB_PATH');
  const iniType = iniKey('type');
  if (!iniType || kindOf(iniType) === 'sqlite') {
    const iniUrl = iniKey('url');
    const fromUrl = iniUrl ? parse(iniUrl) : undefined;
    const p = (fromUrl?.kind === 'sqlite' ? fromUrl.path : undefined) ?? iniKey('path')?.value;
    if (p) return { kind: 'sqlite', path: path.resolve(path.dirname(iniPath), p), origin: 'decnet.ini' };
  }
  for (const folder of input.workspaceFolders ?? []) {
    const candidate = path.join(folder, 'decnet.db');
    if (isFile(candidate)) return { kind: 'sqlite', path: candidate, origin: 'workspace' };
  }
  return { kind: 'none', origin: 'none' };
}
