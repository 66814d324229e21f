import type { Services } from '../services';
import { asGroupNode } from '../tree/nodes';

/**
 * decnet.tornDownGroup.remove — from the tree's context menu with a torn-down group node. Also
 * accepts a prefix (executeCommand), or nothing (asks which torn-down topology).
 */
export async function removeTornDownGroup(services: Services, arg?: unknown): Promise<void> {
  const node = asGroupNode(arg);
  if (node) {
    await services.removal.run({ kind: 'tornDown', prefix: node.group.prefix });
  } else if (typeof arg === 'string') {
    await services.removal.run({ kind: 'tornDown', prefix: arg });
  } else {
    await services.removal.run({ kind: 'tornDown' });
  }
}
