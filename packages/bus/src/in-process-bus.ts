/**
 * The bus in memory, for the embedded single-process mode. It keeps the JetStream semantics the
 * services rely on: changes are stored in publish order, deduplicated by id within a window,
 * handed to each durable consumer one at a time, redelivered after a delay when the handler
 * throws; a durable consumer's position lives as long as the bus. Changes go through the same
 * JSON encoding and validation as over NATS, so a handler never shares an object with a publisher.
 */
import {
  assertDurableName,
  assertValid,
  changeSubject,
  decodeResourceChanged,
  encodeJson,
  payloadPreview,
  validateDoorbell,
  validateResourceChanged,
} from './codec.js';
import { ringHandler } from './handlers.js';
import { asError, resolveBusOptions, type BusOptions, type ResolvedBusOptions } from './options.js';
import type { Bus, BusStatus, ConsumeOptions, Doorbell, ResourceChanged, Subscription } from './types.js';

export interface InProcessBusOptions extends BusOptions {
  /**
   * Oldest changes beyond this many are dropped, as a JetStream stream with a message limit
   * would; a consumer that had not reached them skips ahead. Default 100,000.
   */
  maxRetainedChanges?: number;
  /** Monotonic milliseconds for the duplicate window (tests pass a fake clock). */
  now?: () => number;
}

export const DEFAULT_MAX_RETAINED_CHANGES = 100_000;

type ChangeHandler = (change: ResourceChanged) => Promise<void>;

interface StoredChange {
  subject: string;
  payload: Uint8Array;
}

class InProcessChangeSubscription implements Subscription {
  private active = true;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly handler: ChangeHandler,
    private readonly detach: (subscription: InProcessChangeSubscription) => void,
  ) {}

  get isActive(): boolean {
    return this.active;
  }

  /** Runs the handler; resolves with whether it succeeded (the error itself goes to `onError`). */
  handle(change: ResourceChanged, onError: (error: Error) => void): Promise<boolean> {
    const run = (async () => {
      try {
        await this.handler(change);
        return true;
      } catch (error) {
        onError(new Error(`bus: handler failed for change ${change.id}, redelivering: ${asError(error).message}`));
        return false;
      }
    })();
    this.inFlight = run;
    return run;
  }

  /** Resolves once the handler in flight (if any) has settled. */
  async unsubscribe(): Promise<void> {
    if (this.active) {
      this.active = false;
      this.detach(this);
    }
    await this.inFlight;
  }
}

/** Where one durable consumer is, and who is subscribed to it. */
class DurableCursor {
  /** Sequence number of the next change to hand out. */
  position = 1;
  /** A handler is running, or a redelivery is scheduled: nothing else may be handed out. */
  busy = false;
  retryTimer: NodeJS.Timeout | undefined;
  readonly subscribers: InProcessChangeSubscription[] = [];
  private turn = 0;

  /** Subscribers of one durable share its messages, taking turns. */
  nextSubscriber(): InProcessChangeSubscription | undefined {
    if (this.subscribers.length === 0) return undefined;
    this.turn = (this.turn + 1) % this.subscribers.length;
    return this.subscribers[this.turn];
  }
}

