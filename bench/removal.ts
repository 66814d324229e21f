// Removal of an orphan group of 60 running containers and 12 networks, three ways, on the same
// private daemon, rebuilding the same resources before each:
//  - this project: executeRemoval, the real code path (re-check scan, removal, verifying listing),
//    after planRemoval (the confirmation step, not timed);
//  - one after another, as DECNET's reaper does: list, force-remove each container, then for each
//    network inspect, force-disconnect its endpoints and remove it;
//  - `docker rm -f` given every container id at once, then `docker network rm` every network.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { executeRemoval } from '../src/core/removal/execute';
import { planRemoval } from '../src/core/removal/plan';
import { scan } from '../src/core/scan';
import { refreshFixture } from './dbRead';
import { BENCH_LABEL, benchDocker, type Deployed, deploy, randomHex, remaining, removeBenchResources } from './dockerFixtures';
import { type BenchOptions, fmtMs, log, median, privateDockerHost, type Row, sleep } from './lib';

const run = promisify(execFile);
type Variant = 'reaper' | 'sequential' | 'docker-cli';
const SETTLE_MS = 8000;

export async function benchRemoval(opts: BenchOptions): Promise<Row[]> {
  const rounds = opts.quick ? 1 : 3;
  const fx = refreshFixture(opts);
  const host = privateDockerHost();
  const docker = benchDocker(host);
  const runId = randomHex(6);
  const times: Record<Variant, number[]> = { reaper: [], sequential: [], 'docker-cli': [] };
  const problems: string[] = [];
  const variants: Variant[] = ['reaper', 'sequential', 'docker-cli'];
  let n = 0;
  let cliRetries = 0;

  const build = async (): Promise<Deployed> => {
    // An orphan prefix (in no topology of the DB), unique to this run and build.
    const topologyId = `c${runId}${(n++ % 16).toString(16)}-4444-4444-8444-${randomHex(12)}`;
    return deploy(
      docker,
      {
        topologyId,
        lans: Array.from({ length: 12 }, (_, i) => ({ name: `lan${i}`, subnet: `198.19.${200 + i}.0/24`, internal: i > 0 })),
        basesPerLan: 2,
        // 24 bases and 36 services: 60 containers.
        servicesPerBase: (i) => (i % 2 ? 2 : 1),
      },
      runId,
    );
  };

  const once = async (v: Variant, d: Deployed): Promise<number> => {
    if (v === 'reaper') {
      const plan = planRemoval(await scan({ dbPath: fx.path, dockerHost: host }), [d.prefix]);
      if (plan.containers.length !== 60 || plan.networks.length !== 12) {
        throw new Error(`the plan has ${plan.containers.length} containers and ${plan.networks.length} networks`);
      }
      const t = performance.now();
      const report = await executeRemoval(plan, { dbPath: fx.path, dockerHost: host });
      const ms = performance.now() - t;
      if (report.errors.length || report.containers_removed.length !== 60 || report.networks_removed.length !== 12) {
        problems.push(
          `reaper: ${report.containers_removed.length} containers, ${report.networks_removed.length} networks, errors ${report.errors.join('; ')}`,
        );
      }
      return ms;
    }
    if (v === 'sequential') {
      const t = performance.now();
      // DECNET lists first, then works through what it found, one call at a time.
      await Promise.all([docker.listContainers({ all: true }), docker.listNetworks()]);
      for (const id of d.containers) await docker.getContainer(id).remove({ force: true, v: false });
      for (const id of d.networks) {
        const net = docker.getNetwork(id);
        const info = (await net.inspect()) as { Containers?: Record<string, unknown> };
        for (const c of Object.keys(info.Containers ?? {})) await net.disconnect({ Container: c, Force: true });
        await net.remove();
      }
      return performance.now() - t;
    }
    const env = { ...process.env, DOCKER_HOST: host };
    const t = performance.now();
    await run('docker', ['rm', '-f', ...d.containers], { env });
    // The daemon can still be releasing an endpoint when `docker rm -f` returns: try again, as
    // someone at the terminal would (the wait counts).
    let nets = d.networks;
    for (let attempt = 1; nets.length; attempt++) {
      try {
        await run('docker', ['network', 'rm', ...nets], { env });
        break;
      } catch (e) {
        if (attempt >= 50) throw e;
        cliRetries++;
        await sleep(100);
        const left = new Set((await docker.listNetworks({ filters: { label: [`${BENCH_LABEL}=${runId}`] } })).map((x) => x.Id));
        nets = nets.filter((id) => left.has(id));
      }
    }
    return performance.now() - t;
  };

  const left = await removeBenchResources(docker);
  if (left.containers || left.networks)
    log(`removed ${left.containers} containers, ${left.networks} networks left by an earlier bench run`);
  try {
    for (let r = 0; r < rounds; r++) {
      // Rotate the order every round.
      const order = variants.map((_, i) => variants[(i + r) % variants.length]);
      for (const v of order) {
        const t0 = Date.now();
        const d = await build();
        log(`removal round ${r + 1}/${rounds}, ${v}: built 60 containers + 12 networks in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        // Let the daemon finish settling the containers it just started before timing anything.
        await sleep(SETTLE_MS);
        const ms = await once(v, d);
        const rest = await remaining(docker, runId, d.prefix);
        if (rest.containers || rest.networks) {
          problems.push(`${v}: ${rest.containers} containers and ${rest.networks} networks left`);
          await removeBenchResources(docker, runId);
        }
        times[v].push(ms);
        log(`  ${v}: ${fmtMs(ms)}`);
      }
    }
  } finally {
    await removeBenchResources(docker, runId);
  }
  const ours = median(times.reaper);
  const seq = median(times.sequential);
  const cli = median(times['docker-cli']);
  const ok = problems.length === 0;
  if (!ok) log(`removal problems: ${problems.join(' | ')}`);
  return [
    {
      section: 'removal',
      what: `executeRemoval, 60 running containers + 12 networks (median of ${rounds}) vs one after another`,
      measured: fmtMs(ours),
      anchor: `one after another ${fmtMs(seq)}`,
      ratio: `${(seq / ours).toFixed(2)}x faster`,
      target: '>= 1.80x faster',
      pass: ok && seq / ours >= 1.8,
    },
    {
      section: 'removal',
      what: `executeRemoval vs \`docker rm -f <all ids>\` + \`docker network rm\`${cliRetries ? ` (network rm retried ${cliRetries}x)` : ''}`,
      measured: fmtMs(ours),
      anchor: `docker CLI ${fmtMs(cli)}`,
      ratio: `${(ours / cli).toFixed(2)}x the time`,
      target: '<= 1.00x',
      pass: ok && ours <= cli,
    },
    {
      section: 'removal',
      what: 'every variant removed everything, executeRemoval reported it',
      measured: ok ? 'yes' : problems.join('; ').slice(0, 80),
      anchor: '',
      ratio: '',
      target: 'yes',
      pass: ok,
    },
  ];
}
