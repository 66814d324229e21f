// Read-only documents the extension opens in an editor: removal reports and `docker inspect`
// JSON. Their text is kept here (by URI) for the window's lifetime; nothing is written to disk.
import * as vscode from 'vscode';
import { Disposable } from './disposable';

export const DOCUMENT_SCHEME = 'decnet';

export class ReadOnlyDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private counter = 0;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(DOCUMENT_SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /**
   * Opens `text` read-only as `name` (its extension picks the language: `.md`, `.json`); in a
   * preview editor (replaced by the next one opened) with `preview`.
   */
  async open(name: string, text: string, options: { preview?: boolean } = {}): Promise<void> {
    // A new path each time: VS Code caches a document's text by URI.
    const uri = vscode.Uri.from({ scheme: DOCUMENT_SCHEME, path: `/${++this.counter}/${name}` });
    this.texts.set(uri.toString(), text);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: options.preview ?? false });
  }
}
