// The words of a removal, the same in the editor and the CLI: the plan, the questions, the
// report, plural rules and why something is kept.
import type { Group, OwnedContainer, OwnedNetwork, ReapReport, RemovalPlan, ScanResult } from '../model';
import { describeDisconnection, endpointsToDisconnect, groupsByPrefix, namedHost, whyKept, type PrefixLookup } from '../rules';

/** `1 container`, `2 containers`, `0 networks`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** `1 container and 2 networks`. */
export function resourceCounts(plan: Pick<RemovalPlan, 'containers' | 'networks'>): string {
  return `${plural(plan.containers.length, 'container')} and ${plural(plan.networks.length, 'network')}`;
}

/** What a removal is about: `0badc0de`, `3 orphan topologies`, `2 torn-down topologies`. */
export function removalSubject(plan: Pick<RemovalPlan, 'prefixes' | 'mode'>): string {
  if (plan.prefixes.length === 1) return plan.prefixes[0];
  if (plan.mode === 'misplaced') return plural(plan.prefixes.length, 'misplaced topology', 'misplaced topologies');
  return plan.mode === 'tornDown'
    ? plural(plan.prefixes.length, 'torn-down topology', 'torn-down topologies')
    : plural(plan.prefixes.length, 'orphan topology', 'orphan topologies');
}

/**
 * Why a resource of a group stays when the group goes (`kept: also belongs to live topology
 * prefix 1a2b3c4d`), or undefined when it goes with the group or the group is not an orphan.
 */
export function keptNote(resource: OwnedContainer | OwnedNetwork, group: Group, groups: PrefixLookup): string | undefined {
  if (group.state !== 'orphan' || resource.removable) return undefined;
  return `kept: ${whyKept(resource, groups)}`;
}

/** `keptNote` from a scan's groups. */
export function keptNoteIn(result: Pick<ScanResult, 'groups'>, resource: OwnedContainer | OwnedNetwork, group: Group): string | undefined {
  return keptNote(resource, group, groupsByPrefix(result.groups));
}

// ---- The confirmation ---------------------------------------------------------------------

/** The plan as people confirm it: where, what goes, what is only disconnected, what is kept. */
export function formatPlan(plan: RemovalPlan): string {
  const lines: string[] = [];
  if (plan.host) lines.push(`Host: ${plan.host.name}`);
  lines.push(`Docker endpoint: ${plan.dockerEndpoint}`);
  lines.push(`Docker daemon: ${plan.daemon.name} (id ${plan.daemon.id})`);
  lines.push(`Database: ${plan.dbSource}`);
  if (plan.mode === 'misplaced') {
    lines.push(`Misplaced topologies (known to the database, belonging on another host; their rows and their resources there stay):`);
    for (const t of plan.topologies ?? []) {
      lines.push(`  ${t.name} (${t.prefix}, ${t.status}, id ${t.id}), belongs on ${plan.belongsOn?.[t.prefix] ?? '?'}`);
    }
  } else if (plan.mode === 'tornDown') {
    lines.push('Torn-down topologies (their rows stay in the database):');
    for (const t of plan.topologies ?? []) lines.push(`  ${t.name} (${t.prefix}, ${t.status}, id ${t.id})`);
  } else {
    lines.push(`Orphan prefixes: ${plan.prefixes.join(', ')}`);
    if (plan.dbTopologyCount === 0) {
      lines.push('Warning: the database holds no topology at all, so every prefix is an orphan. Is it the DECNET database in use?');
    }
  }
  lines.push('');
  // Before the list of what goes: a container that is not DECNET's, touched, must not be missed.
  const foreign = endpointsToDisconnect(plan);
  if (foreign.length) {
    lines.push('Other containers to disconnect (not removed):');
    for (const e of foreign) lines.push(`  ${describeDisconnection(e)}`);
  }
  lines.push(`${plural(plan.containers.length, 'container')} to force-remove:`);
  for (const c of plan.containers) lines.push(`  ${c.name}`);
  lines.push(`${plural(plan.networks.length, 'network')} to remove:`);
  for (const n of plan.networks) {
    const subnets = n.subnets.length ? ` (${n.subnets.join(', ')})` : '';
    lines.push(`  ${n.name}${subnets}`);
  }
  if (plan.excluded.length) {
    lines.push('Kept:');
    for (const x of plan.excluded) lines.push(`  ${x.kind} ${x.name}: ${x.reason}`);
  }
  return lines.join('\n');
}

