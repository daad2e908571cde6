/**
 * Following the log from a position, free of any transport: the events after `after`, then each
 * new one as the follower advances. Events are read from the log (the follower only says when to
 * read on) and handed to a sink in sequence order, waiting while the sink's buffer is full, so a
 * slow client holds no more than one batch. The SSE stream (`/v1/events/stream`) and the gRPC
 * Events.Watch are both sinks of one EventTail each.
 */
import type { EventStore, StoredEvent } from '@meshgate/eventlog';
import type { StateFollower } from '@meshgate/follower';
import type { Logger } from 'pino';

const READ_BATCH = 500;

export interface EventSink {
  /** Sends one event; false when the sink's buffer is full (then `drained` is awaited). */
  write(event: StoredEvent): boolean;
  /** Resolves once the buffer has room again, or the sink has gone away. */
  drained(): Promise<void>;
  /** Reading the log failed: the sink ends the stream so that the client resumes later. */
  failed(error: unknown): void;
}

export interface EventTailOptions {
  store: EventStore;
  follower: StateFollower;
  logger: Logger;
  after: number;
  sink: EventSink;
}

export class EventTail {
  private cursor: number;
  private pumping: Promise<void> = Promise.resolve();
  private pumpAgain = false;
  private closed = false;
  private readonly onAdvanced = () => this.pump();

  constructor(private readonly options: EventTailOptions) {
    this.cursor = options.after;
  }

  /** Sends what is there, then follows. */
  start(): void {
    this.options.follower.on('advanced', this.onAdvanced);
    this.pump();
  }

  /** Stops following; an event being sent is the last. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.follower.off('advanced', this.onAdvanced);
  }

  /** Reads on; calls while a read runs coalesce into one more read. */
  private pump(): void {
    this.pumpAgain = true;
    this.pumping = this.pumping.then(async () => {
      while (this.pumpAgain && !this.closed) {
        this.pumpAgain = false;
        try {
          await this.sendAvailable();
        } catch (error) {
          this.options.logger.warn({ err: error, after: this.cursor }, 'event stream failed to read the log; closing it so that the client resumes');
          this.close();
          this.options.sink.failed(error);
        }
      }
    });
  }

  private async sendAvailable(): Promise<void> {
    for (;;) {
      const events = await this.options.store.readAfter(this.cursor, READ_BATCH);
      for (const event of events) {
        if (this.closed) return;
        const flushed = this.options.sink.write(event);
        this.cursor = event.sequence;
        if (!flushed) await this.options.sink.drained();
      }
      if (events.length < READ_BATCH) return;
    }
  }
}
