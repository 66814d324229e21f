// A refresh that meets a torn read (decnet.db kept changing while it was read, even after the
// reader's own retries) keeps showing the last good scan and tries again soon: DECNET writes all
// the time, and a busy moment is not an error. Only when the database stays unreadable for
// TORN_GRACE_MS is the error shown. Nothing here decides a removal: removal scans afresh.
import type { ScanResult } from './model';

/** How long a database that only reads torn may keep the last good scan on screen. */
export const TORN_GRACE_MS = 10_000;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 2_000;

export type HoldDecision =
  /** Show this scan (and forget any earlier torn reads). `retryInMs`: scan again that soon. */
  | { kind: 'show'; retryInMs?: number }
  /** Keep showing the last good scan; scan again in `retryInMs`. Torn since `since` (ms). */
  | { kind: 'keep'; retryInMs: number; since: number };

export class TornReadHold {
  private since: number | undefined;
  private retries = 0;

  constructor(
    private readonly graceMs = TORN_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Since when reads have been torn (ms), or undefined. */
  get tornSince(): number | undefined {
    return this.since;
  }

  /**
   * A scan finished. `shown` is the scan on screen, `sameTarget` whether it read the same
   * database and daemon as `result`.
   */
  decide(result: ScanResult, shown: ScanResult | undefined, sameTarget: boolean): HoldDecision {
    if (result.db.ok || result.db.error.kind !== 'torn') {
      this.since = undefined;
      this.retries = 0;
      return { kind: 'show' };
    }
    const now = this.now();
    this.since ??= now;
    const retryInMs = Math.min(RETRY_FIRST_MS * 2 ** this.retries, RETRY_MAX_MS);
    this.retries++;
    if (now - this.since >= this.graceMs) {
      // Unreadable for too long: show why; the watcher and the poll try again later.
      return { kind: 'show' };
    }
    if (shown === undefined || !shown.db.ok || !sameTarget) {
      // Nothing good to keep: show the error, and try again soon.
      return { kind: 'show', retryInMs };
    }
    return { kind: 'keep', retryInMs, since: this.since };
  }
}
