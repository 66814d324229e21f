// Editors: the active editor's text and the open tabs (read-only documents such as a removal's
// review, its report, a container's logs), the Output panel, and the user and remote settings as
// a user edits them (settings.json in an editor).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type BrowserClipboard, norm, PageObject, type StepLog, unbreak, waitFor } from './base';
import type { Palette } from './quickInput';

/** The rendered lines of a Monaco editor's `.view-lines`, top to bottom (only what is in view). */
function renderedLines(el: unknown): string {
  return [
    ...((el as { querySelectorAll(s: string): unknown }).querySelectorAll('.view-line') as Iterable<{
      style: { top: string };
      textContent: string | null;
    }>),
  ]
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '))
    .join('\n');
}

export class Editors extends PageObject {
  /** The title and text of the active editor (what is rendered of it). */
  async active(): Promise<{ title: string; text: string }> {
    const title = norm(await this.page.locator('.part.editor .tabs-container .tab.active').textContent());
    const text = await this.page.locator('.part.editor .editor-instance .monaco-editor .view-lines').first().evaluate(renderedLines);
    return { title, text };
  }

  /** The titles of the open editor tabs. */
  async tabs(): Promise<string[]> {
    return (await this.page.locator('.part.editor .tabs-container .tab .label-name').allTextContents()).map(norm);
  }
}

export class OutputPanel extends PageObject {
  constructor(
    page: Page,
    step: StepLog,
    private readonly palette: Palette,
  ) {
    super(page, step);
  }

  /** Shows the Output panel on the channel with this name. */
  async show(name: string): Promise<void> {
    this.step(`output channel ${name}`);
    await this.palette.run('Output: Show Output Channels...');
    // The command opens a second quick pick listing the channels.
    const p = this.page;
    const input = p.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await p.keyboard.type(name);
    const quickInput = this.palette.quickInput;
    const want = await quickInput.waitForRow(name, { what: `output channel "${name}" in the list` });
    await quickInput.focusRow(want);
    await p.keyboard.press('Enter');
    await p.locator('.part.panel .monaco-editor').first().waitFor({ state: 'visible', timeout: 10_000 });
    await p.waitForTimeout(500);
  }

  /**
   * The whole text of an Output channel: shows it, selects all in its editor and copies it
   * (the clipboard holds every line, where the DOM only renders the visible ones). Falls back
   * to the rendered `.view-lines` text when the clipboard is unavailable.
   */
  async read(name: string): Promise<string> {
    await this.show(name);
    const p = this.page;
    const editor = p.locator('.part.panel .monaco-editor').first();
    const box = await editor.boundingBox();
    if (!box) throw new Error('the Output panel has no editor');
    await p.mouse.click(box.x + 40, box.y + 8);
    await p.keyboard.press('Control+A');
    await p.evaluate(() => (globalThis as unknown as BrowserClipboard).navigator.clipboard.writeText('')).catch(() => undefined);
    await p.keyboard.press('Control+C');
    const copied = await waitFor(
      'clipboard text',
      () => p.evaluate(() => (globalThis as unknown as BrowserClipboard).navigator.clipboard.readText()),
      3_000,
    ).catch(() => '');
    // Drop the selection again so screenshots show plain text.
    await p.keyboard.press('Control+End');
    if (copied) return unbreak(copied);
    return this.visibleText();
  }

  /** Scrolls the Output panel (mouse wheel) so the first line containing `text` is at its top. */
  async scrollTo(text: string): Promise<void> {
    const p = this.page;
    const editor = p.locator('.part.panel .monaco-editor').first();
    const box = await editor.boundingBox();
    if (!box) throw new Error('the Output panel has no editor');
    await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const lineTop = () =>
      editor
        .locator('.view-line', { hasText: text })
        .first()
        .boundingBox({ timeout: 200 })
        .then(
          (b) => b?.y,
          () => undefined,
        );
    // From the bottom up until the line is rendered, then put it at the top.
    for (let i = 0; i < 200 && (await lineTop()) === undefined; i++) {
      await p.mouse.wheel(0, -box.height / 2);
      await p.waitForTimeout(50);
    }
    const y = await lineTop();
    if (y === undefined) throw new Error(`"${text}" is not in the Output panel`);
    await p.mouse.wheel(0, y - box.y);
    await p.waitForTimeout(200);
  }

  /** The Output panel's rendered lines (only what is scrolled into view). */
  async visibleText(): Promise<string> {
    return this.page.locator('.part.panel .monaco-editor .view-lines').first().evaluate(renderedLines);
  }
}

export type SettingsTarget = 'user' | 'remote';

/**
 * The user settings (`<user-data-dir>/User/settings.json`) and the remote ones (`Machine/`): in
 * code-server, a remote window, settings of `machine` scope apply only from the remote ones.
 */
export class Settings extends PageObject {
  constructor(
    page: Page,
    step: StepLog,
    private readonly palette: Palette,
    private readonly userDataDir: string,
    private readonly current: Record<SettingsTarget, Record<string, unknown>>,
  ) {
    super(page, step);
  }

  /**
   * Merges `patch` into the user or remote settings (undefined deletes a key) the way a user
   * does it: "Preferences: Open User Settings (JSON)" (or "Open Remote Settings (JSON)"),
   * replace the text, save, close. code-server does not notice a settings.json rewritten
   * behind its back, so writing the file is not enough.
   */
  async update(patch: Record<string, unknown>, target: SettingsTarget = 'user'): Promise<void> {
    this.step(`${target} settings ${JSON.stringify(patch)}`);
    const next = { ...this.current[target] };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    const text = JSON.stringify(next, null, 2);
    const p = this.page;
    // Toasts left by earlier steps can take the focus from the editor.
    await this.palette.run('Notifications: Clear All Notifications');
    if (target === 'user') await this.palette.run('Preferences: Open User Settings (JSON)');
    // The remote one is titled after the host: "Preferences: Open Remote Settings (JSON) (127.0.0.1:port)".
    else await this.palette.run('Preferences: Open Remote Settings (JSON)', { startsWith: true });
    const tab = p.locator('.part.editor .tabs-container .tab.active');
    await waitFor('the settings editor', async () => /settings\.json/i.test((await tab.textContent()) ?? ''), 15_000);
    const editor = p.locator('.part.editor .editor-instance .monaco-editor').first();
    await editor.locator('.view-lines').waitFor({ state: 'visible', timeout: 10_000 });
    const box = await editor.boundingBox();
    if (!box) throw new Error('the settings editor has no size');
    await p.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await p.keyboard.press('Control+A');
    await p.evaluate((t) => (globalThis as unknown as BrowserClipboard).navigator.clipboard.writeText(t), text);
    await p.keyboard.press('Control+V');
    await p.keyboard.press('Control+S');
    const file = join(this.userDataDir, target === 'user' ? 'User' : 'Machine', 'settings.json');
    await waitFor(
      `${file} to hold the new settings`,
      async () => JSON.stringify(JSON.parse(await readFile(file, 'utf8'))) === JSON.stringify(next),
      10_000,
    );
    await waitFor('settings.json to be saved', async () => !(await tab.evaluate((e) => e.classList.contains('dirty'))), 10_000);
    this.current[target] = next;
    await this.palette.run('View: Close Editor');
  }
}
