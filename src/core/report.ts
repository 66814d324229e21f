// What a removal did, as people read it and as DECNET's reap-orphans JSON.
import type { RemovalPlan } from './reaper';

export interface SkippedItem {
  kind: 'container' | 'network';
  name: string;
  reason: string;
  /** Docker's id: resources are told apart by id, since a name can be reused. */
  id?: string;
}

/** Keys follow DECNET's `POST /api/v1/topologies/reap-orphans` report; the rest are additions. */
export interface ReapReport {
  started_at: string;
  finished_at: string;
  /** `orphan` (the default when absent) or `torn_down`: leftovers of a topology whose row says `torn_down`. */
  mode?: 'orphan' | 'torn_down';
  docker_endpoint: string;
  /** The daemon that answered at the endpoint: its host name and id. */
  docker_daemon: { name: string; id: string; version: string };
  database: string;
  live_prefixes: string[];
  orphan_prefixes: string[];
  prefixes_reaped: string[];
  /** Containers verified gone after the removal (including those already gone before it). */
  containers_removed: string[];
  /** Of those, the ones that someone else had removed first. */
  already_gone: string[];
  endpoints_disconnected: { network: string; container: string }[];
  /** Networks verified gone after the removal. */
  networks_removed: string[];
  skipped: SkippedItem[];
  errors: string[];
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function formatPlan(plan: RemovalPlan): string {
  const lines: string[] = [];
  lines.push(`Docker endpoint: ${plan.dockerEndpoint}`);
  lines.push(`Docker daemon: ${plan.daemon.name} (id ${plan.daemon.id})`);
  lines.push(`Database: ${plan.dbSource}`);
  if (plan.mode === 'tornDown') {
    lines.push('Torn-down topologies (their rows stay in the database):');
    for (const t of plan.topologies ?? []) lines.push(`  ${t.name} (${t.prefix}, ${t.status}, id ${t.id})`);
  } else {
    lines.push(`Orphan prefixes: ${plan.prefixes.join(', ')}`);
    if (plan.dbTopologyCount === 0) {
      lines.push('Warning: the database holds no topology at all, so every prefix is an orphan. Is it the DECNET database in use?');
    }
  }
  lines.push('');
  lines.push(`${plural(plan.containers.length, 'container')} to force-remove:`);
  for (const c of plan.containers) lines.push(`  ${c.name}`);
  lines.push(`${plural(plan.networks.length, 'network')} to remove:`);
  for (const n of plan.networks) {
    const subnets = n.subnets.length ? ` (${n.subnets.join(', ')})` : '';
    lines.push(`  ${n.name}${subnets}`);
  }
  const plannedIds = new Set(plan.containers.map((c) => c.id));
  const foreign = plan.networks.flatMap((n) =>
    n.endpoints.filter((e) => !plannedIds.has(e.containerId)).map((e) => `  ${e.name} from ${n.name}`),
  );
  if (foreign.length) {
    lines.push('Other containers to disconnect (not removed):');
    lines.push(...foreign);
  }
  if (plan.excluded.length) {
    lines.push('Kept:');
    for (const x of plan.excluded) lines.push(`  ${x.kind} ${x.name}: ${x.reason}`);
  }
  return lines.join('\n');
}

export function summarizeReport(r: ReapReport): string {
  const what = `Removed ${plural(r.containers_removed.length, 'container')} and ${plural(r.networks_removed.length, 'network')} of ${
    r.mode === 'torn_down'
      ? r.prefixes_reaped.length === 1
        ? `torn-down topology ${r.prefixes_reaped[0]}`
        : `${r.prefixes_reaped.length} torn-down topologies`
      : r.prefixes_reaped.length === 1
        ? `orphan ${r.prefixes_reaped[0]}`
        : `${r.prefixes_reaped.length} orphan groups`
  }`;
  const extra: string[] = [];
  if (r.skipped.length) extra.push(`${plural(r.skipped.length, 'item')} skipped because they changed`);
  if (r.errors.length) extra.push(plural(r.errors.length, 'error'));
  return extra.length ? `${what}; ${extra.join(', ')}.` : `${what}.`;
}

export function reportJson(r: ReapReport): string {
  return JSON.stringify(r, null, 2);
}

/** The report as people read it, without the JSON. */
export function formatReportText(r: ReapReport): string {
  const list = (items: string[]): string => (items.length ? items.map((i) => `    ${i}`).join('\n') : '    (none)');
  return [
    `DECNET reap report`,
    `  Time:             ${r.started_at} → ${r.finished_at}`,
    `  Docker endpoint:  ${r.docker_endpoint}`,
    `  Docker daemon:    ${r.docker_daemon.name} (id ${r.docker_daemon.id})`,
    `  Database:         ${r.database}`,
    `  Live prefixes:    ${r.live_prefixes.join(', ') || '(none)'}`,
    `  Orphan prefixes:  ${r.orphan_prefixes.join(', ') || '(none)'}`,
    `  Reaped:           ${r.prefixes_reaped.join(', ') || '(none)'}${r.mode === 'torn_down' ? ' (leftovers of torn_down topologies)' : ''}`,
    `  Containers removed (${r.containers_removed.length}):`,
    list(r.containers_removed.map((n) => (r.already_gone.includes(n) ? `${n} (was already gone)` : n))),
    `  Endpoints disconnected (${r.endpoints_disconnected.length}):`,
    list(r.endpoints_disconnected.map((e) => `${e.container} from ${e.network}`)),
    `  Networks removed (${r.networks_removed.length}):`,
    list(r.networks_removed),
    `  Skipped because they changed since the confirmation (${r.skipped.length}):`,
    list(r.skipped.map((s) => `${s.kind} ${s.name}: ${s.reason}`)),
    `  Errors (${r.errors.length}):`,
    list(r.errors),
  ].join('\n');
}

/** The report for the output channel: the text, then the same report as JSON. */
export function formatReport(r: ReapReport): string {
  return `${formatReportText(r)}\n${reportJson(r)}`;
}
