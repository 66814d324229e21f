// The private MariaDB server of the test setup (scripts/private-mariadb.sh) and DECNET's tables on it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Topology } from '../../src/core/model';

export interface TestMysql {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The server started by `npm test`. Fails (never skips) when it is not there. */
export function testMysql(): TestMysql {
  const url = process.env.DECNET_TEST_MYSQL_URL;
  const password = process.env.DECNET_TEST_MYSQL_PASSWORD;
  if (!url || password === undefined) {
    throw new Error(
      'DECNET_TEST_MYSQL_URL / DECNET_TEST_MYSQL_PASSWORD are not set: run the tests with `npm test`, which starts the private MariaDB',
    );
  }
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password };
}

/** DECNET's tables as its MySQL backend creates them. */
const DDL = [
  `CREATE TABLE topologies (
    id VARCHAR(36) NOT NULL, name VARCHAR(255) NOT NULL, mode VARCHAR(16) NOT NULL,
    target_host_uuid VARCHAR(36), config_snapshot TEXT NOT NULL, status VARCHAR(32) NOT NULL,
    status_changed_at DATETIME NOT NULL, created_at DATETIME NOT NULL, version INTEGER NOT NULL,
    needs_resync BOOL NOT NULL, email_personas TEXT NOT NULL, language_default VARCHAR(8) NOT NULL,
    PRIMARY KEY (id), UNIQUE KEY ix_topologies_name (name)) ENGINE=InnoDB`,
  `CREATE TABLE lans (
    id VARCHAR(36) NOT NULL, topology_id VARCHAR(36) NOT NULL, name VARCHAR(255) NOT NULL,
    docker_network_id VARCHAR(255), subnet VARCHAR(64) NOT NULL, is_dmz BOOL NOT NULL, x FLOAT, y FLOAT,
    PRIMARY KEY (id), UNIQUE KEY uq_lan_topology_name (topology_id, name),
    FOREIGN KEY (topology_id) REFERENCES topologies (id)) ENGINE=InnoDB`,
];

async function connect(server: TestMysql, database?: string): Promise<Connection> {
  return createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database });
}

/** A fresh database holding DECNET's tables (or none, with `tables: false`) and these topologies. */
export async function makeMysqlDb(server: TestMysql, topologies: Topology[], opts: { tables?: boolean } = {}): Promise<string> {
  const name = `decnet_it_${randomBytes(4).toString('hex')}`;
  const admin = await connect(server);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.changeUser({ database: name });
    if (opts.tables !== false) for (const ddl of DDL) await admin.query(ddl);
    for (const t of topologies) await insertMysqlTopology(admin, t);
  } finally {
    await admin.end();
  }
  return name;
}

export async function insertMysqlTopology(conn: Connection, t: Topology): Promise<void> {
  await conn.query(
    `INSERT INTO topologies (id, name, mode, target_host_uuid, config_snapshot, status, status_changed_at, created_at,
       version, needs_resync, email_personas, language_default)
     VALUES (?, ?, ?, NULL, '{}', ?, NOW(), NOW(), 1, 0, '[]', 'en')`,
    [t.id, t.name, t.mode, t.status],
  );
  await conn.query(`INSERT INTO lans (id, topology_id, name, subnet, is_dmz) VALUES (?, ?, 'dmz', '172.16.0.0/24', 1)`, [
    randomBytes(16).toString('hex'),
    t.id,
  ]);
}

export async function dropMysqlDb(server: TestMysql, name: string): Promise<void> {
  const admin = await connect(server);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await admin.end();
  }
}

const script = path.resolve(__dirname, '../../scripts/private-mariadb.sh');

/** A second, short-lived MariaDB server that a test may stop. Returns its URL and a stop(). */
export function startExtraMariadb(root: string, port: number): { server: TestMysql; stop: () => void } {
  const env = { ...process.env, DECNET_TEST_MYSQL_ROOT: root, DECNET_TEST_MYSQL_PORT: String(port) };
  const url = execFileSync('bash', [script, 'start'], { env, encoding: 'utf8' }).trim();
  const u = new URL(url);
  const password = execFileSync('cat', [path.join(root, 'password')], { encoding: 'utf8' }).trim();
  return {
    server: { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password },
    stop: () => execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' }),
  };
}
