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
   * 'any' (default) skips the check. For the second and later events of one stream in the
   * same batch, "current" includes the batch's earlier events of that stream. A deduplicated
   * event is not checked (so that retrying an append is harmless).
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

/**
 * A stored event with `data` and `metadata` left as the JSON text the database holds: for
 * readers that parse only what they use (`JSON.parse(event.data)` gives `StoredEvent.data`).
 */
export interface RawEvent {
  sequence: number;
  streamId: string;
  streamVersion: number;
  type: string;
  /** JSON text. */
  data: string;
  /** JSON text of an object. */
  metadata: string;
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

/** An encrypted blob kept outside the event log; the caller encrypts and decrypts. */
export interface StoredSecret {
  ciphertext: string;
  meta: Record<string, unknown>;
  /** ISO-8601. */
  updatedAt: string;
}

/** What `listSecrets` returns: everything but the ciphertext. */
export interface SecretSummary {
  name: string;
  meta: Record<string, unknown>;
  /** ISO-8601. */
  updatedAt: string;
}

export interface EventStore {
  /** Appends all events in one transaction, or none (ConcurrencyError / any error). */
  append(events: NewEvent[]): Promise<AppendResult>;
  /** Events with sequence > after, in order, at most `limit` (default 1000). */
  readAfter(after: number, limit?: number): Promise<StoredEvent[]>;
  /** As readAfter, with data and metadata as JSON text: nothing is parsed that the reader does not ask for. */
  readRawAfter(after: number, limit?: number): Promise<RawEvent[]>;
  readStream(streamId: string): Promise<StoredEvent[]>;
  /** 0 when the stream has no events. */
  streamVersion(streamId: string): Promise<number>;
  /** The highest committed sequence, 0 for an empty log. */
  headSequence(): Promise<number>;
  countEvents(): Promise<number>;
  saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void>;
  /** saveSnapshot with the state already serialised to JSON text (so a caller can serialise off the hot path). */
  saveSnapshotJson(name: string, sequence: number, stateJson: string): Promise<void>;
  /** The latest snapshot of that name, or null. */
  loadSnapshot<S>(name: string): Promise<Snapshot<S> | null>;
  /** Stores or replaces the secret `name`. Not an event: history records only references. */
  putSecret(name: string, ciphertext: string, meta: Record<string, unknown>): Promise<void>;
  getSecret(name: string): Promise<StoredSecret | null>;
  /** true when a secret of that name existed. */
  deleteSecret(name: string): Promise<boolean>;
  /** Secrets whose name starts with `prefix` ('' for all), sorted by name. */
  listSecrets(prefix: string): Promise<SecretSummary[]>;
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
