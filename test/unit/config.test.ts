import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseIni, resolveDbPath, sqlitePathFromUrl } from '../../src/core/config';
import { resolveDockerEndpoint } from '../../src/core/dockerEndpoint';

describe('resolveDbPath', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'decnet-config-'));
  const ini = path.join(dir, 'decnet.ini');
  const noIni = path.join(dir, 'missing.ini');

  it('prefers the setting, then DECNET_DB_PATH', () => {
    assert.deepEqual(resolveDbPath({ setting: '/a/decnet.db', env: { DECNET_DB_PATH: '/b.db' }, iniPath: noIni }), {
      path: '/a/decnet.db',
      origin: 'setting',
    });
    assert.deepEqual(resolveDbPath({ setting: ' ', env: { DECNET_DB_PATH: '/b.db' }, iniPath: noIni }), {
      path: '/b.db',
      origin: 'DECNET_DB_PATH',
    });
  });

  it('reads a sqlite url or path from [database] of decnet.ini', () => {
    writeFileSync(ini, '; DECNET\n[database]\ntype = sqlite\nurl = sqlite+aiosqlite:////opt/decnet/decnet.db\n');
    assert.deepEqual(resolveDbPath({ env: {}, iniPath: ini }), { path: '/opt/decnet/decnet.db', origin: 'decnet.ini' });
    writeFileSync(ini, '[database]\ntype = mysql\nhost = db\n');
    assert.equal(resolveDbPath({ env: {}, iniPath: ini }).origin, 'none');
  });

  it('falls back to a decnet.db at the root of a workspace folder', () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'decnet-ws-'));
    assert.deepEqual(resolveDbPath({ env: {}, iniPath: noIni, workspaceFolders: [ws] }), { path: undefined, origin: 'none' });
    writeFileSync(path.join(ws, 'decnet.db'), '');
    assert.deepEqual(resolveDbPath({ env: {}, iniPath: noIni, workspaceFolders: [dir, ws] }), {
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
    const noConfig = mkdtempSync(path.join(tmpdir(), 'decnet-no-docker-config-'));
    assert.equal(resolveDockerEndpoint({ setting: 'tcp://h:2375', env: { DOCKER_HOST: 'unix:///x' } }).url, 'tcp://h:2375');
    assert.equal(resolveDockerEndpoint({ env: { DOCKER_HOST: 'unix:///x' } }).url, 'unix:///x');
    assert.equal(resolveDockerEndpoint({ env: { DOCKER_CONFIG: noConfig } }).url, 'unix:///var/run/docker.sock');
  });
});
