// What the end-to-end journeys share: the packaged .vsix, steps that keep evidence when they
// fail, the tree as text, and whether a Docker resource still exists.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import type Docker from 'dockerode';
import type { TreeRow } from './pages/tree';
import type { CodeServer } from './session';

export const ROOT = resolve(__dirname, '..', '..');
export const VSIX = join(ROOT, 'dist', 'decnet-topology-reaper.vsix');
export const SCREENSHOTS = join(ROOT, 'media', 'screenshots');

/** `npm run package` (skipped with DECNET_E2E_SKIP_PACKAGE=1 when the .vsix exists). */
export function packageVsix(): string {
  if (process.env.DECNET_E2E_SKIP_PACKAGE === '1' && existsSync(VSIX)) return VSIX;
  rmSync(VSIX, { force: true });
  const r = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`\`npm run package\` failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  assert.ok(existsSync(VSIX), `npm run package did not produce ${VSIX}`);
  return VSIX;
}

export function show(rows: TreeRow[]): string {
  return rows.map((r) => `${'  '.repeat(r.level - 1)}${r.label}${r.description ? ` — ${r.description}` : ''}`).join('\n');
}

export async function exists(what: 'container' | 'network', d: Docker, id: string): Promise<boolean> {
  try {
    if (what === 'container') await d.getContainer(id).inspect();
    else await d.getNetwork(id).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

/**
 * Runs the steps of one journey; after a failed one the rest are skipped, and a screenshot, the
 * code-server log and VS Code's logs are kept in `artifacts/<evidence>`.
 */
export function stepper(t: TestContext, session: () => CodeServer | undefined, artifacts: string, evidence: string) {
  let failed = false;
  return async (name: string, fn: () => Promise<void>) => {
    await t.test(name, { skip: failed ? 'an earlier step failed' : false }, async () => {
      try {
        await fn();
      } catch (e) {
        failed = true;
        const cs = session();
        if (cs) {
          const dir = join(artifacts, evidence);
          mkdirSync(dir, { recursive: true });
          await cs.screenshot(join(dir, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`)).catch(() => undefined);
          writeFileSync(join(dir, 'code-server.log'), cs.log);
          try {
            cpSync(join(cs.userDataDir, 'logs'), join(dir, 'logs'), { recursive: true });
          } catch {
            /* no logs yet */
          }
          console.error(`# evidence in ${dir}; tree now:\n${show(await cs.tree.rows().catch(() => []))}`);
        }
        throw e;
      }
    });
  };
}
