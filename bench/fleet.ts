// A DECNET swarm: scanFleet over four hosts beside the slowest of them scanned alone, and with a
// fifth host that accepts connections and never answers, beside the same four without it. The
// hosts are stand-in daemons (bench/fleetStandIns.ts, a process of their own) answering with a
// 300-container, 100-network inventory after 30, 60, 90 and 120 ms, as workers across a network
// would; what is measured is the fleet scan itself: one DB read, the hosts concurrently, each
// classified. Taking turns, medians.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanFleet, type FleetScan } from '../src/core/fleet';
import { execInWal, makeDecnetDb } from '../test/support/makeDb';
import { type BenchOptions, fmtMs, LineChild, log, median, type Row } from './lib';

const DELAYS_MS = [30, 60, 90, 120];
const TIMEOUT_MS = 1000;

function swarmRows(names: string[]): string[] {
  return names.map(
    (n, i) =>
      `INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, last_heartbeat, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('bench-${i}', '${n}', '10.0.0.${i + 1}', 8765, 'active', '2025-06-01 12:00:00', 'fp', '/x', '2025-01-01', 0)`,
  );
}

export async function benchFleet(opts: BenchOptions): Promise<Row[]> {
  const rounds = opts.quick ? 5 : 15;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'decnet-bench-fleet-'));
  const standIns = new LineChild('node', ['--import', 'tsx', path.join(__dirname, 'fleetStandIns.ts')]);
  try {
    const { sockets, dead } = await standIns.ask<{ sockets: string[]; dead: string }>({ dir, delaysMs: DELAYS_MS });
    const url = (i: number): string => `unix://${sockets[i]}`;
    const build = (name: string, workers: string[]): string => {
      const db = makeDecnetDb(path.join(dir, name), { fullSchema: true, checkpointed: [] });
      if (workers.length) execInWal(db, swarmRows(workers));
      return db;
    };
    const alone = build('alone', []);
    const four = build('four', ['w1', 'w2', 'w3']);
    // The dead host sorts first among the workers: it takes a slot before the live ones.
    const withDead = build('dead', ['w0-dead', 'w1', 'w2', 'w3']);
    const master = { url: url(3), source: 'setting' as const };
    const mapping = { w1: url(0), w2: url(1), w3: url(2), 'w0-dead': dead };

    const times = {
      alone: [] as number[],
      four: [] as number[],
      arrival: new Map<string, number[]>(),
      deadArrival: new Map<string, number[]>(),
    };
    const timed = async (db: string, arrivals?: Map<string, number[]>): Promise<{ ms: number; fleet: FleetScan }> => {
      const started = performance.now();
      const fleet = await scanFleet({
        db: { kind: 'sqlite', path: db, origin: 'setting' },
        master,
        mapping,
        env: {},
        timeoutMs: TIMEOUT_MS,
        onHost: (s) => {
          if (!arrivals) return;
          const list = arrivals.get(s.host.ref.name) ?? [];
          list.push(performance.now() - started);
          arrivals.set(s.host.ref.name, list);
        },
      });
      const failed = fleet.hosts.filter((h) => !h.result.docker.ok && h.host.ref.name !== 'w0-dead');
      if (failed.length) throw new Error(`a stand-in did not answer: ${failed.map((h) => h.host.ref.name).join(', ')}`);
      return { ms: performance.now() - started, fleet };
    };
    for (let i = 0; i < 3; i++) {
      await timed(alone);
      await timed(four);
    }
    for (let i = 0; i < rounds; i++) {
      const order = [0, 1, 2].map((k) => (k + i) % 3);
      for (const k of order) {
        if (k === 0) times.alone.push((await timed(alone)).ms);
        else if (k === 1) times.four.push((await timed(four, times.arrival)).ms);
        else await timed(withDead, times.deadArrival);
      }
    }
    const a = median(times.alone);
    const f = median(times.four);
    const rows: Row[] = [
      {
        section: 'fleet',
        what: 'scan of 4 hosts (30-120 ms away, 300 containers each)',
        measured: fmtMs(f),
        anchor: `slowest host alone ${fmtMs(a)}`,
        ratio: `${(f / a).toFixed(2)}x`,
        target: '≤ 1.3x',
        pass: f / a <= 1.3,
      },
    ];
    let worst = 0;
    let worstHost = '';
    for (const [name, without] of times.arrival) {
      const withIt = median(times.deadArrival.get(name) ?? [NaN]);
      const r = withIt / median(without);
      if (!(r <= worst)) {
        worst = r;
        worstHost = `${name}: ${fmtMs(withIt)} vs ${fmtMs(median(without))}`;
      }
    }
    rows.push({
      section: 'fleet',
      what: "each live host's result with a dead host beside it (worst host)",
      measured: worstHost,
      anchor: 'the same 4 hosts without it',
      ratio: `${worst.toFixed(2)}x`,
      target: '≤ 1.3x',
      pass: worst <= 1.3,
    });
    const d = median(times.deadArrival.get('w0-dead') ?? [NaN]);
    rows.push({
      section: 'fleet',
      what: `dead host reported (timeout ${fmtMs(TIMEOUT_MS)})`,
      measured: fmtMs(d),
      anchor: `timeout ${fmtMs(TIMEOUT_MS)}`,
      ratio: `${(d / TIMEOUT_MS).toFixed(2)}x`,
      target: '≤ 1.1x',
      pass: d >= TIMEOUT_MS && d <= TIMEOUT_MS * 1.1,
    });
    log(`fleet: 4 hosts ${fmtMs(f)}, slowest alone ${fmtMs(a)}, dead reported at ${fmtMs(d)}`);
    return rows;
  } finally {
    await standIns.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
