// The words of a removal, the same in the editor and the CLI: the plan, the questions, the
// report, plural rules and why something is kept.
import type { Group, OwnedContainer, OwnedNetwork, ReapReport, RemovalPlan, ScanResult } from '../model';
import { describeDisconnection, endpointsToDisconnect, namedHost, whyKept, type PrefixLookup } from '../rules';

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
      if (plan.runsAtHome?.[t.prefix] === false)
        lines.push(
          `    Warning: nothing of ${t.name} runs on ${plan.belongsOn?.[t.prefix] ?? 'the host it belongs on'}: after this it runs nowhere.`,
        );
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
  if (plan.frees?.length) {
    lines.push('Subnets freed for topologies that want them:');
    for (const f of plan.frees) lines.push(`  ${f.replace(/^frees /, '')}`);
  }
  if (plan.excluded.length) {
    lines.push('Kept:');
    for (const x of plan.excluded) lines.push(`  ${x.kind} ${x.name}: ${x.reason}`);
  }
  return lines.join('\n');
}

/** Above this many listed resources, a modal confirmation shows a summary (the review lists them all). */
export const MODAL_LIST_MAX = 12;

/**
 * What a modal confirmation shows under its question: the whole plan (`detail`) when it is short,
 * else where it acts and how many of each, the whole list being one click away.
 */
export function confirmDetail(plan: RemovalPlan, detail: string): string {
  const listed = plan.containers.length + plan.networks.length + plan.excluded.length + endpointsToDisconnect(plan).length;
  if (listed <= MODAL_LIST_MAX) return detail;
  const head = detail.split('\n\n')[0];
  const lines = [head, '', `${resourceCounts(plan)} to remove`];
  const disconnected = endpointsToDisconnect(plan).length;
  if (disconnected) lines.push(`${plural(disconnected, 'other container')} to disconnect (not removed)`);
  if (plan.excluded.length) lines.push(`${plural(plan.excluded.length, 'resource')} kept`);
  lines.push('', 'Review Plan in Editor lists every one, and is where you decide.');
  return lines.join('\n');
}

/** The question asked about a plan; `formatPlan` goes with it. */
export function confirmQuestion(plan: RemovalPlan): string {
  const disconnected = endpointsToDisconnect(plan);
  const also = disconnected.length ? ` It also force-disconnects ${disconnected.map(describeDisconnection).join(', ')} (not removed).` : '';
  const frees = plan.frees?.length
    ? ` It ${plan.frees.length > 3 ? `${plan.frees.slice(0, 3).join('; ')} and ${plan.frees.length - 3} more` : plan.frees.join('; ')}.`
    : '';
  return `${runsNowhere(plan)}${confirmQuestionOf(plan)}${frees}${also}`;
}

/** For a misplaced removal: `Nothing of branch-office runs on w1: after this it runs nowhere. `, for each such topology. */
function runsNowhere(plan: RemovalPlan): string {
  if (plan.mode !== 'misplaced' || !plan.runsAtHome) return '';
  return (plan.topologies ?? [])
    .filter((t) => plan.runsAtHome?.[t.prefix] === false)
    .map((t) => `Nothing of ${t.name} runs on ${plan.belongsOn?.[t.prefix] ?? 'the host it belongs on'}: after this it runs nowhere. `)
    .join('');
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

/** What a removal removed itself: what it verified gone, less what someone else had removed first. */
export function removedByIt(r: Pick<ReapReport, 'containers_removed' | 'networks_removed' | 'already_gone'>): {
  containers: string[];
  networks: string[];
} {
  const already = new Set(r.already_gone);
  return { containers: r.containers_removed.filter((n) => !already.has(n)), networks: r.networks_removed.filter((n) => !already.has(n)) };
}

/** What a removal was about: `orphan 0badc0de`, `2 torn-down topologies`, with the host in a swarm. */
function reportSubject(r: ReapReport): string {
  const prefixes = r.prefixes_reaped;
  const what =
    r.mode === 'misplaced'
      ? prefixes.length === 1
        ? `misplaced topology ${prefixes[0]}`
        : `${prefixes.length} misplaced topologies (${prefixes.join(', ')})`
      : r.mode === 'torn_down'
        ? prefixes.length === 1
          ? `torn-down topology ${prefixes[0]}`
          : `${prefixes.length} torn-down topologies (${prefixes.join(', ')})`
        : prefixes.length === 1
          ? `orphan ${prefixes[0]}`
          : `${prefixes.length} orphan groups (${prefixes.join(', ')})`;
  return `${what}${r.host ? ` on host ${r.host} (${r.docker_endpoint}, daemon ${r.docker_daemon.id})` : ''}`;
}

/** One sentence for a removal: what it removed itself (not what was already gone), then the rest. */
export function summarizeReport(r: ReapReport): string {
  const mine = removedByIt(r);
  const already = r.already_gone.length;
  const what =
    mine.containers.length || mine.networks.length
      ? `Removed ${plural(mine.containers.length, 'container')} and ${plural(mine.networks.length, 'network')} of ${reportSubject(r)}`
      : already
        ? `Nothing was removed: ${already === 1 ? 'the planned resource was' : `all ${already} planned resources were`} already gone`
        : 'Nothing was removed';
  const extra: string[] = [];
  if (already && (mine.containers.length || mine.networks.length)) extra.push(`${already} already gone`);
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
  const mine = removedByIt(r);
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
    `  Containers removed (${mine.containers.length}):`,
    list(mine.containers),
    `  Endpoints disconnected (${r.endpoints_disconnected.length}):`,
    list(r.endpoints_disconnected.map(describeDisconnection)),
    `  Networks removed (${mine.networks.length}):`,
    list(mine.networks),
    ...(r.already_gone.length ? [`  Already gone before this removal (${r.already_gone.length}):`, list(r.already_gone)] : []),
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
