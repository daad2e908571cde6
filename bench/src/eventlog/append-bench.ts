/** Append rates of the store, on whichever database the store was opened on. */
import { SqlEventStore, type EventStore, type Row, type SqlDatabase, type SqlExecutor } from '@meshgate/eventlog';
import type { EventSource } from './events.js';

export interface AppendRate {
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/** Next event number to write, shared by the scenarios so that every append is a new version. */
export class Cursor {
  constructor(public next = 0) {}
  take(count: number): number {
    const first = this.next;
    this.next += count;
    return first;
  }
}

function rate(events: number, started: bigint): AppendRate {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { events, seconds: Math.round(seconds * 1000) / 1000, eventsPerSecond: Math.round(events / seconds) };
}

/** `appenders` concurrent loops, each appending batches of `batch` until `events` are written in all. */
export async function appendRate(store: EventStore, source: EventSource, cursor: Cursor, events: number, batch: number, appenders = 1): Promise<AppendRate> {
  // Built before the clock starts: the rate is the store's, not the generator's.
  const batches = Array.from({ length: Math.ceil(events / batch) }, () => source.batch(cursor.take(batch), batch));
  const started = process.hrtime.bigint();
  let nextBatch = 0;
  const loop = async () => {
    while (nextBatch < batches.length) await store.append(batches[nextBatch++]);
  };
  await Promise.all(Array.from({ length: appenders }, loop));
  return rate(batches.length * batch, started);
}

/** A `SqlDatabase` that counts the statements (round trips) that reach the driver. */
export class CountingDatabase implements SqlDatabase {
  statements = 0;
  constructor(private readonly inner: SqlDatabase) {}
  query(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    this.statements += 1;
    return this.inner.query(sql, params);
  }
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // BEGIN and COMMIT are round trips too.
    this.statements += 2;
    return this.inner.transaction((tx) =>
      work({
        query: (sql, params) => {
          this.statements += 1;
          return tx.query(sql, params);
        },
      }),
    );
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Appends of one event each, with the statements each one cost. */
export async function singleEventAppends(inner: SqlDatabase, source: EventSource, cursor: Cursor, appends: number): Promise<AppendRate & { roundTripsPerAppend: number }> {
  const counting = new CountingDatabase(inner);
  const store = new SqlEventStore(counting);
  const events = Array.from({ length: appends }, () => source.event(cursor.take(1)));
  const started = process.hrtime.bigint();
  for (const event of events) await store.append([event]);
  const result = rate(appends, started);
  return { ...result, roundTripsPerAppend: counting.statements / appends };
}
