// `decnet-reaper completion bash|zsh`: bash's completion machinery driven through the generated
// script (COMP_LINE, COMP_WORDS split as bash splits them, COMP_CWORD, the function, COMPREPLY),
// the values only this host knows (Docker contexts, the swarm's hosts, prefixes with --prefixes)
// asked of the built CLI, Docker left alone unless asked, and zsh's script checked by zsh itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flagsOf } from '../../src/cli/command';
import { COMMANDS } from '../../src/cli/commands';
import { buildCli, CLI, runCli } from '../support/cli';
import { deployTopology, newTopologyId, privateDaemon } from '../support/docker';
import { execInWal, makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

/** Runs a command without blocking this process (a test server may have to answer meanwhile). */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Bash's part of a <Tab>: COMP_LINE, COMP_POINT at its end, COMP_WORDS split at blanks and, as
 * COMP_WORDBREAKS has it by default, with each run of `=` or `:` a word of its own, COMP_CWORD
 * the last word (an empty one after a blank); then the function, and COMPREPLY one a line.
 */
const DRIVER = [
  'tab() {',
  '  COMP_LINE=$1',
  '  COMP_POINT=${#COMP_LINE}',
  '  COMP_WORDS=()',
  "  local s=$1 re='^([^[:space:]=:]+|[=:]+)'",
  '  while [[ -n $s ]]; do',
  '    if [[ $s =~ ^[[:space:]]+ ]]; then s=${s:${#BASH_REMATCH[0]}}; continue; fi',
  '    [[ $s =~ $re ]]',
  '    COMP_WORDS+=("${BASH_REMATCH[0]}")',
  '    s=${s:${#BASH_REMATCH[0]}}',
  '  done',
  '  [[ $1 =~ [[:space:]]$ ]] && COMP_WORDS+=("")',
  '  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))',
  '  COMPREPLY=()',
  '  _decnet_reaper decnet-reaper "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"',
  '  printf \'%s\\n\' "@@ $1" "${COMPREPLY[@]}"',
  '}',
].join('\n');

describe('decnet-reaper completion', () => {
  const { docker, host } = privateDaemon();
  const dir = scratchDir('decnet-completion-it-');
  let bin: string;
  let db: string;
  let env: NodeJS.ProcessEnv;
  /** A Docker socket that only counts who connects to it. */
  let watched: net.Server;
  let watchedSocket: string;
  let dockerCalls = 0;

  before(async () => {
    buildCli();
    bin = path.join(dir, 'bin');
    mkdirSync(bin);
    // `decnet-reaper` on PATH, as `npm run setup` installs it.
    writeFileSync(path.join(bin, 'decnet-reaper'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    chmodSync(path.join(bin, 'decnet-reaper'), 0o755);
    const config = path.join(dir, 'docker-config');
    for (const name of ['edge-w1', 'lab']) {
      const id = createHash('sha256').update(name).digest('hex');
      mkdirSync(path.join(config, 'contexts', 'meta', id), { recursive: true });
      writeFileSync(
        path.join(config, 'contexts', 'meta', id, 'meta.json'),
        JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: 'tcp://127.0.0.1:1', SkipTLSVerify: false } } }),
      );
    }
    db = makeDecnetDb(path.join(dir, 'db'), { fullSchema: true, checkpointed: [topologyRow(newTopologyId(), 'maze-live', 'active')] });
    const row = (uuid: string, name: string, address: string) =>
      `INSERT INTO swarm_hosts (uuid, name, address, agent_port, status, last_heartbeat, client_cert_fingerprint, cert_bundle_path, enrolled_at, use_ipvlan) VALUES ('${uuid}', '${name}', '${address}', 8765, 'active', NULL, 'fp', '/etc/decnet/x', '2025-01-01 00:00:00', 0)`;
    execInWal(db, [
      row('11111111-aaaa-4aaa-8aaa-000000000001', 'worker-1', '10.0.0.21'),
      row('11111111-aaaa-4aaa-8aaa-000000000002', 'worker-2', '10.0.0.22'),
    ]);
    watchedSocket = path.join(dir, 'watched.sock');
    watched = net.createServer((s) => {
      dockerCalls++;
      s.destroy();
    });
    await new Promise<void>((resolve) => watched.listen(watchedSocket, resolve));
    env = {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: dir,
      DOCKER_CONFIG: config,
      DOCKER_HOST: `unix://${watchedSocket}`,
      DECNET_DB_PATH: db,
      DECNET_REAPER_INI: path.join(dir, 'none.ini'),
    };
  });
  after(async () => {
    await new Promise((resolve) => watched.close(resolve));
  });

  /** What bash offers at the end of each line, through `decnet-reaper completion bash [flags]`. */
  async function bashTabs(lines: string[], flags: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Map<string, string[]>> {
    const script = [
      `source <(decnet-reaper completion bash ${flags.join(' ')})`,
      DRIVER,
      ...lines.map((l) => `tab ${JSON.stringify(l)}`),
    ].join('\n');
    const r = await run('bash', ['-c', script], { ...env, ...extraEnv }, dir);
    assert.equal(r.code, 0, r.stderr);
    const out = new Map<string, string[]>();
    let current: string[] = [];
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('@@ ')) out.set(line.slice(3), (current = []));
      else if (line) current.push(line);
    }
    assert.deepEqual([...out.keys()], lines);
    return out;
  }

  it('registers with complete -F and completes commands and every flag of the spec, values where they go', async () => {
    const p = await run(
      'bash',
      ['-c', 'source <(decnet-reaper completion bash); complete -p decnet-reaper decnet-reaper-linux-x64'],
      env,
      dir,
    );
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(p.stdout.trim().split('\n'), [
      'complete -F _decnet_reaper decnet-reaper',
      'complete -F _decnet_reaper decnet-reaper-linux-x64',
    ]);
    writeFileSync(path.join(dir, 'plan-2025-06-01.json'), '{}');
    const reap = COMMANDS.find((c) => c.name === 'reap')!;
    const t = await bashTabs([
      'decnet-reaper ',
      'decnet-reaper re',
      'decnet-reaper reap --',
      'decnet-reaper reap --yes --d',
      'decnet-reaper fleet --host w=ssh://x --ho',
      'decnet-reaper completion ',
      'decnet-reaper help fl',
      'decnet-reaper scan --docker-host ',
      'decnet-reaper scan --docker-host=ss',
      `decnet-reaper apply ${dir}/plan-`,
      `decnet-reaper scan --db=${dir}/plan-2025`,
      'decnet-reaper plan --all-orphans --out ',
      'decnet-reaper reap ',
      'decnet-reaper --json sc',
      'decnet-reaper --db x.db sc',
    ]);
    assert.deepEqual(t.get('decnet-reaper '), [...COMMANDS.map((c) => c.name), 'help']);
    assert.deepEqual(t.get('decnet-reaper re'), ['reap']);
    // Every flag the parser takes for reap, long form, from the same spec as --help.
    assert.deepEqual(
      t.get('decnet-reaper reap --'),
      Object.keys(flagsOf(reap)).map((n) => `--${n}`),
    );
    // A flag already given is not offered again...
    assert.deepEqual(t.get('decnet-reaper reap --yes --d'), ['--dry-run', '--db', '--db-url', '--docker-host']);
    // ... unless it is given once per host.
    assert.deepEqual(t.get('decnet-reaper fleet --host w=ssh://x --ho'), ['--host']);
    assert.deepEqual(t.get('decnet-reaper completion '), ['bash', 'zsh']);
    assert.deepEqual(t.get('decnet-reaper help fl'), ['fleet']);
    assert.deepEqual(t.get('decnet-reaper scan --docker-host '), ['unix://', 'tcp://', 'ssh://']);
    // Bash replaces what follows the `=`: the rest of the word is offered.
    assert.deepEqual(t.get('decnet-reaper scan --docker-host=ss'), ['ssh://']);
    assert.deepEqual(t.get(`decnet-reaper apply ${dir}/plan-`), [`${dir}/plan-2025-06-01.json`]);
    assert.deepEqual(t.get(`decnet-reaper scan --db=${dir}/plan-2025`), [`${dir}/plan-2025-06-01.json`]);
    assert.ok(t.get('decnet-reaper plan --all-orphans --out ')!.includes('plan-2025-06-01.json'));
    // Prefixes only from a script made with --prefixes.
    assert.deepEqual(t.get('decnet-reaper reap '), []);
    // A flag before the command and a flag's value are not the command.
    assert.deepEqual(t.get('decnet-reaper --json sc'), ['scan']);
    assert.deepEqual(t.get('decnet-reaper --db x.db sc'), ['scan']);
    assert.equal(dockerCalls, 0, 'completion asked Docker');
  });

  it("offers Docker's contexts and the swarm's hosts, read from ~/.docker and the database, never from Docker", async () => {
    const t = await bashTabs([
      'decnet-reaper scan --context ',
      'decnet-reaper scan --context=l',
      'decnet-reaper reap --on ',
      'decnet-reaper reap --on w',
      'decnet-reaper fleet --host ',
      'decnet-reaper fleet --host worker-1=',
      'decnet-reaper fleet --host worker-1=context:e',
      'decnet-reaper fleet --host=worker-2=ss',
      `decnet-reaper --db ${path.join(dir, 'nothing.db')} reap --on `,
    ]);
    assert.deepEqual(t.get('decnet-reaper scan --context '), ['default', 'edge-w1', 'lab']);
    assert.deepEqual(t.get('decnet-reaper scan --context=l'), ['lab']);
    assert.deepEqual(t.get('decnet-reaper reap --on '), ['master', 'worker-1', 'worker-2']);
    assert.deepEqual(t.get('decnet-reaper reap --on w'), ['worker-1', 'worker-2']);
    assert.deepEqual(t.get('decnet-reaper fleet --host '), ['master=', 'worker-1=', 'worker-2=']);
    // After NAME=: the worker's address as swarm_hosts has it, the contexts, the schemes.
    assert.deepEqual(t.get('decnet-reaper fleet --host worker-1='), [
      'ssh://10.0.0.21',
      'context:default',
      'context:edge-w1',
      'context:lab',
      'ssh://',
      'tcp://',
      'unix://',
    ]);
    // With `:` in COMP_WORDBREAKS, bash replaces what follows it.
    assert.deepEqual(t.get('decnet-reaper fleet --host worker-1=context:e'), ['edge-w1']);
    assert.deepEqual(t.get('decnet-reaper fleet --host=worker-2=ss'), ['ssh://10.0.0.22', 'ssh://']);
    // The database the line names is the one read: a missing one offers the master only.
    assert.deepEqual(t.get(`decnet-reaper --db ${path.join(dir, 'nothing.db')} reap --on `), ['master']);
    assert.equal(dockerCalls, 0, 'completion asked Docker');
  });

  it('offers prefixes from a quick scan only in a script made with --prefixes', async () => {
    const orphan = await deployTopology(
      docker,
      newTopologyId(),
      [{ name: 'dmz', subnet: '198.18.61.0/24' }],
      [{ name: 'decky-01', lan: 'dmz' }],
    );
    const live = newTopologyId();
    const tornDb = makeDecnetDb(path.join(dir, 'torn'), { checkpointed: [topologyRow(live, 'maze-old', 'torn_down')] });
    const old = await deployTopology(docker, live, [{ name: 'dmz', subnet: '198.18.62.0/24' }], [{ name: 'decky-01', lan: 'dmz' }]);
    const onDaemon = { DOCKER_HOST: host, DECNET_DB_PATH: tornDb };
    const plain = await bashTabs(['decnet-reaper reap '], [], onDaemon);
    assert.deepEqual(plain.get('decnet-reaper reap '), []);
    const t = await bashTabs(
      [
        'decnet-reaper reap ',
        'decnet-reaper plan --all-orphans --out x.json ',
        'decnet-reaper reap --torn-down ',
        'decnet-reaper reap --misplaced ',
      ],
      ['--prefixes'],
      onDaemon,
    );
    assert.deepEqual(t.get('decnet-reaper reap '), [orphan.prefix]);
    assert.deepEqual(t.get('decnet-reaper plan --all-orphans --out x.json '), [orphan.prefix]);
    assert.deepEqual(t.get('decnet-reaper reap --torn-down '), [old.prefix]);
    assert.deepEqual(t.get('decnet-reaper reap --misplaced '), []);
  });

  it('__complete answers nothing, quietly, when it cannot read what it is asked', () => {
    const r = runCli(['__complete', 'swarm-hosts', '--', '--db', path.join(dir, 'nothing.db')], { env: { HOME: dir } });
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), 'master');
    assert.equal(r.stderr, '');
    const unknown = runCli(['__complete', 'no-such-kind'], { env: { HOME: dir } });
    assert.deepEqual([unknown.code, unknown.stdout, unknown.stderr], [0, '', '']);
    // Not a command anyone is shown.
    assert.doesNotMatch(runCli(['--help']).stdout, /__complete/);
  });

  it("zsh: the script parses, registers with compdef, and its helpers ask the CLI for the host's values", async () => {
    const z = await run('zsh', ['-c', 'true'], env, dir).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
    assert.equal(z.code, 0, `zsh is needed (scripts/install-e2e-deps.sh installs it): ${z.stderr}`);
    const script = path.join(dir, '_decnet-reaper');
    const gen = runCli(['completion', 'zsh'], { env: { HOME: dir } });
    assert.equal(gen.code, 0, gen.stderr);
    writeFileSync(script, gen.stdout);
    const syntax = await run('zsh', ['-n', script], env, dir);
    assert.equal(syntax.code, 0, syntax.stderr);
    for (const c of COMMANDS) {
      assert.match(gen.stdout, new RegExp(`\\n    ${c.name}\\)\\n`), `zsh: no case for ${c.name}`);
      for (const n of Object.keys(flagsOf(c))) assert.ok(gen.stdout.includes(`--${n}`), `zsh: ${c.name} lacks --${n}`);
    }
    const probe = [
      'autoload -Uz compinit',
      `compinit -u -d ${JSON.stringify(path.join(dir, 'zcompdump'))}`,
      `source ${JSON.stringify(script)}`,
      'print -r -- "registered: $_comps[decnet-reaper] $_comps[decnet-reaper-linux-x64]"',
      '_decnet_reaper_line=(decnet-reaper reap --on)',
      // The actions as _arguments calls them: compadd's options first (compadd itself recorded).
      'compadd() { local -a out; while (( $# )); do if [[ $1 == -a ]]; then out+=(${(P)2}); shift 2; else out+=($1); shift; fi; done; print -r -- "compadd ${out[*]}" }',
      'compset() { return 1 }',
      '_decnet_reaper_swarm_hosts -J -default-',
      '_decnet_reaper_contexts -J -default-',
      '_decnet_reaper_host_endpoints -J -default-',
      '_decnet_reaper_docker_hosts -J -default-',
    ].join('\n');
    const r = await run('zsh', ['-f', '-c', probe], env, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'registered: _decnet_reaper _decnet_reaper',
      'compadd -J -default- master worker-1 worker-2',
      'compadd -J -default- default edge-w1 lab',
      'compadd -J -default- -S = master worker-1 worker-2',
      'compadd -J -default- -S unix:// tcp:// ssh://',
    ]);
    assert.equal(dockerCalls, 0, 'completion asked Docker');
  });
});
