// Page 1 of the main file is read early (after the -wal's header, before its frames): a commit
// written and checkpointed into the main file in between must then be part of the snapshot, or
// page 1 would come from a commit newer than the rest of the read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { newReadStats, openSnapshot } from '../../src/core/db/walSnapshot';

const SETUP = `
import sqlite3, sys, os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')
c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)')
for i in range(200): c.execute('INSERT INTO t VALUES (?, ?)', (i, 'a' * 50))
c.execute('CREATE TABLE junk(a)'); c.execute('CREATE TABLE junk2(a)'); c.execute('DROP TABLE junk'); c.execute('DROP TABLE junk2')
c.execute('PRAGMA wal_checkpoint(TRUNCATE)')
c.execute('UPDATE t SET v=? WHERE id=5', ('b' * 50,))
os._exit(0)
`;
// A commit that changes the schema (page 1) and the row's page, then a checkpoint of it.
const WRITER = `
import sqlite3, sys, os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA wal_autocheckpoint=0')
c.execute('BEGIN')
c.execute('CREATE TABLE late(id INTEGER PRIMARY KEY)')
c.execute('UPDATE t SET v=? WHERE id=5', ('c' * 50,))
c.execute('COMMIT')
c.execute('PRAGMA wal_checkpoint(PASSIVE)')
os._exit(0)
`;

test('a commit checkpointed between the -wal header and the early page 1 is in the snapshot', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'decnet-page1-'));
  try {
    const db = path.join(dir, 'x.db');
    execFileSync('python3', ['-c', SETUP, db]);
    // The module object the reader's `fs.openSync` reads from (the namespace import is read-only).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cfs = require('node:fs') as { openSync: typeof fs.openSync };
    const realOpen = cfs.openSync;
    let fired = false;
    // The first open of the main file is the early read of page 1 (the -wal is open by then).
    cfs.openSync = (p: fs.PathLike, ...rest: unknown[]) => {
      if (!fired && String(p) === db) {
        fired = true;
        execFileSync('python3', ['-c', WRITER, db]);
      }
      return (realOpen as (...a: unknown[]) => number)(p, ...rest);
    };
    syncBuiltinESMExports();
    let snap;
    try {
      snap = await openSnapshot(db, { stats: newReadStats() });
    } finally {
      cfs.openSync = realOpen;
      syncBuiltinESMExports();
    }
    assert.ok(fired, 'the writer ran during the read');
    try {
      const page1 = Buffer.from(snap.readPage(1));
      const pages = [2, 3, 4, 5].map((n) => Buffer.from(snap.readPage(n)));
      const newer = page1.includes(Buffer.from('CREATE TABLE late'));
      const rowNew = pages.some((b) => b.includes(Buffer.from('c'.repeat(50))));
      const rowOld = pages.some((b) => b.includes(Buffer.from('b'.repeat(50))));
      if (!snap.changed()) {
        // Accepted: page 1 and the row's page come from the same commit.
        assert.equal(newer, rowNew, `page 1 ${newer ? 'is' : 'is not'} the newer commit's, the row's page ${rowNew ? 'is' : 'is not'}`);
        assert.equal(rowOld, !rowNew);
      }
    } finally {
      snap.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
