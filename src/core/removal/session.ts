// One removal, from the request to the report, the same for every front end: fresh read →
// "can we classify?" → plan → confirm (and, for torn-down leftovers, the prefix typed) →
// re-check → sweep → verify → report. A front end supplies only how to ask and how to show
// progress, and prints the outcome.
import type { ReapReport, RemovalMode, RemovalPlan, RemovalProgress, ScanResult } from '../model';
import { RefusedError } from '../model';
import type { AuditTarget } from '../audit';
import { emptyDatabaseReason, isMisplaced, isTornDown, unclassifiedReason } from '../rules';
import { scan } from '../scan';
import { executeRemoval, type RemovalDocker, type RemovalTarget, type ScanFn } from './execute';
import { emptyDatabaseRefusal, keptDetails, planRemoval } from './plan';
import { requireSameTarget } from './recheck';
import {
  confirmQuestion,
  emptyReport,
  formatPlan,
  plural,
  removalSubject,
  resourceCounts,
  summarizeReport,
  typedConfirmation,
  typedPrompt,
} from './text';

export type RemovalRequest =
  /** These orphan prefixes. */
  | { kind: 'prefixes'; prefixes: string[] }
  /** Every orphan prefix of the fresh read. */
  | { kind: 'allOrphans' }
  /** One orphan prefix of the fresh read, picked by the user. */
  | { kind: 'pick' }
  /** The leftovers of torn_down topologies: these prefixes, or one the user picks. */
  | { kind: 'tornDown'; prefixes?: string[] }
  /** Topologies known to the database found on a swarm host they do not belong on: these prefixes, or one the user picks. */
  | { kind: 'misplaced'; prefixes?: string[] }
  /**
   * A plan made earlier (a plan file, checked by `parsePlanFile`): applied to the same daemon
   * and database only, and only to the planned resources still there unchanged.
   */
  | { kind: 'plan'; plan: RemovalPlan };

/** A prefix offered to pick, with what is on Docker of it. */
export interface PrefixChoice {
  prefix: string;
  /** `2 containers · 1 network`, `maze-old · 3 leftovers`. */
  description: string;
}

/** How a front end asks. A method may throw RefusedError (no terminal to ask on, say). */
export interface RemovalAsker {
  /** Picks one of `choices` (never empty); undefined when the user cancels. */
  pick?(choices: PrefixChoice[], mode: RemovalMode): Promise<string | undefined>;
  /** Shows the plan (`detail`) and asks `question`; false when the user does not confirm. */
  confirm(plan: RemovalPlan, question: string, detail: string): Promise<boolean>;
  /**
   * Torn-down leftovers only, after `confirm`: the row stays in DECNET's database, so nothing
   * there tells them apart from a topology in use but its status, and the user types `expected`
   * (the prefixes). Returns what was typed, undefined when cancelled.
   */
  typePrefix(plan: RemovalPlan, expected: string, prompt: string): Promise<string | undefined>;
  /**
   * When the database holds no topology at all (every prefix is then an orphan), after
   * `confirm`: the user types `expected`, the Docker daemon's name. Returns what was typed,
   * undefined when cancelled. Without it such a removal is refused unless `allowEmptyDb`.
   */
  typeDaemonName?(plan: RemovalPlan, expected: string, prompt: string): Promise<string | undefined>;
}

/** `--yes`: confirms without asking. */
export const assumeYes: RemovalAsker = {
  confirm: () => Promise.resolve(true),
  typePrefix: (_plan, expected) => Promise.resolve(expected),
};

/** How a front end shows the removal going on. */
export interface RemovalProgressSink {
  /** Runs around the removal (the editor shows its progress indicator there). */
  around?<T>(plan: RemovalPlan, removal: () => Promise<T>): Promise<T>;
  /** After each resource. One that throws never stops the sweep. */
  step?(p: RemovalProgress, plan: RemovalPlan): void;
}

