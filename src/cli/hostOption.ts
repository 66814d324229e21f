// `--on NAME` and `--host NAME=ENDPOINT`: which host of a DECNET swarm a command acts on.
import type { DbTarget } from '../core/config';
import type { DockerEndpoint } from '../core/dockerEndpoint';
import { hostNamed, MASTER_NAME, parseHostMapping, resolveFleetHosts } from '../core/fleet';
import { MASTER, RefusedError, type HostRef } from '../core/model';
import { readDb } from '../core/scan';

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
