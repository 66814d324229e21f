import * as vscode from 'vscode';
import { readRegularFile } from '../../core/fsSafe';
import { MAX_PLAN_BYTES, parsePlanFile, planDatabase, planDockerEndpoint, planFromFile, requirePlanTarget } from '../../core/removal/planFile';
import type { Services } from '../services';
import { MYSQL_PASSWORD_SECRET } from '../settings';

/**
 * decnet.plan.apply — opens a plan file, shows the confirmation built from it, and applies it to
 * the plan's own database and Docker endpoint: refused whole when the file was changed, the daemon
 * or the database is another, or the database cannot be read; of the plan, only what is still
 * there unchanged and still allowed is removed. Accepts a path or a Uri (executeCommand).
 */
export async function applyPlan(services: Services, arg?: unknown): Promise<void> {
  let file: string | undefined = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Apply DECNET Removal Plan',
      canSelectMany: false,
      filters: { 'DECNET plan': ['json'] },
      openLabel: 'Apply Plan…',
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return;
  const plan = parsePlanFile(readRegularFile(file, MAX_PLAN_BYTES).toString('utf8'));
  const db = planDatabase(plan, process.env, await services.secrets.get(MYSQL_PASSWORD_SECRET));
  if (db.kind === 'invalid') throw new Error(db.message);
  const dockerHost = planDockerEndpoint(plan, process.env);
  requirePlanTarget(plan, dockerHost, db);
  services.log.for('reaper').info(`applying plan ${file} (plan_sha256 ${plan.plan_sha256})`);
  await services.removal.run({ kind: 'plan', plan: planFromFile(plan), target: { db, dockerHost } });
}
