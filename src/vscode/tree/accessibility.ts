// What a screen reader says of a row: its state first, short; a section's count.
import type { Group, NetworkInfo, OwnedContainer } from '../../core/model';
import type { NetworkConflict } from '../../core/overlaps';
import { isTornDown } from '../../core/rules';
import { conflictCount, plural } from '../words/common';
import { endpointCount, leftoverCount, liveGroupLabel } from './labels';

/**
 * What a screen reader says of a group row, its state first and short: `orphan ecbbe627, blocks
 * maze-beta, 6 containers, 2 networks`, `misplaced, belongs on w1: branch-office`.
 */
export function groupAccessibilityLabel(group: Group, conflicts: number, blocks: readonly string[] = []): string {
  const blocking = blocks.length ? `, blocks ${blocks.join(', ')}` : conflicts ? `, ${conflictCount(conflicts)}` : '';
  const counts = `${plural(group.containers.length, 'container')}, ${plural(group.networks.length, 'network')}`;
  if (group.state === 'orphan') return `orphan ${group.prefix}${blocking}, ${counts}`;
  if (group.state === 'unknown') return `not classified ${group.prefix}, ${counts}`;
  if (group.misplaced) return `misplaced, belongs on ${group.misplaced.belongsOn}: ${liveGroupLabel(group)}${blocking}`;
  if (isTornDown(group)) return `torn down, ${plural(leftoverCount(group), 'leftover')}: ${liveGroupLabel(group)}${blocking}`;
  return `live, ${group.topology?.status ?? 'unknown status'}: ${liveGroupLabel(group)}${blocking}`;
}

/** What a screen reader says of a section: its name and its count. */
export function sectionAccessibilityLabel(title: string, count: number): string {
  return `${title}, ${count}`;
}

export function containerAccessibilityLabel(c: OwnedContainer, kept: string | undefined): string {
  return [`container ${c.name}`, c.state, ...(kept ? [kept] : [])].join(', ');
}

export function networkAccessibilityLabel(n: NetworkInfo, conflict: NetworkConflict | undefined, foreign = false): string {
  const parts = [`${foreign ? 'foreign network' : 'network'} ${n.name}`, n.subnets.join(', ') || 'no subnet', endpointCount(n)];
  if (conflict?.overlaps.length) parts.push(conflictCount(conflict.overlaps.length));
  return parts.join(', ');
}
