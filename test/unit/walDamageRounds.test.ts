// A -wal with a real bad frame (checksum, salt, page 0) in the middle and good commits
// after it is refused on every read: first read, read again (cached tail), after the log grew
// (resumed), after the bad frame's commit was re-validated; never rows from after the bad frame,
// never the rows before it alone.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { forgetCachedReads, readSqliteDb } from '../../src/core/db/sqlite';
import { DbReadError } from '../../src/core/model';
import { execInWal, flipByte, makeDecnetDb, tmpDir, topo, walLayout } from '../support/makeDb';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function refused(db: string, what: string): Promise<void> {
  await assert.rejects(
    readSqliteDb(db),
    (e: unknown) => {
      assert.ok(e instanceof DbReadError, `${what}: ${String(e)}`);
      assert.equal(e.kind, 'corrupt', `${what}: ${e.message}`);
      return true;
    },
    what,
  );
}

for (const how of ['checksum', 'salt', 'page0', 'commitfield'] as const) {
  for (const which of ['first-of-commit', 'middle', 'commit-frame'] as const) {
    test(`bad frame (${how}, ${which}) followed by good commits is refused, read after read`, async () => {
      forgetCachedReads();
      const d = tmpDir('decnet-rrevw-');
      dirs.push(d);
      const db = makeDecnetDb(d, {
        checkpointed: [topo(0x71000001)],
        walOnly: [topo(0x71000002), topo(0x71000003), topo(0x71000004), topo(0x71000005), topo(0x71000006)],
        walFiller: 4,
      });
      const wal = `${db}-wal`;
      const L = walLayout(wal);
      const commits = L.frames.filter((f) => f.commit !== 0);
      assert.ok(commits.length >= 4);
      // A frame of the 2nd commit.
      const c1 = commits[0].index;
      const c2 = commits[1].index;
      const idx = which === 'first-of-commit' ? c1 + 1 : which === 'commit-frame' ? c2 : c1 + Math.max(1, Math.floor((c2 - c1) / 2));
      const f = L.frames[idx];
      if (how === 'checksum') flipByte(wal, f.offset + 24 + 100);
      else {
        const b = fs.readFileSync(wal);
        if (how === 'salt') b.writeUInt32BE((b.readUInt32BE(f.offset + 8) + 1) >>> 0, f.offset + 8);
        else if (how === 'page0') b.writeUInt32BE(0, f.offset);
        else b.writeUInt32BE(b.readUInt32BE(f.offset + 4) === 0 ? 7 : 0, f.offset + 4);
        fs.writeFileSync(wal, b);
      }
      await refused(db, 'first read');
      await refused(db, 'second read (cached)');
      forgetCachedReads();
      await refused(db, 'fresh read');
      await refused(db, 'again');
      // The log grows (a writer appends commits): resumed validation must still refuse.
      execInWal(db, [
        "INSERT INTO logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields) VALUES ('2025', 'd', 's', 'e', '1', 'x', '{}')",
      ]);
      await refused(db, 'after append');
      await refused(db, 'after append, again');
    });
  }
}
