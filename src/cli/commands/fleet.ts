// `decnet-reaper fleet`: every host of a DECNET swarm (the master and each worker of
// `swarm_hosts`), scanned concurrently, each with its own timeout and its own error.
import { DEFAULT_HOST_TIMEOUT_MS, fleetJson, parseHostMapping, scanFleet, type HostScan } from '../../core/fleet';
import { plural } from '../../core/removal/text';
import { escapeControl, safeJson } from '../../core/textSafe';
import { maskedWords } from '../../core/dockerEndpoint';
import type { CliCommand, CommandContext } from '../command';
import { usageError } from '../errors';
import { ON_HOST_FLAGS } from '../hostOption';

export const FLEET_USAGE = `Usage:
  decnet-reaper fleet [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--host NAME=ENDPOINT]... [--timeout SECONDS] [--json]

Every host of a DECNET swarm: the master (the Docker endpoint resolved as for scan) and each
worker of the database's swarm_hosts, whose endpoint is given with --host NAME=ENDPOINT (a URL,
or context:NAME for a Docker context); a worker without one is listed as having no endpoint.
On each host, a prefix is live (the database knows it and it belongs there), misplaced (known,
but it belongs on another host) or an orphan. Hosts are scanned concurrently, each within
--timeout seconds (default 10 here). Exit status: 0 every host answered, 1 some did not, 2 the
database cannot be read or bad usage.`;

function describeHost(s: HostScan): string {
  const r = s.result;
  const h = s.host;
  const lines: string[] = [];
  const decnet = h.swarm
    ? ` · DECNET: ${escapeControl(h.swarm.status)}, last heartbeat ${escapeControl(h.swarm.lastHeartbeat ?? 'never')}`
    : '';
  lines.push(`${h.ref.name}  ${s.endpointLabel}${decnet}`);
  if (!r.docker.ok) {
    lines.push(`    error: ${r.docker.error.message}`);
    if (!h.endpoint && h.offer) lines.push(`    give it with --host ${h.ref.name}=${h.offer} (its address in swarm_hosts)`);
    return lines.join('\n');
  }
  const d = r.docker.value.daemon;
  lines.push(`    daemon ${d.name} (id ${d.id}, Docker ${d.version})`);
  if (s.sameDaemonAs?.length) lines.push(`    same Docker daemon as ${s.sameDaemonAs.join(', ')}: what belongs on either is live here`);
  lines.push(
    `    live: ${r.livePrefixes.join(', ') || '(none)'} · orphans: ${r.orphanPrefixes.join(', ') || '(none)'} · misplaced: ${(r.misplacedPrefixes ?? []).join(', ') || '(none)'}`,
  );
  for (const g of r.groups) {
    const state = g.misplaced ? `misplaced (belongs on ${g.misplaced.belongsOn})` : g.state;
    const name = g.topology
      ? ` ${escapeControl(g.topology.name)} (${escapeControl(g.topology.status)}, ${escapeControl(g.topology.mode)})`
      : '';
    lines.push(`    ${g.prefix}  ${state}${name}  ${plural(g.containers.length, 'container')} · ${plural(g.networks.length, 'network')}`);
  }
  return lines.join('\n');
}

/** `fleet`: 0 every host answered, 1 some did not, 2 the database cannot be read. */
export const fleetCommand: CliCommand = {
  name: 'fleet',
  summary: 'Every host of a DECNET swarm: live, misplaced and orphan groups on each',
  synopsis: ['fleet [--host NAME=ENDPOINT]... [--timeout SECONDS]'],
  description: FLEET_USAGE.split('\n\n').slice(1).join('\n\n'),
  flags: {
    host: ON_HOST_FLAGS.host,
  },
  json: [
    '{ "database", "database_error", "hosts": [{ "name", "uuid", "endpoint", "address", "status", "last_heartbeat",',
    '  "daemon": { "name", "id", "version" } | null, "same_daemon_as"?: [names], "error": null | "…", "live_prefixes", "orphan_prefixes",',
    '  "misplaced_prefixes", "groups" }] } (the master is "master", with uuid null)',
  ].join('\n'),
  exits: ['0  every host answered', '1  some hosts did not (each says why)', '2  the database cannot be read, bad usage'],
  examples: ['decnet-reaper fleet --host worker-1=ssh://ops@10.0.0.21 --host worker-2=context:w2', 'decnet-reaper fleet --json'],
  async run(ctx: CommandContext): Promise<number> {
    return runFleet(ctx);
  },
};

async function runFleet(ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  if (ctx.args.length) throw usageError(`fleet takes no arguments (got ${maskedWords(ctx.args)})`, 'fleet');
  const values = { json: ctx.json };
  let mapping: Record<string, string>;
  try {
    mapping = parseHostMapping((ctx.flags.host as string[] | undefined) ?? []);
  } catch (e) {
    throw usageError((e as Error).message, 'fleet');
  }
  const { db, dockerHost: master } = ctx.target();
  // Each host's whole scan within --timeout (10 s unless given).
  const fleet = await scanFleet({ db, master, mapping, env: io.env, timeoutMs: ctx.timeoutMs ?? DEFAULT_HOST_TIMEOUT_MS });

  if (values.json) {
    io.stdout(safeJson(fleetJson(fleet)));
  } else {
    io.stdout(`Database: ${fleet.dbSource}`);
    for (const s of fleet.hosts) io.stdout(describeHost(s));
  }
  for (const name of fleet.unknownMappings) io.stderr(`decnet-reaper: --host ${name}: no host of the swarm has this name`);
  if (!fleet.db.ok) {
    io.stderr(
      `decnet-reaper: The DECNET database could not be read (${fleet.db.error.kind}): ${fleet.db.error.message}. Its workers are unknown and nothing is classified orphan.`,
    );
    return 2;
  }
  const silent = fleet.hosts.filter((s) => !s.result.docker.ok);
  for (const s of silent) {
    if (!s.result.docker.ok) io.stderr(`decnet-reaper: host ${s.host.ref.name}: ${s.result.docker.error.message}`);
  }
  return silent.length ? 1 : 0;
}
