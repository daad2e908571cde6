/**
 * The event log contract. Two implementations (Postgres through `pg`, embedded PGlite) pass
 * one contract suite. The log is the truth: everything else is a projection of it.
 */

export interface NewEvent {
  /** The aggregate the event belongs to, e.g. `VirtualService/default/httpbin`. */
  streamId: string;
  type: string;
  data: unknown;
  /** Free-form, JSON. */
  metadata?: Record<string, unknown>;
  /**
   * Idempotency: an event whose dedupKey is already in the log is not written again
   * (the append reports it as deduplicated, and it does not count as a conflict).
   */
  dedupKey?: string;
  /**
   * Optimistic concurrency for this event's stream, checked before anything in the batch is
   * written: a number is the stream's current version (0 = the stream has no events);
   * 'any' (default) skips the check.
   */
  expectedVersion?: number | 'any';
}

export interface StoredEvent {
  /** Global, gap-free within committed appends, strictly increasing in commit order. */
  sequence: number;
  streamId: string;
  /** 1 for the first event of a stream. */
  streamVersion: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  dedupKey: string | null;
  /** ISO-8601. */
  recordedAt: string;
}

export interface AppendResult {
  /** The events written by this call, in order. */
  written: StoredEvent[];
  /** dedupKeys that were already in the log and so were skipped. */
  deduplicated: string[];
}

export interface Snapshot<S = unknown> {
  name: string;
  /** The state reflects every event with sequence <= this. */
  sequence: number;
  state: S;
}

export interface EventStore {
  /** Appends all events in one transaction, or none (ConcurrencyError / any error). */
  append(events: NewEvent[]): Promise<AppendResult>;
  /** Events with sequence > after, in order, at most `limit` (default 1000). */
  readAfter(after: number, limit?: number): Promise<StoredEvent[]>;
  readStream(streamId: string): Promise<StoredEvent[]>;
  /** 0 when the stream has no events. */
  streamVersion(streamId: string): Promise<number>;
  /** The highest committed sequence, 0 for an empty log. */
  headSequence(): Promise<number>;
  countEvents(): Promise<number>;
  saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void>;
  /** The latest snapshot of that name, or null. */
  loadSnapshot<S>(name: string): Promise<Snapshot<S> | null>;
  close(): Promise<void>;
}

export class ConcurrencyError extends Error {
  readonly code = 'MG_ERR_CONCURRENCY';
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${expected}, found ${actual}`);
    this.name = 'ConcurrencyError';
  }
}
