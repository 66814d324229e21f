// Quick Pick items.
import { describeOverlap, describeOwner, type QueryMatch } from '../../core/overlaps';
import { attachedName } from '../../core/rules';
import { SEP } from './common';

/** One Quick Pick item of Find Subnet Overlaps…. */
export function overlapPickItem(m: QueryMatch): { label: string; description: string; detail: string } {
  const containers = m.network.endpoints.map(attachedName);
  const detail = [`containers: ${containers.length ? containers.join(', ') : 'none'}`, ...m.overlaps.map(describeOverlap)].join(SEP);
  return { label: m.network.name, description: [m.matchedPools.join(', '), describeOwner(m.owner)].join(SEP), detail };
}
