import type { Services } from '../services';

/** decnet.orphans.reapAll — every orphan prefix of a fresh scan, after one modal confirmation. */
export async function reapAllOrphans(services: Services): Promise<void> {
  await services.removal.run({ kind: 'allOrphans' });
}
