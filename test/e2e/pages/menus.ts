// Menus: a tree row's context menu (what it offers, picking an item with the keyboard) and the
// CodeLenses of the active editor (the decision at the top of a removal's review).
import type { Page } from 'playwright-core';
import { describeError, norm, PageObject, type StepLog, waitFor } from './base';
import type { Tree } from './tree';

export class Menus extends PageObject {
  constructor(
    page: Page,
    step: StepLog,
    private readonly tree: Tree,
  ) {
    super(page, step);
  }

  /**
   * Right-clicks the row and returns the items its context menu offers (enabled ones), or null
   * when no menu opened: VS Code opens none for a row that is offered nothing. Throws when the
   * row did not take the right-click (VS Code focuses the row before it decides on a menu), so
   * that a menu that was never asked for cannot pass for an empty one.
   */
  async contextItems(label: string): Promise<string[] | null> {
    try {
      await this.openContextMenu(label, 2_000);
    } catch (e) {
      const focused = /\bfocused\b/.test((await this.tree.row(label).getAttribute('class')) ?? '');
      if (!focused) throw new Error(`row "${label}" did not take the right-click: ${describeError(e)}`, { cause: e });
      return null;
    }
    const items = await this.items();
    await this.page.keyboard.press('Escape');
    await this.page
      .locator('.monaco-menu')
      .first()
      .waitFor({ state: 'detached', timeout: 5_000 })
      .catch(() => undefined);
    return items;
  }

  /**
   * Opens the row's context menu and picks `item` with the keyboard (ArrowDown until it has
   * focus, then Enter): mouse clicks in code-server's menus are not reliable.
   */
  async pick(label: string, item: string): Promise<void> {
    this.step(`context menu of ${label} -> ${item}`);
    // A menu opened while the view refreshes hands its command no row (see Tree.waitForStable).
    await this.tree.waitForRow(label);
    await this.tree.waitForStable();
    await this.openContextMenu(label);
    const items = await this.items();
    if (!items.some((i) => norm(i) === norm(item))) {
      await this.page.keyboard.press('Escape');
      throw new Error(`context menu of "${label}" has no "${item}"; it has: ${JSON.stringify(items)}`);
    }
    for (let i = 0; i < items.length + 2; i++) {
      await this.page.keyboard.press('ArrowDown');
      const focused = await this.page
        .locator('.monaco-menu .action-item.focused .action-label')
        .first()
        .textContent({ timeout: 1_000 })
        .catch(() => null);
      if (norm(focused) === norm(item)) {
        await this.page.keyboard.press('Enter');
        return;
      }
    }
    await this.page.keyboard.press('Escape');
    throw new Error(`could not focus "${item}" in the context menu of "${label}"`);
  }

  private async openContextMenu(label: string, timeoutMs = 5_000): Promise<void> {
    await this.tree.waitForRow(label);
    const row = this.tree.row(label);
    await row.locator('.label-name').click({ button: 'right' });
    await waitFor(`context menu of "${label}"`, async () => (await this.items()).length > 0, timeoutMs);
  }

  /** The enabled items of the open menu. */
  private async items(): Promise<string[]> {
    return this.page
      .locator('.monaco-menu .action-item:not(.disabled) .action-label')
      .evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ').trim()).filter(Boolean));
  }

  /** Clicks the CodeLens with this title (its text, icons aside) in the active editor. */
  async clickCodeLens(title: string | RegExp, timeoutMs = 15_000): Promise<void> {
    this.step(`CodeLens ${String(title)}`);
    const lens = this.page.locator('.part.editor .monaco-editor .codelens-decoration a', { hasText: title }).first();
    await lens.waitFor({ state: 'visible', timeout: timeoutMs });
    await lens.click();
  }

  /** The CodeLens titles shown in the active editor. */
  async codeLenses(timeoutMs = 15_000): Promise<string[]> {
    const lenses = this.page.locator('.part.editor .monaco-editor .codelens-decoration a');
    await lenses.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return (await lenses.allTextContents()).map(norm).filter(Boolean);
  }
}
