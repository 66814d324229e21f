// `--on NAME` and `--host NAME=ENDPOINT`: which host of a DECNET swarm a command acts on.
import type { DbTarget } from '../core/config';
import type { DockerEndpoint } from '../core/dockerEndpoint';
import { hostNamed, MASTER_NAME, parseHostMapping, resolveFleetHosts } from '../core/fleet';
import { MASTER, RefusedError, type HostRef } from '../core/model';
import { readDb } from '../core/scan';
import type { FlagSpec, Target } from './command';
import { CliError, usageError } from './errors';

export interface OnHost {
  dockerHost: DockerEndpoint;
  host: HostRef;
}

/**
 * The endpoint and host `--on` names (default `master`, whose endpoint is the one resolved as
 * always unless `--host master=…` gives one). A worker is looked up in the database's
 * `swarm_hosts`, so the database must be readable; its endpoint comes only from `--host`.
 * Throws RefusedError when the host is unknown or has no endpoint, Error on a malformed `--host`.
 */
export async function resolveOnHost(
  on: string | undefined,
  hostItems: readonly string[],
  db: DbTarget,
  master: DockerEndpoint,
  env: NodeJS.ProcessEnv,
): Promise<OnHost> {
  const mapping = parseHostMapping(hostItems);
  const name = on?.trim() || MASTER_NAME;
  if (name === MASTER_NAME) {
    const [host] = resolveFleetHosts(master, undefined, mapping, env);
    return { dockerHost: host.endpoint ?? master, host: MASTER };
  }
  const read = await readDb(db);
  if (!read.ok) {
    throw new RefusedError(`cannot tell which host "${name}" is: ${read.error.message}`);
  }
  try {
    const host = hostNamed(name, resolveFleetHosts(master, read.value.swarm, mapping, env));
    return { dockerHost: host.endpoint, host: host.ref };
  } catch (e) {
    throw new RefusedError((e as Error).message);
  }
}

/** The flags of a command that acts on one host of a swarm. */
export const ON_HOST_FLAGS = {
  on: {
    type: 'string',
    arg: 'NAME',
    value: 'swarm-host',
    help: 'the swarm host to act on: master (the default) or a worker of swarm_hosts',
  },
  host: {
    type: 'string',
    arg: 'NAME=ENDPOINT',
    value: 'host-endpoint',
    repeatable: true,
    help: "a worker's Docker endpoint (URL or context:NAME); repeatable",
  },
} as const satisfies Record<string, FlagSpec>;

/**
 * The endpoint and host a command acts on: without --on and --host, the target as resolved
 * (no host named); otherwise the one `--on` names.
 */
export async function targetOnHost(
  command: string,
  flags: Record<string, unknown>,
  target: Target,
  env: NodeJS.ProcessEnv,
): Promise<{ dockerHost: DockerEndpoint; host?: HostRef }> {
  const on = flags.on as string[] | undefined;
  const hosts = (flags.host as string[] | undefined) ?? [];
  if (!on?.length && !hosts.length) return { dockerHost: target.dockerHost };
  if ((on?.length ?? 0) > 1) throw usageError(`--on is given ${on!.length} times: give it once`, command);
  try {
    return await resolveOnHost(on?.[0], hosts, target.db, target.dockerHost, env);
  } catch (e) {
    // An unknown host, or one without an endpoint: refused (exit 2), nothing read.
    if (e instanceof RefusedError) throw new CliError('refused', e.message, command);
    throw usageError((e as Error).message, command);
  }
}