export interface RemovalSessionOptions extends RemovalTarget {
  asker: RemovalAsker;
  progress?: RemovalProgressSink;
  /** Plan, and stop there: nothing is asked or removed. */
  dryRun?: boolean;
  /**
   * The fresh read the plan is made from, when the front end made it (the editor refreshes its
   * tree with it) from exactly this target; `null` when that read failed. Else the session reads.
   */
  firstRead?: ScanResult | null;
  /** How to read (default `scan`); the re-check just before removal reads the same way. */
  scan?: ScanFn;
  /** The client that removes and verifies (default `connectDocker(dockerHost)`). */
  docker?: RemovalDocker;
  concurrency?: number;
  /** Called after the re-check, before anything is removed (tests race the removal there). */
  afterRecheck?: () => Promise<void>;
  /** Where the removal is logged (see `executeRemoval`). */
  audit?: AuditTarget;
  /**
   * Remove orphans even though the database holds no topology at all while the daemon holds
   * DECNET resources. Otherwise the asker's `typeDaemonName` must be answered, or it is refused.
   */
  allowEmptyDb?: boolean;
  /**
   * The id of the daemon the user saw (the scan a tree or a fleet listing showed): refused when
   * the fresh read reaches another daemon at the same endpoint.
   */
  expectedDaemonId?: string;
  /**
   * For a misplaced removal, when the front end scanned the hosts the prefixes belong on: prefix →
   * whether any of them holds something of it (the confirmation warns when none does).
   */
  runsAtHome?: Record<string, boolean>;
}

/** Nothing was removed unless `kind` is `removed`. */
export type RemovalOutcome =
  /** The request cannot be carried out (unreadable DB or Docker, a live prefix, another daemon...). */
  | { kind: 'refused'; message: string; plan?: RemovalPlan }
  /**
   * Nothing to remove (no orphan, no torn-down leftovers, or every orphan's resources must be
   * kept: then `plan` lists them with their reasons, and so does the report's `kept`).
   */
  | { kind: 'nothing'; message: string; report: ReapReport; plan?: RemovalPlan }
  /** The user did not pick or confirm. */
  | { kind: 'cancelled'; message: string; plan?: RemovalPlan }
  /** `dryRun`: what would go. */
  | { kind: 'planned'; plan: RemovalPlan }
  /** Done: the report says what is verified gone, skipped, or failed. */
  | { kind: 'removed'; plan: RemovalPlan; report: ReapReport; summary: string };

export const SCAN_FAILED = 'Scanning DECNET and Docker failed, so nothing was removed.';
export const NOT_CONFIRMED = 'not confirmed: nothing was removed';
export const NOT_TYPED = 'not confirmed (the prefix was not typed): nothing was removed';
export const NOT_PICKED = 'no prefix picked: nothing was removed';
export const NOT_TYPED_DAEMON = "not confirmed (the Docker daemon's name was not typed): nothing was removed";

/**
 * Runs one removal. Resolves with what happened; rejects only on an unexpected failure (a
 * RefusedError from anywhere, the asker included, is the `refused` outcome).
 */
