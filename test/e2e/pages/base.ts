// What every page object shares: the page, a step logger, waiting until something is true, and
// text as VS Code renders it (non-breaking spaces, "…" for "...").
import type { Page } from 'playwright-core';
import { sleep } from '../../support/time';

/** Prints one UI step when the session is verbose (DECNET_E2E_VERBOSE=1). */
export type StepLog = (msg: string) => void;

/** A part of the workbench, driven through the session's page. */
export abstract class PageObject {
  constructor(
    protected readonly page: Page,
    protected readonly step: StepLog,
  ) {}
}

const NBSP = /\u00a0/g;

/** Text as shown, without non-breaking spaces. */
export const clean = (s: string | null | undefined): string => (s ?? '').replace(NBSP, ' ').trim();
/** For comparing titles: "…" and "..." are the same. */
export const norm = (s: string | null | undefined): string => clean(s).replace(/\u2026/g, '...');
/** Non-breaking spaces as spaces, nothing trimmed (whole text read back from the clipboard). */
export const unbreak = (s: string): string => s.replace(NBSP, ' ');

export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The page's clipboard, as the e2e reads and writes it (the DOM types are not in this project). */
export interface BrowserClipboard {
  navigator: { clipboard: { writeText(text: string): Promise<void>; readText(): Promise<string> } };
}

/** Polls fn until it returns a truthy value; the error names what was awaited and the last value. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${describeError(lastError)}` : ''}`);
    }
    await sleep(intervalMs);
  }
}
