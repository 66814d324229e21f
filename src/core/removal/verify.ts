// The verification: only what a fresh listing shows gone is reported removed.
import type Docker from 'dockerode';
import { describeDockerError, listInventory } from '../docker';
import type { ReapReport, RemovalPlan } from '../model';
import { prefixFromName } from '../naming';
import type { Recheck } from './recheck';
import type { SweepResult } from './sweep';

/** The Docker API calls the verification makes (dockerode's; unit tests give a stand-in). */
export type VerifyDocker = Pick<Docker, 'listContainers' | 'listNetworks' | 'info'>;

/**
 * Lists Docker again and writes the report: what is gone (someone else's removals included, as
 * `already_gone`), what was skipped and why, and every error, a resource still present after its
 * removal included.
 */
export async function verifyRemoval(
  docker: VerifyDocker,
  plan: RemovalPlan,
  checked: Recheck,
  swept: SweepResult,
  startedAt: string,
): Promise<ReapReport> {
  const errors = [...swept.errors];
  const containersRemoved: string[] = [];
  const alreadyGone: string[] = [];
  const networksRemoved: string[] = [];
  const endpoint = checked.fresh.dockerEndpoint;
  try {
    const after = await listInventory(docker as Docker, endpoint);
    const containerIds = new Set(after.containers.map((c) => c.id));
    const networkIds = new Set(after.networks.map((n) => n.id));
    const attempted = new Set(checked.containers.map((c) => c.id));
    for (const c of plan.containers) {
      if (containerIds.has(c.id)) {
        if (attempted.has(c.id) && !swept.failedContainers.has(c.id)) errors.push(`container ${c.name}: still present after removal`);
        continue;
      }
      containersRemoved.push(c.name);
      // Gone, but not by this removal: gone before the re-check, skipped by it (and then removed
      // by someone else), or removed by another client while the sweep ran (Docker said 404).
      if (!attempted.has(c.id) || swept.failedContainers.has(c.id) || swept.goneBefore.has(c.id)) alreadyGone.push(c.name);
    }
    const attemptedNetworks = new Set(checked.networks.map((n) => n.id));
    for (const n of plan.networks) {
      if (networkIds.has(n.id)) {
        if (attemptedNetworks.has(n.id) && !swept.networksNotRemoved.has(n.id))
          errors.push(`network ${n.name}: still present after removal`);
        continue;
      }
      networksRemoved.push(n.name);
      if (!attemptedNetworks.has(n.id) || swept.networksNotRemoved.has(n.id) || swept.goneBefore.has(n.id)) alreadyGone.push(n.name);
    }
  } catch (err) {
    errors.push(`Could not list Docker resources to verify the removal: ${describeDockerError(err)}`);
  }
  // The prefixes something was removed from by this removal (not only found gone).
  const gone = new Set([...containersRemoved, ...networksRemoved]);
  const already = new Set(alreadyGone);
  const reaped = new Set<string>();
  for (const r of [
    ...plan.containers.map((c) => ({ name: c.name, prefixes: c.markers?.prefixes ?? c.prefixes })),
    ...plan.networks.map((n) => ({ name: n.name, prefixes: n.markers?.prefixes ?? [prefixFromName(n.name) ?? ''] })),
  ]) {
    if (gone.has(r.name) && !already.has(r.name)) for (const p of r.prefixes) if (plan.prefixes.includes(p)) reaped.add(p);
  }
  const { fresh } = checked;
  return {
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    mode: checked.mode === 'tornDown' ? 'torn_down' : checked.mode === 'misplaced' ? 'misplaced' : 'orphan',
    ...(plan.host ? { host: plan.host.name } : {}),
    docker_endpoint: endpoint,
    docker_daemon: plan.daemon,
    database: fresh.dbSource,
    live_prefixes: fresh.dbPrefixes,
    live_prefixes_on_daemon: fresh.livePrefixes,
    orphan_prefixes: fresh.orphanPrefixes,
    prefixes_reaped: plan.prefixes.filter((p) => reaped.has(p)),
    containers_removed: containersRemoved.sort(),
    already_gone: alreadyGone.sort(),
    endpoints_disconnected: swept.endpointsDisconnected,
    networks_removed: networksRemoved.sort(),
    skipped: [...checked.skipped, ...swept.skipped],
    errors,
  };
}
