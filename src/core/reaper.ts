// Removal, as one import: planning (removal/plan.ts), the re-check just before (removal/recheck.ts),
// the sweep (removal/sweep.ts), its verification (removal/verify.ts), and the session that runs
// them for the editor and the CLI (removal/session.ts). The rules are in rules.ts.
export type { PlannedContainer, PlannedNetwork, PlannedTopology, RemovalMode, RemovalPlan, RemovalProgress } from './model';
export { RefusedError } from './model';
export { removableIn } from './rules';
export { executeRemoval, type ExecuteOptions, type RemovalDocker, type RemovalTarget, type ScanFn } from './removal/execute';
export { planRemoval, type PlanOptions } from './removal/plan';
export { DEFAULT_CONCURRENCY, removalSchedule } from './removal/sweep';
export {
  assumeYes,
  runRemovalSession,
  type PrefixChoice,
  type RemovalAsker,
  type RemovalOutcome,
  type RemovalProgressSink,
  type RemovalRequest,
  type RemovalSessionOptions,
} from './removal/session';