/** The question asked about a plan; `formatPlan` goes with it. */
export function confirmQuestion(plan: RemovalPlan): string {
  const disconnected = endpointsToDisconnect(plan);
  const also = disconnected.length
    ? ` It also force-disconnects ${disconnected.map(describeDisconnection).join(', ')} (not removed).`
    : '';
  return `${confirmQuestionOf(plan)}${also}`;
}

function confirmQuestionOf(plan: RemovalPlan): string {
  const what = resourceCounts(plan);
  const on = plan.host ? ` on host ${plan.host.name} (${plan.dockerEndpoint}, daemon ${plan.daemon.id})` : '';
  if (plan.mode === 'misplaced') {
    const names = (plan.topologies ?? []).map((t) => `${t.name} (${t.prefix})`).join(', ');
    return `Remove misplaced topology ${names}${on}: ${what}? It belongs on ${Object.values(plan.belongsOn ?? {}).join(', ')}; its row stays in the DECNET database.`;
  }
  if (plan.mode === 'tornDown') {
    const names = (plan.topologies ?? []).map((t) => `${t.name} (${t.prefix})`).join(', ');
    return `Remove the leftovers of torn-down topology ${names}${on}: ${what}? Its row stays in the DECNET database.`;
  }
  if (plan.prefixes.length === 1) return `Force remove orphan topology ${plan.prefixes[0]}${on}: ${what}?`;
  const shown = plan.prefixes.length > 6 ? [...plan.prefixes.slice(0, 6), '…'] : plan.prefixes;
  return `Force remove ${plan.prefixes.length} orphan topologies (${shown.join(', ')})${on}: ${what}?`;
}

/** What must be typed to confirm a torn-down topology's leftovers: its prefixes. */
export function typedConfirmation(plan: Pick<RemovalPlan, 'prefixes'>): string {
  return plan.prefixes.join(' ');
}

/** The prompt of the typed confirmation. */
export function typedPrompt(plan: RemovalPlan): string {
  const names = (plan.topologies ?? []).map((t) => t.name).join(', ');
  const on = plan.host ? ` from host ${plan.host.name} (${plan.dockerEndpoint}, daemon ${plan.daemon.id})` : '';
  if (plan.mode === 'misplaced') return `Type ${typedConfirmation(plan)} to remove misplaced ${names}${on}: ${resourceCounts(plan)}.`;
  return `Type ${typedConfirmation(plan)} to remove the leftovers of ${names}${on}: ${resourceCounts(plan)}.`;
}

/** The plan as JSON (`--dry-run --json`). */
export function planJson(plan: RemovalPlan): object {
  return {
    mode: plan.mode === 'tornDown' ? 'torn_down' : (plan.mode ?? 'orphan'),
    ...(plan.mode === 'tornDown' || plan.mode === 'misplaced' ? { topologies: plan.topologies } : {}),
    ...(plan.mode === 'misplaced' ? { belongs_on: plan.belongsOn } : {}),
    ...(plan.host ? { host: plan.host.name } : {}),
    docker_endpoint: plan.dockerEndpoint,
    docker_daemon: plan.daemon,
    database: plan.dbSource,
    prefixes: plan.prefixes,
    containers: plan.containers.map((c) => ({ id: c.id, name: c.name })),
    networks: plan.networks.map((n) => ({ id: n.id, name: n.name, subnets: n.subnets })),
    endpoints_to_disconnect: endpointsToDisconnect(plan),
    kept: plan.excluded,
  };
}

// ---- The report ---------------------------------------------------------------------------

