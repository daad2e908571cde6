/**
 * The event-log scenario (`npm run bench -- eventlog`, or BENCH_EVENTLOG=1 with the rest): the
 * store against the limit of the same machine, in the same run. Appends are compared with
 * `pgbench` inserting the same rows into a table of the same shape; reads with
 * `COPY … TO STDOUT` of the same columns through `psql`; each figure is the median of
 * BENCH_EVENTLOG_RUNS runs. PGlite figures alongside (no limit to compare with).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { InProcessBus } from '@meshgate/bus';
import { PgDatabase, PgliteEventStore, SqlEventStore, migrate, type EventStore } from '@meshgate/eventlog';
import { MESH_STATE_SNAPSHOT, readEach, rebuildSnapshot, StateFollower } from '@meshgate/follower';
import { createTestDatabase } from '@meshgate/testkit';
import { progress } from '../measure.js';
import { formatGrid } from '../table.js';
import { appendRate, Cursor, singleEventAppends } from './append-bench.js';
import { EventSource } from './events.js';
import { copyOutSeconds, findPgTool, LIMIT_TABLE_SQL, runPgbench } from './pgbench.js';

export interface EventLogBenchOptions {
  /** Size of the log that reads and cold starts run on. */
  events: number;
  /** Distinct objects (each gets events / objects versions). */
  objects: number;
  /** Events per timed append run. */
  appendEvents: number;
  runs: number;
  /** Size of the PGlite log. */
  pgliteEvents: number;
}