export async function runRemovalSession(request: RemovalRequest, options: RemovalSessionOptions): Promise<RemovalOutcome> {
  let plan: RemovalPlan | undefined;
  try {
    const target: RemovalTarget = { dbPath: options.dbPath, db: options.db, dockerHost: options.dockerHost, host: options.host };
    const read = options.scan ?? scan;
    // Never plan from what was shown a while ago.
    const result = options.firstRead === undefined ? await read(target) : options.firstRead;
    if (!result) return { kind: 'refused', message: SCAN_FAILED };
    const unclassified = unclassifiedReason(result);
    if (unclassified) return { kind: 'refused', message: `Nothing was removed: ${unclassified}` };
    const daemon = result.docker.ok ? result.docker.value.daemon : undefined;
    if (options.expectedDaemonId !== undefined && daemon?.id !== options.expectedDaemonId) {
      const where = options.host ? `host ${options.host.name} (${result.dockerEndpoint})` : result.dockerEndpoint;
      return {
        kind: 'refused',
        message: `Nothing was removed: ${where} now reaches another Docker daemon (${daemon?.name} ${daemon?.id}) than the one scanned (id ${options.expectedDaemonId}). Refresh and look again.`,
      };
    }

    const empty = emptyDatabaseReason(result);
    let mode: RemovalMode;
    /** For a plan file: the part of it still on the daemon, which is what the user is asked about. */
    let shown: RemovalPlan | undefined;
    if (request.kind === 'plan') {
      plan = request.plan;
      mode = plan.mode ?? 'orphan';
      // The same daemon (by id) and database as the plan's, before anything is asked.
      const now = daemon;
      if (now?.id && plan.daemon.id && now.id !== plan.daemon.id) {
        return {
          kind: 'refused',
          message: `The plan was made on the Docker daemon ${plan.daemon.name} (id ${plan.daemon.id}), but ${now.name} (id ${now.id}) answers at ${result.dockerEndpoint}. Nothing was removed.`,
          plan,
        };
      }
      requireSameTarget(plan, result);
      // What is asked is what still exists: a plan applied again removes nothing it already removed.
      const there = stillThere(plan, result);
      if (!there.containers.length && !there.networks.length) {
        const n = plan.containers.length + plan.networks.length;
        return {
          kind: 'nothing',
          message: `Nothing to do: ${n === 1 ? 'the planned resource is' : `all ${n} planned resources are`} already gone.`,
          report: emptyReport(result),
          plan,
        };
      }
      shown = there;
    } else {
      const chosen = await prefixesFor(request, result, options.asker);
      if ('kind' in chosen) return chosen;
      mode = request.kind === 'tornDown' || request.kind === 'misplaced' ? request.kind : 'orphan';
      // "Every orphan" when what is left must all be kept is nothing to do, not a refusal.
      plan = planRemoval(result, chosen.prefixes, { mode, allowEmptyDb: true, allowEmpty: request.kind === 'allOrphans' });
      if (mode === 'misplaced' && options.runsAtHome) plan = { ...plan, runsAtHome: options.runsAtHome };
      if (!plan.containers.length && !plan.networks.length) {
        const report: ReapReport = { ...emptyReport(result), kept: plan.excluded };
        const message = `Nothing to remove: of ${removalSubject(plan)} ${keptDetails(plan.excluded)}.`;
        return { kind: 'nothing', message, report, plan };
      }
    }
    const emptyDb = mode === 'orphan' ? empty : undefined;
    if (emptyDb && !options.allowEmptyDb && !options.asker.typeDaemonName) {
      return { kind: 'refused', message: emptyDatabaseRefusal(emptyDb), plan };
    }
    if (options.dryRun) return { kind: 'planned', plan };

    // A plan file's resources already gone are not asked about (they are reported as already gone).
    const asked = shown ?? plan;
    const gone = plan.containers.length + plan.networks.length - asked.containers.length - asked.networks.length;
    const goneNote = gone ? ` (${gone === 1 ? '1 planned resource is' : `${gone} planned resources are`} already gone.)` : '';
    if (!(await options.asker.confirm(asked, `${confirmQuestion(asked)}${goneNote}`, formatPlan(asked)))) {
      return { kind: 'cancelled', message: NOT_CONFIRMED, plan };
    }
    if (mode === 'tornDown' || mode === 'misplaced') {
      const expected = typedConfirmation(plan);
      const typed = await options.asker.typePrefix(plan, expected, typedPrompt(plan));
      if (typed?.trim() !== expected) return { kind: 'cancelled', message: NOT_TYPED, plan };
    }
    if (emptyDb && !options.allowEmptyDb) {
      // A second confirmation: the Docker daemon's name typed.
      const expected = plan.daemon.name || plan.daemon.id;
      const prompt = `${emptyDb[0].toUpperCase()}${emptyDb.slice(1)}. Type the Docker daemon's name, ${expected}, to remove ${resourceCounts(plan)} anyway.`;
      const typed = await options.asker.typeDaemonName!(plan, expected, prompt);
      if (typed?.trim() !== expected) return { kind: 'cancelled', message: NOT_TYPED_DAEMON, plan };
    }

    const confirmed = plan;
    const remove = (): Promise<ReapReport> =>
      executeRemoval(confirmed, {
        ...target,
        scan: options.scan,
        docker: options.docker,
        concurrency: options.concurrency,
        afterRecheck: options.afterRecheck,
        audit: options.audit,
        onProgress: options.progress?.step && ((p) => options.progress?.step?.(p, confirmed)),
      });
    const around = options.progress?.around?.bind(options.progress);
    const report: ReapReport = { ...(around ? await around(confirmed, remove) : await remove()), kept: plan.excluded };
    return { kind: 'removed', plan, report, summary: summarizeReport(report) };
  } catch (e) {
    if (e instanceof RefusedError) return { kind: 'refused', message: e.message, ...(plan ? { plan } : {}) };
    throw e;
  }
}

