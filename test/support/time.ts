// Waiting in tests: the one `sleep`, waiting until something is true, until files' stamps prove
// something (`untilSettled`), and promises that a stand-in resolves when something happens (to
// synchronise on events rather than on time).
import * as fs from 'node:fs';
import { settlesAt } from '../../src/core/db/settledStamp';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns something truthy, and returns that. Fails (never skips) after
 * `timeoutMs`, naming `what` it waited for.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false,
  { timeoutMs = 30_000, what, intervalMs = 20 }: { timeoutMs?: number; what: string; intervalMs?: number },
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A promise with its resolver, for a stand-in to say that something happened. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Waits until the last change of each of `files` (that exists) is old enough for its stamp to
 * prove it unchanged (see src/core/db/settledStamp.ts): the reader then trusts the stamps it
 * records and keeps what it read between reads. For tests about something else than a write
 * made just before a read.
 */
export async function untilSettled(...files: string[]): Promise<void> {
  let until = 0;
  for (const f of files) {
    const st = fs.statSync(f, { throwIfNoEntry: false });
    if (st !== undefined) until = Math.max(until, settlesAt(st, false));
  }
  while (Date.now() <= until) await sleep(until - Date.now() + 1);
}
