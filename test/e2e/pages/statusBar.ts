// The status bar: the text of an item, waiting for one, clicking one.
import { norm, PageObject, waitFor } from './base';

const ITEM = '.part.statusbar .statusbar-item';

export class StatusBar extends PageObject {
  /** Text of the first status bar item whose text matches, or undefined when none is shown. */
  async text(match: RegExp): Promise<string | undefined> {
    return (await this.items()).find((t) => match.test(t));
  }

  /** Waits for a status bar item whose text matches. */
  async waitFor(match: RegExp, timeoutMs = 30_000): Promise<string> {
    return waitFor(`a status bar item matching ${match}`, () => this.text(match), timeoutMs).catch(async (e) => {
      throw new Error(`${(e as Error).message}; status bar: ${JSON.stringify(await this.items())}`);
    });
  }

  /** Clicks the status bar item whose text matches. */
  async click(match: RegExp): Promise<void> {
    this.step(`status bar ${String(match)}`);
    await this.page.locator(ITEM, { hasText: match }).first().locator('a, .statusbar-item-label').first().click();
  }

  private async items(): Promise<string[]> {
    return (await this.page.locator(ITEM).allInnerTexts()).map(norm);
  }
}
