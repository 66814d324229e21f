import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLI_SETTING_NAMES, describeDbTarget, parseIni, parseMysqlUrl, resolveDatabase, sqlitePathFromUrl } from '../../src/core/config';
import { resolveDockerEndpoint } from '../../src/core/dockerEndpoint';
import { scratchDir } from '../support/scratch';

describe('resolveDatabase: the SQLite path', () => {
  const dir = scratchDir('decnet-config-');
  const ini = path.join(dir, 'decnet.ini');
  const noIni = path.join(dir, 'missing.ini');

  it('prefers the setting, then DECNET_DB_PATH', () => {
    assert.deepEqual(resolveDatabase({ settings: { path: '/a/decnet.db' }, env: { DECNET_DB_PATH: '/b.db' }, iniPath: noIni }), {
      kind: 'sqlite',
      path: '/a/decnet.db',
      origin: 'setting',
    });
    assert.deepEqual(resolveDatabase({ settings: {}, env: { DECNET_DB_PATH: '/b.db' }, iniPath: noIni }), {
      kind: 'sqlite',
      path: '/b.db',
      origin: 'DECNET_DB_PATH',
    });
  });

  it('reads a sqlite url or path from [database] of decnet.ini', () => {
    writeFileSync(ini, '; DECNET\n[database]\ntype = sqlite\nurl = sqlite+aiosqlite:////opt/decnet/decnet.db\n');
    assert.deepEqual(resolveDatabase({ env: {}, iniPath: ini }), { kind: 'sqlite', path: '/opt/decnet/decnet.db', origin: 'decnet.ini' });
    writeFileSync(ini, '[database]\npath = rel/decnet.db\n');
    assert.deepEqual(resolveDatabase({ env: {}, iniPath: ini }), {
      kind: 'sqlite',
      path: path.join(dir, 'rel/decnet.db'),
      origin: 'decnet.ini',
    });
  });

  it('falls back to a decnet.db at the root of a workspace folder', () => {
    const ws = scratchDir('decnet-ws-');
    assert.deepEqual(resolveDatabase({ env: {}, iniPath: noIni, workspaceFolders: [ws] }), { kind: 'none', origin: 'none' });
    writeFileSync(path.join(ws, 'decnet.db'), '');
    assert.deepEqual(resolveDatabase({ env: {}, iniPath: noIni, workspaceFolders: [dir, ws] }), {
      kind: 'sqlite',
      path: path.join(ws, 'decnet.db'),
      origin: 'workspace',
    });
  });

  it('parses SQLAlchemy sqlite URLs and ini files', () => {
    assert.equal(sqlitePathFromUrl('sqlite:///decnet.db'), 'decnet.db');
    assert.equal(sqlitePathFromUrl('sqlite:////var/lib/decnet.db'), '/var/lib/decnet.db');
    assert.equal(sqlitePathFromUrl('mysql+asyncmy://u:p@h/db'), undefined);
    assert.deepEqual(parseIni('[A]\nKey = v\n# c\nx: y'), { a: { key: 'v', x: 'y' } });
  });
});

describe('resolveDockerEndpoint', () => {
  it('prefers the setting, then DOCKER_HOST, then the local socket', () => {
    const noConfig = scratchDir('decnet-no-docker-config-');
    assert.equal(resolveDockerEndpoint({ setting: 'tcp://h:2375', env: { DOCKER_HOST: 'unix:///x' } }).url, 'tcp://h:2375');
    assert.equal(resolveDockerEndpoint({ env: { DOCKER_HOST: 'unix:///x' } }).url, 'unix:///x');
    assert.equal(resolveDockerEndpoint({ env: { DOCKER_CONFIG: noConfig } }).url, 'unix:///var/run/docker.sock');
  });
});

