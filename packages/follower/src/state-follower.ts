/**
 * Keeps an in-memory MeshState in step with the event log.
 *
 * Start: the latest snapshot, then the tail after it. Live: the doorbell says "read on" and the
 * follower reads every event after the last one it folded in — the log is the truth, so a lost
 * or duplicated doorbell costs nothing but latency (a slow poll covers a lost one).
 */
import { EventEmitter } from 'node:events';
import type { Bus, Subscription } from '@meshgate/bus';
import type { EventStore } from '@meshgate/eventlog';
import { deserialiseState, evolve, initialState, serialiseState, type MeshState } from '@meshgate/model';

export const MESH_STATE_SNAPSHOT = 'mesh-state';

export interface StateFollowerOptions {
  store: EventStore;
  bus: Bus;
  /** A poll that covers a lost doorbell. */
  pollIntervalMs?: number;
  /** Events read per query. */
  batchSize?: number;
  /**
   * Save a snapshot of the state after this many events since the last one, so that a restart
   * replays from the snapshot instead of from event 1. One follower per deployment should write
   * (the api's); 0 or undefined never writes.
   */
  snapshotEvery?: number;
}

export class StateFollower extends EventEmitter {
  private state: MeshState = initialState();
  private doorbell?: Subscription;
  private poller?: NodeJS.Timeout;
  private reading: Promise<void> = Promise.resolve();
  private readAgain = false;
  private closed = false;
  private snapshotSequence = 0;
  private snapshotting?: Promise<void>;
  /** The highest sequence the doorbell announced; the log head as this replica knows it. */
  private announcedHead = 0;

  constructor(private readonly options: StateFollowerOptions) {
    super();
  }

  get current(): MeshState {
    return this.state;
  }

  get sequence(): number {
    return this.state.sequence;
  }

  /** The log head as far as this follower knows: the doorbell's latest, or what it has read. */
  get head(): number {
    return Math.max(this.announcedHead, this.state.sequence);
  }

  async start(): Promise<void> {
    const snapshot = await this.options.store.loadSnapshot<unknown>(MESH_STATE_SNAPSHOT);
    if (snapshot) {
      this.state = deserialiseState(snapshot.state);
      this.snapshotSequence = this.state.sequence;
    }
    await this.readOn();
    this.doorbell = await this.options.bus.onDoorbell((bell) => {
      this.announcedHead = Math.max(this.announcedHead, bell.head);
      if (bell.head > this.state.sequence) void this.catchUp();
    });
    // The doorbell may have rung between the first read and the subscription.
    await this.catchUp();
    this.poller = setInterval(() => void this.catchUp(), this.options.pollIntervalMs ?? 2000);
    this.poller.unref();
  }

  /** Reads on; concurrent calls coalesce into at most one more read. */
  catchUp(): Promise<void> {
    if (this.closed) return this.reading;
    this.readAgain = true;
    this.reading = this.reading.then(async () => {
      if (!this.readAgain || this.closed) return;
      this.readAgain = false;
      try {
        await this.readOn();
      } catch (error) {
        this.emit('error', error);
      }
    });
    return this.reading;
  }

  /** Resolves once every event up to `sequence` has been folded in. */
  async waitFor(sequence: number): Promise<void> {
    while (this.state.sequence < sequence) {
      await this.catchUp();
      if (this.state.sequence >= sequence) return;
      await new Promise<void>((resolve) => this.once('advanced', () => resolve()));
    }
  }

  private async readOn(): Promise<void> {
    const before = this.state.sequence;
    const batchSize = this.options.batchSize ?? 5000;
    // When the first event of this read was appended: where a change's way to the proxies starts.
    let firstRecordedAt: number | undefined;
    for (;;) {
      const events = await this.options.store.readAfter(this.state.sequence, batchSize);
      if (firstRecordedAt === undefined && events.length > 0) firstRecordedAt = Date.parse(events[0].recordedAt);
      // evolve ignores event types that are not about stored objects (CertificateIssued, …).
      for (const event of events) this.state = evolve(this.state, event.sequence, event);
      if (events.length < batchSize) break;
    }
    if (this.state.sequence !== before) this.emit('advanced', this.state.sequence, firstRecordedAt);
    this.maybeSnapshot();
  }

  /** Starts a snapshot save when enough events have passed; never two at once. */
  private maybeSnapshot(): void {
    const every = this.options.snapshotEvery ?? 0;
    if (every <= 0 || this.snapshotting || this.state.sequence - this.snapshotSequence < every) return;
    // Serialise now, synchronously: the state object keeps changing as the follower reads on.
    const sequence = this.state.sequence;
    const serialised = serialiseState(this.state);
    this.snapshotting = this.options.store
      .saveSnapshot({ name: MESH_STATE_SNAPSHOT, sequence, state: serialised })
      .then(
        () => {
          this.snapshotSequence = sequence;
          this.emit('snapshot', sequence);
        },
        (error: unknown) => {
          this.emit('error', error);
        },
      )
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.doorbell?.unsubscribe();
    await this.reading;
    await this.snapshotting;
  }
}
