import type { Services } from '../services';
import { hostOfNode } from '../tree/nodes';

/**
 * decnet.orphans.reapAll — every orphan prefix of a fresh scan, after one modal confirmation. From
 * a swarm host's Orphans section, that host's orphans only; elsewhere, the master's daemon.
 */
export async function reapAllOrphans(services: Services, arg?: unknown): Promise<void> {
  const host = hostOfNode(arg);
  await services.removal.run({ kind: 'allOrphans', ...(host ? { host } : {}) });
}
