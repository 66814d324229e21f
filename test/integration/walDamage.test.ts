// A damaged -wal against the private real dockerd, through the bundled CLI as users run it: the
// topology committed after the damaged frame is not called an orphan, and nothing is removed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCli, runCli } from '../support/cli';
import { containerNames, deployTopology, newTopologyId, privateDaemon, uniqueName } from '../support/docker';
import { flipByte, makeDecnetDb, topo, topologyRow, walLayout } from '../support/makeDb';

describe('a damaged -wal on a real daemon', () => {
  const { docker, host } = privateDaemon();
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'decnet-waldamage-it-'));
    buildCli();
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  function run(args: string[]) {
    return runCli(args, { env: { HOME: dir, DOCKER_HOST: host }, cwd: dir });
  }

  it('a topology committed after a damaged frame is not reaped; the CLI says why', async () => {
    const id = newTopologyId();
    const decky = uniqueName('walcut');
    const t = await deployTopology(docker, id, [{ name: 'dmz', subnet: '198.19.201.0/24' }], [{ name: decky, lan: 'dmz' }]);
    const before = topo(0x5e5e5e5e, { name: 'before' });
    const db = makeDecnetDb(path.join(dir, 'db'), {
      checkpointed: [topo(0x0a0a0a0a)],
      walOnly: [before, topologyRow(id, 'maze-after-damage'), topo(0x6f6f6f6f)],
    });
    const layout = walLayout(`${db}-wal`);
    // A byte of the first frame of the transaction before the topology's own.
    flipByte(`${db}-wal`, layout.frames[0].offset + 24 + layout.pageSize / 2);
    const damaged = `the write-ahead log ${db}-wal is damaged: frame 1 of ${layout.frames.length} fails its checksum while a later commit of the same log follows`;

    const reap = run(['reap', t.prefix, '--db', db, '--yes']);
    assert.equal(reap.code, 2, reap.stderr);
    assert.ok(
      reap.stderr.includes(`the DECNET database could not be read (corrupt), so no topology can be called an orphan. ${damaged}`),
      reap.stderr,
    );
    assert.match(reap.stderr, /Nothing was removed\./);
    assert.ok((await containerNames(docker)).includes(`decnet_t_${t.prefix}_${decky}`));

    const scan = run(['scan', '--db', db, '--json']);
    assert.equal(scan.code, 2, scan.stderr);
    assert.deepEqual(JSON.parse(scan.stdout).orphan_prefixes, []);
    assert.ok(scan.stderr.includes(damaged), scan.stderr);
  });
});
