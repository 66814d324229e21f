// contrib/systemd: the nightly plan's service and timer pass `systemd-analyze verify` (never
// skipped: scripts/install-e2e-deps.sh installs systemd's tools), are hardened as documented, and
// the service's ExecStart, run as systemd would run it (its `$$` and `%%` unescaped) with the
// built CLI and a folder of this test's, maps what `plan --detailed-exit-code` found to its exit
// status: 0 nothing to plan, 3 a plan written to plan-<date>.json, 2 refused.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { buildCli, CLI, ROOT } from '../support/cli';
import { deployTopology, newTopologyId, privateDaemon } from '../support/docker';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

const UNITS = path.join(ROOT, 'contrib', 'systemd');
const SERVICE = 'decnet-reaper-plan.service';
const TIMER = 'decnet-reaper-plan.timer';

/** `Key=value` lines of a unit file (the last one wins, as systemd reads them), comments left out. */
function directives(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1] ?? '', [...(out.get(m[1] ?? '') ?? []), m[2] ?? '']);
  }
  return out;
}

describe('contrib/systemd: the nightly plan', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-systemd-it-');

  before(() => {
    buildCli();
  });

  it('passes systemd-analyze verify with nothing to say', () => {
    // The units as an operator installs them, side by side (the service is the timer's unit).
    const units = path.join(dir, 'units');
    mkdirSync(units);
    for (const f of [SERVICE, TIMER]) cpSync(path.join(UNITS, f), path.join(units, f));
    const r = spawnSync('systemd-analyze', ['verify', path.join(units, SERVICE), path.join(units, TIMER)], {
      encoding: 'utf8',
      env: { ...process.env, SYSTEMD_LOG_COLOR: '0' },
    });
    assert.ifError(r.error && new Error(`systemd-analyze is needed (scripts/install-e2e-deps.sh installs systemd): ${r.error.message}`));
    assert.equal(r.status, 0, r.stderr);
    // Unknown keys and bad values are only warnings: none may be printed.
    assert.equal(r.stderr.trim(), '', 'systemd-analyze verify printed warnings');
    // And it does read the files: a misspelt key is reported.
    writeFileSync(path.join(units, SERVICE), readFileSync(path.join(units, SERVICE), 'utf8').replace('\nNice=', '\nNicee='));
    const bad = spawnSync('systemd-analyze', ['verify', path.join(units, SERVICE), path.join(units, TIMER)], { encoding: 'utf8' });
    assert.match(bad.stderr, /Unknown key 'Nicee'/);
  });

  it('is hardened: read-only but for the plan and audit folders, no new privileges, the address families the endpoints need', () => {
    const d = directives(path.join(UNITS, SERVICE));
    const one = (k: string) => d.get(k)?.at(-1);
    assert.equal(one('Type'), 'oneshot');
    assert.equal(one('ProtectSystem'), 'strict');
    assert.equal(one('ProtectHome'), 'read-only');
    assert.equal(one('NoNewPrivileges'), 'yes');
    assert.equal(one('PrivateTmp'), 'yes');
    assert.deepEqual(one('ReadWritePaths')?.split(/\s+/).sort(), ['/var/lib/decnet-reaper', '/var/log/decnet-reaper']);
    assert.equal(one('StateDirectory'), 'decnet-reaper');
    assert.equal(one('LogsDirectory'), 'decnet-reaper');
    assert.deepEqual(one('RestrictAddressFamilies')?.split(/\s+/), ['AF_UNIX', 'AF_INET', 'AF_INET6']);
    assert.equal(one('CapabilityBoundingSet'), 'CAP_DAC_READ_SEARCH');
    // V8 writes machine code: MemoryDenyWriteExecute= would kill it.
    assert.equal(d.has('MemoryDenyWriteExecute'), false);
    // "Orphans found" is the operator's call: a failure unless SuccessExitStatus=3 is uncommented.
    assert.equal(d.has('SuccessExitStatus'), false);
    assert.match(readFileSync(path.join(UNITS, SERVICE), 'utf8'), /^#SuccessExitStatus=3$/m);
    const t = directives(path.join(UNITS, TIMER));
    assert.equal(t.get('Persistent')?.at(-1), 'true');
    assert.deepEqual(t.get('WantedBy'), ['timers.target']);
  });

  it('a run makes only the system calls and opens only the socket families the unit allows', async () => {
    const d = directives(path.join(UNITS, SERVICE));
    // Every group systemd knows, expanded: `systemd-analyze syscall-filter` lists them all.
    const listing = spawnSync('systemd-analyze', ['syscall-filter'], { encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stderr);
    const groups = new Map<string, string[]>();
    let group = '';
    for (const line of listing.stdout.split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      if (!line.startsWith(' ') && t.startsWith('@')) groups.set((group = t), []);
      else if (group) groups.get(group)?.push(t);
    }
    const expand = (names: string[], out = new Set<string>()): Set<string> => {
      for (const n of names) {
        if (n.startsWith('@')) expand(groups.get(n) ?? [], out);
        else out.add(n);
      }
      return out;
    };
    const allowed = expand([...(d.get('SystemCallFilter')?.at(-1)?.split(/\s+/) ?? []), '@default']);
    assert.ok(allowed.has('read') && allowed.has('pkey_alloc'), 'the filter was not expanded');
    const families = new Set(d.get('RestrictAddressFamilies')?.at(-1)?.split(/\s+/));

    const db = makeDecnetDb(path.join(dir, 'db-strace'), { checkpointed: [topologyRow(newTopologyId(), 'maze', 'active')] });
    await deployTopology(docker, newTopologyId(), [{ name: 'dmz', subnet: '198.18.74.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    const trace = path.join(dir, 'strace.txt');
    const args = ['plan', '--all-orphans', '--detailed-exit-code', '--out', path.join(dir, 'traced.json'), '--db', db];
    const r = spawnSync('strace', ['-f', '-qq', '-o', trace, process.execPath, CLI, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir, DOCKER_HOST: host, DECNET_REAPER_INI: path.join(dir, 'none.ini') },
    });
    assert.ifError(r.error && new Error(`strace is needed (scripts/install-e2e-deps.sh installs it): ${r.error.message}`));
    assert.equal(r.status, 3, r.stderr);
    const calls = new Set<string>();
    const opened = new Set<string>();
    for (const line of readFileSync(trace, 'utf8').split('\n')) {
      const m = /^\d+ +([a-z0-9_]+)\((.*)$/.exec(line);
      if (!m) continue;
      calls.add(m[1] ?? '');
      const family = m[1] === 'socket' ? /^(AF_[A-Z0-9]+)/.exec(m[2] ?? '')?.[1] : undefined;
      if (family) opened.add(family);
    }
    assert.ok(calls.has('connect') && opened.has('AF_UNIX'), 'the trace holds no connection to Docker');
    assert.deepEqual(
      [...calls].filter((c) => !allowed.has(c)),
      [],
      'system calls SystemCallFilter= refuses',
    );
    assert.deepEqual(
      [...opened].filter((f) => !families.has(f)),
      [],
      'socket families RestrictAddressFamilies= refuses',
    );
  });

  it('runs plan --detailed-exit-code as systemd would: 0 nothing to plan, 3 a plan in plan-<date>.json, 2 refused', async () => {
    const exec = directives(path.join(UNITS, SERVICE)).get('ExecStart');
    assert.equal(exec?.length, 1);
    // systemd's escapes: `$$` is `$`, `%%` is `%`; no other specifier or variable is used.
    const line = exec?.[0] ?? '';
    assert.doesNotMatch(line.replace(/%%/g, ''), /%[a-zA-Z]/, 'a systemd specifier in ExecStart');
    assert.doesNotMatch(line.replace(/\$\$/g, ''), /\$/, 'a systemd variable in ExecStart');
    const m = /^\/bin\/sh -c '([^']*)'$/.exec(line.replace(/%%/g, '%').replace(/\$\$/g, '$'));
    assert.ok(m, `ExecStart is not /bin/sh -c '…': ${line}`);
    const plans = path.join(dir, 'var-lib');
    mkdirSync(plans);
    const wrapper = path.join(dir, 'decnet-reaper');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const script = (m[1] ?? '').replace('/usr/local/bin/decnet-reaper', wrapper).replace('/var/lib/decnet-reaper/', `${plans}/`);
    assert.notEqual(script, m[1], 'ExecStart runs /usr/local/bin/decnet-reaper and writes to /var/lib/decnet-reaper/');

    const liveId = newTopologyId();
    const db = makeDecnetDb(path.join(dir, 'db'), { checkpointed: [topologyRow(liveId, 'maze-live', 'active')] });
    await deployTopology(docker, liveId, [{ name: 'dmz', subnet: '198.18.71.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    const env = { PATH: process.env.PATH, HOME: dir, DOCKER_HOST: host, DECNET_DB_PATH: db, DECNET_REAPER_INI: path.join(dir, 'none.ini') };
    const service = (extra: NodeJS.ProcessEnv = {}) =>
      spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { ...env, ...extra } });

    const quiet = service();
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(JSON.parse(quiet.stdout).nothing, 'No orphan groups on this daemon: nothing to plan.');
    assert.deepEqual(readdirSync(plans), [], 'a plan was written with nothing to plan');

    const orphan = await deployTopology(
      docker,
      newTopologyId(),
      [{ name: 'dmz', subnet: '198.18.72.0/24' }],
      [{ name: 'decky-01', lan: 'dmz' }],
    );
    const today = () => execFileSync('date', ['+%F'], { encoding: 'utf8' }).trim();
    const before = today();
    const found = service();
    const after = today();
    assert.equal(found.status, 3, found.stderr);
    const out = JSON.parse(found.stdout);
    assert.deepEqual(out.plan.prefixes, [orphan.prefix]);
    const files = readdirSync(plans);
    assert.equal(files.length, 1);
    const [file = ''] = files;
    assert.ok([`plan-${before}.json`, `plan-${after}.json`].includes(file), file);
    assert.equal(out.plan_file, path.join(plans, file));
    assert.deepEqual(JSON.parse(readFileSync(out.plan_file, 'utf8')).plan_sha256, out.plan_sha256);

    // The database cannot be read: refused, no plan.
    rmSync(out.plan_file);
    const refused = service({ DECNET_DB_PATH: path.join(dir, 'missing.db') });
    assert.equal(refused.status, 2, refused.stderr);
    assert.ok(JSON.parse(refused.stdout).error, refused.stdout);
    assert.deepEqual(readdirSync(plans), []);
  });

  it('plan without --detailed-exit-code still refuses "nothing to plan" (exit 2) and exits 0 on a written plan', async () => {
    const db = makeDecnetDb(path.join(dir, 'db2'), { checkpointed: [] });
    const env = { PATH: process.env.PATH, HOME: dir, DOCKER_HOST: host, DECNET_REAPER_INI: path.join(dir, 'none.ini') };
    const plan = (args: string[]) =>
      spawnSync(process.execPath, [CLI, 'plan', '--all-orphans', '--db', db, '--allow-empty-db', ...args], { encoding: 'utf8', env });
    const nothing = plan(['--out', path.join(dir, 'p0.json')]);
    assert.equal(nothing.status, 2);
    assert.match(nothing.stderr, /nothing to plan/);
    await deployTopology(docker, newTopologyId(), [{ name: 'dmz', subnet: '198.18.73.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    const written = plan(['--out', path.join(dir, 'p1.json')]);
    assert.equal(written.status, 0, written.stderr);
    const detailed = plan(['--out', path.join(dir, 'p2.json'), '--detailed-exit-code']);
    assert.equal(detailed.status, 3, detailed.stderr);
    assert.match(detailed.stdout, /Plan written to/);
  });
});