export class InProcessBus implements Bus {
  private readonly settings: ResolvedBusOptions;
  private readonly maxRetainedChanges: number;
  private readonly now: () => number;
  /** Stored changes by sequence number; Map keeps insertion (= sequence) order. */
  private readonly changes = new Map<number, StoredChange>();
  private firstSequence = 1;
  private nextSequence = 1;
  /** Change id → when it was stored, oldest first, for the duplicate window. */
  private readonly recentIds = new Map<string, number>();
  private readonly cursors = new Map<string, DurableCursor>();
  private readonly doorbellHandlers = new Set<{ handler: (doorbell: Doorbell) => void }>();
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.settings = resolveBusOptions(options);
    this.maxRetainedChanges = options.maxRetainedChanges ?? DEFAULT_MAX_RETAINED_CHANGES;
    this.now = options.now ?? (() => performance.now());
  }

  async publishChange(change: ResourceChanged): Promise<void> {
    this.assertOpen();
    const valid = assertValid('change', validateResourceChanged(change));
    const now = this.now();
    this.forgetIdsBefore(now - this.settings.duplicateWindowMs);
    if (this.recentIds.has(valid.id)) return;
    this.recentIds.set(valid.id, now);
    this.store({ subject: changeSubject(this.settings.subjectPrefix, valid), payload: encodeJson(valid) });
    for (const cursor of this.cursors.values()) this.pump(cursor);
  }

  async consumeChanges(handler: ChangeHandler, options: ConsumeOptions): Promise<Subscription> {
    this.assertOpen();
    assertDurableName(options.durable);
    let cursor = this.cursors.get(options.durable);
    if (!cursor) {
      cursor = new DurableCursor();
      this.cursors.set(options.durable, cursor);
    }
    const owner = cursor;
    const subscription = new InProcessChangeSubscription(handler, (leaving) => {
      owner.subscribers.splice(owner.subscribers.indexOf(leaving), 1);
    });
    owner.subscribers.push(subscription);
    // After the caller holds the subscription, as when messages arrive over the network.
    setImmediate(() => this.pump(owner));
    return subscription;
  }

  async ringDoorbell(doorbell: Doorbell): Promise<void> {
    this.assertOpen();
    const valid = assertValid('doorbell', validateDoorbell(doorbell));
    for (const entry of [...this.doorbellHandlers]) {
      // Asynchronous like a network hop; skipped if it unsubscribed in between.
      queueMicrotask(() => {
        if (this.doorbellHandlers.has(entry)) ringHandler(entry.handler, { ...valid }, this.settings.onError);
      });
    }
  }

  async onDoorbell(handler: (doorbell: Doorbell) => void): Promise<Subscription> {
    this.assertOpen();
    const entry = { handler };
    this.doorbellHandlers.add(entry);
    return {
      unsubscribe: async () => {
        this.doorbellHandlers.delete(entry);
      },
    };
  }

  /** Stops delivery; in-flight handlers finish first. */
  status(): BusStatus {
    return this.closed ? { connected: false, detail: 'closed' } : { connected: true, detail: 'connected' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.doorbellHandlers.clear();
    const unsubscribing: Promise<void>[] = [];
    for (const cursor of this.cursors.values()) {
      clearTimeout(cursor.retryTimer);
      for (const subscription of [...cursor.subscribers]) unsubscribing.push(subscription.unsubscribe());
    }
    await Promise.all(unsubscribing);
  }

  private store(change: StoredChange): void {
    this.changes.set(this.nextSequence, change);
    this.nextSequence += 1;
    while (this.changes.size > this.maxRetainedChanges) {
      this.changes.delete(this.firstSequence);
      this.firstSequence += 1;
    }
  }

  private forgetIdsBefore(cutoff: number): void {
    for (const [id, storedAt] of this.recentIds) {
      if (storedAt > cutoff) break;
      this.recentIds.delete(id);
    }
  }

  /** Hands the cursor's next change to a subscriber, unless one is already being handled. */
  private pump(cursor: DurableCursor): void {
    if (this.closed || cursor.busy) return;
    cursor.position = Math.max(cursor.position, this.firstSequence);
    const sequence = cursor.position;
    const stored = this.changes.get(sequence);
    if (!stored) return;
    const subscriber = cursor.nextSubscriber();
    if (!subscriber) return;
    cursor.busy = true;
    // Never inside the publisher's or subscriber's call: handlers run as if a message arrived.
    queueMicrotask(() => {
      this.deliver(cursor, subscriber, sequence, stored).catch((error: unknown) => {
        cursor.busy = false;
        this.settings.onError(asError(error));
      });
    });
  }

  private async deliver(
    cursor: DurableCursor,
    subscriber: InProcessChangeSubscription,
    sequence: number,
    stored: StoredChange,
  ): Promise<void> {
    const decoded = decodeResourceChanged(stored.payload);
    if (!decoded.valid) {
      this.settings.onInvalid({ subject: stored.subject, errors: decoded.errors, preview: payloadPreview(stored.payload) });
    } else if (!(await subscriber.handle(decoded.value, this.settings.onError))) {
      cursor.retryTimer = setTimeout(() => {
        cursor.retryTimer = undefined;
        cursor.busy = false;
        this.pump(cursor);
      }, this.settings.redeliveryDelayMs);
      return;
    }
    // Acknowledged; the cursor may have skipped ahead meanwhile if old changes were dropped.
    if (cursor.position === sequence) cursor.position = sequence + 1;
    cursor.busy = false;
    // The next change on a later turn of the event loop, so a long backlog never starves I/O.
    setImmediate(() => this.pump(cursor));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus: closed');
  }
}
