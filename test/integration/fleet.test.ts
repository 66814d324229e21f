// A DECNET swarm: three private daemons reached three ways (the master over its unix socket, worker
// w1 over TCP with TLS through a Docker context, worker w2 over SSH through a private sshd), a
// database of DECNET's whole schema with swarm_hosts rows and agent topologies, a worker without
// an endpoint and one whose daemon is not running. The bundled CLI, as users run it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runRemovalSession, assumeYes } from '../../src/core/removal/session';
import { parseHostEndpoint, readForMisplaced } from '../../src/core/fleet';
import { scan } from '../../src/core/scan';
import { buildCli, runCli } from '../support/cli';
import {
  assertPrivateDaemon,
  containerNames,
  deployTopology,
  dockerAt,
  networkNames,
  newTopologyId,
  privateDaemon,
  wipeDaemon,
} from '../support/docker';
import { execInWal, makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

/** A worker's private daemon, as scripts/test-all.sh starts it; never skipped. */
function workerEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the swarm's worker daemons and sshd`);
  return v;
}

describe('a DECNET swarm: fleet, --on, misplaced groups', () => {
  const master = privateDaemon();
  const w1Host = workerEnv('DECNET_TEST_FLEET_W1_HOST');
  const w1Tls = workerEnv('DECNET_TEST_FLEET_W1_TLS_HOST');
  const w1Certs = workerEnv('DECNET_TEST_FLEET_W1_CERT_PATH');
  const w2Host = workerEnv('DECNET_TEST_FLEET_W2_HOST');
  const sshConfig = workerEnv('DECNET_TEST_FLEET_SSH_CONFIG');
  const w1 = dockerAt(w1Host);
  const w2 = dockerAt(w2Host);
  const dir = scratchDir('decnet-fleet-it-');
  let env: NodeJS.ProcessEnv;
  const ids = { master: '', w1: '', w2: '' };

  before(async () => {
    buildCli();
    await assertPrivateDaemon(w1, w1Host);
    await assertPrivateDaemon(w2, w2Host);
    // w1 through a Docker context carrying its TLS material.
    const config = path.join(dir, 'docker-config');
    const ctx = createHash('sha256').update('fleet-w1').digest('hex');
    mkdirSync(path.join(config, 'contexts', 'meta', ctx), { recursive: true });
    writeFileSync(
      path.join(config, 'contexts', 'meta', ctx, 'meta.json'),
      JSON.stringify({ Name: 'fleet-w1', Metadata: {}, Endpoints: { docker: { Host: w1Tls, SkipTLSVerify: false } } }),
    );
    const tls = path.join(config, 'contexts', 'tls', ctx, 'docker');
    mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(tls, f), readFileSync(path.join(w1Certs, f)));
    // w2 through `ssh` reading the private sshd's client config.
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${JSON.stringify(sshConfig)} "$@"\n`);
    chmodSync(path.join(bin, 'ssh'), 0o755);
    env = { HOME: dir, DOCKER_CONFIG: config, DOCKER_HOST: master.host, PATH: `${bin}:${process.env.PATH}` };
    ids.master = ((await master.docker.info()) as { ID: string }).ID;
    ids.w1 = ((await w1.info()) as { ID: string }).ID;
    ids.w2 = ((await w2.info()) as { ID: string }).ID;
  });
  beforeEach(async () => {
    await wipeDaemon(w1);
    await wipeDaemon(w2);
  });
  after(async () => {
    await wipeDaemon(w1);
    await wipeDaemon(w2);
  });

  const HOSTS = ['--host', 'w1=context:fleet-w1', '--host', 'w2=ssh://decnet-test-ssh', '--host', 'w4=tcp://127.0.0.1:1'];

  /**
   * The swarm: agent topology A pinned to w1 and deployed there (live); agent topology B pinned
   * to w2 but found on the master (misplaced); unihost topology C found on w1 (misplaced); unihost
   * D on the master (live); orphan O on w2. Workers w3 (no endpoint) and w4 (its daemon is not
   * running) in swarm_hosts too. The swarm rows are committed in the -wal only.
   */
  async function swarm(name: string) {
    const [a, b, c, d, o] = [newTopologyId(), newTopologyId(), newTopologyId(), newTopologyId(), newTopologyId()];
    const db = makeDecnetDb(path.join(dir, name), {
      fullSchema: true,
      checkpointed: [
        topologyRow(a, 'maze-a', 'active', 'agent'),
        topologyRow(b, 'maze-b', 'active', 'agent'),
        topologyRow(c, 'maze-c', 'active', 'unihost'),
        topologyRow(d, 'maze-d', 'active', 'unihost'),
      ],
      lans: [
        { id: `${b}-l`, topologyId: b, name: 'dmz', subnet: '198.18.41.0/24', isDmz: true, dockerNetworkId: null },
        { id: `${d}-l`, topologyId: d, name: 'dmz', subnet: '198.18.43.0/24', isDmz: true, dockerNetworkId: null },
      ],
    });
    const host = (uuid: string, hname: string, address: string, status: string) =>
      `INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, last_heartbeat, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('${uuid}', '${hname}', '${address}', 8765, '${status}', '2025-06-01 12:00:00', 'fp', '/etc/decnet/x', '2025-01-01 00:00:00', 0)`;
    execInWal(db, [
      host('11111111-aaaa-4aaa-8aaa-000000000001', 'w1', '127.0.0.1', 'active'),
      host('11111111-aaaa-4aaa-8aaa-000000000002', 'w2', '127.0.0.1', 'active'),
      host('11111111-aaaa-4aaa-8aaa-000000000003', 'w3', '10.9.8.7', 'unreachable'),
      host('11111111-aaaa-4aaa-8aaa-000000000004', 'w4', '127.0.0.1', 'active'),
      `UPDATE topologies SET target_host_uuid = '11111111-aaaa-4aaa-8aaa-000000000001' WHERE id = '${a}'`,
      `UPDATE topologies SET target_host_uuid = '11111111-aaaa-4aaa-8aaa-000000000002' WHERE id = '${b}'`,
    ]);
    const dep = (docker: typeof w1, id: string, subnet: string, decky: string) =>
      deployTopology(docker, id, [{ name: 'dmz', subnet }], [{ name: decky, lan: 'dmz', services: ['ssh'] }]);
    const A = await dep(w1, a, '198.18.40.0/24', 'decky-a');
    const B = await dep(master.docker, b, '198.18.41.0/24', 'decky-b');
    const C = await dep(w1, c, '198.18.42.0/24', 'decky-c');
    const D = await dep(master.docker, d, '198.18.43.0/24', 'decky-d');
    const O = await dep(w2, o, '198.18.44.0/24', 'decky-o');
    return { db, A, B, C, D, O };
  }

  function cli(args: string[]) {
    return runCli(args, { env, cwd: dir, timeoutMs: 120_000 });
  }

  async function everything() {
    return {
      master: [await containerNames(master.docker), await networkNames(master.docker)],
      w1: [await containerNames(w1), await networkNames(w1)],
      w2: [await containerNames(w2), await networkNames(w2)],
    };
  }

  it('fleet --json: every host, live, misplaced and orphan per host, a worker without endpoint and one that is down', async () => {
    const s = await swarm('fleet');
    assert.notEqual(ids.w1, ids.master, 'each private daemon has its own engine id');
    assert.notEqual(ids.w2, ids.master);
    const r = cli(['fleet', '--db', s.db, ...HOSTS, '--timeout', '20', '--json']);
    assert.equal(r.code, 1, r.stderr); // w3 and w4 did not answer
    const out = JSON.parse(r.stdout) as { hosts: Record<string, unknown>[] };
    assert.deepEqual(
      out.hosts.map((h) => h.name),
      ['master', 'w1', 'w2', 'w3', 'w4'],
    );
    const byName = Object.fromEntries(out.hosts.map((h) => [h.name, h])) as Record<string, Record<string, unknown>>;
    const m = byName.master;
    assert.equal(m.uuid, null);
    assert.equal(m.endpoint, master.host);
    assert.equal((m.daemon as { id: string }).id, ids.master);
    assert.equal(m.error, null);
    assert.deepEqual(m.live_prefixes, [s.D.prefix]);
    assert.deepEqual(m.misplaced_prefixes, [s.B.prefix]);
    assert.deepEqual(m.orphan_prefixes, []);
    const mb = (m.groups as { prefix: string; state: string; belongs_on?: string }[]).find((g) => g.prefix === s.B.prefix);
    assert.equal(mb?.state, 'misplaced');
    assert.equal(mb?.belongs_on, 'w2');

    const h1 = byName.w1;
    assert.equal(h1.uuid, '11111111-aaaa-4aaa-8aaa-000000000001');
    assert.equal(h1.endpoint, `${w1Tls} (TLS) [context fleet-w1]`);
    assert.equal((h1.daemon as { id: string }).id, ids.w1);
    assert.deepEqual(h1.live_prefixes, [s.A.prefix]);
    assert.deepEqual(h1.misplaced_prefixes, [s.C.prefix]);
    assert.deepEqual(h1.orphan_prefixes, []);
    assert.equal(h1.status, 'active');
    assert.equal(h1.last_heartbeat, '2025-06-01 12:00:00');

    const h2 = byName.w2;
    assert.equal(h2.endpoint, 'ssh://decnet-test-ssh');
    assert.equal((h2.daemon as { id: string }).id, ids.w2);
    assert.deepEqual(h2.orphan_prefixes, [s.O.prefix]);
    assert.deepEqual(h2.live_prefixes, []);
    assert.deepEqual(h2.misplaced_prefixes, []);

    const h3 = byName.w3;
    assert.equal(h3.endpoint, null);
    assert.equal(h3.daemon, null);
    assert.equal(h3.error, 'no Docker endpoint configured');
    assert.equal(h3.offered_endpoint, 'ssh://10.9.8.7');
    assert.deepEqual(h3.groups, []);

    const h4 = byName.w4;
    assert.equal(h4.daemon, null);
    assert.match(String(h4.error), /connection refused/);
    assert.match(r.stderr, /host w3: no Docker endpoint configured/);

    // Every host answering: exit 0. Text output names each host with its daemon.
    const ok = cli(['fleet', '--db', s.db, ...HOSTS.slice(0, 4)]);
    assert.equal(ok.code, 1, 'w3 and w4 are still in swarm_hosts without an answer');
    assert.match(
      ok.stdout,
      new RegExp(
        `^w1  ${w1Tls.replace(/[.]/g, '\\.')} \\(TLS\\) \\[context fleet-w1\\] · DECNET: active, last heartbeat 2025-06-01 12:00:00$`,
        'm',
      ),
    );
    assert.match(ok.stdout, new RegExp(`${s.C.prefix}  misplaced \\(belongs on master\\) maze-c`));
    assert.match(ok.stdout, /w3 {2}no Docker endpoint configured[\s\S]*--host w3=ssh:\/\/10\.9\.8\.7/);
    execInWal(s.db, ["DELETE FROM swarm_hosts WHERE name IN ('w3', 'w4')"]);
    const all = cli(['fleet', '--db', s.db, ...HOSTS.slice(0, 4), '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      (JSON.parse(all.stdout) as { hosts: { error: unknown }[] }).hosts.map((h) => h.error),
      [null, null, null],
    );

    // An unreadable database: exit 2, and no orphan anywhere.
    const bad = cli(['fleet', '--db', path.join(dir, 'missing.db'), ...HOSTS, '--json']);
    assert.equal(bad.code, 2);
    const badOut = JSON.parse(bad.stdout) as { hosts: { name: string; orphan_prefixes: string[]; groups: { state: string }[] }[] };
    assert.deepEqual(
      badOut.hosts.map((h) => h.name),
      ['master'],
    );
    assert.deepEqual(badOut.hosts[0].orphan_prefixes, []);
    assert.ok(badOut.hosts[0].groups.every((g) => g.state === 'unknown'));
  });

  it('removes on one host only: an orphan on w2 over SSH, misplaced groups on the master and on w1 with the prefix typed', async () => {
    const s = await swarm('reap');
    const before = await everything();

    // Orphans on w2 (SSH); the master and w1 are left as they were.
    const orphan = cli(['reap', '--all-orphans', '--on', 'w2', '--db', s.db, ...HOSTS, '--yes', '--json']);
    assert.equal(orphan.code, 0, orphan.stderr);
    const report = JSON.parse(orphan.stdout) as Record<string, unknown>;
    assert.equal(report.host, 'w2');
    assert.equal(report.docker_endpoint, 'ssh://decnet-test-ssh');
    assert.equal((report.docker_daemon as { id: string }).id, ids.w2);
    assert.deepEqual(report.prefixes_reaped, [s.O.prefix]);
    let now = await everything();
    assert.deepEqual(now.w2, [[], []]);
    assert.deepEqual(now.master, before.master);
    assert.deepEqual(now.w1, before.w1);

    // A live prefix is refused as misplaced and as orphan; without --yes and a terminal, the
    // typed confirmation cannot be given.
    const live = cli(['reap', '--misplaced', s.A.prefix, '--on', 'w1', '--db', s.db, ...HOSTS, '--yes']);
    assert.equal(live.code, 2, live.stderr);
    assert.match(live.stderr, /is live: topology "maze-a" belongs on host w1/);
    const untyped = cli(['reap', '--misplaced', s.C.prefix, '--on', 'w1', '--db', s.db, ...HOSTS]);
    assert.equal(untyped.code, 2);
    assert.match(untyped.stderr, /no terminal to confirm on/);
    assert.deepEqual(await everything(), now);

    // Misplaced on the master (default host): only B goes, D stays.
    const onMaster = cli(['reap', '--misplaced', s.B.prefix, '--db', s.db, ...HOSTS, '--yes', '--json']);
    assert.equal(onMaster.code, 0, onMaster.stderr);
    const rm = JSON.parse(onMaster.stdout) as Record<string, unknown>;
    assert.equal(rm.mode, 'misplaced');
    assert.equal(rm.host, 'master');
    assert.equal((rm.docker_daemon as { id: string }).id, ids.master);
    assert.deepEqual(await containerNames(master.docker), [`decnet_t_${s.D.prefix}_decky-d`, 'decky-d-ssh'].sort());
    assert.deepEqual(await networkNames(master.docker), [`decnet_t_${s.D.prefix}_dmz`]);
    now = await everything();
    assert.deepEqual(now.w1, before.w1);

    // Misplaced on w1 (TLS): C goes, A (live there) stays.
    const onW1 = cli(['reap', '--misplaced', s.C.prefix, '--on', 'w1', '--db', s.db, ...HOSTS, '--yes']);
    assert.equal(onW1.code, 0, onW1.stderr);
    assert.match(onW1.stdout, /Host: {13}w1/);
    assert.deepEqual(await networkNames(w1), [`decnet_t_${s.A.prefix}_dmz`]);
    assert.deepEqual(await containerNames(w1), [`decnet_t_${s.A.prefix}_decky-a`, 'decky-a-ssh'].sort());
    assert.deepEqual((await everything()).master, now.master);

    // A host that is not in swarm_hosts, or without an endpoint: refused, nothing read.
    const unknown = cli(['reap', '--all-orphans', '--on', 'w9', '--db', s.db, ...HOSTS, '--yes']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no swarm host is named "w9"/);
    const noEndpoint = cli(['overlaps', '--on', 'w3', '--db', s.db, ...HOSTS]);
    assert.equal(noEndpoint.code, 2);
    assert.match(
      noEndpoint.stderr,
      /host w3 has no Docker endpoint configured: give it with --host w3=ENDPOINT \(for example --host w3=ssh:\/\/10\.9\.8\.7\)/,
    );
  });

  it('two hosts reaching one daemon: a topology at home there is never misplaced, nor removed as such', async () => {
    const s = await swarm('shared');
    const before = await everything();
    // w2 (where B belongs) given the master's own socket, as when a worker is enrolled on the master's machine.
    const shared = ['--host', 'w1=context:fleet-w1', '--host', `w2=${master.host}`];
    const fleet = cli(['fleet', '--db', s.db, ...shared, '--json']);
    const out = JSON.parse(fleet.stdout) as {
      hosts: { name: string; same_daemon_as?: string[]; live_prefixes: string[]; misplaced_prefixes: string[] }[];
    };
    const m = out.hosts.find((h) => h.name === 'master')!;
    assert.deepEqual(m.same_daemon_as, ['w2']);
    assert.ok(m.live_prefixes.includes(s.B.prefix), `B is at home on the master's daemon: ${fleet.stdout}`);
    assert.deepEqual(m.misplaced_prefixes, []);
    assert.match(cli(['fleet', '--db', s.db, ...shared]).stdout, /same Docker daemon as w2/);
    const reap = cli(['reap', '--misplaced', s.B.prefix, '--db', s.db, ...shared, '--yes']);
    assert.equal(reap.code, 2, reap.stderr);
    assert.match(
      reap.stderr,
      new RegExp(
        `${s.B.prefix} is live: topology "maze-b" belongs on host w2, whose Docker daemon is the one the master's endpoint reaches`,
      ),
    );
    assert.deepEqual(await everything(), before);
  });

  it('a misplaced removal is refused while the host the topology belongs on was not checked', async () => {
    const s = await swarm('unchecked');
    const before = await everything();
    // B belongs on w2: w2 has no endpoint, or its daemon does not answer.
    const noEndpoint = cli(['reap', '--misplaced', s.B.prefix, '--db', s.db, '--host', 'w1=context:fleet-w1', '--yes']);
    assert.equal(noEndpoint.code, 2, noEndpoint.stderr);
    assert.match(
      noEndpoint.stderr,
      new RegExp(
        `refused: Nothing was removed: topology "maze-b" \\(${s.B.prefix}\\) belongs on host w2, which could not be checked \\(no Docker endpoint configured\\)\\. ` +
          'A topology is removed as misplaced only when the host it belongs on answered and is another Docker daemon\\. ' +
          "Give w2's endpoint with --host w2=ENDPOINT \\(for example --host w2=ssh://127\\.0\\.0\\.1\\)\\.",
      ),
    );
    const down = cli([
      'reap',
      '--misplaced',
      s.B.prefix,
      '--db',
      s.db,
      '--host',
      'w1=context:fleet-w1',
      '--host',
      'w2=tcp://127.0.0.1:1',
      '--yes',
    ]);
    assert.equal(down.code, 2, down.stderr);
    assert.match(down.stderr, /belongs on host w2, which could not be checked \(Cannot list Docker resources at tcp:\/\/127\.0\.0\.1:1/);
    // C (unihost) belongs on the master, which does not answer: removing it from w1 is refused.
    const masterDown = runCli(['reap', '--misplaced', s.C.prefix, '--on', 'w1', '--db', s.db, ...HOSTS, '--yes'], {
      env: { ...env, DOCKER_HOST: 'tcp://127.0.0.1:1' },
      cwd: dir,
      timeoutMs: 120_000,
    });
    assert.equal(masterDown.code, 2, masterDown.stderr);
    assert.match(
      masterDown.stderr,
      /belongs on the master, which could not be checked \(.*\)\. .*Make the master's Docker daemon reachable/,
    );
    assert.deepEqual(await everything(), before, 'nothing removed anywhere');
    // With every home answering, the same removal goes ahead; nothing of B runs on w2, and the
    // plan says so.
    const dry = cli(['reap', '--misplaced', s.B.prefix, '--db', s.db, ...HOSTS, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Warning: nothing of maze-b runs on w2: after this it runs nowhere\./);
    const ok = cli(['reap', '--misplaced', s.B.prefix, '--db', s.db, ...HOSTS, '--yes']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('a misplaced removal is checked against every host again just before removing: a topology moved home meanwhile stays', async () => {
    const s = await swarm('moved');
    const before = await everything();
    const db = { kind: 'sqlite' as const, path: s.db, origin: 'setting' as const };
    // w5 is enrolled while the removal is confirmed, on the master's own machine (its endpoint is
    // the master's daemon), and B is moved to it: B is then at home where it was found.
    const mapping = { w1: 'context:fleet-w1', w2: w2Host, w5: master.host };
    const read = () =>
      readForMisplaced({
        db,
        master: parseHostEndpoint(master.host),
        mapping,
        env,
        hostName: 'master',
        prefixes: [s.B.prefix],
        fix: () => '',
      });
    const first = await read();
    assert.deepEqual(first.result.misplacedPrefixes, [s.B.prefix]);
    const outcome = await runRemovalSession(
      { kind: 'misplaced', prefixes: [s.B.prefix] },
      {
        db,
        dockerHost: parseHostEndpoint(master.host),
        host: { name: 'master', uuid: null },
        firstRead: first.result,
        scan: async () => (await read()).result,
        asker: {
          ...assumeYes,
          confirm: () => {
            execInWal(s.db, [
              "INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, last_heartbeat, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('11111111-aaaa-4aaa-8aaa-000000000005', 'w5', '127.0.0.1', 8765, 'active', '2025-06-01 12:00:00', 'fp', '/etc/decnet/x', '2025-01-01 00:00:00', 0)",
              `UPDATE topologies SET target_host_uuid = '11111111-aaaa-4aaa-8aaa-000000000005' WHERE id = '${s.B.id}'`,
            ]);
            return Promise.resolve(true);
          },
        },
      },
    );
    assert.equal(outcome.kind, 'removed');
    if (outcome.kind !== 'removed') return;
    assert.deepEqual(outcome.report.containers_removed, []);
    assert.deepEqual(outcome.report.networks_removed, []);
    assert.deepEqual(outcome.report.prefixes_reaped, []);
    assert.ok(
      outcome.report.skipped.length >= 2 && outcome.report.skipped.every((x) => /now belongs on this host/.test(x.reason)),
      JSON.stringify(outcome.report.skipped),
    );
    assert.deepEqual(await everything(), before, 'nothing removed anywhere');
  });

  it('refuses a removal when the host now reaches another daemon than the one scanned', async () => {
    const s = await swarm('daemon');
    const host = { name: 'w2', uuid: '11111111-aaaa-4aaa-8aaa-000000000002' };
    const before = await everything();
    const outcome = await runRemovalSession(
      { kind: 'allOrphans' },
      {
        db: { kind: 'sqlite', path: s.db, origin: 'setting' },
        dockerHost: parseHostEndpoint(w2Host),
        host,
        asker: assumeYes,
        // What the tree showed for w2 came from another daemon (the master's id).
        expectedDaemonId: ids.master,
      },
    );
    assert.equal(outcome.kind, 'refused');
    assert.match(outcome.kind === 'refused' ? outcome.message : '', /host w2 \(unix:\/\/.*\) now reaches another Docker daemon/);
    assert.deepEqual(await everything(), before);

    // The per-host scan: the overlaps of w1 compare only the LANs that belong there.
    const r = await scan({
      db: { kind: 'sqlite', path: s.db, origin: 'setting' },
      dockerHost: w1Host,
      host: { name: 'w1', uuid: '11111111-aaaa-4aaa-8aaa-000000000001' },
    });
    assert.deepEqual(r.livePrefixes, [s.A.prefix]);
    assert.deepEqual(r.misplacedPrefixes, [s.C.prefix]);
    const ov = cli(['overlaps', '198.18.41.0/24', '--on', 'w1', '--db', s.db, ...HOSTS, '--json']);
    assert.equal(ov.code, 0, ov.stderr);
    const ovOut = JSON.parse(ov.stdout) as { docker_endpoint: string; conflicts: unknown[]; lans: unknown[] };
    assert.equal(ovOut.docker_endpoint, `${w1Tls} (TLS) [context fleet-w1]`);
    // B's LAN (198.18.41.0/24) belongs on w2: not wanted on w1.
    assert.deepEqual(ovOut.lans, []);
    const ovW2 = cli(['overlaps', '198.18.41.0/24', '--on', 'w2', '--db', s.db, ...HOSTS, '--json']);
    assert.equal(ovW2.code, 0, ovW2.stderr);
    const lanNames = (o: string) => (JSON.parse(o) as { lans: { topology_name: string }[] }).lans.map((l) => l.topology_name);
    assert.deepEqual(lanNames(ovW2.stdout), ['maze-b']);
    const ovMaster = cli(['overlaps', '198.18.43.0/24', '--db', s.db, ...HOSTS, '--json']);
    assert.equal(ovMaster.code, 0, ovMaster.stderr);
    assert.deepEqual(lanNames(ovMaster.stdout), ['maze-d']);
  });
});
