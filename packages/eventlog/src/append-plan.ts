/**
 * The decisions of one append, as a pure function: which events are duplicates, which
 * versions and sequences the rest receive, and whether an expected version is violated.
 * The store gathers the inputs (under the append lock) and writes the rows this returns.
 */
import { isRecord } from './rows.js';
import { ConcurrencyError, type AppendResult, type NewEvent, type StoredEvent } from './types.js';

/** One events-table row, ready to be sent as a column of a multi-row insert. */
export interface EventRow {
  sequence: number;
  streamId: string;
  streamVersion: number;
  type: string;
  /** JSON text. */
  data: string;
  /** JSON text of an object. */
  metadata: string;
  dedupKey: string | null;
}

export interface AppendContext {
  /** The highest committed sequence when the lock was taken. */
  head: number;
  /** ISO-8601 time stamped on every event of the batch. */
  recordedAt: string;
  /** Current versions of the batch's streams; missing = 0. */
  streamVersions: ReadonlyMap<string, number>;
  /** The batch's dedupKeys that are already in the log. */
  existingDedupKeys: ReadonlySet<string>;
}

export interface AppendPlan {
  rows: EventRow[];
  /** New version of every stream the batch writes to. */
  streamVersions: Map<string, number>;
  result: AppendResult;
}

/** Throws a TypeError naming the field (`events[2].streamId`) when an event is malformed. */
export function validateNewEvents(events: readonly NewEvent[]): void {
  if (!Array.isArray(events)) throw new TypeError('events: expected an array');
  events.forEach((event, index) => {
    const at = `events[${index}]`;
    if (!isRecord(event)) throw new TypeError(`${at}: expected an object`);
    if (typeof event.streamId !== 'string' || event.streamId === '') {
      throw new TypeError(`${at}.streamId: expected a non-empty string`);
    }
    if (typeof event.type !== 'string' || event.type === '') {
      throw new TypeError(`${at}.type: expected a non-empty string`);
    }
    if (event.metadata !== undefined && !isRecord(event.metadata)) {
      throw new TypeError(`${at}.metadata: expected an object`);
    }
    if (event.dedupKey !== undefined && (typeof event.dedupKey !== 'string' || event.dedupKey === '')) {
      throw new TypeError(`${at}.dedupKey: expected a non-empty string`);
    }
    const expected = event.expectedVersion;
    const validExpected =
      expected === undefined || expected === 'any' || (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0);
    if (!validExpected) {
      throw new TypeError(`${at}.expectedVersion: expected 'any' or an integer >= 0`);
    }
  });
}

export function planAppend(events: readonly NewEvent[], context: AppendContext): AppendPlan {
  const rows: EventRow[] = [];
  const written: StoredEvent[] = [];
  const deduplicated: string[] = [];
  const seenDedupKeys = new Set(context.existingDedupKeys);
  const streamVersions = new Map<string, number>();

  for (const event of events) {
    const dedupKey = event.dedupKey ?? null;
    if (dedupKey !== null) {
      // Also catches a key repeated within this batch: the first occurrence wins.
      if (seenDedupKeys.has(dedupKey)) {
        deduplicated.push(dedupKey);
        continue;
      }
      seenDedupKeys.add(dedupKey);
    }

    const current = streamVersions.get(event.streamId) ?? context.streamVersions.get(event.streamId) ?? 0;
    const expected = event.expectedVersion ?? 'any';
    if (expected !== 'any' && expected !== current) {
      throw new ConcurrencyError(event.streamId, expected, current);
    }

    const streamVersion = current + 1;
    streamVersions.set(event.streamId, streamVersion);
    // Serialise once: the text goes to the database, and its parse is what a reader will get
    // back (undefined properties dropped), so `written` matches a later read.
    const data = JSON.stringify(event.data) ?? 'null';
    const metadata = JSON.stringify(event.metadata ?? {});
    const row: EventRow = {
      sequence: context.head + rows.length + 1,
      streamId: event.streamId,
      streamVersion,
      type: event.type,
      data,
      metadata,
      dedupKey,
    };
    rows.push(row);
    written.push({
      sequence: row.sequence,
      streamId: row.streamId,
      streamVersion,
      type: row.type,
      data: JSON.parse(data),
      metadata: JSON.parse(metadata),
      dedupKey,
      recordedAt: context.recordedAt,
    });
  }

  return { rows, streamVersions, result: { written, deduplicated } };
}