export function summarizeReport(r: ReapReport): string {
  const what = `Removed ${plural(r.containers_removed.length, 'container')} and ${plural(r.networks_removed.length, 'network')} of ${
    r.mode === 'misplaced'
      ? r.prefixes_reaped.length === 1
        ? `misplaced topology ${r.prefixes_reaped[0]}`
        : `${r.prefixes_reaped.length} misplaced topologies`
      : r.mode === 'torn_down'
      ? r.prefixes_reaped.length === 1
        ? `torn-down topology ${r.prefixes_reaped[0]}`
        : `${r.prefixes_reaped.length} torn-down topologies`
      : r.prefixes_reaped.length === 1
        ? `orphan ${r.prefixes_reaped[0]}`
        : `${r.prefixes_reaped.length} orphan groups`
  }${r.host ? ` on host ${r.host} (${r.docker_endpoint}, daemon ${r.docker_daemon.id})` : ''}`;
  const extra: string[] = [];
  if (r.endpoints_disconnected.length) {
    extra.push(`disconnected ${r.endpoints_disconnected.map(describeDisconnection).join(', ')}`);
  }
  if (r.skipped.length) extra.push(`${plural(r.skipped.length, 'item')} skipped because they changed`);
  if (r.errors.length) extra.push(plural(r.errors.length, 'error'));
  return extra.length ? `${what}; ${extra.join(', ')}.` : `${what}.`;
}

export function reportJson(r: ReapReport): string {
  return JSON.stringify(r, null, 2);
}

/** `a, b, c`, or the first ten and how many in all. */
function shortList(items: readonly string[]): string {
  if (!items.length) return '(none)';
  return items.length > 10 ? `${items.slice(0, 10).join(', ')}, … (${items.length} in all)` : items.join(', ');
}

/** The report as people read it, without the JSON. */
export function formatReportText(r: ReapReport): string {
  const list = (items: string[]): string => (items.length ? items.map((i) => `    ${i}`).join('\n') : '    (none)');
  return [
    `DECNET reap report`,
    `  Time:             ${r.started_at} → ${r.finished_at}`,
    ...(r.host ? [`  Host:             ${r.host}`] : []),
    `  Docker endpoint:  ${r.docker_endpoint}`,
    `  Docker daemon:    ${r.docker_daemon.name} (id ${r.docker_daemon.id})`,
    `  Database:         ${r.database}`,
    `  Live prefixes:    ${shortList(r.live_prefixes)} (every topology in the database)`,
    `  Live on daemon:   ${(r.live_prefixes_on_daemon ?? []).join(', ') || '(none)'}`,
    `  Orphan prefixes:  ${r.orphan_prefixes.join(', ') || '(none)'}`,
    `  Reaped:           ${r.prefixes_reaped.join(', ') || '(none)'}${r.mode === 'torn_down' ? ' (leftovers of torn_down topologies)' : r.mode === 'misplaced' ? ' (misplaced: they belong on another host)' : ''}`,
    `  Containers removed (${r.containers_removed.length}):`,
    list(r.containers_removed.map((n) => (r.already_gone.includes(n) ? `${n} (was already gone)` : n))),
    `  Endpoints disconnected (${r.endpoints_disconnected.length}):`,
    list(r.endpoints_disconnected.map(describeDisconnection)),
    `  Networks removed (${r.networks_removed.length}):`,
    list(r.networks_removed),
    `  Skipped because they changed since the confirmation (${r.skipped.length}):`,
    list(r.skipped.map((s) => `${s.kind} ${s.name}: ${s.reason}`)),
    `  Errors (${r.errors.length}):`,
    list(r.errors),
    ...(r.kept?.length ? [`  Kept (${r.kept.length}):`, list(r.kept.map((k) => `${k.kind} ${k.name}: ${k.reason}`))] : []),
  ].join('\n');
}

/** The report for the output channel: the text, then the same report as JSON. */
export function formatReport(r: ReapReport): string {
  return `${formatReportText(r)}\n${reportJson(r)}`;
}

/** A report of a removal that found nothing to remove. */
export function emptyReport(result: ScanResult): ReapReport {
  const now = new Date().toISOString();
  return {
    started_at: now,
    finished_at: now,
    ...(namedHost(result) ? { host: namedHost(result)!.name } : {}),
    docker_endpoint: result.dockerEndpoint,
    docker_daemon: result.docker.ok ? result.docker.value.daemon : { name: '', id: '', version: '' },
    database: result.dbSource,
    live_prefixes: result.dbPrefixes,
    live_prefixes_on_daemon: result.livePrefixes,
    orphan_prefixes: result.orphanPrefixes,
    prefixes_reaped: [],
    containers_removed: [],
    already_gone: [],
    endpoints_disconnected: [],
    networks_removed: [],
    skipped: [],
    errors: [],
  };
}
