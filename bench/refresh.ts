// Refresh: one scan() as the view and the CLI run it (DB read, Docker listing, grouping) with
// 1,000 topologies in the database and 300 containers and 100 networks on the private daemon,
// beside the bare Docker API calls that list the same containers and networks. Taking turns.
import { mapLimit } from '../src/core/concurrency';
import { connectDocker } from '../src/core/docker';
import { scan } from '../src/core/scan';
import { nativeReader, readPair, refreshFixture } from './dbRead';
import { benchDocker, deploy, randomHex, removeBenchResources } from './dockerFixtures';
import { type BenchOptions, fmtMs, log, median, privateDockerHost, type Row } from './lib';

const WARMUPS = 3;
const RUNS = 20;
const PREFIXES = 50;
const LIVE = 40;

/** Topology ids of bench/fixtures/big_db.py: `%08x-2222-4222-8222-%08x0000`. */
function fixtureTopologyId(n: number): string {
  const h = n.toString(16).padStart(8, '0');
  return `${h}-2222-4222-8222-${h}0000`;
}

export async function benchRefresh(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const fx = refreshFixture(opts);
  const host = privateDockerHost();
  const docker = benchDocker(host);
  const runId = randomHex(6);

  // The DB read alone at this size, beside python's sqlite3 (context for the refresh figure).
  {
    const py = nativeReader();
    try {
      const r = await readPair(py, fx.path);
      const mo = median(r.ours);
      const mn = median(r.native);
      rows.push({
        section: 'refresh',
        what: `DB read alone, ${r.oursLast.topologies} topologies / ${r.oursLast.lans} lans (context)`,
        measured: fmtMs(mo),
        anchor: `python sqlite3 ${fmtMs(mn)}`,
        ratio: `${(mo / mn).toFixed(2)}x`,
        target: '',
      });
    } finally {
      await py.close();
    }
  }

  const left = await removeBenchResources(docker);
  if (left.containers || left.networks)
    log(`removed ${left.containers} containers, ${left.networks} networks left by an earlier bench run`);
  try {
    log(`refresh: deploying ${PREFIXES} topologies (${LIVE} in the DB), 300 containers and 100 networks on ${host}`);
    const t0 = Date.now();
    // 40 live prefixes (their topologies are in the DB) and 10 orphans; 2 LANs and 6 containers each.
    const ids = [
      ...Array.from({ length: LIVE }, (_, i) => fixtureTopologyId(i + 1)),
      ...Array.from({ length: PREFIXES - LIVE }, (_, i) => `b${runId}${i}-3333-4333-8333-${randomHex(12)}`),
    ];
    // A few topologies at a time; each builds its containers a few at a time.
    await mapLimit(ids, 3, (topologyId, i) =>
      deploy(
        docker,
        {
          topologyId,
          lans: [0, 1].map((j) => ({ name: `lan${j}`, subnet: `198.19.${2 * i + j}.0/24`, internal: j === 1 })),
          basesPerLan: 1,
          servicesPerBase: () => 2,
        },
        runId,
        3,
      ),
    );
    log(`  deployed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const bare = connectDocker(host);
    const bareList = async (): Promise<number> => {
      const t = performance.now();
      const [c, n] = await Promise.all([bare.listContainers({ all: true }), bare.listNetworks()]);
      const ms = performance.now() - t;
      if (c.length < 300 || n.length < 100) throw new Error(`bare listing saw ${c.length} containers, ${n.length} networks`);
      return ms;
    };
    let lastScan: Awaited<ReturnType<typeof scan>> | undefined;
    const refresh = async (): Promise<number> => {
      const t = performance.now();
      lastScan = await scan({ dbPath: fx.path, dockerHost: host });
      const ms = performance.now() - t;
      if (!lastScan.db.ok) throw new Error(`scan could not read the DB: ${lastScan.db.error.message}`);
      if (!lastScan.docker.ok) throw new Error(`scan could not list Docker: ${lastScan.docker.error.message}`);
      return ms;
    };
    const ours: number[] = [];
    const anchor: number[] = [];
    log(`refresh: scan() and the bare listing, ${WARMUPS}+${RUNS} each, taking turns`);
    for (let i = 0; i < WARMUPS + RUNS; i++) {
      let o: number;
      let a: number;
      if (i % 2) {
        o = await refresh();
        a = await bareList();
      } else {
        a = await bareList();
        o = await refresh();
      }
      if (i >= WARMUPS) {
        ours.push(o);
        anchor.push(a);
      }
    }
    const mine = lastScan!.groups.filter((g) => ids.some((id) => id.startsWith(g.prefix)));
    const live = mine.filter((g) => g.state === 'live').length;
    const orphan = mine.filter((g) => g.state === 'orphan').length;
    const containers = mine.reduce((a, g) => a + g.containers.length, 0);
    const networks = mine.reduce((a, g) => a + g.networks.length, 0);
    const grouped = live === LIVE && orphan === PREFIXES - LIVE && containers === 300 && networks === 100;
    const mo = median(ours);
    const ma = median(anchor);
    const db = lastScan!.db.ok ? lastScan!.db.value : undefined;
    rows.push({
      section: 'refresh',
      what: `scan(): ${db?.topologies.length} topologies in the DB, 300 containers + 100 networks, median of ${RUNS}`,
      measured: fmtMs(mo),
      anchor: `bare list calls ${fmtMs(ma)}`,
      ratio: `${(mo / ma).toFixed(2)}x`,
      target: '<= 1.50x',
      pass: mo / ma <= 1.5 && grouped,
    });
    rows.push({
      section: 'refresh',
      what: 'scan() grouped them right',
      measured: `${live} live, ${orphan} orphan, ${containers} containers, ${networks} networks`,
      anchor: '',
      ratio: '',
      target: `${LIVE}/${PREFIXES - LIVE}/300/100`,
      pass: grouped,
    });
    log(`  scan ${fmtMs(mo)}, bare listing ${fmtMs(ma)} (${(mo / ma).toFixed(2)}x)`);
  } finally {
    log('refresh: removing what it created');
    await removeBenchResources(docker, runId);
  }
  return rows;
}
