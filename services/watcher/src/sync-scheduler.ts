/**
 * Runs one task at a time, coalescing requests. A burst of file events becomes one run: the run
 * starts once events have been quiet for `debounceMs`, or `maxDelayMs` after the first of them
 * if they never stop (an editor saving in a loop must not starve the watcher). A request that
 * arrives during a run causes exactly one more run after it.
 */

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export interface SyncSchedulerOptions {
  debounceMs: number;
  maxDelayMs: number;
}

export class SyncScheduler<T> {
  private timer: NodeJS.Timeout | undefined;
  /** When the oldest request not yet served arrived (monotonic ms). */
  private pendingSince: number | undefined;
  private running: Promise<void> | undefined;
  private runAgain = false;
  /** Callers waiting for a run that starts after their request. */
  private waiters: Waiter<T>[] = [];
  private stopped = false;

  constructor(
    private readonly task: () => Promise<T>,
    private readonly options: SyncSchedulerOptions,
  ) {}

  /** Asks for a run after the debounce delay. */
  schedule(): void {
    if (this.stopped) return;
    const now = performance.now();
    this.pendingSince ??= now;
    const untilDeadline = Math.max(0, this.pendingSince + this.options.maxDelayMs - now);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), Math.min(this.options.debounceMs, untilDeadline));
  }

  /** Asks for a run now (after the one in progress, if any) and resolves with its result. */
  runNow(): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('watcher: stopped'));
    const result = new Promise<T>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.fire();
    return result;
  }

  /** Cancels what is scheduled and waits for the run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new Error('watcher: stopped'));
  }

  private fire(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    if (this.running) {
      this.runAgain = true;
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    this.pendingSince = undefined;
    this.running = this.task().then(
      (result) => waiters.forEach((waiter) => waiter.resolve(result)),
      (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
    );
    void this.running.finally(() => {
      this.running = undefined;
      if (this.runAgain) {
        this.runAgain = false;
        this.fire();
      }
    });
  }
}
