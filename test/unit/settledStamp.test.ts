// The racy-stamp rule (src/core/db/settledStamp.ts): a file's stamp proves it unchanged only
// when it was recorded well after the file's last change.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import {
  isSettled,
  serverClockFs,
  serverClockFsName,
  SETTLE_MARGIN_MS,
  settleMarginMs,
  settlesAt,
  WHOLE_SECOND_SETTLE_MARGIN_MS,
} from '../../src/core/db/settledStamp';
import { scratchDir } from '../support/scratch';

/** A moment with a sub-second part, as Date.now() gives them (ms since the epoch). */
const T = 1_780_000_000_123.5;
const at = (mtimeMs: number, ctimeMs = mtimeMs) => ({ mtimeMs, ctimeMs });

describe('the settled-stamp rule', () => {
  test('the margins: 100 ms for sub-second times, 3 s when both times are whole seconds', () => {
    assert.equal(SETTLE_MARGIN_MS, 100);
    assert.equal(WHOLE_SECOND_SETTLE_MARGIN_MS, 3000);
    assert.equal(settleMarginMs(at(T)), SETTLE_MARGIN_MS);
    assert.equal(settleMarginMs(at(1_780_000_000_000)), WHOLE_SECOND_SETTLE_MARGIN_MS);
    // One of them with a sub-second part: the file system keeps sub-seconds.
    assert.equal(settleMarginMs(at(1_780_000_000_000, T)), SETTLE_MARGIN_MS);
    assert.equal(settleMarginMs(at(T, 1_780_000_000_000)), SETTLE_MARGIN_MS);
    // Whole milliseconds are not whole seconds.
    assert.equal(settleMarginMs(at(1_780_000_000_001)), SETTLE_MARGIN_MS);
  });

  test('settled only when the stat began more than the margin after the last change', () => {
    assert.equal(isSettled(at(T), T + 100.5, false), true);
    assert.equal(isSettled(at(T), T + 100, false), false, 'exactly the margin is not enough');
    assert.equal(isSettled(at(T), T + 99, false), false);
    assert.equal(isSettled(at(T), T + 4, false), false, 'a write within the same tick');
    assert.equal(isSettled(at(T), T, false), false);
    assert.equal(settlesAt(at(T), false), T + 100);
  });

  test('the later of mtime and ctime counts (an mtime put back does not hide a change)', () => {
    assert.equal(isSettled(at(T - 60_000, T), T + 50, false), false);
    assert.equal(isSettled(at(T, T - 60_000), T + 50, false), false);
    assert.equal(isSettled(at(T - 60_000, T), T + 101, false), true);
  });

  test('whole-second times (1-2 s file systems) need 3 s', () => {
    const whole = 1_780_000_000_000;
    assert.equal(isSettled(at(whole), whole + 2_500, false), false);
    assert.equal(isSettled(at(whole), whole + 3_001, false), true);
  });

  test('a time in the future is never settled before the clock has passed it by the margin', () => {
    assert.equal(isSettled(at(T + 3_600_000), T, false), false);
    assert.equal(isSettled(at(T, T + 1), T, false), false);
    assert.equal(settlesAt(at(T + 3_600_000), false), T + 3_600_100);
  });

  test('times set by a file server are never settled', () => {
    assert.equal(isSettled(at(T - 86_400_000), T, true), false);
    assert.equal(settlesAt(at(T - 86_400_000), true), Infinity);
    assert.equal(isSettled(at(NaN), T, false), false, 'no usable time');
  });

  test('network, cluster and FUSE file systems are recognised by their statfs type', () => {
    assert.equal(serverClockFsName(0x6969), 'nfs');
    assert.equal(serverClockFsName(0x517b), 'smb');
    assert.equal(serverClockFsName(0xff534d42), 'cifs');
    // statfs types above 2^31 may come signed.
    assert.equal(serverClockFsName(0xff534d42 | 0), 'cifs');
    assert.equal(serverClockFsName(0xfe534d42 | 0), 'smb2');
    assert.equal(serverClockFsName(0x65735546), 'fuse');
    assert.equal(serverClockFsName(0x01021997), '9p');
    assert.equal(serverClockFsName(0x00c36400), 'ceph');
    // Local ones: ext4, xfs, btrfs, tmpfs, ramfs, overlayfs.
    for (const local of [0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x858458f6, 0x794c7630]) {
      assert.equal(serverClockFsName(local), null, local.toString(16));
    }
  });

  test('the folder the tests run in is on a local file system, remembered per device', () => {
    const d = scratchDir('decnet-settled-');
    const { dev } = fs.statSync(d);
    assert.equal(serverClockFs(d, dev), null);
    assert.equal(serverClockFs(d, dev), null);
    // A path that cannot be asked counts as a server's (never settled), and is not remembered.
    assert.equal(serverClockFs(`${d}/missing/file`, -1), 'unknown');
  });
});
