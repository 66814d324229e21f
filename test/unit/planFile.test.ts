// Plan files, the audit log and the empty-database guard: the session against a stand-in for the
// Docker API and real SQLite files; the audit log on real files.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { AuditLog, auditFileProblem, defaultAuditLogPath, readAuditHistory } from '../../src/core/audit';
import { assumeYes, runRemovalSession, type RemovalAsker } from '../../src/core/removal/session';
import { planRemoval } from '../../src/core/removal/plan';
import {
  canonicalJson,
  databaseFlagOf,
  endpointFlagOf,
  parsePlanFile,
  planFromFile,
  planSha256,
  planTargetMismatch,
  planTargetRefusal,
  planToFile,
  serializePlanFile,
} from '../../src/core/removal/planFile';
import { emptyReport } from '../../src/core/removal/text';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';
import { StandInDocker } from './dockerStandIn';

const LIVE = '3f2a9c1e-1111-4222-8333-444455556666';
const ORPHAN = '0badc0de-1111-4222-8333-444455556666';
const HOST = 'unix:///stand-in/docker.sock';

function world() {
  const docker = new StandInDocker();
  const labels = (id: string) => ({ 'decnet.topology.id': id, 'com.docker.compose.project': `decnet-topo-${id.slice(0, 8)}` });
  const liveNet = docker.addNetwork('decnet_t_3f2a9c1e_dmz', '172.16.1.0/24');
  docker.addContainer('decnet_t_3f2a9c1e_decky-01', labels(LIVE), [liveNet]);
  const dmz = docker.addNetwork('decnet_t_0badc0de_dmz', '172.16.2.0/24');
  const base = docker.addContainer('decnet_t_0badc0de_decky-01', labels(ORPHAN), [dmz]);
  return { docker, dmz, base };
}

