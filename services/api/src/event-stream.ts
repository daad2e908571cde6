/**
 * One Server-Sent Events session: an EventTail written as SSE, with the sequence as the SSE `id`,
 * so that a client reconnecting with `Last-Event-ID` resumes without a gap or a repeat.
 */
import type { ServerResponse } from 'node:http';
import type { EventStore } from '@meshgate/eventlog';
import type { StateFollower } from '@meshgate/follower';
import type { Logger } from 'pino';
import { EventTail } from './event-tail.js';

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
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly tail: EventTail;
  private readonly closedCallbacks: (() => void)[] = [];

  constructor(private readonly options: EventStreamOptions) {
    const { response } = options;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${RETRY_MS}\n\n`);
    response.on('close', () => this.close());
    this.heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.tail = new EventTail({
      store: options.store,
      follower: options.follower,
      logger: options.logger,
      after: options.after,
      sink: {
        write: (event) => response.write(`id: ${event.sequence}\ndata: ${JSON.stringify(event)}\n\n`),
        drained: () => drainedOrClosed(response),
        failed: () => this.close(),
      },
    });
    this.tail.start();
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
    this.tail.close();
    if (!this.options.response.writableEnded) this.options.response.end();
    for (const callback of this.closedCallbacks.splice(0)) callback();
  }
}

/** A slow client: wait until its buffer drains, or until it goes away. */
function drainedOrClosed(response: ServerResponse): Promise<void> {
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
