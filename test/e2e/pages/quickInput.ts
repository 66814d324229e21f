// The quick input, which serves showQuickPick, showInputBox and code-server's own simple file
// dialog (a path to type), and the command palette (F1) built on it.
import type { Page } from 'playwright-core';
import { norm, PageObject, type StepLog, waitFor } from './base';

export interface QuickInputContent {
  title: string;
  /** The prompt or validation message. */
  message: string;
  /** The labels of its rows (separators too). */
  rows: string[];
  /** What the input box holds. */
  value: string;
}

const WIDGET = '.quick-input-widget';
const INPUT = `${WIDGET} .quick-input-box input`;
const ROWS = `${WIDGET} .quick-input-list .monaco-list-row`;

export class QuickInput extends PageObject {
  /** The open quick input: its title, prompt/validation message, the labels of its rows and its value. */
  async read(timeoutMs = 15_000): Promise<QuickInputContent> {
    const widget = this.page.locator(WIDGET);
    await widget.locator('.quick-input-box input').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.waitForTimeout(200);
    return {
      title: norm(
        await widget
          .locator('.quick-input-title')
          .textContent()
          .catch(() => ''),
      ),
      message: norm(
        await widget
          .locator('.quick-input-message')
          .innerText()
          .catch(() => ''),
      ),
      rows: (await widget.locator('.quick-input-list .monaco-list-row').allInnerTexts()).map((t) => norm(t.replace(/\s+/g, ' '))),
      value: await widget.locator('.quick-input-box input').inputValue(),
    };
  }

  /** Waits until the open quick input matches `what` (its title, message or rows). */
  async waitFor(what: RegExp, timeoutMs = 30_000): Promise<QuickInputContent> {
    let last: QuickInputContent = { title: '', message: '', rows: [], value: '' };
    return waitFor(
      `a quick input matching ${what}`,
      async () => {
        last = await this.read(2_000).catch(() => last);
        return what.test([last.title, last.message, ...last.rows].join('\n')) ? last : undefined;
      },
      timeoutMs,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; quick input now: ${JSON.stringify(last)}`);
    });
  }

  /** Types into the open quick input (replacing its text) and presses Enter. */
  async answer(text: string): Promise<void> {
    this.step(`input ${text}`);
    await this.type(text);
    await this.page.keyboard.press('Enter');
  }

  /** Types into the open quick input (replacing its text) without accepting it. */
  async type(text: string): Promise<void> {
    const input = this.page.locator(INPUT);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('');
    await this.page.keyboard.insertText(text);
    await this.page.waitForTimeout(200);
  }

  /** In the open quick pick, focuses the row whose label starts with `label` and presses Enter. */
  async pick(label: string): Promise<void> {
    this.step(`pick ${label}`);
    const rows = this.page.locator(ROWS);
    const labels = (await rows.locator('.label-name').allTextContents()).map(norm);
    const want = labels.find((l) => l.startsWith(norm(label)));
    if (!want) throw new Error(`no row "${label}" in the quick pick; it has ${JSON.stringify(labels)}`);
    await this.focusRow(want);
    await this.page.keyboard.press('Enter');
  }

  /** In a multi-select quick pick: unticks the rows whose label is not in `keep`, then accepts. */
  async keepOnly(keep: readonly string[]): Promise<void> {
    this.step(`keep picked ${keep.join(', ')}`);
    const rows = this.page.locator(ROWS);
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      const row = rows.nth(i);
      const label = norm(await row.locator('.label-name').first().textContent());
      const toggle = row.locator('.monaco-custom-toggle').first();
      const checked = async () =>
        (await row.getAttribute('aria-checked')) === 'true' ||
        /\bchecked\b/.test((await toggle.getAttribute('class').catch(() => '')) ?? '');
      const want = keep.includes(label);
      if ((await checked()) !== want) {
        // A click on the row's label toggles its checkbox.
        await row.locator('.quick-input-list-label').first().click();
        await waitFor(`row "${label}" to be ${want ? 'ticked' : 'unticked'}`, async () => (await checked()) === want, 5_000);
      }
    }
    // Enter in the filter box accepts what is ticked.
    await this.page.locator(INPUT).click();
    await this.page.keyboard.press('Enter');
  }

  /**
   * Waits for a row labelled exactly `label` (or, with `startsWith`, starting so) in the open quick
   * input and returns its label; when none comes, closes the quick input and says what it offered.
   */
  async waitForRow(label: string, { startsWith = false, what = `"${label}" in the quick input` } = {}): Promise<string> {
    const rows = this.page.locator(ROWS);
    const wanted = norm(label);
    return waitFor(
      what,
      async () =>
        (await rows.locator('.label-name').allTextContents()).map(norm).find((l) => (startsWith ? l.startsWith(wanted) : l === wanted)),
      15_000,
    ).catch(async (e) => {
      const labels = (await rows.locator('.label-name').allTextContents()).map(norm);
      await this.page.keyboard.press('Escape');
      throw new Error(`${(e as Error).message}; offered: ${JSON.stringify(labels)}`);
    });
  }

  /** Moves the quick input's focus with the keyboard to the row labelled `want`. */
  async focusRow(want: string): Promise<void> {
    const focusedLabel = this.page.locator(`${ROWS}.focused .label-name`).first();
    for (let i = 0; i < 50; i++) {
      if (norm(await focusedLabel.textContent({ timeout: 1_000 }).catch(() => '')) === want) return;
      await this.page.keyboard.press('ArrowDown');
    }
    throw new Error(`could not focus "${want}" in the quick input`);
  }
}

/** The command palette (F1). */
export class Palette extends PageObject {
  constructor(
    page: Page,
    step: StepLog,
    readonly quickInput: QuickInput,
  ) {
    super(page, step);
  }

  /** Runs a command by its exact title (or, with `startsWith`, the one whose title starts so), e.g. "Output: Show Output Channels...". */
  async run(title: string, opts: { startsWith?: boolean } = {}): Promise<void> {
    this.step(`command ${title}`);
    const p = this.page;
    await p.keyboard.press('Escape');
    await p.keyboard.press('F1');
    const input = p.locator(INPUT);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await p.keyboard.insertText(title.replace(/\.\.\.$|\u2026$/, ''));
    const want = await this.quickInput.waitForRow(title, { startsWith: opts.startsWith ?? false });
    await this.quickInput.focusRow(want);
    const typed = await input.inputValue();
    await p.keyboard.press('Enter');
    // Closed, or replaced by the command's own quick pick.
    await waitFor(
      'the command to take the quick input',
      async () => !(await input.isVisible()) || (await input.inputValue()) !== typed,
      5_000,
    ).catch(() => undefined);
  }
}