export function eventLogOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EventLogBenchOptions {
  const int = (name: string, fallback: number) => {
    const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer, got ${env[name]}`);
    return value;
  };
  return {
    events: int('BENCH_EVENTLOG_EVENTS', 200_000),
    objects: int('BENCH_EVENTLOG_OBJECTS', 10_100),
    appendEvents: int('BENCH_EVENTLOG_APPEND_EVENTS', 20_000),
    runs: int('BENCH_EVENTLOG_RUNS', 3),
    pgliteEvents: int('BENCH_EVENTLOG_PGLITE_EVENTS', 50_000),
  };
}

/** One line of the table: meshgate's figure, the limit's, and their ratio (higher is better for meshgate). */
export interface EventLogRow {
  what: string;
  meshgate: string;
  limit: string;
  ratio: string;
}

export interface EventLogBenchResult {
  options: EventLogBenchOptions;
  loadAverage: { start: number[]; end: number[] };
  postgres: Record<string, unknown>;
  pglite: Record<string, unknown>;
  rows: EventLogRow[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')} events/s`;
const seconds = (s: number) => `${round(s)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function repeat<T>(runs: number, fn: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < runs; i++) results.push(await fn());
  return results;
}

/** Appends in batches of 1,000 (untimed) until the log holds `events`. */
async function fillTo(store: EventStore, source: EventSource, cursor: Cursor, events: number): Promise<void> {
  const missing = events - (await store.headSequence());
  if (missing > 0) {
    progress(`event log: filling the log to ${events.toLocaleString('en-US')} events`);
    for (let done = 0; done < missing; done += 1000) await store.append(source.batch(cursor.take(Math.min(1000, missing - done)), Math.min(1000, missing - done)));
  }
}

/** A follower's start on a fresh connection: load the snapshot (if any) and fold the tail. */
async function coldStart(open: () => Promise<EventStore>): Promise<number> {
  const store = await open();
  const bus = new InProcessBus();
  try {
    const { seconds: s } = await timed(async () => {
      const follower = new StateFollower({ store, bus });
      await follower.start();
      await follower.close();
    });
    return s;
  } finally {
    await bus.close();
    await store.close();
  }
}

async function deleteSnapshots(db: PgDatabase): Promise<void> {
  await db.query('DELETE FROM snapshots WHERE name = $1', [MESH_STATE_SNAPSHOT]);
}

async function postgresScenario(options: EventLogBenchOptions, source: EventSource, rows: EventLogRow[]): Promise<Record<string, unknown>> {
  const pgbench = findPgTool('pgbench');
  const psql = findPgTool('psql');
  const database = await createTestDatabase('mg_bench_eventlog');
  const db = new PgDatabase({ connectionString: database.url });
  try {
    await migrate(db);
    const store = new SqlEventStore(db);
    const cursor = new Cursor();
    const { runs, appendEvents } = options;

    progress('event log: appends, one appender × batch 1,000; 4 appenders × batch 100; batch 1');
    const b1000 = await repeat(runs, () => appendRate(store, source, cursor, appendEvents, 1000));
    const b100x4 = await repeat(runs, () => appendRate(store, source, cursor, appendEvents, 100, 4));
    const b1 = await repeat(runs, () => singleEventAppends(db, source, cursor, Math.max(100, Math.round(appendEvents / 40))));

    let limits: Record<string, number | undefined> = {};
    if (pgbench !== undefined) {
      progress(`event log: the same rows through ${pgbench}`);
      await db.query(LIMIT_TABLE_SQL);
      const c1 = await repeat(runs, () => runPgbench(pgbench, database.url, source.batch(0, 1000), 1, Math.max(1, Math.round(appendEvents / 1000))));
      const c4 = await repeat(runs, () => runPgbench(pgbench, database.url, source.batch(0, 100), 4, Math.max(1, Math.round(appendEvents / 400))));
      await db.query('DROP TABLE bench_limit_events');
      limits = { c1: median(c1.map((r) => r.rowsPerSecond)), c4: median(c4.map((r) => r.rowsPerSecond)) };
    } else {
      progress('event log: no pgbench on PATH or under /usr/lib/postgresql: appends are reported without a limit');
    }
    const b1000Rate = median(b1000.map((r) => r.eventsPerSecond));
    const b100x4Rate = median(b100x4.map((r) => r.eventsPerSecond));
    const b1Rate = median(b1.map((r) => r.eventsPerSecond));
    const ratio = (ours: number, limit: number | undefined) => (limit === undefined ? '—' : `${round(ours / limit)}×`);
    rows.push({ what: 'append, one appender, batch 1,000', meshgate: perSecond(b1000Rate), limit: limits.c1 === undefined ? '—' : `pgbench -c 1: ${perSecond(limits.c1)}`, ratio: ratio(b1000Rate, limits.c1) });
    rows.push({ what: 'append, 4 appenders × batch 100', meshgate: perSecond(b100x4Rate), limit: limits.c4 === undefined ? '—' : `pgbench -c 4: ${perSecond(limits.c4)}`, ratio: ratio(b100x4Rate, limits.c4) });
    rows.push({ what: 'append, batch 1', meshgate: `${perSecond(b1Rate)}, ${b1[0].roundTripsPerAppend} round trip(s) each`, limit: '—', ratio: '—' });

    await fillTo(store, source, cursor, options.events);
    const head = await store.headSequence();
    const label = `${head.toLocaleString('en-US')} events`;

    progress(`event log: reading ${label}`);
    const columns = 'sequence, stream_id, stream_version, type, data, metadata, dedup_key, recorded_at';
    const copy = psql === undefined ? [] : await repeat(runs, () => copyOutSeconds(psql, database.url, columns));
    const raw = await repeat(runs, async () => (await timed(() => readEach(store, 0, 10_000, () => undefined))).seconds);
    const parsed = await repeat(runs, async () => (await timed(async () => {
      for (let after = 0; ; ) {
        const page = await store.readAfter(after, 10_000);
        if (page.length === 0) break;
        after = page[page.length - 1].sequence;
      }
    })).seconds);
    const rebuilds = await repeat(runs, async () => (await rebuildSnapshot(store)).totalSeconds);
    const copyS = copy.length > 0 ? median(copy) : undefined;
    const vsCopy = (ours: number) => (copyS === undefined ? '—' : `${round(copyS / ours)}×`);
    const copyLabel = copyS === undefined ? '—' : `COPY … TO STDOUT: ${seconds(copyS)}`;
    rows.push({ what: `read ${label} (readRawAfter, JSON as text)`, meshgate: seconds(median(raw)), limit: copyLabel, ratio: vsCopy(median(raw)) });
    rows.push({ what: `read ${label} (readAfter, parsed)`, meshgate: seconds(median(parsed)), limit: copyLabel, ratio: vsCopy(median(parsed)) });
    rows.push({ what: `meshgate log rebuild, ${label}`, meshgate: seconds(median(rebuilds)), limit: copyLabel, ratio: vsCopy(median(rebuilds)) });

    progress('event log: cold starts');
    const open = async () => new SqlEventStore(new PgDatabase({ connectionString: database.url }));
    await deleteSnapshots(db);
    const cold = await repeat(runs, () => coldStart(open));
    await rebuildSnapshot(store);
    // The snapshot is near the head, not at it: a tail as long as the default snapshot interval.
    await store.append(source.batch(cursor.take(1000), 1000));
    const warm = await repeat(runs, () => coldStart(open));
    rows.push({ what: `cold start to ready, ${label}, no snapshot / snapshot 1,000 behind`, meshgate: `${seconds(median(cold))} / ${seconds(median(warm))}`, limit: '—', ratio: '—' });

    return { head, appendBatch1000: b1000, append4x100: b100x4, appendBatch1: b1, pgbench: limits, copySeconds: copy, readRawSeconds: raw, readParsedSeconds: parsed, rebuildSeconds: rebuilds, coldStartSeconds: cold, coldStartWithSnapshotSeconds: warm };
  } finally {
    await db.close();
    await database.drop();
  }
}

async function pgliteScenario(options: EventLogBenchOptions, source: EventSource, rows: EventLogRow[]): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshgate-bench-pglite-'));
  const dataDir = path.join(dir, 'pglite');
  try {
    const store = await PgliteEventStore.open({ dataDir });
    const cursor = new Cursor();
    let append;
    let head;
    let read;
    try {
      progress(`event log: PGlite (worker thread, on disk), ${options.pgliteEvents.toLocaleString('en-US')} events`);
      append = await appendRate(store, source, cursor, options.pgliteEvents, 1000);
      head = await store.headSequence();
      read = await repeat(options.runs, async () => (await timed(() => readEach(store, 0, 10_000, () => undefined))).seconds);
      await rebuildSnapshot(store);
    } finally {
      await store.close();
    }
    const warm = await coldStart(() => PgliteEventStore.open({ dataDir }));
    const label = `${head.toLocaleString('en-US')} events`;
    rows.push({ what: 'PGlite: append, batch 1,000', meshgate: perSecond(append.eventsPerSecond), limit: '—', ratio: '—' });
    rows.push({ what: `PGlite: read ${label} (readRawAfter)`, meshgate: seconds(median(read)), limit: '—', ratio: '—' });
    rows.push({ what: `PGlite: cold start with a snapshot at the head, ${label}`, meshgate: seconds(warm), limit: '—', ratio: '—' });
    return { head, append, readRawSeconds: read, coldStartWithSnapshotSeconds: warm };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runEventLogBench(options: EventLogBenchOptions): Promise<EventLogBenchResult> {
  const start = os.loadavg().map((n) => round(n));
  progress(`event log: ${options.objects.toLocaleString('en-US')} objects, log of ${options.events.toLocaleString('en-US')} events, load average ${start.join(' ')}`);
  const source = new EventSource(options.objects);
  const rows: EventLogRow[] = [];
  const postgres = await postgresScenario(options, source, rows);
  const pglite = await pgliteScenario(options, source, rows);
  return { options, loadAverage: { start, end: os.loadavg().map((n) => round(n)) }, postgres, pglite, rows };
}

export function eventLogTable(result: EventLogBenchResult): string {
  return (
    formatGrid(['what', 'meshgate', 'the limit here', 'ratio'], result.rows.map((r) => [r.what, r.meshgate, r.limit, r.ratio])) +
    `\nload average: ${result.loadAverage.start.join(' ')} at the start, ${result.loadAverage.end.join(' ')} at the end (1, 5, 15 min)`
  );
}