describe('plan files', () => {
  const dir = scratchDir('decnet-planfile-');
  let n = 0;
  const db = (rows = [topologyRow(LIVE, 'maze-live')]) => makeDecnetDb(path.join(dir, `db${++n}`), { checkpointed: rows });

  async function planOf(w: ReturnType<typeof world>, dbPath: string) {
    const result = await w.docker.scan({ dbPath, dockerHost: HOST });
    return planRemoval(result, ['0badc0de']);
  }

  it('canonical JSON sorts keys at every level and keeps array order', () => {
    assert.equal(canonicalJson({ b: [2, { d: 1, c: 'x' }], a: null }), '{"a":null,"b":[2,{"c":"x","d":1}]}');
  });

  it('round-trips, and refuses a file changed after it was written', async () => {
    const w = world();
    const dbPath = db();
    const plan = await planOf(w, dbPath);
    const file = planToFile(plan);
    const text = serializePlanFile(file);
    const parsed = parsePlanFile(text);
    assert.equal(parsed.plan_sha256, planSha256(parsed));
    const back = planFromFile(parsed);
    assert.deepEqual(
      back.containers.map((c) => c.id),
      [w.base.id],
    );
    assert.deepEqual(
      back.networks.map((x) => x.id),
      [w.dmz.id],
    );
    assert.deepEqual(back.daemon.id, plan.daemon.id);
    // Key order and spacing do not matter; content does.
    assert.doesNotThrow(() => parsePlanFile(JSON.stringify(JSON.parse(text))));
    const edited = JSON.parse(text) as typeof file;
    edited.resources[0].name = 'decnet_t_3f2a9c1e_decky-01';
    assert.throws(() => parsePlanFile(JSON.stringify(edited)), /does not match its plan_sha256/);
    assert.throws(() => parsePlanFile('{"format":'), /not JSON/);
    assert.throws(() => parsePlanFile(JSON.stringify({ ...file, version: 2 })), /version 2 is not supported/);
    const bad = { ...file, prefixes: ['0BADC0DE'] };
    assert.throws(() => parsePlanFile(JSON.stringify({ ...bad, plan_sha256: planSha256(bad) })), /not a topology prefix/);
  });

  it('never says where to connect: a plan from another database or endpoint is refused naming both', async () => {
    const w = world();
    const dbPath = db();
    const plan = await planOf(w, dbPath);
    const file = planToFile(plan);
    assert.equal('database_target' in file, false, 'no connection details are written');
    assert.throws(() => planToFile({ ...plan, mode: 'misplaced' }), /not from a plan file/);
    // An endpoint written with a password (by hand, or by an earlier version) is read masked.
    const { plan_sha256: _s, ...bare } = file;
    const withSecret = { ...bare, docker_endpoint: 'tcp://ops:S3cr3t@10.0.0.2:2376 (TLS)' };
    const read = parsePlanFile(JSON.stringify({ ...withSecret, plan_sha256: planSha256(withSecret) }));
    assert.equal(read.docker_endpoint, 'tcp://ops:***@10.0.0.2:2376 (TLS)');
    assert.equal('docker_host' in file, false);
    const here = { db: { kind: 'sqlite' as const, path: dbPath, origin: 'DECNET_DB_PATH' as const }, dockerHost: HOST };
    assert.equal(planTargetMismatch(file, here), undefined);
    const elsewhere = {
      db: { kind: 'sqlite' as const, path: '/srv/decnet/decnet.db', origin: 'DECNET_DB_PATH' as const },
      dockerHost: 'unix:///other.sock',
    };
    const m = planTargetMismatch(file, elsewhere);
    assert.deepEqual(m, {
      database: { plan: `sqlite: ${dbPath}`, here: 'sqlite: /srv/decnet/decnet.db' },
      endpoint: { plan: HOST, here: 'unix:///other.sock' },
    });
    const message = planTargetRefusal(m, { database: 'DB FIX.', endpoint: 'ENDPOINT FIX.' });
    assert.equal(
      message,
      `The plan was made from sqlite: ${dbPath}, not from the database configured here, sqlite: /srv/decnet/decnet.db. DB FIX. ` +
        `The plan was made on ${HOST}, not on the Docker endpoint configured here, unix:///other.sock. ENDPOINT FIX. ` +
        'A plan file never chooses which database or daemon decides what is live. Nothing was removed.',
    );
    // Nothing configured at all is a difference too.
    assert.match(
      planTargetRefusal(planTargetMismatch(file, { db: { kind: 'none', origin: 'none' }, dockerHost: HOST })!, {
        database: '',
        endpoint: '',
      }),
      /configured here, \(none\)/,
    );
    // How the command line names the plan's own, when it is the right one.
    assert.equal(databaseFlagOf('sqlite: /srv/decnet/decnet.db'), '--db /srv/decnet/decnet.db');
    assert.equal(databaseFlagOf("sqlite: /srv/it's here/decnet.db"), "--db '/srv/it'\\''s here/decnet.db'");
    assert.equal(databaseFlagOf('mysql: decnet@db-host:3306/decnet'), '--db-url mysql://decnet@db-host:3306/decnet');
    assert.equal(endpointFlagOf('tcp://10.0.0.2:2376 (TLS) [context prod]'), '--context prod');
    assert.equal(endpointFlagOf('tcp://10.0.0.2:2376 (TLS)'), '--docker-host tcp://10.0.0.2:2376');
    assert.equal(endpointFlagOf('tcp://ops:***@10.0.0.2:2376'), undefined, 'a masked password cannot be typed back');
  });

  it('reads plans of earlier versions, ignoring where they say to connect; refuses crafted nesting as a bad plan', async () => {
    const w = world();
    const plan = await planOf(w, db());
    const { plan_sha256: _sha, ...body } = planToFile(plan);
    const old = {
      ...body,
      docker_host: { url: 'tcp://evil:2375', context: null },
      database_target: { kind: 'mysql', host: 'evil', port: 3306, database: 'd', user: 'u' },
    };
    const parsed = parsePlanFile(JSON.stringify({ ...old, plan_sha256: planSha256(old) }));
    assert.equal('database_target' in parsed, false);
    assert.equal(parsed.database, plan.dbSource);
    // 200,000 levels deep: a bad plan (PlanFileError), not a crash.
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    assert.throws(
      () => parsePlanFile(`{"format":"decnet-reaper-plan","version":1,"x":${deep},"plan_sha256":"0"}`),
      (e: Error) => {
        assert.equal(e.name, 'PlanFileError');
        assert.match(e.message, /nests deeper than 16 levels\. Nothing was removed\./);
        return true;
      },
    );
    assert.throws(() => parsePlanFile(deep), /nests deeper than 16 levels/);
    // A key given twice (JSON keeps the last; a reviewer may read the first), a prefix listed twice.
    const text = JSON.stringify({ ...body, plan_sha256: planSha256(body) });
    assert.throws(
      () => parsePlanFile(text.replace('{"format"', '{"database":"sqlite: /elsewhere","format"')),
      /the key "database" appears twice in one object/,
    );
    const twice = { ...body, prefixes: [body.prefixes[0], body.prefixes[0]] };
    assert.throws(() => parsePlanFile(JSON.stringify({ ...twice, plan_sha256: planSha256(twice) })), /a prefix is listed twice/);
  });

  it('a plan applied removes only resources unchanged since; a renamed one is skipped', async () => {
    const w = world();
    const dbPath = db();
    const plan = await planOf(w, dbPath);
    w.base.name = 'decnet_t_0badc0de_other';
    const outcome = await runRemovalSession(
      { kind: 'plan', plan },
      { dbPath, dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client, asker: assumeYes },
    );
    assert.equal(outcome.kind, 'removed');
    if (outcome.kind !== 'removed') return;
    assert.deepEqual(
      outcome.report.skipped.map((s) => s.reason),
      [
        'renamed since the plan (was decnet_t_0badc0de_decky-01, now decnet_t_0badc0de_other)',
        // Its network keeps it attached, so the network stays too.
        'container decnet_t_0badc0de_other is attached and was not confirmed for removal or disconnection',
      ],
    );
    assert.ok(w.docker.containers.has(w.base.id), 'the renamed container stays');
  });

  it('a plan applied again asks only about what still exists, and claims nothing already gone', async () => {
    const w = world();
    const dbPath = db();
    const plan = await planOf(w, dbPath);
    const asked: string[] = [];
    const asker: RemovalAsker = {
      ...assumeYes,
      confirm: (p, question) => (asked.push(`${question} [${p.containers.length}+${p.networks.length}]`), Promise.resolve(true)),
    };
    const run = () =>
      runRemovalSession({ kind: 'plan', plan }, { dbPath, dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client, asker });
    // Someone removed the container: the question is about the network alone.
    await w.docker.client.getContainer(w.base.id).remove({ force: true });
    const first = await run();
    assert.equal(first.kind, 'removed');
    assert.equal(
      asked[0],
      'Force remove orphan topology 0badc0de: 0 containers and 1 network? (1 planned resource is already gone.) [0+1]',
    );
    if (first.kind === 'removed') assert.equal(first.summary, 'Removed 0 containers and 1 network of orphan 0badc0de; 1 already gone.');
    // Applied again: nothing to ask, nothing claimed.
    const again = await run();
    assert.equal(again.kind, 'nothing');
    assert.equal((again as { message: string }).message, 'Nothing to do: all 2 planned resources are already gone.');
    assert.equal(asked.length, 1, 'nothing asked the second time');
  });

  it('refuses a plan on another daemon or database', async () => {
    const w = world();
    const dbPath = db();
    const plan = await planOf(w, dbPath);
    const other = await runRemovalSession(
      { kind: 'plan', plan: { ...plan, daemon: { ...plan.daemon, id: 'OTHER' } } },
      { dbPath, dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client, asker: assumeYes },
    );
    assert.equal(other.kind, 'refused');
    assert.match(
      (other as { message: string }).message,
      /^The plan was made on the Docker daemon .* \(id OTHER\), but .* answers at unix:\/\/\/stand-in\/docker.sock\. Nothing was removed\.$/,
    );
    const otherDb = await runRemovalSession(
      { kind: 'plan', plan },
      { dbPath: db(), dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client, asker: assumeYes },
    );
    assert.equal(otherDb.kind, 'refused');
    assert.match((otherDb as { message: string }).message, /database changed/);
  });
});

