// `decnet-reaper overlaps [CIDR | IP]`: which networks hold a subnet, and who owns them.
import {
  conflictJson,
  describeOverlap,
  describeOwner,
  findConflicts,
  findOverlapsWith,
  lanClaimJson,
  parseCidr,
  type NetworkConflict,
} from '../../core/overlaps';
import { plural } from '../../core/removal/text';
import { scan } from '../../core/scan';
import { safeJson } from '../../core/textSafe';
import { maskedWords } from '../../core/dockerEndpoint';
import type { CliCommand, CommandContext } from '../command';
import { CliError, errorJson, EXIT_OK, usageError } from '../errors';
import { failureFields } from '../failures';
import { attachedName, unclassifiedReason } from '../../core/rules';
import { dbForHost } from '../../core/fleet';
import { ON_HOST_FLAGS, targetOnHost } from '../hostOption';

function describeConflict(c: NetworkConflict, extra: string[] = []): string {
  const lines = [`${c.network.name}  ${c.network.subnets.join(', ')}  ${describeOwner(c.owner)}`];
  lines.push(...extra);
  for (const o of c.overlaps) lines.push(`    ${describeOverlap(o)}`);
  if (c.network.endpoints.length) lines.push(`    containers: ${c.network.endpoints.map(attachedName).join(', ')}`);
  return lines.join('\n');
}

export const overlapsCommand: CliCommand = {
  name: 'overlaps',
  summary: 'Which Docker networks hold a subnet (or a LAN of a topology), and who owns them',
  synopsis: ['overlaps', 'overlaps CIDR', 'overlaps IP'],
  description: [
    "Without an argument: every Docker network (DECNET's or not) whose pool overlaps a LAN of a",
    "topology that is not torn_down, or another network's pool. With a CIDR (172.16.5.0/24,",
    'fd00:dec::/64) or an address: every network whose pool overlaps it, and the LANs that want it.',
    'When the database cannot be read, overlaps between networks are still listed, DECNET owners as',
    'not classified, and the exit status is 2. Nothing is changed.',
  ].join('\n'),
  flags: { ...ON_HOST_FLAGS },
  json: [
    '{ "query": "CIDR" (with an argument), "docker_endpoint", "database",',
    '  "conflicts": [{ "network": { "id", "name", "subnets" }, "owner_prefix", "state": "live" | "orphan"',
    '    | "foreign" | "unknown", "owner_topology": { "id", "name", "status" } | null,',
    '    "containers": [{ "id", "name", "state" }], "overlaps": [{ "subnet", "topology_id", "topology_name", "lan",',
    '    "pool" } | { "subnet", "network": { "id", "name" }, "pool" }], "matched_subnets" (with a CIDR) }],',
    '  "lans": [{ "subnet", "topology_id", "topology_name", "topology_status", "lan" }] (with a CIDR),',
    '  "docker_error", "database_error", "error": null | { "kind", "message" } }',
  ].join('\n'),
  exits: ['0  listed, whether or not it found any overlap', '2  a bad CIDR, or Docker or the database cannot be read'],
  examples: ['decnet-reaper overlaps', 'decnet-reaper overlaps 172.16.5.0/24', 'decnet-reaper overlaps 172.16.5.7 --json'],
  async run(ctx: CommandContext): Promise<number> {
    const { io, args } = ctx;
    if (args.length > 1) throw usageError(`overlaps takes at most one CIDR or address (got ${maskedWords(args)})`, 'overlaps');
    const query = args.length ? parseCidr(args[0]) : undefined;
    if (args.length && !query)
      throw usageError(`"${args[0]}" is neither a CIDR (172.16.5.0/24, fd00:dec::/64) nor an IP address`, 'overlaps');
    const resolved = ctx.target();
    const on = await targetOnHost('overlaps', ctx.flags, resolved, io.env);
    const result = await scan({ db: resolved.db, dockerHost: on.dockerHost, host: on.host });
    const why = unclassifiedReason(result);
    const failure = why
      ? new CliError(
          'unreadable',
          result.docker.ok ? `${why} Topology LANs were not compared and DECNET networks are not classified.` : why,
        )
      : undefined;
    const head = { ...(query ? { query: query.text } : {}), docker_endpoint: result.dockerEndpoint, database: result.dbSource };
    const tail = { ...failureFields(result), error: failure ? errorJson(failure) : null };
    // A Docker pool is per daemon: only the LANs of topologies that belong on this host count.
    const db = result.db.ok ? (on.host ? dbForHost(result.db.value, on.host) : result.db.value) : undefined;
    if (!result.docker.ok) {
      if (ctx.json) io.stdout(safeJson({ ...head, conflicts: [], ...(query ? { lans: [] } : {}), ...tail }));
    } else if (query) {
      const q = findOverlapsWith(query, result.docker.value, db);
      if (ctx.json) io.stdout(safeJson({ ...head, conflicts: q.matches.map(conflictJson), lans: q.lans.map(lanClaimJson), ...tail }));
      else {
        io.stdout(`Docker endpoint: ${result.dockerEndpoint}\nDatabase: ${result.dbSource}`);
        io.stdout(
          q.matches.length ? `Networks whose pools overlap ${q.query.text}:` : `No Docker network's pool overlaps ${q.query.text}.`,
        );
        for (const m of q.matches) io.stdout(describeConflict(m, [`    overlapping ${q.query.text}: ${m.matchedPools.join(', ')}`]));
        if (q.lans.length) {
          io.stdout(`Topology LANs that want it:`);
          for (const l of q.lans) io.stdout(`    ${l.topology.name} (${l.topology.status}), LAN ${l.lan.name}: ${l.lan.subnet}`);
        }
      }
    } else {
      const conflicts = findConflicts(result.docker.value, db);
      if (ctx.json) io.stdout(safeJson({ ...head, conflicts: conflicts.map(conflictJson), ...tail }));
      else {
        io.stdout(`Docker endpoint: ${result.dockerEndpoint}\nDatabase: ${result.dbSource}`);
        for (const c of conflicts) io.stdout(describeConflict(c));
        io.stdout(
          conflicts.length
            ? `${plural(conflicts.length, 'network')} in conflict.`
            : 'No subnet overlaps: no network pool overlaps a LAN of a topology that is not torn_down, nor another pool.',
        );
      }
    }
    if (failure) {
      failure.printed = ctx.json;
      throw failure;
    }
    return EXIT_OK;
  },
};
