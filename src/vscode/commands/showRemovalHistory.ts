import * as vscode from 'vscode';
import { defaultAuditLogPath, readAuditHistory, shownReport, summarizeEntry, type AuditTarget } from '../../core/audit';
import { formatReport, plural } from '../../core/removal/text';
import type { Services } from '../services';

/** `decnet.audit.logPath` (empty: `$XDG_STATE_HOME/decnet-reaper/audit.jsonl`). */
export function auditLogPathSetting(): string {
  const value = vscode.workspace.getConfiguration('decnet').get<string>('audit.logPath')?.trim();
  return value || defaultAuditLogPath(process.env);
}

/** Where the editor's removals are logged: `decnet.audit.logPath`, or nowhere when `decnet.audit.enabled` is off. */
export function editorAuditTarget(): AuditTarget {
  const enabled = vscode.workspace.getConfiguration('decnet').get<boolean>('audit.enabled', true);
  return enabled === false ? { disabled: true } : { path: auditLogPathSetting() };
}

const SCHEME = 'decnet-report';
const reports = new Map<string, string>();
let provider: vscode.Disposable | undefined;

/** Reports open as read-only documents of their own scheme. */
function reportUri(key: string, text: string): vscode.Uri {
  provider ??= vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
    provideTextDocumentContent: (uri) => reports.get(uri.path) ?? '',
  });
  reports.set(key, text);
  return vscode.Uri.from({ scheme: SCHEME, path: key });
}

/**
 * decnet.audit.showHistory — the removals in the audit log, newest first (time, daemon, prefixes,
 * counts); the one picked opens its report as a read-only document.
 */
export async function showRemovalHistory(services: Services): Promise<void> {
  const file = auditLogPathSetting();
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
  const key = `/removal-${entry.time.replace(/[^0-9A-Za-z]/g, '')}-${picked.index}.txt`;
  const doc = await vscode.workspace.openTextDocument(reportUri(key, formatReport(shownReport(entry.report))));
  await vscode.window.showTextDocument(doc, { preview: true });
}
