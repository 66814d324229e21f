import type { Services } from '../services';
import { asGroupNode } from '../tree/nodes';

/**
 * decnet.orphanGroup.remove — from the tree (inline or context menu) with the group node. Also
 * accepts a prefix or a list of prefixes (executeCommand), or nothing (asks which orphan).
 */
export async function removeOrphanGroup(services: Services, arg?: unknown): Promise<void> {
  const node = asGroupNode(arg);
  if (node) {
    await services.removal.run({ kind: 'prefixes', prefixes: [node.group.prefix] });
  } else if (typeof arg === 'string') {
    await services.removal.run({ kind: 'prefixes', prefixes: [arg] });
  } else if (Array.isArray(arg) && arg.length > 0 && arg.every((p) => typeof p === 'string')) {
    await services.removal.run({ kind: 'prefixes', prefixes: arg });
  } else {
    await services.removal.run({ kind: 'pick' });
  }
}
