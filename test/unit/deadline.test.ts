// Every request to Docker or a database has an overall deadline: endpoints that answer a byte at a
// time (a real HTTP server on a unix socket, a real TCP server) are abandoned then and reported.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { readMysqlDb } from '../../src/core/db/mysql';
import { DEFAULT_REQUEST_TIMEOUT_MS, RequestTimeoutError, setRequestTimeout, withDeadline } from '../../src/core/deadline';
import { connectDocker } from '../../src/core/docker';
import { DbReadError } from '../../src/core/model';
import { scan } from '../../src/core/scan';
import { makeDecnetDb, topologyRow } from '../support/makeDb';
import { scratchDir } from '../support/scratch';
import { trickleDocker, trickleTcp } from '../support/trickle';

describe('request deadlines', () => {
  const dir = scratchDir('decnet-deadline-');
  afterEach(() => setRequestTimeout(DEFAULT_REQUEST_TIMEOUT_MS));

  it('withDeadline answers what finishes in time, and gives up on what does not, closing what it held', { timeout: 10_000 }, async () => {
    assert.equal(await withDeadline('x', () => Promise.resolve(7), undefined, 1000), 7);
    let closed = false;
    const started = Date.now();
    await assert.rejects(
      withDeadline(
        'the thing',
        () => new Promise(() => undefined),
        () => (closed = true),
        200,
      ),
      (e: Error) => e instanceof RequestTimeoutError && e.message === 'the thing did not answer within 0.2 s',
    );
    assert.ok(closed);
    assert.ok(Date.now() - started < 1000);
  });

  it('a Docker endpoint that trickles its answer is abandoned at the deadline: the scan says so', { timeout: 20_000 }, async () => {
    const trickle = await trickleDocker(100);
    try {
      setRequestTimeout(600);
      const db = makeDecnetDb(path.join(dir, 'db'), { checkpointed: [topologyRow('3f2a9c1e-1111-4222-8333-444455556666', 'maze')] });
      const started = Date.now();
      const result = await scan({ db: { kind: 'sqlite', path: db, origin: 'setting' }, dockerHost: trickle.url });
      const took = Date.now() - started;
      assert.ok(trickle.connections > 0, 'the endpoint was reached');
      assert.equal(result.docker.ok, false);
      assert.match(
        result.docker.ok ? '' : result.docker.error.message,
        /^Cannot list Docker resources at unix:\/\/.*: the Docker daemon did not answer within 0\.6 s$/,
      );
      assert.ok(took < 3000, `gave up after ${took} ms`);
      assert.equal(result.db.ok, true);
      assert.deepEqual(result.orphanPrefixes, [], 'nothing classified');
      // Every request of the client, not only the listing.
      setRequestTimeout(300);
      await assert.rejects(connectDocker(trickle.url).getContainer('abc').inspect(), RequestTimeoutError);
    } finally {
      await trickle.close();
    }
  });

  it('a MySQL server that trickles its handshake is abandoned at the deadline', { timeout: 20_000 }, async () => {
    const trickle = await trickleTcp(100);
    try {
      setRequestTimeout(600);
      const started = Date.now();
      await assert.rejects(
        readMysqlDb({
          kind: 'mysql',
          host: '127.0.0.1',
          port: trickle.port,
          database: 'decnet',
          user: 'decnet',
          password: 'pw-secret',
          origin: 'setting',
          passwordFrom: 'command line',
        }),
        (e: Error) => {
          assert.ok(e instanceof DbReadError);
          assert.equal(e.kind, 'unreachable');
          assert.match(e.message, /the DECNET database did not answer within 0\.6 s/);
          assert.doesNotMatch(e.message, /pw-secret/);
          return true;
        },
      );
      assert.ok(Date.now() - started < 3000);
      assert.ok(trickle.connections > 0);
    } finally {
      await trickle.close();
    }
  });
});