describe('the empty-database guard', () => {
  const dir = scratchDir('decnet-emptydb-');

  it('refuses unless allowed or the daemon name is typed', async () => {
    const empty = makeDecnetDb(path.join(dir, 'empty'), { checkpointed: [] });
    const run = async (asker: RemovalAsker, allowEmptyDb = false) => {
      const w = world();
      const outcome = await runRemovalSession(
        { kind: 'allOrphans' },
        { dbPath: empty, dockerHost: HOST, scan: w.docker.scan, docker: w.docker.client, asker, allowEmptyDb },
      );
      return { outcome, w };
    };
    const refused = await run(assumeYes);
    assert.equal(refused.outcome.kind, 'refused');
    assert.match((refused.outcome as { message: string }).message, /holds no topology at all/);
    const asked: string[] = [];
    const wrong = await run({ ...assumeYes, typeDaemonName: (_p, expected) => (asked.push(expected), Promise.resolve('nope')) });
    assert.equal(wrong.outcome.kind, 'cancelled');
    assert.ok(asked[0], 'asked for the daemon name');
    const typed = await run({ ...assumeYes, typeDaemonName: (_p, expected) => Promise.resolve(expected) });
    assert.equal(typed.outcome.kind, 'removed');
    const allowed = await run(assumeYes, true);
    assert.equal(allowed.outcome.kind, 'removed');
  });
});

