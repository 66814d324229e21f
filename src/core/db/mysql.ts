// DECNET's MySQL backend: the same two tables, read in one READ ONLY transaction.
import type { Connection } from 'mysql2/promise';
import { describeDbTarget, type MysqlTarget } from '../config';
import type { DbSnapshot, Lan, Topology } from '../model';
import { DbReadError } from '../model';
import { withDeadline } from '../deadline';
import { queryMysqlSwarm } from './swarm';

export const MYSQL_CONNECT_TIMEOUT_MS = 10_000;

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
]);
const ACCESS_DENIED = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
]);

/** The driver's message with the password, should it ever appear in it, replaced by `***`. */
export function withoutPassword(text: string, password: string | undefined): string {
  if (!password || password.length < 3) return text;
  let out = text;
  for (const form of new Set([password, encodeURIComponent(password)])) out = out.split(form).join('***');
  return out;
}

function refusal(err: unknown, source: string, password: string | undefined): DbReadError {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  const detail = withoutPassword(e?.message || code || String(err), password);
  if (UNREACHABLE.has(code)) return new DbReadError('unreachable', `Cannot reach the DECNET database ${source}: ${detail}`, source);
  if (ACCESS_DENIED.has(code))
    return new DbReadError('access-denied', `Access to the DECNET database ${source} was denied: ${detail}`, source);
  if (code === 'ER_BAD_DB_ERROR' || code === 'ER_NO_SUCH_TABLE') {
    return new DbReadError('not-decnet', `${source} is not a DECNET database: ${detail}`, source);
  }
  return new DbReadError('unreadable', `Cannot read the DECNET database ${source}: ${detail}`, source);
}

async function tableExists(conn: Connection, table: string): Promise<boolean> {
  const [rows] = await conn.query(
    'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
    [table],
  );
  return Number((rows as { n: number }[])[0]?.n) > 0;
}

/**
 * Reads `topologies` and `lans` in one consistent, read-only transaction. Throws DbReadError
 * (`unreachable`, `access-denied`, `not-decnet`, `unreadable`); the message never holds the password.
 */
export async function readMysqlDb(target: MysqlTarget): Promise<DbSnapshot> {
  const source = describeDbTarget(target);
  let connecting: Promise<Connection> | undefined;
  try {
    // The whole read within the request deadline: a server that trickles its answers never holds
    // the caller; what it holds open is closed then.
    return await withDeadline(
      'the DECNET database',
      () =>
        readWith(target, source, (c) => {
          connecting = c;
        }),
      () =>
        void connecting?.then(
          (c) => c.destroy(),
          () => undefined,
        ),
    );
  } catch (err) {
    if (err instanceof DbReadError) {
      // Denied without a password that was set for another server: say why it was not sent.
      if (err.kind === 'access-denied' && target.passwordWithheld)
        throw new DbReadError(err.kind, `${err.message}. ${target.passwordWithheld}`, err.path);
      throw err;
    }
    const r = refusal(err, source, target.password);
    if (r.kind === 'access-denied' && target.passwordWithheld)
      throw new DbReadError(r.kind, `${r.message}. ${target.passwordWithheld}`, r.path);
    throw r;
  }
}

async function readWith(target: MysqlTarget, source: string, onConnecting: (c: Promise<Connection>) => void): Promise<DbSnapshot> {
  let conn: Connection | undefined;
  try {
    // Loaded when a MySQL database is read: a SQLite read (and the CLI's start) does without it.
    const { createConnection } = await import('mysql2/promise');
    const connecting = createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      connectTimeout: MYSQL_CONNECT_TIMEOUT_MS,
      multipleStatements: false,
      supportBigNumbers: true,
      dateStrings: true,
    });
    onConnecting(connecting);
    conn = await connecting;
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    if (!(await tableExists(conn, 'topologies'))) {
      throw new DbReadError('not-decnet', `${source} is not a DECNET database: it has no topologies table`, source);
    }
    const [topologyRows] = await conn.query('SELECT id, name, status, mode FROM topologies');
    const topologies: Topology[] = (topologyRows as Record<string, unknown>[]).map((r) => ({
      id: String(r.id),
      name: String(r.name),
      status: String(r.status),
      mode: String(r.mode),
    }));
    let lans: Lan[] = [];
    if (await tableExists(conn, 'lans')) {
      const [lanRows] = await conn.query('SELECT id, topology_id, name, subnet, is_dmz, docker_network_id FROM lans');
      lans = (lanRows as Record<string, unknown>[]).map((r) => ({
        id: String(r.id),
        topologyId: String(r.topology_id),
        name: String(r.name),
        subnet: String(r.subnet),
        isDmz: !!Number(r.is_dmz),
        dockerNetworkId: r.docker_network_id == null ? null : String(r.docker_network_id as string | number),
      }));
    }
    // The swarm (workers, where topologies are pinned), in the same transaction: see swarm.ts.
    const c = conn;
    const swarm = await queryMysqlSwarm(async (sql) => (await c.query(sql))[0] as Record<string, unknown>[], source);
    await conn.query('COMMIT');
    return { source, topologies, lans, walFramesApplied: 0, swarm };
  } catch (err) {
    if (err instanceof DbReadError) throw err;
    throw refusal(err, source, target.password);
  } finally {
    await conn?.end().catch(() => conn?.destroy());
  }
}
