/**
 * Keeps an in-memory MeshState in step with the event log.
 *
 * Start: the latest snapshot, then the tail after it. Live: the doorbell says "read on" and the
 * follower reads every event after the last one it folded in — the log is the truth, so a lost
 * or duplicated doorbell costs nothing but latency (a slow poll covers a lost one).
 */
import { EventEmitter } from 'node:events';
import type { Bus, Subscription } from '@meshgate/bus';
import type { EventStore, RawEvent } from '@meshgate/eventlog';
import { cloneState, deserialiseState, evolve, initialState, type MeshState } from '@meshgate/model';
import { changedObject, changedObjectKey, type ChangedObject } from './changed-object.js';
import { LogCompactor } from './log-compactor.js';
import { serialiseStateJson } from './snapshot-json.js';

export type { ChangedObject } from './changed-object.js';

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
   * replays from the snapshot instead of from event 1. Every long-running reader (api, xds)
   * writes: all snapshots share one name and the store keeps the newest. 0 or undefined never writes.
   */
  snapshotEvery?: number;
  /**
   * At most one snapshot per this many milliseconds (default 10,000): a snapshot costs the
   * whole state, so a burst of appends must not write one per `snapshotEvery` events. One that
   * is due but too early is written when the interval has passed.
   */
  snapshotMinIntervalMs?: number;
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
  private lastSnapshotAt = 0;
  private snapshotTimer?: NodeJS.Timeout;
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

  /**
   * Reads to the end of the log and emits `advanced(sequence, changed)`: `changed` lists the
   * objects the batch applied or deleted (once each), empty when the batch held only events
   * about no stored object (CertificateIssued, join tokens, …) — a consumer compiling from the
   * state has nothing to redo then. Pages are read one ahead (the next query runs while this one
   * is folded in), kept as JSON text, and folded at the end parsing only the last event of each
   * object (LogCompactor); when the log breaks the compactor's assumption, the same range is
   * folded event by event.
   */
  private async readOn(): Promise<void> {
    const before = this.state.sequence;
    const batchSize = this.options.batchSize ?? 5000;
    // When the first event of this read was appended: where a change's way to the proxies starts.
    let firstRecordedAt: number | undefined;
    const compactor = new LogCompactor();
    await readEach(this.options.store, before, batchSize, (event) => {
      firstRecordedAt ??= Date.parse(event.recordedAt);
      compactor.add(event);
    });
    let changed: ChangedObject[];
    if (compactor.applyTo(this.state)) {
      changed = compactor.changed;
    } else {
      const byKey = new Map<string, ChangedObject>();
      await readEach(this.options.store, before, batchSize, (event) => {
        const parsed = { type: event.type, data: JSON.parse(event.data) as unknown };
        this.state = evolve(this.state, event.sequence, parsed);
        const ref = changedObject(parsed);
        if (ref) byKey.set(changedObjectKey(ref), ref);
      });
      changed = [...byKey.values()];
    }
    if (this.state.sequence !== before) this.emit('advanced', this.state.sequence, changed, firstRecordedAt);
    this.maybeSnapshot();
  }

  /** Starts a snapshot save when enough events have passed; never two at once, nor more often than the interval. */
  private maybeSnapshot(): void {
    const every = this.options.snapshotEvery ?? 0;
    if (every <= 0 || this.closed || this.snapshotting || this.snapshotTimer || this.state.sequence - this.snapshotSequence < every) return;
    const wait = this.lastSnapshotAt + (this.options.snapshotMinIntervalMs ?? 10_000) - Date.now();
    if (wait > 0) {
      this.snapshotTimer = setTimeout(() => {
        this.snapshotTimer = undefined;
        this.maybeSnapshot();
      }, wait);
      this.snapshotTimer.unref();
      return;
    }
    this.lastSnapshotAt = Date.now();
    this.snapshotting = this.writeSnapshot()
      .catch((error: unknown) => {
        this.emit('error', error);
      })
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  /** Off the hot path: a copy of the maps (cheap: objects are shared), serialised in slices. */
  private async writeSnapshot(): Promise<void> {
    const copy = cloneState(this.state);
    const json = await serialiseStateJson(copy);
    await this.options.store.saveSnapshotJson(MESH_STATE_SNAPSHOT, copy.sequence, json);
    this.snapshotSequence = copy.sequence;
    this.emit('snapshot', copy.sequence);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    await this.doorbell?.unsubscribe();
    await this.reading;
    await this.snapshotting;
  }
}

/** Every event after `after`, page by page with the next page read while this one is handled. */
export async function readEach(store: EventStore, after: number, batchSize: number, handle: (event: RawEvent) => void): Promise<number> {
  let count = 0;
  let next: Promise<RawEvent[]> | undefined = store.readRawAfter(after, batchSize);
  while (next !== undefined) {
    const events: RawEvent[] = await next;
    const last = events.at(-1);
    next = events.length === batchSize && last !== undefined ? store.readRawAfter(last.sequence, batchSize) : undefined;
    // A failure of the page read ahead is reported when it is awaited, not as an unhandled rejection.
    next?.catch(() => undefined);
    for (const event of events) handle(event);
    count += events.length;
  }
  return count;
}

/** Every event after `after`, gathered by a LogCompactor. */
export async function readCompacted(store: EventStore, after: number, batchSize: number): Promise<LogCompactor> {
  const compactor = new LogCompactor();
  await readEach(store, after, batchSize, (event) => compactor.add(event));
  return compactor;
}