describe('the audit log', () => {
  const dir = scratchDir('decnet-audit-');

  it('is under XDG_STATE_HOME, else ~/.local/state', () => {
    assert.equal(defaultAuditLogPath({ XDG_STATE_HOME: '/x/state', HOME: '/h' }), '/x/state/decnet-reaper/audit.jsonl');
    assert.equal(defaultAuditLogPath({ XDG_STATE_HOME: 'relative', HOME: '/h' }), '/h/.local/state/decnet-reaper/audit.jsonl');
    assert.equal(defaultAuditLogPath({ HOME: '/h' }), '/h/.local/state/decnet-reaper/audit.jsonl');
  });

  it('appends lines with mode 0600, never rewrites, refuses what is not a regular file; history skips a damaged line', () => {
    const file = path.join(dir, 'sub', 'audit.jsonl');
    const report = {
      ...emptyReport({
        dockerEndpoint: HOST,
        dbSource: 'sqlite: /x',
        docker: { ok: false },
        dbPrefixes: [],
        livePrefixes: [],
        orphanPrefixes: [],
      } as never),
      prefixes_reaped: ['0badc0de'],
    };
    for (let i = 0; i < 2; i++) {
      const log = AuditLog.open(file);
      log.append(report, { containers: [{ Id: `c${i}` }], networks: [] });
      log.close();
    }
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.deepEqual(JSON.parse(lines[1]).inspect.containers, [{ Id: 'c1' }]);
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"time":`);
    const h = readAuditHistory(file, { limit: 1 });
    assert.equal(h.entries.length, 1);
    assert.equal(h.damaged, 1);
    assert.deepEqual(h.entries[0].inspect.containers, [{ Id: 'c1' }], 'newest first');
    assert.deepEqual(readAuditHistory(path.join(dir, 'none.jsonl')).entries, []);
    const folder = path.join(dir, 'folder');
    mkdirSync(folder);
    assert.throws(() => AuditLog.open(folder), /cannot be opened for append|not a regular file/);
  });

  it('is never written through a link, nor to a file another user owns or others can read', () => {
    // A link to a world-readable file of someone else's: refused, and the file gets nothing.
    const theirs = path.join(dir, 'theirs.txt');
    writeFileSync(theirs, 'their notes\n', { mode: 0o644 });
    chmodSync(theirs, 0o644);
    const link = path.join(dir, 'link.jsonl');
    symlinkSync(theirs, link);
    assert.throws(
      () => AuditLog.open(link),
      (e: Error) => {
        assert.match(e.message, /is a symbolic link, and a link is never written through/);
        assert.match(e.message, /Nothing was removed/);
        return true;
      },
    );
    // A dangling link is refused too, and nothing is created where it points.
    const dangling = path.join(dir, 'dangling.jsonl');
    symlinkSync(path.join(dir, 'nowhere.jsonl'), dangling);
    assert.throws(() => AuditLog.open(dangling), /symbolic link/);
    assert.equal(existsSync(path.join(dir, 'nowhere.jsonl')), false);
    assert.equal(readFileSync(theirs, 'utf8'), 'their notes\n');
    // A log of ours that its group or others can read: refused with the fix.
    const loose = path.join(dir, 'loose.jsonl');
    writeFileSync(loose, '');
    chmodSync(loose, 0o640);
    assert.throws(
      () => AuditLog.open(loose),
      new RegExp(`can be accessed by its group \\(mode 0640\\).*run chmod 600 ${loose.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    chmodSync(loose, 0o600);
    AuditLog.open(loose).close();
    // Owned by another user (root can chown; an ordinary user cannot make such a file).
    assert.equal(
      auditFileProblem({ isFile: () => true, uid: 1234, mode: 0o100600, nlink: 1 }, '/x/audit.jsonl', 0),
      'The audit log /x/audit.jsonl belongs to user 1234, not to you (user 0), who could read what it records: choose another file with --audit-log (decnet.audit.logPath in the editor)',
    );
    assert.match(auditFileProblem({ isFile: () => true, uid: 0, mode: 0o100604, nlink: 1 }, '/x/a', 0)!, /by others \(mode 0604\)/);
    assert.match(
      auditFileProblem({ isFile: () => true, uid: 0, mode: 0o100666, nlink: 1 }, '/x/a', 0)!,
      /by its group and others \(mode 0666\)/,
    );
    assert.equal(auditFileProblem({ isFile: () => true, uid: 0, mode: 0o100600, nlink: 1 }, '/x/a', 0), undefined);
    // A second name for another file (a hard link), or a folder anyone can swap it in: refused.
    const target = path.join(dir, 'private-target');
    writeFileSync(target, 'secret\n', { mode: 0o600 });
    const hard = path.join(dir, 'hard.jsonl');
    linkSync(target, hard);
    assert.throws(() => AuditLog.open(hard), /has 2 names \(hard links\)/);
    assert.equal(readFileSync(target, 'utf8'), 'secret\n');
    const open = path.join(dir, 'open-folder');
    mkdirSync(open);
    chmodSync(open, 0o777);
    assert.throws(() => AuditLog.open(path.join(open, 'a.jsonl')), /a folder others can write to \(mode 0777, not sticky\)/);
    assert.equal(existsSync(path.join(open, 'a.jsonl')), false, 'nothing is created there');
    chmodSync(open, 0o1777);
    AuditLog.open(path.join(open, 'b.jsonl')).close();
    if (process.getuid?.() === 0) {
      const other = path.join(dir, 'other.jsonl');
      writeFileSync(other, '', { mode: 0o600 });
      chownSync(other, 1234, 1234);
      assert.throws(() => AuditLog.open(other), /belongs to user 1234, not to you \(user 0\)/);
    }
  });
});
