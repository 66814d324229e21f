// The overall deadline of every request to Docker or a database: an endpoint that answers a byte
// every few seconds never trips an idle timeout, so each request also has a time by which it is
// abandoned and reported. The CLI sets it from --timeout, the editor from decnet.requestTimeoutSeconds.

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The longest deadline that can be set (an hour). */
export const MAX_REQUEST_TIMEOUT_MS = 3_600_000;

let timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;

/** Sets the deadline of every request made from now on, in milliseconds (clamped to 1 ms … an hour). */
export function setRequestTimeout(ms: number): void {
  timeoutMs = Number.isFinite(ms) && ms > 0 ? Math.min(Math.max(1, Math.round(ms)), MAX_REQUEST_TIMEOUT_MS) : DEFAULT_REQUEST_TIMEOUT_MS;
}

/** The deadline of a request, in milliseconds. */
export function requestTimeoutMs(): number {
  return timeoutMs;
}

/** `30 s`, `0.5 s`: a deadline as people read it. */
export function describeTimeout(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** A request abandoned at its deadline. */
export class RequestTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${describeTimeout(ms)}`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * Runs `work`, or after `ms` rejects with RequestTimeoutError and calls `onTimeout` (to close
 * what the work holds open). The work's own outcome after the deadline is ignored.
 */
export async function withDeadline<T>(
  what: string,
  work: () => Promise<T>,
  onTimeout: () => void = () => undefined,
  ms = requestTimeoutMs(),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      try {
        onTimeout();
      } finally {
        reject(new RequestTimeoutError(what, ms));
      }
    }, ms);
  });
  const running = work();
  running.catch(() => undefined); // settled after the deadline: nobody is waiting for it
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
