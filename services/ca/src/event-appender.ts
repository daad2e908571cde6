/**
 * Appends the CA's events with group commit: while one append is in flight, the events that
 * arrive wait and then go together in the next transaction. A lone issuance is written after one
 * turn of the event loop; under load, one transaction carries many (the event store appends one
 * batch at a time, so this is what lets signing throughput exceed transaction throughput).
 *
 * After each append the doorbell rings with the new head. A failed batch is retried event by
 * event, so that one bad event fails only its own issuance.
 */
import type { Bus } from '@meshgate/bus';
import type { EventStore, NewEvent, StoredEvent } from '@meshgate/eventlog';
import type { Logger } from 'pino';

const MAX_BATCH = 500;

interface Pending {
  event: NewEvent;
  resolve(stored: StoredEvent): void;
  reject(error: unknown): void;
}

export class EventAppender {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly bus: Pick<Bus, 'ringDoorbell'> | undefined,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the event is committed. */
  append(event: NewEvent): Promise<StoredEvent> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves when everything queued so far is written (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      for (;;) {
        // Let one turn of the event loop pass before taking the batch: signatures finishing on
        // the thread pool deliver their events in the poll phase, and an embedded store (PGlite)
        // runs its transaction on this thread without yielding to it. Without the pause every
        // batch would hold one event.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, MAX_BATCH);
        if (batch.length === 0) return;
        if (!(await this.write(batch)) && batch.length > 1) {
          for (const one of batch) await this.write([one]);
        }
      }
    } finally {
      // In the same tick as the check that found the queue empty: an append() after this starts a new flush.
      this.flushing = undefined;
    }
  }

  /** true when the batch was written; false (each caller told, if alone) when it failed. */
  private async write(batch: Pending[]): Promise<boolean> {
    let written: StoredEvent[];
    try {
      ({ written } = await this.store.append(batch.map((p) => p.event)));
    } catch (error) {
      if (batch.length === 1) batch[0].reject(error);
      return false;
    }
    batch.forEach((pending, i) => pending.resolve(written[i]));
    const head = written.at(-1)?.sequence;
    if (head !== undefined && this.bus) {
      // The events are committed: a doorbell that does not ring delays readers, it loses nothing.
      this.bus.ringDoorbell({ head }).catch((error: unknown) => this.logger.warn({ err: error, head }, 'could not ring the doorbell after recording certificates'));
    }
    return true;
  }
}
