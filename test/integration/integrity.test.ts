// The bundled CLI against the private dockerd, with a database damaged in a way SQLite reads
// without complaint: a live topology's row is no longer read, so its resources would look like
// orphans. `reap --all-orphans --yes` must refuse (exit 2), say why, and remove nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerNames, deployTopology, networkNames, newTopologyId, privateDaemon } from '../support/docker';
import { buildCli, runCli } from '../support/cli';
import { damageTopologies, makeDecnetDb, topologyRow } from '../support/makeDb';

describe('decnet-reaper CLI on a database damaged without SQLite noticing', () => {
  const { docker, host } = privateDaemon();
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'decnet-integrity-it-'));
    buildCli();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['child-pointer', 'id-bit'] as const) {
    it(`${kind}: reap --all-orphans --yes refuses with exit 2 and every resource stays`, async () => {
      // 100 rows of one size: `topologies` gets an interior page over leaves of as many rows.
      const ids = Array.from({ length: 100 }, () => newTopologyId());
      const rows = ids.map((id, i) => topologyRow(id, `integrity-${String(i).padStart(4, '0')}`));
      const db = makeDecnetDb(path.join(dir, kind), { checkpointed: rows });
      const liveId = ids[0];
      const damage = damageTopologies(db, kind, { id: liveId });
      // Real SQLite still reads 100 rows, but not the live topology's; its own check says why.
      assert.equal(damage.rowsRead, 100);
      assert.ok(damage.vanished.includes(liveId), JSON.stringify(damage));
      assert.notDeepEqual(damage.integrityCheck, ['ok']);

      const live = await deployTopology(
        docker,
        liveId,
        [
          { name: 'dmz', subnet: '198.18.41.0/24' },
          { name: 'inner', subnet: '198.18.42.0/24', internal: true },
        ],
        [
          { name: 'decky-01', lan: 'dmz', services: ['ssh'] },
          { name: 'decky-02', lan: 'inner' },
        ],
      );
      // A real orphan too: with a damaged database it is not removed either.
      const orphan = await deployTopology(
        docker,
        newTopologyId(),
        [{ name: 'dmz', subnet: '198.18.43.0/24' }],
        [{ name: 'decky-01', lan: 'dmz' }],
      );
      const containersBefore = await containerNames(docker);
      const networksBefore = await networkNames(docker);
      assert.equal(containersBefore.length, live.containers.length + orphan.containers.length);

      const r = runCli(['reap', '--all-orphans', '--yes', '--db', db], { env: { HOME: dir, DOCKER_HOST: host }, cwd: dir });
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: SQLite's integrity check of "topologies" failed`),
      );
      assert.match(r.stderr, kind === 'child-pointer' ? /2nd reference to page/ : /missing from index sqlite_autoindex_topologies_1/);
      assert.match(r.stderr, /nothing is classified orphan/);
      assert.deepEqual(await containerNames(docker), containersBefore);
      assert.deepEqual(await networkNames(docker), networksBefore);
      for (const c of live.containers) assert.ok(containersBefore.includes(c.name), c.name);
    });
  }
});
