import * as vscode from 'vscode';
import { readRegularFile } from '../../core/fsSafe';
import { MAX_PLAN_BYTES, parsePlanFile, planFromFile, planTargetMismatch, planTargetRefusal } from '../../core/removal/planFile';
import { Fixes, showErrorWithOutput } from '../notify';
import type { Services } from '../services';
import { resolveScanTarget } from '../settings';

/**
 * decnet.plan.apply — opens a plan file, shows the confirmation built from it, and applies it on
 * the database and Docker endpoint the extension reads (its settings, the environment,
 * decnet.ini), never on the plan's: a plan made from another database or on another endpoint or
 * daemon is refused, saying both, as is a file changed since it was written or a database that
 * cannot be read. Of the plan, only what is still there unchanged and still allowed is removed.
 * Accepts a path or a Uri (executeCommand).
 */
export async function applyPlan(services: Services, arg?: unknown): Promise<void> {
  let file: string | undefined = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Apply DECNET Removal Plan',
      canSelectMany: false,
      filters: { 'DECNET plan': ['json'] },
      openLabel: 'Apply Plan',
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return;
  const plan = parsePlanFile(readRegularFile(file, MAX_PLAN_BYTES).toString('utf8'));
  // What decides what is live is what the extension reads, never what the plan names.
  const target = await resolveScanTarget(services.secrets);
  const mismatch = planTargetMismatch(plan, { db: target.db, dockerHost: target.options.dockerHost });
  const log = services.log.for('reaper');
  if (mismatch) {
    const message = planTargetRefusal(mismatch, {
      database:
        "If the plan's database is DECNET's, make it the one the extension reads (DECNET: Select Database…, or decnet.database.path / decnet.database.url).",
      endpoint: "If the plan's endpoint is the right one, set it in decnet.docker.host.",
    });
    log.warn(`refused plan ${file}: ${message}`);
    showErrorWithOutput(services.log, message, mismatch.database ? [Fixes.selectDatabase, Fixes.openSettings] : [Fixes.openSettings]);
    return;
  }
  log.info(`applying plan ${file} (plan_sha256 ${plan.plan_sha256})`);
  await services.removal.run({ kind: 'plan', plan: planFromFile(plan), target: target.options });
}
