// Fuzz test of the SQLite reader: valid DECNET databases (built by python3's sqlite3 in WAL mode)
// are damaged by a seeded generator (b-tree pages and pointers, cell counts and varints, overflow
// pointers, the 100-byte header, truncation, -wal frames with and without re-sealed checksums,
// salts, commit sizes, duplicated or dropped frames) and every read must either be refused with a
// DbReadError, or return exactly the rows python3's sqlite3 reads from the same files while
// SQLite's integrity check of the b-trees read (sqlite_master, topologies, lans and their
// indexes) passes. No read may take over 2 s; one that does not finish in 5 s is killed (the
// cases run in a child process) and reported as a hang.
//
//   DECNET_FUZZ_SEED=<n>     seed (default 20250601)
//   DECNET_FUZZ_CASES=<n>    number of cases (default 3000)
//   DECNET_FUZZ_CASE=<i>     replay case i alone (its files are kept and their path printed)
//   DECNET_FUZZ_ONLY=<j,..>  with DECNET_FUZZ_CASE: apply only these of its mutations
//   DECNET_FUZZ_REPORT=1     run every case and print the failure classes instead of failing
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describeFailure, formatSummary, runFuzz } from '../support/readerFuzz';
import { tmpDir } from '../support/makeDb';

const env = process.env;
const seed = env.DECNET_FUZZ_SEED ? Number(env.DECNET_FUZZ_SEED) >>> 0 : 20250601;
const single = env.DECNET_FUZZ_CASE !== undefined && env.DECNET_FUZZ_CASE !== '' ? Number(env.DECNET_FUZZ_CASE) : null;
const only = single !== null && env.DECNET_FUZZ_ONLY ? env.DECNET_FUZZ_ONLY.split(',').map(Number) : null;
const cases = single !== null ? 1 : env.DECNET_FUZZ_CASES ? Number(env.DECNET_FUZZ_CASES) : 3000;
const report = env.DECNET_FUZZ_REPORT === '1';

const dir = tmpDir('decnet-fuzz-');
after(() => {
  if (single === null) fs.rmSync(dir, { recursive: true, force: true });
});

test(
  `damaged databases are refused or read exactly as SQLite reads them (seed ${seed}, ${cases} cases)`,
  { timeout: 15 * 60_000 },
  async () => {
    const s = await runFuzz({ seed, cases, from: single ?? 0, all: report, only, keep: single !== null, dir });
    if (single !== null) {
      const r = s.failures[0] ?? null;
      console.log(formatSummary(s));
      if (r === null) console.log(`case ${single}: passed (files in ${dir}/cases)`);
      else console.log(`files: ${r.files ?? `${dir}/cases`}`);
      assert.equal(s.failures.length, 0, r ? describeFailure(seed, r) : '');
      return;
    }
    if (report) {
      console.log(formatSummary(s));
    } else {
      assert.equal(s.failures.length, 0, `${formatSummary(s)}`);
      assert.equal(s.ran, cases);
    }
    // The generator must do its job: many cases damaged beyond what SQLite accepts, many read back.
    assert.ok(s.damaged >= cases * 0.15, `only ${s.damaged} of ${s.ran} cases were damaged in SQLite's eyes`);
    assert.ok((s.counts.agree ?? 0) >= cases * 0.15, `only ${s.counts.agree ?? 0} of ${s.ran} cases were read back`);
  },
);
