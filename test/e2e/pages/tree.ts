// The Topologies view as a user meets it: the DECNET view container in the activity bar, the side
// bar's width, the tree's rows (as the DOM holds them, and as the eye sees them at this width),
// expanding, clicking and selecting rows, a row's inline buttons, and the welcome view.
import type { Locator } from 'playwright-core';
import { clean, escapeRegExp, norm, PageObject, waitFor } from './base';

export interface TreeRow {
  label: string;
  description: string;
  ariaLabel: string;
  /** 1 for root rows. */
  level: number;
  /** undefined for leaves. */
  expanded: boolean | undefined;
  /** The row is selected. */
  selected: boolean;
}

/** A row as the eye sees it: the label and description as rendered, cut where the row cuts them. */
export interface VisibleRow {
  label: string;
  /** What of `label description` is in sight (an ellipsis hides the rest). */
  visible: string;
  level: number;
}

export class Tree extends PageObject {
  /** Activity-bar entries (aria-labels). */
  async activityBarItems(): Promise<string[]> {
    return this.page.$$eval('.part.activitybar .action-item .action-label', (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  }

  /** Opens the activity-bar view container whose title starts with `title` (e.g. "DECNET"). */
  async open(title: string): Promise<void> {
    this.step(`open view container ${title}`);
    const item = this.page.locator(`.part.activitybar .action-item .action-label[aria-label^="${title}"]`);
    let have: string[] = [];
    await waitFor(
      `activity bar item "${title}"`,
      async () => {
        have = await this.activityBarItems();
        return (await item.count()) > 0;
      },
      30_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; activity bar has: ${JSON.stringify(have)}`);
    });
    const checked = await item
      .first()
      .locator('xpath=..')
      .evaluate((e) => e.classList.contains('checked'));
    if (!checked) await item.first().click();
    await waitFor(`view container "${title}" to open`, async () => {
      const t = norm(await this.page.locator('.part.sidebar .composite.title .title-label').first().textContent());
      return t.toUpperCase().startsWith(title.toUpperCase());
    });
  }

  /** Drags the sash between the side bar and the editor so the side bar is `width` px wide. */
  async setWidth(width: number): Promise<void> {
    const p = this.page;
    const bar = await this.sidebar().boundingBox();
    if (!bar) throw new Error('the side bar is not shown');
    const edge = bar.x + bar.width;
    const sashes = p.locator('.monaco-sash.vertical');
    for (let i = 0; i < (await sashes.count()); i++) {
      const b = await sashes.nth(i).boundingBox();
      if (b && Math.abs(b.x + b.width / 2 - edge) < 6 && b.height > 100) {
        const y = b.y + b.height / 2;
        await p.mouse.move(b.x + b.width / 2, y);
        await p.mouse.down();
        await p.mouse.move(bar.x + width, y, { steps: 8 });
        await p.mouse.up();
        await p.waitForTimeout(300);
        return;
      }
    }
    throw new Error('no sash found at the side bar edge');
  }

  /** The pane bodies of the sidebar: the open view container's views. */
  private sidebar(): Locator {
    return this.page.locator('.part.sidebar');
  }

  /** Visible rows of the trees in the sidebar, top to bottom. */
  async rows(): Promise<TreeRow[]> {
    // No named inner functions here: tsx (esbuild keepNames) would wrap them in a `__name`
    // helper that does not exist in the page.
    const rows = await this.sidebar()
      .locator('.pane-body .monaco-list-row')
      .evaluateAll((els) =>
        els.map((r) => ({
          top: parseFloat((r as unknown as { style: { top: string } }).style.top || '0'),
          label: r.querySelector('.label-name')?.textContent ?? '',
          description: r.querySelector('.label-description')?.textContent ?? '',
          ariaLabel: r.getAttribute('aria-label') ?? '',
          level: Number(r.getAttribute('aria-level') ?? '1'),
          expanded: r.getAttribute('aria-expanded'),
          selected: r.classList.contains('selected'),
        })),
      );
    return rows
      .sort((a, b) => a.top - b.top)
      .map((r) => ({
        label: clean(r.label),
        description: clean(r.description),
        ariaLabel: clean(r.ariaLabel),
        level: r.level,
        expanded: r.expanded === null ? undefined : r.expanded === 'true',
        selected: r.selected,
      }));
  }

  /**
   * The rows as they are seen: for each, the characters of its label and description whose glyphs
   * lie inside the row's label box, less the room the ellipsis takes when the text overflows
   * (measured glyph by glyph with DOM ranges, not read from the DOM string).
   */
  async visibleRows(): Promise<VisibleRow[]> {
    const rows = await this.sidebar()
      .locator('.pane-body .monaco-list-row')
      .evaluateAll((els) =>
        els.map((r) => {
          const doc = r.ownerDocument;
          const box = r.querySelector('.monaco-icon-label-container') ?? r.querySelector('.monaco-icon-label');
          const top = parseFloat((r as unknown as { style: { top: string } }).style.top || '0');
          const label = r.querySelector('.label-name')?.textContent ?? '';
          const level = Number(r.getAttribute('aria-level') ?? '1');
          if (!box) return { top, label, level, visible: '' };
          const right = box.getBoundingClientRect().right;
          const glyphs: { ch: string; right: number; part: number }[] = [];
          const parts = [r.querySelector('.label-name'), r.querySelector('.label-description')];
          for (let p = 0; p < parts.length; p++) {
            const el = parts[p];
            if (!el) continue;
            const walker = doc.createTreeWalker(el, 4 /* NodeFilter.SHOW_TEXT */);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              const text = node.textContent ?? '';
              for (let i = 0; i < text.length; i++) {
                const range = doc.createRange();
                range.setStart(node, i);
                range.setEnd(node, i + 1);
                const rect = range.getBoundingClientRect();
                const ch = text.charAt(i);
                glyphs.push({ ch, right: rect.width > 0 || ch === ' ' ? rect.right : Infinity, part: p });
              }
            }
          }
          const overflows = glyphs.some((g) => g.right > right + 0.5);
          // Where the text overflows, the ellipsis (about one wide glyph) covers its end.
          const limit = overflows ? right - 10 : right + 0.5;
          let visible = '';
          let lastPart = 0;
          for (const g of glyphs) {
            if (g.right > limit) break;
            if (g.part !== lastPart) visible += ' ';
            lastPart = g.part;
            visible += g.ch;
          }
          return { top, label, level, visible };
        }),
      );
    return rows.sort((a, b) => a.top - b.top).map((r) => ({ label: clean(r.label), visible: clean(r.visible), level: r.level }));
  }

  /** All text the sidebar's views show (rows, messages, welcome content). */
  async text(): Promise<string> {
    return clean(
      await this.sidebar()
        .locator('.pane-body')
        .evaluateAll((els) => els.map((e) => (e as unknown as { innerText: string }).innerText).join('\n')),
    );
  }

  /** The buttons of the welcome view (their text as rendered). */
  async welcomeButtons(): Promise<string[]> {
    return this.sidebar().locator('.welcome-view-content .monaco-button').allTextContents();
  }

  /** Clicks the welcome view's button holding this text. */
  async clickWelcomeButton(text: string): Promise<void> {
    this.step(`welcome view -> ${text}`);
    await this.sidebar().locator('.welcome-view-content .monaco-button', { hasText: text }).click();
  }

  /** Waits until a row with this label is shown and returns it. */
  async waitForRow(label: string | RegExp, timeoutMs = 20_000): Promise<TreeRow> {
    const match = (r: TreeRow) => (typeof label === 'string' ? r.label === label : label.test(r.label));
    let rows: TreeRow[] = [];
    return waitFor(
      `tree row ${String(label)} (rows: ${JSON.stringify(rows.map((r) => `${r.label} | ${r.description}`))})`,
      async () => {
        rows = await this.rows();
        return rows.find(match);
      },
      timeoutMs,
    ).catch(async (e) => {
      rows = await this.rows();
      throw new Error(
        `${(e as Error).message}\nrows now: ${JSON.stringify(
          rows.map((r) => `${'  '.repeat(r.level - 1)}${r.label} | ${r.description}`),
          null,
          1,
        )}`,
      );
    });
  }

  /** The first row whose label is exactly `label`. */
  row(label: string): Locator {
    return this.sidebar()
      .locator('.pane-body .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
      .first();
  }

  /**
   * Waits until the tree has shown the same rows for `quietMs`: VS Code forgets a row's command
   * arguments when the view refreshes, so a click while it refreshes does nothing (a user clicks
   * again).
   */
  async waitForStable(quietMs = 1_500, timeoutMs = 20_000): Promise<void> {
    let last = '';
    let since = Date.now();
    await waitFor(
      `the tree to stay the same for ${quietMs} ms`,
      async () => {
        const now = JSON.stringify(await this.rows());
        if (now !== last) {
          last = now;
          since = Date.now();
        }
        return Date.now() - since >= quietMs;
      },
      timeoutMs,
      100,
    );
  }

  /** Clicks the row with this label once the tree is settled (an action row runs its command). */
  async click(label: string): Promise<void> {
    this.step(`click ${label}`);
    await this.waitForRow(label);
    await this.waitForStable();
    await this.row(label).locator('.label-name').click();
  }

  /** Expands the row with this label (no-op when it is already expanded). */
  async expand(label: string): Promise<void> {
    this.step(`expand ${label}`);
    await this.waitForRow(label);
    const row = this.row(label);
    if ((await row.getAttribute('aria-expanded')) === 'true') return;
    await row.locator('.monaco-tl-twistie').click();
    await waitFor(`row "${label}" to expand`, async () => (await this.row(label).getAttribute('aria-expanded')) === 'true');
    await this.page.waitForTimeout(300);
  }

  /** Selects the rows with these labels (click, then Ctrl+click). */
  async select(labels: readonly string[]): Promise<void> {
    this.step(`select ${labels.join(', ')}`);
    for (const [i, label] of labels.entries()) {
      await this.waitForRow(label);
      await this.row(label)
        .locator('.label-name')
        .click({ modifiers: i === 0 ? [] : ['Control'] });
    }
  }

  /** Inline action buttons shown on the row (their titles). */
  async inlineActions(label: string): Promise<string[]> {
    const row = this.row(label);
    await row.hover();
    return row
      .locator('.actions .action-label')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.getAttribute('title') ?? '').filter(Boolean));
  }
}
