/**
 * Publishes changes one at a time, in the order they were observed (so per object too). A change
 * the bus refuses is retried, with backoff, before anything after it: at-least-once, never
 * reordered. The ids stay the same across retries, so JetStream drops a publish that did land.
 */
import type { ResourceChanged } from '@meshgate/bus';
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.js';

export class PublishQueue {
  private readonly pending: ResourceChanged[] = [];
  private draining: Promise<void> | undefined;
  private stopped = false;
  private retryTimer: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(
    private readonly publish: (change: ResourceChanged) => Promise<void>,
    private readonly logger: Logger,
    private readonly retry = { minMs: 200, maxMs: 30_000 },
  ) {}

  push(change: ResourceChanged): void {
    if (this.stopped) return;
    this.pending.push(change);
    this.draining ??= this.drain();
  }

  /** Resolves once everything pushed so far is published (or the queue is stopped). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  get length(): number {
    return this.pending.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer.timer);
      this.retryTimer.wake();
    }
    await this.idle();
  }

  private async drain(): Promise<void> {
    let attempt = 0;
    while (this.pending.length > 0 && !this.stopped) {
      const change = this.pending[0];
      try {
        await this.publish(change);
        this.pending.shift();
        attempt = 0;
        this.logger.debug({ op: change.op, object: `${change.kind}/${change.namespace}/${change.name}`, source: change.source }, 'published change');
      } catch (error) {
        const delay = backoffDelay(attempt++, this.retry.minMs, this.retry.maxMs);
        this.logger.error({ err: error, retryInMs: delay, object: `${change.kind}/${change.namespace}/${change.name}` }, 'publishing a change failed; retrying');
        await new Promise<void>((wake) => {
          this.retryTimer = { timer: setTimeout(wake, delay), wake };
        });
        this.retryTimer = undefined;
      }
    }
    // Synchronously from the loop's end: a push after this sees no drain running and starts one.
    this.draining = undefined;
  }
}
