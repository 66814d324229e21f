// `npm run sandbox`: a DECNET world to try the extension and the CLI on by hand, on the private
// test daemon only (scripts/private-dockerd.sh). It wipes that daemon, then deploys a live
// topology (its row committed only in the -wal, as DECNET leaves it), a torn-down one with
// leftovers, two orphans (one holding the subnet a LAN of the live topology wants, one with a
// foreign container attached) and writes the DECNET database beside it. Nothing else is touched.
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { assertPrivateDaemon, deployTopology, dockerAt, TEST_IMAGE, wipeDaemon } from '../test/support/docker';
import { makeDecnetDb } from '../test/support/makeDb';

const DEFAULT_HOST = 'unix:///tmp/decnet-reaper-test/docker.sock';
const DIR = process.env.DECNET_SANDBOX_DIR || '/tmp/decnet-sandbox';

const LIVE = '5a1d0000-1111-4222-8333-000000000001';
const TORN = '7022d000-1111-4222-8333-000000000002';
const ORPHAN = '0bad0001-1111-4222-8333-000000000003';
const BLOCKER = '0bad0002-1111-4222-8333-000000000004';

async function main(): Promise<void> {
  const host = process.env.DECNET_TEST_DOCKER_HOST || DEFAULT_HOST;
  if (!host.startsWith('unix:///tmp/')) throw new Error(`refusing ${host}: the sandbox runs on a private test daemon only`);
  const docker = dockerAt(host);
  try {
    await assertPrivateDaemon(docker, host);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`${why}\nStart it first, as root: bash scripts/private-dockerd.sh start`, { cause: e });
  }
  await wipeDaemon(docker);

  await deployTopology(docker, LIVE, [{ name: 'dmz', subnet: '198.18.40.0/24' }], [{ name: 'web-01', lan: 'dmz', services: ['http'] }]);
  await deployTopology(docker, TORN, [{ name: 'lab', subnet: '198.18.41.0/24' }], [{ name: 'old-01', lan: 'lab' }]);
  const orphan = await deployTopology(
    docker,
    ORPHAN,
    [{ name: 'corp', subnet: '198.18.42.0/24' }],
    [{ name: 'decky-01', lan: 'corp', services: ['ssh', 'smb'] }],
  );
  // The orphan holding 198.18.43.0/24, which the live topology's second LAN wants.
  await deployTopology(docker, BLOCKER, [{ name: 'dmz', subnet: '198.18.43.0/24' }], [{ name: 'decky-02', lan: 'dmz' }]);
  // A container DECNET did not create, attached to the first orphan's network: a removal only disconnects it.
  const [corp] = orphan.networks;
  if (!corp) throw new Error('the orphan topology has no network');
  const foreign = await docker.createContainer({ name: 'sandbox-sniffer', Image: TEST_IMAGE, HostConfig: { NetworkMode: corp.name } });
  await foreign.start();

  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const db = makeDecnetDb(DIR, {
    fullSchema: true,
    checkpointed: [{ id: TORN, name: 'old-campaign', status: 'torn_down' }],
    walOnly: [{ id: LIVE, name: 'maze-sandbox', status: 'active' }],
    lans: [
      { id: 'lan-dmz', topologyId: LIVE, name: 'dmz', subnet: '198.18.40.0/24', isDmz: true, dockerNetworkId: null },
      { id: 'lan-int', topologyId: LIVE, name: 'internal', subnet: '198.18.43.0/24', isDmz: false, dockerNetworkId: null },
      { id: 'lan-lab', topologyId: TORN, name: 'lab', subnet: '198.18.41.0/24', isDmz: false, dockerNetworkId: null },
    ],
  });

  const cli = path.join(__dirname, '..', 'dist', 'cli.js');
  process.stdout.write(
    [
      `The sandbox is ready on ${host}:`,
      `  live maze-sandbox (${LIVE.slice(0, 8)}, its row only in the -wal), torn down old-campaign (${TORN.slice(0, 8)}),`,
      `  orphans ${ORPHAN.slice(0, 8)} (a foreign container attached) and ${BLOCKER.slice(0, 8)} (blocks maze-sandbox, LAN internal).`,
      `Database: ${db}`,
      '',
      'Try:',
      `  node ${cli} scan --db ${db} --docker-host ${host}`,
      `  node ${cli} reap --all-orphans --dry-run --db ${db} --docker-host ${host}`,
      `  In VS Code: Run and Debug > "Run Extension (private test daemon)" reads this database and daemon.`,
      'Run `npm run sandbox` again to start over.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
