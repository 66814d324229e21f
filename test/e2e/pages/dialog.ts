// Modal dialogs: code-server draws `showWarningMessage(…, { modal: true })` (a removal's
// confirmation, the workspace trust question) in the page, with its buttons.
import { clean, norm, PageObject } from './base';

export interface DialogContent {
  message: string;
  detail: string;
  buttons: string[];
}

const BOX = '.monaco-dialog-box';

export class Dialog extends PageObject {
  /** Waits for the modal dialog and reads its message, detail and buttons. */
  async read(timeoutMs = 15_000): Promise<DialogContent> {
    const box = this.page.locator(BOX);
    await box.waitFor({ state: 'visible', timeout: timeoutMs });
    return {
      message: clean(await box.locator('.dialog-message-text').innerText()),
      detail: clean(
        await box
          .locator('.dialog-message-detail')
          .innerText()
          .catch(() => ''),
      ),
      buttons: (await box.locator('.dialog-buttons .monaco-button').allTextContents()).map(norm),
    };
  }

  /** Clicks the dialog button with this exact text and waits for the dialog to close. */
  async answer(button: string): Promise<void> {
    this.step(`dialog -> ${button}`);
    const box = this.page.locator(BOX);
    const buttons = box.locator('.dialog-buttons .monaco-button');
    const texts = (await buttons.allTextContents()).map(norm);
    const i = texts.indexOf(norm(button));
    if (i < 0) throw new Error(`dialog has no "${button}" button; it has: ${JSON.stringify(texts)}`);
    await buttons.nth(i).click();
    await box.waitFor({ state: 'detached', timeout: 10_000 });
  }

  /** How many modal dialogs are shown now (0 when none). */
  async count(): Promise<number> {
    return this.page.locator(BOX).count();
  }

  /** The text of the button that has the focus: the one Enter presses. */
  async focusedButton(): Promise<string> {
    return clean(await this.page.locator(`${BOX} .dialog-buttons .monaco-button:focus`).textContent());
  }
}
