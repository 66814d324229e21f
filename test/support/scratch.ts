// Scratch folders for the tests: each a fresh folder under the system's temp dir, removed with
// everything in it once the test or suite that asked for it has ended, and, should the process end
// before that (an uncaught error, process.exit), when it exits.
//
//   it('…', (t) => { const dir = scratchDir(t); … })      removed after this test
//   describe('…', () => { const dir = scratchDir('decnet-x-'); … })   after the suite
//   const dir = scratchDir('decnet-x-');   (at the top of a file)     after the file's tests
//
// Given a prefix, the folder goes when the suite being defined, or the test running, ends: call it
// where the suite is defined, at the top of a file or in a test, never in a before/beforeEach hook
// (node:test would run the removal as soon as the hook returns).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';

const live = new Set<string>();

process.on('exit', () => {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
});

/** The test's name as a folder-name prefix: `decnet-<its words, dashed, at most 40 characters>-`. */
function prefixOf(t: TestContext): string {
  const words = t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `decnet-${words || 'test'}-`;
}

/**
 * A fresh folder `<tmp>/<prefix>XXXXXX`, removed after the test `t` (its prefix made from the test's
 * name), or, given a prefix, after the suite being defined or the test running where it is called.
 */
export function scratchDir(owner: TestContext | string): string {
  const dir = mkdtempSync(join(tmpdir(), typeof owner === 'string' ? owner : prefixOf(owner)));
  live.add(dir);
  const remove = () => {
    rmSync(dir, { recursive: true, force: true });
    live.delete(dir);
  };
  if (typeof owner === 'string') after(remove);
  else owner.after(remove);
  return dir;
}