describe('resolveDatabase', () => {
  const dir = scratchDir('decnet-dbconfig-');
  const noIni = path.join(dir, 'missing.ini');

  it('parses mysql:// and SQLAlchemy mysql+<driver>:// URLs', () => {
    assert.deepEqual(parseMysqlUrl('mysql+asyncmy://u:p%40ss@db.example:3307/decnet_prod'), {
      host: 'db.example',
      port: 3307,
      database: 'decnet_prod',
      user: 'u',
      password: 'p@ss',
    });
    assert.deepEqual(parseMysqlUrl('mysql://db'), { host: 'db', port: 3306, database: 'decnet', user: 'decnet', password: undefined });
    assert.equal(parseMysqlUrl('sqlite:///decnet.db'), undefined);
  });

  it('reads DECNET_DB_* variables, the URL first, and says which DB without the password', () => {
    const fromParts = resolveDatabase({
      env: { DECNET_DB_TYPE: 'mysql', DECNET_DB_HOST: 'h', DECNET_DB_USER: 'r', DECNET_DB_PASSWORD: 's3cret' },
      iniPath: noIni,
    });
    assert.deepEqual(fromParts, {
      kind: 'mysql',
      host: 'h',
      port: 3306,
      database: 'decnet',
      user: 'r',
      password: 's3cret',
      origin: 'environment',
      passwordFrom: 'DECNET_DB_PASSWORD',
    });
    assert.equal(describeDbTarget(fromParts), 'mysql: r@h:3306/decnet');
    const fromUrl = resolveDatabase({
      env: { DECNET_DB_TYPE: 'mysql', DECNET_DB_URL: 'mysql+asyncmy://a:b@c:1/d', DECNET_DB_HOST: 'ignored' },
      iniPath: noIni,
    });
    assert.deepEqual(
      fromUrl.kind === 'mysql' && [fromUrl.host, fromUrl.port, fromUrl.database, fromUrl.user, fromUrl.password, fromUrl.passwordFrom],
      ['c', 1, 'd', 'a', 'b', 'url'],
    );
  });

  it('lets settings win over the environment, and never takes a password from settings', () => {
    const t = resolveDatabase({
      settings: { type: 'mysql', url: 'mysql://admin:leaked@db:3306/decnet' },
      env: { DECNET_DB_URL: 'mysql://x@y/z' },
      iniPath: noIni,
      secretPassword: 'from-secret-storage',
    });
    assert.deepEqual(t.kind === 'mysql' && [t.user, t.host, t.password, t.passwordFrom, t.origin], [
      'admin',
      'db',
      'from-secret-storage',
      'secret storage',
      'setting',
    ]);
    const sqlite = resolveDatabase({ settings: { path: '/srv/decnet.db' }, env: { DECNET_DB_TYPE: 'mysql' }, iniPath: noIni });
    assert.deepEqual(sqlite, { kind: 'sqlite', path: '/srv/decnet.db', origin: 'setting' }, 'a path set explicitly means SQLite');
  });

  it('takes the password typed, then DECNET_DB_PASSWORD, then the URL of the environment, then secret storage, then decnet.ini', () => {
    const ini = path.join(dir, 'decnet-pw.ini');
    writeFileSync(ini, '[database]\ntype = mysql\nurl = mysql+asyncmy://u:from-ini@h:3306/d\n');
    const pw = (input: Parameters<typeof resolveDatabase>[0]) => {
      const t = resolveDatabase({ iniPath: ini, ...input });
      return t.kind === 'mysql' ? [t.password, t.passwordFrom] : t;
    };
    const env = { DECNET_DB_PASSWORD: 'from-env' };
    assert.deepEqual(pw({ settings: { url: 'mysql://u:typed@h/d' }, typedPassword: 'typed', env }), ['typed', 'command line']);
    assert.deepEqual(pw({ env }), ['from-env', 'DECNET_DB_PASSWORD']);
    assert.deepEqual(pw({ env: { DECNET_DB_URL: 'mysql://u:from-url@h/d' }, secretPassword: 's' }), ['from-url', 'url']);
    assert.deepEqual(pw({ env: {}, secretPassword: 's' }), ['s', 'secret storage']);
    assert.deepEqual(pw({ env: {} }), ['from-ini', 'decnet.ini']);
    // A password in an editor setting is still never used.
    assert.deepEqual(pw({ settings: { url: 'mysql://u:leaked@h/d' }, env: {} }), [undefined, 'none']);
  });

  it('sends DECNET_DB_PASSWORD only to the server the environment names, never to one a flag or setting names elsewhere', () => {
    const at = (settings: { url?: string }, env: NodeJS.ProcessEnv): (string | undefined)[] => {
      const t = resolveDatabase({ settings, settingNames: CLI_SETTING_NAMES, env, iniPath: noIni });
      assert.equal(t.kind, 'mysql');
      return t.kind === 'mysql' ? [t.password, t.passwordFrom, t.passwordWithheld] : [];
    };
    const env = { DECNET_DB_PASSWORD: 'env-secret', DECNET_DB_HOST: 'db1', DECNET_DB_PORT: '3307' };
    assert.deepEqual(
      at({ url: 'mysql://decnet@db1:3307/decnet' }, env),
      ['env-secret', 'DECNET_DB_PASSWORD', undefined],
      'the same server',
    );
    assert.deepEqual(at({ url: 'mysql://decnet@db2:3307/decnet' }, env), [
      undefined,
      'none',
      "DECNET_DB_PASSWORD is for db1:3307 (the server DECNET_DB_HOST names), so it is not sent to db2:3307: type that server's password in --db-url (user:password@host)",
    ]);
    assert.deepEqual(at({ url: 'mysql://decnet@db1:3306/decnet' }, env)[0], undefined, 'another port is another server');
    // Unset, DECNET_DB_HOST means localhost:3306, as DECNET reads it.
    assert.deepEqual(at({ url: 'mysql://decnet@localhost/decnet' }, { DECNET_DB_PASSWORD: 'p' })[0], 'p');
    assert.deepEqual(at({ url: 'mysql://decnet@evil.example/decnet' }, { DECNET_DB_PASSWORD: 'p' })[0], undefined);
    // A password typed in the URL is that server's.
    assert.deepEqual(
      resolveDatabase({ settings: { url: 'mysql://decnet:typed@db2/decnet' }, typedPassword: 'typed', env, iniPath: noIni }),
      {
        kind: 'mysql',
        host: 'db2',
        port: 3306,
        database: 'decnet',
        user: 'decnet',
        password: 'typed',
        origin: 'setting',
        passwordFrom: 'command line',
      },
    );
    // DECNET_DB_URL names its server too.
    assert.deepEqual(
      at({ url: 'mysql://decnet@db3/decnet' }, { DECNET_DB_PASSWORD: 'p', DECNET_DB_URL: 'mysql://decnet@db3/decnet' })[0],
      'p',
    );
  });

  it('reads a sqlite DECNET_DB_URL before DECNET_DB_PATH, as documented', () => {
    assert.deepEqual(
      resolveDatabase({ env: { DECNET_DB_URL: 'sqlite:////from/url.db', DECNET_DB_PATH: '/from/path.db' }, iniPath: noIni }),
      {
        kind: 'sqlite',
        path: '/from/url.db',
        origin: 'DECNET_DB_URL',
      },
    );
    assert.deepEqual(
      resolveDatabase({
        env: { DECNET_DB_TYPE: 'sqlite', DECNET_DB_URL: 'mysql://u@h/d', DECNET_DB_PATH: '/from/path.db' },
        iniPath: noIni,
      }),
      { kind: 'sqlite', path: '/from/path.db', origin: 'DECNET_DB_PATH' },
    );
  });

  it('falls back to decnet.ini, whose values the environment overrides', () => {
    const ini = path.join(dir, 'decnet.ini');
    writeFileSync(ini, '[database]\ntype = mysql\nhost = ini-host\nport = 3310\nname = ini_db\nuser = ini_user\n');
    const t = resolveDatabase({ env: { DECNET_DB_HOST: 'env-host' }, iniPath: ini });
    assert.deepEqual(t.kind === 'mysql' && [t.host, t.port, t.database, t.user, t.origin, t.passwordFrom], [
      'env-host',
      3310,
      'ini_db',
      'ini_user',
      'decnet.ini',
      'none',
    ]);
    assert.deepEqual(resolveDatabase({ env: { DECNET_DB_PATH: '/x/decnet.db' }, iniPath: noIni }), {
      kind: 'sqlite',
      path: '/x/decnet.db',
      origin: 'DECNET_DB_PATH',
    });
    assert.deepEqual(resolveDatabase({ env: {}, iniPath: noIni }), { kind: 'none', origin: 'none' });
  });
});
