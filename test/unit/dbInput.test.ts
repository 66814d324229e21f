// A database named explicitly that cannot be used is an error naming it, never another database;
// URLs are read as DECNET's SQLAlchemy reads them and never shown with their password.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLI_SETTING_NAMES, describeDbTarget, maskDbUrl, parseDbUrl, resolveDatabase, type DbTarget } from '../../src/core/config';
import { readDb } from '../../src/core/scan';
import { scratchDir } from '../support/scratch';

const dir = scratchDir('decnet-dbinput-');
const noIni = path.join(dir, 'missing.ini');
// A usable database everywhere a fallback could find one.
const ws = scratchDir('decnet-dbinput-ws-');
writeFileSync(path.join(ws, 'decnet.db'), '');
const fallbackEnv = { DECNET_DB_PATH: '/fallback/decnet.db' };

function invalid(t: DbTarget, source: string, pattern?: RegExp): string {
  assert.equal(t.kind, 'invalid', `expected an error naming ${source}, got ${JSON.stringify(t)}`);
  if (t.kind !== 'invalid') return '';
  assert.equal(t.source, source);
  assert.ok(t.message.startsWith(source), t.message);
  if (pattern) assert.match(t.message, pattern);
  return t.message;
}

describe('resolveDatabase: what is named but unusable is an error, not a fallback', () => {
  const cli = (settings: { path?: string; url?: string }, env: NodeJS.ProcessEnv = fallbackEnv) =>
    resolveDatabase({ settings, settingNames: CLI_SETTING_NAMES, env, iniPath: noIni, workspaceFolders: [ws] });

  it('refuses a --db-url that is not a database URL, whatever DECNET_DB_PATH and ./decnet.db say', () => {
    invalid(cli({ url: 'mysql//decnet@db/decnet' }), '--db-url', /not a database URL/);
    invalid(cli({ url: 'postgresql://decnet@db/decnet' }), '--db-url', /scheme is "postgresql"/);
    invalid(cli({ url: 'db.example:3306' }), '--db-url');
    invalid(cli({ url: 'sqlite://' }), '--db-url', /SQLite URL/);
    invalid(cli({ url: 'sqlite:///' }), '--db-url', /SQLite URL/);
  });

  it('refuses ports that are not 1 to 65535', () => {
    for (const port of ['0', '65536', 'abc', '-1', '99999999999']) {
      invalid(cli({ url: `mysql://decnet@db:${port}/decnet` }), '--db-url', /port/);
    }
    assert.equal((cli({ url: 'mysql://decnet@db:65535/decnet' }) as { port: number }).port, 65535);
    assert.equal(
      (cli({ url: 'mysql://decnet@db:/decnet' }) as { port: number }).port,
      3306,
      'an empty port is the default, as in SQLAlchemy',
    );
  });

  it('refuses an empty or blank --db and --db-url', () => {
    invalid(cli({ path: '' }), '--db', /empty/);
    invalid(cli({ path: '   ' }), '--db', /empty/);
    invalid(cli({ url: '' }), '--db-url', /empty/);
  });

  it('refuses blank or unusable settings in the editor, naming the setting', () => {
    const ed = (settings: { type?: string; path?: string; url?: string }) =>
      resolveDatabase({ settings, env: fallbackEnv, iniPath: noIni, workspaceFolders: [ws] });
    invalid(ed({ path: '  ' }), 'decnet.database.path');
    invalid(ed({ url: 'mysql//x' }), 'decnet.database.url');
    invalid(ed({ url: 'mysql://u@h:0/d' }), 'decnet.database.url', /not a valid MySQL URL/);
    invalid(ed({ type: 'postgres' }), 'decnet.database.type', /sqlite or mysql/);
    invalid(ed({ type: 'sqlite', url: 'mysql://u@h/d' }), 'decnet.database.url', /MySQL URL, but the database type is sqlite/);
    invalid(ed({ type: 'mysql', url: 'sqlite:///x.db' }), 'decnet.database.url', /SQLite URL, but the database type is mysql/);
  });

  it('refuses unusable DECNET_DB_* variables; an empty one is unset', () => {
    const env = (e: NodeJS.ProcessEnv) => resolveDatabase({ env: e, iniPath: noIni, workspaceFolders: [ws] });
    invalid(env({ DECNET_DB_URL: 'mysql//x' }), 'DECNET_DB_URL');
    invalid(env({ DECNET_DB_URL: 'postgresql://u:pw@h/d', DECNET_DB_PATH: '/x.db', DECNET_DB_TYPE: 'mysql' }), 'DECNET_DB_URL');
    invalid(env({ DECNET_DB_TYPE: 'postgres' }), 'DECNET_DB_TYPE', /"postgres"/);
    invalid(env({ DECNET_DB_TYPE: 'mysql', DECNET_DB_PORT: 'abc' }), 'DECNET_DB_PORT', /1 to 65535/);
    invalid(env({ DECNET_DB_TYPE: 'mysql', DECNET_DB_PORT: '70000' }), 'DECNET_DB_PORT');
    invalid(env({ DECNET_DB_PATH: '  ' }), 'DECNET_DB_PATH', /blanks/);
    invalid(
      env({ DECNET_DB_TYPE: 'mysql', DECNET_DB_URL: 'sqlite:///x.db' }),
      'DECNET_DB_URL',
      /SQLite URL, but the database type is mysql \(DECNET_DB_TYPE\)/,
    );
    assert.deepEqual(env({ DECNET_DB_PATH: '', DECNET_DB_URL: '' }), {
      kind: 'sqlite',
      path: path.join(ws, 'decnet.db'),
      origin: 'workspace',
    });
    assert.deepEqual(env({ DECNET_DB_URL: 'sqlite:////srv/decnet.db' }), {
      kind: 'sqlite',
      path: '/srv/decnet.db',
      origin: 'DECNET_DB_URL',
    });
  });

  it('refuses unusable values in decnet.ini, and a decnet.ini that is not a regular file', () => {
    const ini = path.join(dir, 'bad.ini');
    writeFileSync(ini, '[database]\nurl = mysql//db/decnet\n');
    invalid(resolveDatabase({ env: {}, iniPath: ini, workspaceFolders: [ws] }), `${ini} [database] url`);
    writeFileSync(ini, '[database]\ntype = oracle\n');
    invalid(resolveDatabase({ env: {}, iniPath: ini, workspaceFolders: [ws] }), `${ini} [database] type`);
    const t = resolveDatabase({ env: {}, iniPath: dir, workspaceFolders: [ws] });
    invalid(t, dir, /not a regular file/);
    // What the variables settle is not looked up in decnet.ini.
    assert.equal(resolveDatabase({ env: { DECNET_DB_TYPE: 'sqlite', DECNET_DB_PATH: '/x.db' }, iniPath: dir }).kind, 'sqlite');
    assert.equal(resolveDatabase({ settings: { path: '/x.db' }, env: {}, iniPath: dir }).kind, 'sqlite');
  });

  it('lets a --db-url decide the backend over DECNET_DB_TYPE', () => {
    const t = cli({ url: 'mysql://reader@db/decnet' }, { DECNET_DB_TYPE: 'sqlite', DECNET_DB_PATH: '/fallback/decnet.db' });
    assert.equal(describeDbTarget(t), 'mysql: reader@db:3306/decnet');
  });

  it('reads an unusable target as a database error that classifies nothing', async () => {
    const t = resolveDatabase({ settings: { url: 'mysql://u:s3cr%et@h:99999/d' }, env: fallbackEnv, iniPath: noIni });
    const r = await readDb(t);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.kind, 'misconfigured');
    assert.match(
      r.error.message,
      /^Cannot read the DECNET database: decnet\.database\.url is not a valid MySQL URL \(mysql:\/\/u:\*\*\*@h:99999\/d\)/,
    );
    assert.doesNotMatch(r.error.message, /s3cr/);
  });
});

