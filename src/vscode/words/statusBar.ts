// The status bar's text and tooltip.
import { conflictCount, plural, SEP } from './common';

/** In a swarm: the misplaced groups, and the hosts whose daemon was not listed (with why). */
export interface SwarmStatus {
  misplaced: number;
  hostsDown: readonly { name: string; why: string }[];
}

/** The status bar's text: `$(warning) 2 orphans · 1 subnet conflict` (in a swarm, `· 1 misplaced · 1 host not scanned`). */
export function statusBarText(orphans: number, conflicts: number, swarm?: SwarmStatus): string {
  const parts: string[] = [];
  if (orphans) parts.push(plural(orphans, 'orphan'));
  if (conflicts) parts.push(conflictCount(conflicts));
  if (swarm?.misplaced) parts.push(`${swarm.misplaced} misplaced`);
  if (swarm?.hostsDown.length) parts.push(`${plural(swarm.hostsDown.length, 'host')} not scanned`);
  return parts.length ? `$(warning) DECNET: ${parts.join(SEP)}` : '$(pass) DECNET';
}

export function statusBarTooltip(
  orphans: number,
  conflicts: number,
  tornDown: number,
  finishedAt: Date | undefined,
  swarm?: SwarmStatus,
): string {
  if (!finishedAt) return 'DECNET Topologies: not scanned yet. Click to open the view.';
  const counts = [plural(orphans, 'orphan group'), conflictCount(conflicts)];
  if (tornDown) counts.push(`${plural(tornDown, 'torn-down topology', 'torn-down topologies')} with leftovers`);
  if (swarm?.misplaced) counts.push(`${plural(swarm.misplaced, 'misplaced group')}`);
  const lines = [
    `DECNET Topologies, as of ${finishedAt.toLocaleTimeString()}${swarm ? ', summed over the hosts of the swarm' : ''}:`,
    `${counts.join(', ')}.`,
  ];
  if (swarm?.hostsDown.length) {
    lines.push(`Not scanned (nothing on them is counted): ${swarm.hostsDown.map((h) => `${h.name}: ${h.why}`).join('; ')}.`);
  }
  lines.push(
    orphans || conflicts || swarm?.misplaced || swarm?.hostsDown.length ? 'Click to show the first of them.' : 'Click to open the view.',
  );
  return lines.join('\n');
}

export type StatusProblem = 'docker' | 'database' | 'scan';

/** `$(error) DECNET: Docker unreachable`. */
export function statusBarErrorText(problem: StatusProblem): string {
  switch (problem) {
    case 'docker':
      return '$(error) DECNET: Docker unreachable';
    case 'database':
      return '$(error) DECNET: database unreadable';
    case 'scan':
      return '$(error) DECNET: scan failed';
  }
}
