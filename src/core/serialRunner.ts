// Runs that never overlap: what the view's refresh is built on.

/**
 * Runs `task` one at a time. Asked while a run is going, `run()` returns a single follow-up run
 * that starts when the current one ends, shared by every caller that asks meanwhile: the answer
 * is never older than the request, and a burst of requests costs at most one extra run.
 */
export class SerialRunner<T> {
  private running: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  /** `onSettled` runs after each run ends, once `isRunning` already says so. */
  constructor(
    private readonly task: () => Promise<T>,
    private readonly onSettled?: () => void,
  ) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** True when a follow-up run is already waiting for the current one. */
  get hasQueued(): boolean {
    return this.queued !== undefined;
  }

  run(): Promise<T> {
    if (this.running) {
      this.queued ??= this.running.then(
        () => this.startQueued(),
        () => this.startQueued(),
      );
      return this.queued;
    }
    return this.start();
  }

  private startQueued(): Promise<T> {
    this.queued = undefined;
    return this.start();
  }

  private start(): Promise<T> {
    const run = this.task().finally(() => {
      if (this.running === run) this.running = undefined;
      this.onSettled?.();
    });
    this.running = run;
    return run;
  }
}