describe('database URLs: parsed as SQLAlchemy does, passwords never shown', () => {
  const passwords = ['p/ss', 'p%ss', 'p%zzw', 'p@ss', 'p:ss', 'p#ss?x', 'ü/%41@:', 'abc%'];

  it('reads passwords with / : # ? unencoded and % kept when not an escape, as SQLAlchemy does', () => {
    assert.deepEqual(parseDbUrl('mysql+asyncmy://decnet:p/ss:w#rd?x@db.example:3307/decnet'), {
      kind: 'mysql',
      host: 'db.example',
      port: 3307,
      database: 'decnet',
      user: 'decnet',
      password: 'p/ss:w#rd?x',
    });
    assert.equal((parseDbUrl('mysql://u:50%zz@h/d') as { password: string }).password, '50%zz');
    assert.equal((parseDbUrl('mysql://u:100%@h/d') as { password: string }).password, '100%');
    assert.equal((parseDbUrl('mysql://u:p%40ss%2F%C3%BC@h/d') as { password: string }).password, 'p@ss/ü');
    assert.equal((parseDbUrl('mysql://us%3Aer:x@h/d') as { user: string }).user, 'us:er');
    assert.deepEqual(parseDbUrl('mariadb://u@[::1]:3307/d'), { kind: 'mysql', host: '::1', port: 3307, database: 'd', user: 'u' });
    assert.equal(
      describeDbTarget(resolveDatabase({ settings: { url: 'mysql://u@[::1]:3307/d' }, env: {}, iniPath: noIni })),
      'mysql: u@[::1]:3307/d',
    );
    assert.deepEqual(parseDbUrl('sqlite+aiosqlite:////var/lib/decnet.db?mode=ro'), { kind: 'sqlite', path: '/var/lib/decnet.db' });
  });

  it('refuses an @ outside user:password@, where it would put part of the password in the host', () => {
    assert.throws(
      () => parseDbUrl('mysql://u:p@ss@h/d'),
      (e: Error) => /%40/.test(e.message) && !e.message.includes('p@ss'),
    );
    assert.throws(
      () => parseDbUrl('mysql://a/b:secret@h/d'),
      (e: Error) => !e.message.includes('secret'),
    );
  });

  it('never shows a password, whatever it holds, in a description or an error', () => {
    for (const pw of passwords) {
      for (const url of [
        `mysql://decnet:${pw}@db:3306/decnet`,
        `mysql://decnet:${pw}@db:0/decnet`,
        `mysql//decnet:${pw}@db/decnet`,
        `postgresql://decnet:${pw}@db/decnet`,
      ]) {
        const masked = maskDbUrl(url);
        assert.ok(!masked.includes(pw), `${url} → ${masked}`);
        assert.match(masked, /decnet:\*\*\*@/);
        const t = resolveDatabase({ settings: { url }, settingNames: CLI_SETTING_NAMES, env: {}, iniPath: noIni, secretPassword: pw });
        const shown = t.kind === 'invalid' ? t.message : describeDbTarget(t);
        assert.ok(!shown.includes(pw), `${url} → ${shown}`);
      }
    }
    assert.equal(maskDbUrl('mysql://decnet:hunter2'), 'mysql://decnet:***');
    assert.equal(maskDbUrl('mysql://decnet:pa/ss'), 'mysql://decnet:***');
    assert.equal(maskDbUrl('mysql://db:3306/decnet'), 'mysql://db:3306/decnet');
  });
});
