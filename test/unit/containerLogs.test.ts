import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envValues, maskValues, plainLog } from '../../src/core/containerLogs';

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

describe('container logs', () => {
  it('reads both multiplexed streams in order, or the bytes of a terminal, without escape sequences', () => {
    const raw = Buffer.concat([
      frame(1, '2026-12-08T10:00:00Z sshd started\n'),
      frame(2, '2026-12-08T10:00:01Z \u001b[31mfailed\u001b[0m login\n'),
    ]);
    assert.equal(plainLog(raw, false), '2026-12-08T10:00:00Z sshd started\n2026-12-08T10:00:01Z failed login\n');
    assert.equal(plainLog(Buffer.from('\u001b]0;title\u0007plain tty\n'), true), 'plain tty\n');
    // A log that is not framed is kept as it is.
    assert.equal(plainLog(Buffer.from('not framed\n'), false), 'not framed\n');
  });

  it('masks the values of the environment wherever they appear', () => {
    const values = envValues(['DB_PASSWORD=hunter22', 'TOKEN=abcdefgh12345', 'X=1', 'NOVALUE', 42]);
    assert.deepEqual(values, ['abcdefgh12345', 'hunter22']);
    assert.equal(maskValues('login with hunter22 then token abcdefgh12345, X=1', values), 'login with *** then token ***, X=1');
  });
});
