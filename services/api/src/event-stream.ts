/**
 * One Server-Sent Events session: the events after a position, then each new one as the
 * follower advances. Events are read from the log (the follower only says when to read on),
 * with the sequence as the SSE `id`, so that a client reconnecting with `Last-Event-ID` resumes
 * without a gap or a repeat.
 */
import type { ServerResponse } from 'node:http';
import type { EventStore } from '@meshgate/eventlog';
import type { StateFollower } from '@meshgate/follower';
import type { Logger } from 'pino';

const READ_BATCH = 500;
/** A comment line now and then keeps idle proxies and load balancers from closing the stream. */
const HEARTBEAT_MS = 15_000;
/** How long a client waits before reconnecting after the stream ends. */
const RETRY_MS = 2_000;

export interface EventStreamOptions {
  response: ServerResponse;
  store: EventStore;
  follower: StateFollower;
  logger: Logger;
  after: number;
}

export class EventStreamSession {
  private cursor: number;
  private pumping: Promise<void> = Promise.resolve();
  private pumpAgain = false;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onAdvanced = () => this.pump();
  private readonly closedCallbacks: (() => void)[] = [];

  constructor(private readonly options: EventStreamOptions) {
    this.cursor = options.after;
    const { response } = options;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${RETRY_MS}\n\n`);
    response.on('close', () => this.close());
    options.follower.on('advanced', this.onAdvanced);
    this.heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.pump();
  }

  /** Runs `callback` once the session has ended, for whatever reason. */
  onClosed(callback: () => void): void {
    if (this.closed) callback();
    else this.closedCallbacks.push(callback);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.options.follower.off('advanced', this.onAdvanced);
    if (!this.options.response.writableEnded) this.options.response.end();
    for (const callback of this.closedCallbacks.splice(0)) callback();
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
          this.options.logger.warn({ err: error, after: this.cursor }, 'event stream failed to read the log; closing it so that the client reconnects');
          this.close();
        }
      }
    });
  }

  private async sendAvailable(): Promise<void> {
    for (;;) {
      const events = await this.options.store.readAfter(this.cursor, READ_BATCH);
      for (const event of events) {
        if (this.closed) return;
        const flushed = this.options.response.write(`id: ${event.sequence}\ndata: ${JSON.stringify(event)}\n\n`);
        this.cursor = event.sequence;
        if (!flushed) await this.drainedOrClosed();
      }
      if (events.length < READ_BATCH) return;
    }
  }

  /** A slow client: wait until its buffer drains, or until it goes away. */
  private drainedOrClosed(): Promise<void> {
    const { response } = this.options;
    return new Promise((resolve) => {
      const done = () => {
        response.off('drain', done);
        response.off('close', done);
        resolve();
      };
      response.once('drain', done);
      response.once('close', done);
    });
  }
}
