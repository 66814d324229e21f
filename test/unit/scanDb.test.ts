// What a scan makes of the DB it reads (real SQLite files; no daemon: its Docker side fails).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { scan } from '../../src/core/scan';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';

const noDocker = `unix://${path.join(scratchDir('decnet-no-docker-'), 'docker.sock')}`;

describe('scan', () => {
  it("refuses a database holding a topology id that is not DECNET's: it would protect nothing", async () => {
    const db = makeDecnetDb(scratchDir('decnet-db-'), {
      checkpointed: [topologyRow('3f2a9c1e-1111-4222-8333-444455556666', 'ok'), topologyRow('  padded-id', 'odd')],
    });
    const result = await scan({ dbPath: db, dockerHost: noDocker });
    assert.equal(result.db.ok, false);
    assert.equal(!result.db.ok && result.db.error.kind, 'not-decnet');
    assert.match(!result.db.ok ? result.db.error.message : '', /" {2}padded-id"/);
  });

  it('accepts uppercase hex ids and reads both sides independently', async () => {
    const db = makeDecnetDb(scratchDir('decnet-db-'), { checkpointed: [topologyRow('3F2A9C1E-1111-4222-8333-444455556666', 'upper')] });
    const result = await scan({ dbPath: db, dockerHost: noDocker });
    assert.equal(result.db.ok, true);
    assert.equal(result.docker.ok, false);
    assert.deepEqual(result.groups, []);
  });
});
