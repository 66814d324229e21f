// Removal of a confirmed plan: re-check → sweep → verify.
import { AuditLog, type AuditTarget } from '../audit';
import type { DbTarget } from '../config';
import { connectDocker, describeDockerError } from '../docker';
import type { DockerEndpoint } from '../dockerEndpoint';
import type { HostRef, ReapReport, RemovalPlan, ScanResult } from '../model';
import { endpointLabel, scan } from '../scan';
import { recheck, requireSameEndpoint } from './recheck';
import { sweep, type SweepDocker, type SweepOptions } from './sweep';
import { verifyRemoval, type VerifyDocker } from './verify';

/** Where a removal reads and removes: exactly what its plan was made from. */
export interface RemovalTarget {
  /** The SQLite file; ignored when `db` is given. */
  dbPath?: string | undefined;
  /** The backend the plan was made from (SQLite or MySQL). */
  db?: DbTarget;
  dockerHost: string | DockerEndpoint;
  /** The swarm host `dockerHost` reaches, when the removal acts on one (see fleet.ts). */
  host?: HostRef;
}

/** Reads the DB and Docker (`scan` by default; unit tests read a stand-in daemon). */
export type ScanFn = (target: RemovalTarget) => Promise<ScanResult>;

/** The Docker API calls a removal makes. */
export type RemovalDocker = SweepDocker & VerifyDocker;

export interface ExecuteOptions extends RemovalTarget, SweepOptions {
  /** Called after the fresh re-read, before anything is removed (tests use it to race the removal). */
  afterRecheck?: () => Promise<void>;
  /** How the re-check reads; default `scan`. */
  scan?: ScanFn;
  /** The client that removes and verifies; default `connectDocker(dockerHost)`. */
  docker?: RemovalDocker;
  /**
   * The audit log to append the removal to (front ends always give one: a path, or
   * `{ disabled: true }` when the user opted out). Absent: none (unit tests, benchmarks).
   */
  audit?: AuditTarget;
}

/**
 * Removes what `plan` names and nothing else. Refuses (RefusedError) when the endpoint, the
 * daemon or the database is not the one confirmed, or cannot be read. Just before removing, the DB
 * and Docker are read again: a resource whose prefix left the plan's allowed state, or that
 * appeared since the plan, is skipped and reported; one already gone counts as done. Then the
 * sweep, and a final listing tells what is really gone. Per-resource errors are collected; they
 * never stop the sweep.
 */
export async function executeRemoval(plan: RemovalPlan, opts: ExecuteOptions): Promise<ReapReport> {
  const startedAt = new Date().toISOString();
  requireSameEndpoint(plan, endpointLabel(opts.dockerHost));
  // Before anything is removed: a log that cannot be opened refuses the removal.
  const log = opts.audit && 'path' in opts.audit ? AuditLog.open(opts.audit.path) : undefined;
  try {
    const target: RemovalTarget = { dbPath: opts.dbPath, db: opts.db, dockerHost: opts.dockerHost, host: opts.host ?? plan.host };
    const fresh = await (opts.scan ?? scan)(target);
    const checked = recheck(plan, fresh);
    await opts.afterRecheck?.();
    const docker = opts.docker ?? connectDocker(opts.dockerHost);
    const inspected = new Map<string, { kind: 'container' | 'network'; value: unknown }>();
    const beforeRemove = log
      ? async (kind: 'container' | 'network', id: string): Promise<void> => {
          try {
            const value: unknown = kind === 'container' ? await docker.getContainer(id).inspect() : await docker.getNetwork(id).inspect();
            inspected.set(id, { kind, value });
          } catch (err) {
            inspected.set(id, { kind, value: { Id: id, error: describeDockerError(err) } });
          }
        }
      : undefined;
    const swept = await sweep(docker, plan, checked, { ...opts, beforeRemove });
    const report = await verifyRemoval(docker, plan, checked, swept, startedAt);
    // What was kept and why belongs to the report, in the audit log as on screen.
    report.kept = [...plan.excluded];
    if (log) {
      // What was inspected and is verified gone.
      const goneContainers = new Set(report.containers_removed);
      const goneNetworks = new Set(report.networks_removed);
      const pick = (kind: 'container' | 'network', items: readonly { id: string; name: string }[], gone: Set<string>) =>
        items.filter((x) => gone.has(x.name) && inspected.get(x.id)?.kind === kind).map((x) => inspected.get(x.id)!.value);
      try {
        log.append(report, {
          containers: pick('container', plan.containers, goneContainers),
          networks: pick('network', plan.networks, goneNetworks),
        });
      } catch (err) {
        report.errors.push(`The audit log ${log.path} could not be written: ${(err as Error).message}`);
      }
    }
    return report;
  } finally {
    log?.close();
  }
}
