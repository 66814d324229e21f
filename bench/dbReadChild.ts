// A Node process that only reads the database, on command, so that its peak memory is the
// reader's: started fresh per file by bench/dbRead.ts.
//
// Protocol: one JSON command per line on stdin, one JSON answer per line on stdout.
//   {"cmd":"baseline"}                 resets the peak RSS (VmHWM) to the current RSS -> {"rss"}
//   {"cmd":"read","path":P,"mode":M}   one timed read -> {"ms","topologies","lans","digest",...}
//        M = "paged": readSqliteDb (this project's reader: pages on demand, -wal included)
//        M = "fresh": the same, after forgetCachedReads(): nothing kept from the read before
//        M = "naive": plain sql.js: the whole file into a Buffer, new SQL.Database(buffer)
//   {"cmd":"peak"}                     -> {"rss","hwm"}
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { forgetCachedReads, readSqliteDb } from '../src/core/db/sqlite';
import { loadSqlJs } from '../src/core/db/sqljs';
import { newReadStats } from '../src/core/db/walSnapshot';
import { procStatus } from './lib';

type Row = (string | number | null)[];

function digest(tops: Row[], lans: Row[]): string {
  const cmp = (a: Row, b: Row): number => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return createHash('sha1')
    .update(JSON.stringify([[...tops].sort(cmp), [...lans].sort(cmp)]))
    .digest('hex');
}

async function readPaged(path: string, fresh: boolean): Promise<Record<string, unknown>> {
  if (fresh) forgetCachedReads();
  const stats = newReadStats();
  const c = process.cpuUsage();
  const t = performance.now();
  const snap = await readSqliteDb(path, { stats });
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(c);
  return {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    topologies: snap.topologies.length,
    lans: snap.lans.length,
    digest: digest(
      snap.topologies.map((x) => [x.id, x.name, x.status, x.mode]),
      snap.lans.map((l) => [l.id, l.topologyId, l.name, l.subnet, l.isDmz ? 1 : 0, l.dockerNetworkId]),
    ),
    pagesRead: stats.pagesRead.length,
    bytesRead: stats.bytesRead,
    pageCount: stats.pageCount,
    walFramesChecked: stats.walFramesChecked,
    schemaReused: stats.schemaReused,
    pagesReused: stats.pagesReused,
    integrityChecked: stats.integrityChecked,
    integrityCheckMs: stats.integrityCheckMs,
    resultReused: stats.resultReused,
    attempts: stats.attempts,
  };
}

async function readNaive(path: string): Promise<Record<string, unknown>> {
  const SQL = await loadSqlJs();
  const t = performance.now();
  const buf = fs.readFileSync(path);
  const db = new SQL.Database(buf);
  try {
    const tops = db.exec('SELECT id, name, status, mode FROM topologies')[0]?.values ?? [];
    const lans = db.exec('SELECT id, topology_id, name, subnet, is_dmz, docker_network_id FROM lans')[0]?.values ?? [];
    const ms = performance.now() - t;
    return { ms, topologies: tops.length, lans: lans.length, digest: digest(tops as Row[], lans as Row[]) };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    let ans: Record<string, unknown>;
    try {
      const req = JSON.parse(line) as { cmd: string; path?: string; mode?: string };
      if (req.cmd === 'baseline') {
        fs.writeFileSync('/proc/self/clear_refs', '5');
        ans = { rss: procStatus().rss };
      } else if (req.cmd === 'peak') {
        ans = procStatus();
      } else if (req.cmd === 'read') {
        ans = req.mode === 'naive' ? await readNaive(req.path!) : await readPaged(req.path!, req.mode === 'fresh');
      } else {
        ans = { error: `unknown command ${req.cmd}` };
      }
    } catch (e) {
      const err = e as { code?: string; message?: string };
      ans = { error: `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}` };
    }
    process.stdout.write(`${JSON.stringify(ans)}\n`);
  }
}

void main();