/** The planned resources still on the daemon of `result` (by id). */
function stillThere(plan: RemovalPlan, result: ScanResult): RemovalPlan {
  const inventory = result.docker.ok ? result.docker.value : undefined;
  const containers = new Set(inventory?.containers.map((c) => c.id));
  const networks = new Set(inventory?.networks.map((n) => n.id));
  // A planned container already gone is no endpoint to disconnect either.
  const gone = new Set(plan.containers.filter((c) => !containers.has(c.id)).map((c) => c.id));
  return {
    ...plan,
    containers: plan.containers.filter((c) => containers.has(c.id)),
    networks: plan.networks
      .filter((n) => networks.has(n.id))
      .map((n) => ({ ...n, endpoints: n.endpoints.filter((e) => !gone.has(e.containerId)) })),
  };
}

/** The prefixes a request names, or why there are none. */
async function prefixesFor(
  request: RemovalRequest,
  result: ScanResult,
  asker: RemovalAsker,
): Promise<{ prefixes: string[] } | Extract<RemovalOutcome, { kind: 'nothing' | 'cancelled' }>> {
  const pickOne = async (choices: PrefixChoice[], mode: RemovalMode) => {
    if (!asker.pick) throw new RefusedError('no prefix was given');
    const picked = await asker.pick(choices, mode);
    return picked ? { prefixes: [picked] } : ({ kind: 'cancelled', message: NOT_PICKED } as const);
  };
  switch (request.kind) {
    case 'plan':
      return { prefixes: request.plan.prefixes };
    case 'prefixes':
      return { prefixes: request.prefixes };
    case 'tornDown': {
      if (request.prefixes?.length) return { prefixes: request.prefixes };
      const tornDown = result.groups.filter(isTornDown);
      if (!tornDown.length) {
        const message = `No torn-down DECNET topology has leftovers on ${result.dockerEndpoint}.`;
        return { kind: 'nothing', message, report: emptyReport(result) };
      }
      const choices = tornDown.map((g) => ({
        prefix: g.prefix,
        description: `${g.topology?.name} · ${plural(g.containers.length + g.networks.length, 'leftover')}`,
      }));
      return pickOne(choices, 'tornDown');
    }
    case 'misplaced': {
      if (request.prefixes?.length) return { prefixes: request.prefixes };
      const misplaced = result.groups.filter(isMisplaced);
      if (!misplaced.length) {
        const message = `No misplaced DECNET topology on ${result.host ? `host ${result.host.name} (${result.dockerEndpoint})` : result.dockerEndpoint}.`;
        return { kind: 'nothing', message, report: emptyReport(result) };
      }
      const choices = misplaced.map((g) => ({
        prefix: g.prefix,
        description: `${g.topology?.name} · belongs on ${g.misplaced?.belongsOn} · ${plural(g.containers.length + g.networks.length, 'resource')}`,
      }));
      return pickOne(choices, 'misplaced');
    }
    case 'allOrphans':
    case 'pick': {
      if (!result.orphanPrefixes.length) {
        const message = `No orphan DECNET topologies on ${result.dockerEndpoint}: every prefix found there is in the database.`;
        return { kind: 'nothing', message, report: emptyReport(result) };
      }
      if (request.kind === 'allOrphans') return { prefixes: result.orphanPrefixes };
      const choices = result.groups
        .filter((g) => g.state === 'orphan')
        .map((g) => ({
          prefix: g.prefix,
          description: `${plural(g.containers.length, 'container')} · ${plural(g.networks.length, 'network')}`,
        }));
      return pickOne(choices, 'orphan');
    }
  }
}
