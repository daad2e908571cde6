/**
 * The JavaScript side of one append: validation, the batch as one JSON parameter, and the
 * result built from the database's answer. The decisions themselves (duplicates, versions,
 * sequences, expected-version conflicts) are taken in SQL under the append lock
 * (append-function.ts), so that an append is one statement.
 */
import { isRecord } from './rows.js';
import type { AppendResult, NewEvent, StoredEvent } from './types.js';

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

/**
 * The batch as the one jsonb parameter of `meshgate_append` (see append-function.ts): each
 * event's data is serialised once, here, and never parsed back on this side.
 */
export function encodeBatch(events: readonly NewEvent[]): string {
  const parts = events.map((event) =>
    JSON.stringify({
      s: event.streamId,
      t: event.type,
      d: event.data,
      m: event.metadata,
      k: event.dedupKey,
      e: event.expectedVersion === 'any' ? undefined : event.expectedVersion,
    }),
  );
  return `[${parts.join(',')}]`;
}

/** What `meshgate_append` returns. */
export interface AppendSummary {
  head: number;
  /** ISO-8601, stamped on every event of the batch. */
  at: string;
  /** 1-based positions of the events skipped as duplicates. */
  dup: number[];
  /** Stream version of each written event, in order. */
  versions: number[];
}

/** Throws when the function's answer is not the shape it promises (a schema mismatch). */
export function parseSummary(value: unknown): AppendSummary {
  const summary = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  const integers = (list: unknown): list is number[] => Array.isArray(list) && list.every((n) => Number.isSafeInteger(n));
  if (
    !isRecord(summary) ||
    !Number.isSafeInteger(summary.head) ||
    typeof summary.at !== 'string' ||
    !integers(summary.dup) ||
    !integers(summary.versions)
  ) {
    throw new Error('eventlog: meshgate_append returned an unexpected value');
  }
  return { head: summary.head as number, at: summary.at, dup: summary.dup, versions: summary.versions };
}

/**
 * The append's result from the batch and the database's answer. `data` and `metadata` are the
 * caller's own values (not a copy parsed back from JSON): the log holds their JSON form.
 */
export function appendResult(events: readonly NewEvent[], summary: AppendSummary): AppendResult {
  const skipped = new Set(summary.dup);
  const written: StoredEvent[] = [];
  const deduplicated: string[] = [];
  events.forEach((event, index) => {
    if (skipped.has(index + 1)) {
      deduplicated.push(event.dedupKey ?? '');
      return;
    }
    const streamVersion = summary.versions[written.length];
    if (streamVersion === undefined) throw new Error('eventlog: meshgate_append returned fewer versions than events written');
    written.push({
      sequence: summary.head + written.length + 1,
      streamId: event.streamId,
      streamVersion,
      type: event.type,
      data: event.data ?? null,
      metadata: event.metadata ?? {},
      dedupKey: event.dedupKey ?? null,
      recordedAt: summary.at,
    });
  });
  return { written, deduplicated };
}
