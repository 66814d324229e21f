// `decnet-reaper scan`: what DECNET left on the daemon, live and orphan, and what to do next.
import type { DisconnectedEndpoint, Group, OwnedContainer, OwnedNetwork, RemovalPlan, ScanResult, SkippedItem } from '../../core/model';
import { conflictJson, conflictsOfScan, describeOverlap, describeOwner, type NetworkConflict } from '../../core/overlaps';
import { planRemoval } from '../../core/removal/plan';
import { plural } from '../../core/removal/text';
import { attachedName, endpointsToDisconnect, isTornDown } from '../../core/rules';
import { scan } from '../../core/scan';
import { escapeControl, safeJson } from '../../core/textSafe';
import { maskedWords } from '../../core/dockerEndpoint';
import type { CliCommand, CommandContext } from '../command';
import { errorJson, EXIT_OK, usageError } from '../errors';
import { failureFields, unclassifiedError } from '../failures';

/** What `reap --all-orphans` would keep (and why) and disconnect, from the same read. */
interface OrphanView {
  kept: Map<string, SkippedItem>;
  disconnect: DisconnectedEndpoint[];
}

function orphanView(result: ScanResult): OrphanView | undefined {
  if (!result.orphanPrefixes.length || !result.db.ok || !result.docker.ok) return undefined;
  const plan: RemovalPlan = planRemoval(result, result.orphanPrefixes, { allowEmpty: true, allowEmptyDb: true });
  return { kept: new Map(plan.excluded.map((x) => [x.id ?? x.name, x])), disconnect: endpointsToDisconnect(plan) };
}

export function scanJson(result: ScanResult): Record<string, unknown> {
  const view = orphanView(result);
  const conflicts = result.db.ok && result.docker.ok ? conflictsOfScan(result) : [];
  return {
    docker_endpoint: result.dockerEndpoint,
    docker_daemon: result.docker.ok ? result.docker.value.daemon : null,
    database: result.dbSource,
    // As DECNET's report: every topology prefix in the database.
    live_prefixes: result.dbPrefixes,
    live_prefixes_on_daemon: result.livePrefixes,
    orphan_prefixes: result.orphanPrefixes,
    torn_down_prefixes: result.groups.filter(isTornDown).map((g) => g.prefix),
    groups: result.groups.map((g) => {
      const mine = (x: OwnedContainer | OwnedNetwork) => view?.kept.get(x.id);
      const names = new Set(g.networks.map((n) => n.name));
      return {
        prefix: g.prefix,
        state: g.state,
        torn_down: isTornDown(g),
        topology: g.topology ? { id: g.topology.id, name: g.topology.name, status: g.topology.status, mode: g.topology.mode } : null,
        containers: g.containers.map((c) => ({ id: c.id, name: c.name, state: c.state })),
        networks: g.networks.map((n) => ({ id: n.id, name: n.name, subnets: n.subnets })),
        kept: g.state === 'orphan' ? [...g.containers, ...g.networks].flatMap((x) => mine(x) ?? []) : [],
        endpoints_to_disconnect: g.state === 'orphan' ? (view?.disconnect ?? []).filter((e) => names.has(e.network)) : [],
      };
    }),
    subnet_conflicts: conflicts.map(conflictJson),
  };
}

function topologyLine(g: Group): string {
  const t = g.topology;
  const what = `${plural(g.containers.length, 'container')} · ${plural(g.networks.length, 'network')}`;
  if (!t) return `  ${g.prefix}  ${what}`;
  const leftovers = isTornDown(g) ? ` · ${plural(g.containers.length + g.networks.length, 'leftover')}` : '';
  return `  ${escapeControl(t.name)}  ${g.prefix} · ${escapeControl(t.status)} · ${escapeControl(t.mode)} · ${what}${leftovers}`;
}

function resourceLines(g: Group, view: OrphanView | undefined): string[] {
  const lines: string[] = [];
  const kept = (x: OwnedContainer | OwnedNetwork) => (g.state === 'orphan' ? view?.kept.get(x.id) : undefined);
  for (const c of g.containers) {
    const k = kept(c);
    lines.push(`    container ${c.name}  ${c.state}${k ? `  (kept: ${k.reason})` : ''}`);
  }
  for (const n of g.networks) {
    const k = kept(n);
    lines.push(`    network   ${n.name}  ${n.subnets.join(', ') || '(no subnet)'}${k ? `  (kept: ${k.reason})` : ''}`);
    if (g.state === 'orphan' && !k) {
      for (const e of view?.disconnect.filter((d) => d.network === n.name) ?? []) {
        lines.push(`      ${attachedName({ name: e.container, state: e.state })} is not DECNET's: a removal only disconnects it`);
      }
    }
  }
  return lines;
}

function conflictLines(c: NetworkConflict): string[] {
  return [
    `  ${c.network.name}  ${c.network.subnets.join(', ')}  ${describeOwner(c.owner)}`,
    ...c.overlaps.map((o) => `    ${describeOverlap(o)}`),
  ];
}

