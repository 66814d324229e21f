// Words every part of the editor shares: the separator, plurals, Markdown escapes for tooltips.
import { plural } from '../../core/removal/text';

export { plural };

export const SEP = ' · ';

/** Escapes text for Markdown (tooltips render it). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

/** A Markdown code span that survives backticks inside `text`. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function codeList(items: readonly string[]): string {
  return items.length ? items.map(code).join(', ') : '—';
}

/** `1 subnet conflict`, `2 subnet conflicts`. */
export function conflictCount(n: number): string {
  return plural(n, 'subnet conflict');
}
