import * as vscode from 'vscode';
import { readAuditHistory, shownReport, summarizeEntry } from '../../core/audit';
import { formatReport, plural } from '../../core/removal/text';
import type { Services } from '../services';
import { readAuditLogPath } from '../settings';

/**
 * decnet.audit.showHistory — the removals in the audit log, newest first (time, daemon, prefixes,
 * counts); the one picked opens its report as a read-only document.
 */
export async function showRemovalHistory(services: Services): Promise<void> {
  const file = readAuditLogPath();
  const history = readAuditHistory(file);
  if (history.damaged) services.log.for('audit').warn(`${history.damaged} damaged line(s) in ${file} skipped`);
  if (!history.entries.length) {
    void vscode.window.showInformationMessage(`No removals in the audit log ${file}.`);
    return;
  }
  const items = history.entries.map((entry, i) => {
    const s = summarizeEntry(entry);
    return {
      label: `${s.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${s.prefixes.join(', ') || '(none)'}`,
      description: `${s.docker_daemon.name || s.docker_endpoint}${s.mode === 'torn_down' ? ' · torn down' : ''}`,
      detail: `${plural(s.containers_removed, 'container')}, ${plural(s.networks_removed, 'network')} removed · ${s.skipped} skipped · ${plural(s.errors, 'error')} · ${s.user}@${s.hostname}`,
      index: i,
    };
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: `DECNET Removal History (${file})`,
    placeHolder: 'Pick a removal to open its report',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  const entry = history.entries[picked.index];
  const name = `removal-${entry.time.replace(/[^0-9A-Za-z]/g, '')}.txt`;
  await services.documents.open(name, formatReport(shownReport(entry.report)), { preview: true });
}
