// DECNET's MySQL backend: a real MariaDB server on loopback and the private dockerd.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MysqlTarget } from '../../src/core/config';
import { executeRemoval } from '../../src/core/removal/execute';
import { planRemoval } from '../../src/core/removal/plan';
import { RefusedError } from '../../src/core/model';
import { scan } from '../../src/core/scan';
import { buildCli, runCli } from '../support/cli';
import { containerNames, deployTopology, newTopologyId, privateDaemon } from '../support/docker';
import { topologyRow } from '../support/makeDb';
import { dropMysqlDb, makeMysqlDb, startExtraMariadb, testMysql, type TestMysql } from '../support/mysql';
import { scratchDir } from '../support/scratch';

function target(server: TestMysql, database: string, password = server.password): MysqlTarget {
  return {
    kind: 'mysql',
    host: server.host,
    port: server.port,
    user: server.user,
    database,
    password,
    origin: 'setting',
    passwordFrom: 'secret storage',
  };
}

describe('the MySQL backend', () => {
  // The tests share the topologies deployed once below.
  const { docker, host } = privateDaemon({ wipeBeforeEachTest: false });
  let server: TestMysql;
  const dir = scratchDir('decnet-mysql-it-');
  const liveId = newTopologyId();
  const orphanId = newTopologyId();
  let database: string;
  const databases: string[] = [];

  before(async () => {
    server = testMysql();
    buildCli();
    database = await makeMysqlDb(server, [topologyRow(liveId, 'maze-mysql', 'active')]);
    databases.push(database);
    await deployTopology(docker, liveId, [{ name: 'dmz', subnet: '198.18.8.0/24' }], [{ name: 'decky-my1', lan: 'dmz' }]);
    await deployTopology(
      docker,
      orphanId,
      [{ name: 'dmz', subnet: '198.18.9.0/24' }],
      [{ name: 'decky-my2', lan: 'dmz', services: ['ssh'] }],
    );
  });
  after(async () => {
    for (const d of databases) await dropMysqlDb(server, d);
  });

  it('classifies live and orphan prefixes from MySQL, and says which DB was read', async () => {
    const result = await scan({ db: target(server, database), dockerHost: host });
    assert.equal(result.db.ok, true, !result.db.ok ? result.db.error.message : '');
    assert.equal(result.dbSource, `mysql: ${server.user}@${server.host}:${server.port}/${database}`);
    assert.deepEqual(result.livePrefixes, [liveId.slice(0, 8)]);
    assert.deepEqual(result.orphanPrefixes, [orphanId.slice(0, 8)]);
    assert.equal(result.groups.find((g) => g.state === 'live')?.topology?.name, 'maze-mysql');
  });

  it('takes SQLAlchemy URLs on the CLI and from DECNET_DB_* variables, and never prints the password', () => {
    const env = { HOME: dir, DOCKER_HOST: host };
    const url = `mysql+asyncmy://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}`;
    const viaUrl = runCli(['scan', '--db-url', url, '--json'], { env });
    assert.equal(viaUrl.code, 0, viaUrl.stderr);
    const out = JSON.parse(viaUrl.stdout);
    assert.equal(out.database, `mysql: ${server.user}@${server.host}:${server.port}/${database}`);
    assert.deepEqual(out.orphan_prefixes, [orphanId.slice(0, 8)]);
    assert.ok(!viaUrl.stdout.includes(server.password) && !viaUrl.stderr.includes(server.password));

    const viaEnv = runCli(['scan'], {
      env: {
        ...env,
        DECNET_DB_TYPE: 'mysql',
        DECNET_DB_HOST: server.host,
        DECNET_DB_PORT: String(server.port),
        DECNET_DB_NAME: database,
        DECNET_DB_USER: server.user,
        DECNET_DB_PASSWORD: server.password,
      },
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, new RegExp(`Database: mysql: ${server.user}@${server.host}:${server.port}/${database}`));
    assert.match(viaEnv.stdout, /Orphans \(1\):\n {2}[0-9a-f]{8} {2}/);
    assert.ok(!viaEnv.stdout.includes(server.password) && !viaEnv.stderr.includes(server.password));
  });

  it('refuses on wrong credentials: nothing orphan, nothing removed, no password printed', async () => {
    const result = await scan({ db: target(server, database, 'wrong-password'), dockerHost: host });
    assert.equal(result.db.ok, false);
    assert.equal(!result.db.ok && result.db.error.kind, 'access-denied');
    assert.deepEqual(result.orphanPrefixes, []);
    assert.throws(() => planRemoval(result, [orphanId.slice(0, 8)]), RefusedError);
    const r = runCli(
      ['reap', '--all-orphans', '--yes', '--db-url', `mysql://${server.user}:wrong-password@${server.host}:${server.port}/${database}`],
      { env: { HOME: dir, DOCKER_HOST: host } },
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /access-denied/);
    assert.ok(!r.stderr.includes('wrong-password'));
    assert.ok((await containerNames(docker)).includes(`decnet_t_${orphanId.slice(0, 8)}_decky-my2`));
  });

  it('refuses a database without DECNET tables', async () => {
    const empty = await makeMysqlDb(server, [], { tables: false });
    databases.push(empty);
    const result = await scan({ db: target(server, empty), dockerHost: host });
    assert.equal(!result.db.ok && result.db.error.kind, 'not-decnet');
    assert.deepEqual(result.orphanPrefixes, []);
  });

  it('refuses once the server goes away, even for a plan confirmed while it was up', async () => {
    const extra = startExtraMariadb(path.join(dir, 'extra-mariadb'), 33316);
    try {
      const db = await makeMysqlDb(extra.server, [topologyRow(liveId, 'maze-mysql', 'active')]);
      const up = await scan({ db: target(extra.server, db), dockerHost: host });
      assert.deepEqual(up.orphanPrefixes, [orphanId.slice(0, 8)]);
      const plan = planRemoval(up, [orphanId.slice(0, 8)]);
      extra.stop();
      const down = await scan({ db: target(extra.server, db), dockerHost: host });
      assert.equal(!down.db.ok && down.db.error.kind, 'unreachable');
      assert.deepEqual(down.orphanPrefixes, []);
      await assert.rejects(executeRemoval(plan, { db: target(extra.server, db), dockerHost: host }), RefusedError);
      assert.ok((await containerNames(docker)).includes(`decnet_t_${orphanId.slice(0, 8)}_decky-my2`));
    } finally {
      extra.stop();
    }
  });
});