/** The text of a scan: counts first, then live and orphan groups apart, then what to run next. */
export function scanText(result: ScanResult): string[] {
  const out: string[] = [];
  const live = result.groups.filter((g) => g.state === 'live');
  const orphans = result.groups.filter((g) => g.state === 'orphan');
  const unknown = result.groups.filter((g) => g.state === 'unknown');
  const tornDown = live.filter(isTornDown);
  const classified = result.db.ok && result.docker.ok;
  const conflicts = classified ? conflictsOfScan(result) : [];
  const view = orphanView(result);
  if (classified) {
    const counts = [plural(orphans.length, 'orphan group'), plural(live.length, 'live topology', 'live topologies')];
    if (tornDown.length) counts.push(`${tornDown.length} torn down with leftovers`);
    if (conflicts.length) counts.push(plural(conflicts.length, 'network in a subnet conflict', 'networks in a subnet conflict'));
    out.push(`${counts.join(', ')}.`);
  } else if (result.docker.ok) {
    out.push(`${plural(unknown.length, 'prefix', 'prefixes')} not classified: the database could not be read.`);
  }
  out.push(`Docker endpoint: ${result.dockerEndpoint}`);
  if (result.docker.ok) out.push(`Docker daemon: ${result.docker.value.daemon.name} (id ${result.docker.value.daemon.id})`);
  out.push(`Database: ${result.dbSource}`);
  if (result.docker.ok && !result.groups.length) out.push('', 'No DECNET resources on this daemon.');
  if (live.length) {
    out.push('', `Live (${live.length}):`);
    for (const g of live) out.push(topologyLine(g), ...resourceLines(g, view));
  }
  if (orphans.length) {
    out.push('', `Orphans (${orphans.length}):`);
    for (const g of orphans) out.push(topologyLine(g), ...resourceLines(g, view));
  }
  if (unknown.length) {
    out.push('', `Not classified (${unknown.length}):`);
    for (const g of unknown) out.push(topologyLine(g), ...resourceLines(g, undefined));
  }
  if (conflicts.length) {
    out.push('', `Subnet conflicts (${conflicts.length}):`);
    for (const c of conflicts) out.push(...conflictLines(c));
  }
  const next: string[] = [];
  if (orphans.length) {
    next.push('decnet-reaper reap --all-orphans --dry-run   # what removing every orphan group would do');
    next.push('decnet-reaper reap --all-orphans             # remove them, after a confirmation');
  }
  for (const g of tornDown)
    next.push(`decnet-reaper reap --torn-down ${g.prefix}      # remove what is left of ${escapeControl(g.topology?.name ?? '')}`);
  if (conflicts.length) next.push('decnet-reaper overlaps                       # who holds which subnet');
  if (next.length) out.push('', 'Next:', ...next.map((n) => `  ${n}`));
  return out;
}

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'List the DECNET topologies on the Docker daemon: live, orphan, torn down',
  synopsis: ['scan'],
  description: [
    'Reads the DECNET database and the Docker daemon and groups every DECNET container and network',
    'by topology prefix: live (its topology is in the database) or orphan (not). It says what a',
    'removal would keep and why, the foreign containers it would only disconnect, the networks that',
    "hold a subnet a topology's LAN wants, the leftovers of torn-down topologies, and what to run next.",
    'Nothing is changed. When the database cannot be read, nothing is classified orphan.',
  ].join('\n'),
  flags: {},
  json: [
    '{ "docker_endpoint", "docker_daemon": { "name", "id", "version" } | null, "database",',
    '  "live_prefixes": [every topology prefix in the database], "live_prefixes_on_daemon": [...],',
    '  "orphan_prefixes": [...], "torn_down_prefixes": [...],',
    '  "groups": [{ "prefix", "state": "live" | "orphan" | "unknown", "torn_down": bool,',
    '    "topology": { "id", "name", "status", "mode" } | null, "containers": [{ "id", "name", "state" }],',
    '    "networks": [{ "id", "name", "subnets" }], "kept": [{ "kind", "name", "id", "reason" }],',
    '    "endpoints_to_disconnect": [{ "network", "container", "state" }] }],',
    '  "subnet_conflicts": [ as in overlaps --json ],',
    '  "docker_error": string | null, "database_error": string | null,',
    '  "error": null | { "kind", "message" } }',
  ].join('\n'),
  exits: ['0  read and classified', '2  the database or Docker cannot be read (nothing classified), or bad usage'],
  examples: ['decnet-reaper scan', 'decnet-reaper scan --db /opt/decnet/decnet.db --json', 'decnet-reaper scan --context worker-2'],
  async run(ctx: CommandContext): Promise<number> {
    if (ctx.args.length) throw usageError(`scan takes no arguments (got ${maskedWords(ctx.args)})`, 'scan');
    const target = ctx.target();
    const result = await scan({ db: target.db, dockerHost: target.dockerHost });
    const failure = unclassifiedError(result);
    if (ctx.json) {
      ctx.io.stdout(safeJson({ ...scanJson(result), ...failureFields(result), error: failure ? errorJson(failure) : null }));
    } else {
      for (const line of scanText(result)) ctx.io.stdout(line);
    }
    if (failure) {
      failure.printed = true;
      throw failure;
    }
    return EXIT_OK;
  },
};
