// Notification toasts: what they say, their buttons, clicking one.
import { norm, PageObject, waitFor } from './base';

const TOAST = '.notifications-toasts .notification-toast';
const BUTTONS = '.notification-list-item-buttons-container .monaco-button';

export class Notifications extends PageObject {
  /** Texts of the notification toasts shown now. */
  async shown(): Promise<string[]> {
    return (await this.page.locator(`${TOAST} .notification-list-item-message`).allInnerTexts()).map(norm);
  }

  /** Waits for a toast whose text matches and returns that text. */
  async waitFor(match: RegExp, timeoutMs = 60_000): Promise<string> {
    let seen: string[] = [];
    return waitFor(
      `a notification matching ${match}`,
      async () => {
        seen = await this.shown();
        return seen.find((t) => match.test(t));
      },
      timeoutMs,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; notifications shown: ${JSON.stringify(seen)}`);
    });
  }

  /** The buttons of the toast whose text matches. */
  async buttons(match: RegExp): Promise<string[]> {
    return (await this.toast(match).locator(BUTTONS).allTextContents()).map(norm);
  }

  /** Clicks a button of the toast whose text matches. */
  async click(match: RegExp, button: string): Promise<void> {
    this.step(`notification ${String(match)} -> ${button}`);
    await this.toast(match).locator(BUTTONS, { hasText: button }).first().click();
  }

  private toast(match: RegExp) {
    return this.page
      .locator(TOAST, {
        has: this.page.locator('.notification-list-item-message', { hasText: match }),
      })
      .first();
  }
}
