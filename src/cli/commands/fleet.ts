// `decnet-reaper fleet`: every host of a DECNET swarm (the master and each worker of
// `swarm_hosts`), scanned concurrently, each with its own timeout and its own error.
import { parseArgs } from 'node:util';
import { CLI_SETTING_NAMES, parseMysqlUrl, resolveDatabase } from '../../core/config';
import { resolveDockerEndpoint } from '../../core/dockerEndpoint';
import { DEFAULT_HOST_TIMEOUT_MS, fleetJson, parseHostMapping, scanFleet, type HostScan } from '../../core/fleet';
import { escapeControl, safeJson } from '../../core/textSafe';
import type { Io } from '../main';

export const FLEET_USAGE = `Usage:
  decnet-reaper fleet [--db PATH | --db-url URL] [--docker-host URL | --context NAME] [--host NAME=ENDPOINT]... [--timeout SECONDS] [--json]

Every host of a DECNET swarm: the master (the Docker endpoint resolved as for scan) and each
worker of the database's swarm_hosts, whose endpoint is given with --host NAME=ENDPOINT (a URL,
or context:NAME for a Docker context); a worker without one is listed as having no endpoint.
On each host, a prefix is live (the database knows it and it belongs there), misplaced (known,
but it belongs on another host) or an orphan. Hosts are scanned concurrently, each within
--timeout seconds (default 10). Exit status: 0 every host answered, 1 some did not, 2 the
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
  lines.push(
    `    live: ${r.livePrefixes.join(', ') || '(none)'} · orphans: ${r.orphanPrefixes.join(', ') || '(none)'} · misplaced: ${(r.misplacedPrefixes ?? []).join(', ') || '(none)'}`,
  );
  for (const g of r.groups) {
    const state = g.misplaced ? `misplaced (belongs on ${g.misplaced.belongsOn})` : g.state;
    const name = g.topology ? ` ${escapeControl(g.topology.name)} (${escapeControl(g.topology.status)}, ${escapeControl(g.topology.mode)})` : '';
    lines.push(`    ${g.prefix}  ${state}${name}  ${g.containers.length} containers · ${g.networks.length} networks`);
  }
  return lines.join('\n');
}

/** `fleet`: 0 every host answered, 1 some did not, 2 the database cannot be read. */
export async function fleetCommand(argv: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        db: { type: 'string' },
        'db-url': { type: 'string' },
        'docker-host': { type: 'string' },
        context: { type: 'string' },
        host: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    io.stderr(`decnet-reaper: ${(e as Error).message}\n\n${FLEET_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(FLEET_USAGE);
    return 0;
  }
  const usage = (msg: string): number => {
    io.stderr(`decnet-reaper: ${msg}\n\n${FLEET_USAGE}`);
    return 2;
  };
  if (values.db !== undefined && values['db-url'] !== undefined) return usage('give either --db or --db-url, not both');
  if (values['docker-host'] !== undefined && values.context !== undefined) return usage('give either --docker-host or --context, not both');
  let mapping: Record<string, string>;
  try {
    mapping = parseHostMapping(values.host ?? []);
  } catch (e) {
    return usage((e as Error).message);
  }
  const timeoutS = values.timeout === undefined ? DEFAULT_HOST_TIMEOUT_MS / 1000 : Number(values.timeout);
  if (!(timeoutS > 0 && timeoutS <= 600)) return usage(`--timeout takes seconds, more than 0 and at most 600 (got ${values.timeout})`);

  const db = resolveDatabase({
    settings: { path: values.db, url: values['db-url'] },
    settingNames: CLI_SETTING_NAMES,
    env: io.env,
    workspaceFolders: [io.cwd],
    secretPassword: values['db-url'] !== undefined ? parseMysqlUrl(values['db-url'])?.password : undefined,
  });
  if (db.kind === 'invalid') {
    io.stderr(`decnet-reaper: ${db.message}. Nothing is read or classified.`);
    return 2;
  }
  const master = resolveDockerEndpoint({ setting: values['docker-host'], context: values.context, env: io.env });
  const fleet = await scanFleet({ db, master, mapping, env: io.env, timeoutMs: timeoutS * 1000 });

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
