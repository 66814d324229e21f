// Removal of a confirmed plan: re-check → sweep → verify.
import type { DbTarget } from '../config';
import { connectDocker } from '../docker';
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
  const target: RemovalTarget = { dbPath: opts.dbPath, db: opts.db, dockerHost: opts.dockerHost, host: opts.host ?? plan.host };
  const fresh = await (opts.scan ?? scan)(target);
  const checked = recheck(plan, fresh);
  await opts.afterRecheck?.();
  const docker = opts.docker ?? connectDocker(opts.dockerHost);
  const swept = await sweep(docker, plan, checked, opts);
  return verifyRemoval(docker, plan, checked, swept, startedAt);
}
