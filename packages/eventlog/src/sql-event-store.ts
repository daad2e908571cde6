import { CONFLICT_SQLSTATE } from './append-function.js';
import { appendResult, encodeBatch, parseSummary, validateNewEvents } from './append-plan.js';
import { APPEND_LOCK_KEY } from './locks.js';
import {
  column,
  integerColumn,
  isRecord,
  nullableTextColumn,
  recordColumn,
  textColumn,
  timestampColumn,
} from './rows.js';
import type { Row, SqlDatabase } from './sql-database.js';
import {
  ConcurrencyError,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type RawEvent,
  type SecretSummary,
  type Snapshot,
  type StoredEvent,
  type StoredSecret,
} from './types.js';

const DEFAULT_READ_LIMIT = 1000;
/**
 * data and metadata as text, recorded_at as ISO-8601 text: the drivers then hand over strings
 * as they come off the wire, and nothing is parsed (JSON or dates) that a reader does not use.
 */
const RAW_EVENT_COLUMNS = `sequence, stream_id, stream_version, type, data::text AS data, metadata::text AS metadata, dedup_key,
  to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at`;

/**
 * The event store, written once against `SqlDatabase`; `PostgresEventStore` and
 * `PgliteEventStore` only choose the driver. The schema must already be migrated.
 */
export class SqlEventStore implements EventStore {
  constructor(private readonly db: SqlDatabase) {}

  async append(events: NewEvent[]): Promise<AppendResult> {
    validateNewEvents(events);
    if (events.length === 0) return { written: [], deduplicated: [] };
    // One statement, its own transaction (see append-function.ts). Appenders run one at a
    // time: the function takes the append lock and holds it until COMMIT. Sequence numbers are
    // therefore handed out in commit order, and a reader that has seen sequence N can rely on
    // every sequence below N being committed already. Without it, two transactions could take
    // N and N+1, N+1 could commit first, and a reader asking for `sequence > N-1` would move
    // its cursor to N+1 and never see N. (Postgres makes a commit visible before releasing its
    // locks, so the next holder sees the previous batch.) Serialising and parsing the batch
    // happen before the lock; the cost — one append at a time — is paid per batch.
    let rows: Row[];
    try {
      rows = await this.db.query('SELECT meshgate_append($1::jsonb, $2) AS summary', [encodeBatch(events), APPEND_LOCK_KEY]);
    } catch (error) {
      throw concurrencyErrorOf(error) ?? error;
    }
    return appendResult(events, parseSummary(column(rows[0] ?? {}, 'summary')));
  }

  async readAfter(after: number, limit = DEFAULT_READ_LIMIT): Promise<StoredEvent[]> {
    return (await this.readRawAfter(after, limit)).map(parseEvent);
  }

  async readRawAfter(after: number, limit = DEFAULT_READ_LIMIT): Promise<RawEvent[]> {
    requireInteger('after', after, 0);
    requireInteger('limit', limit, 1);
    const rows = await this.db.query(
      `SELECT ${RAW_EVENT_COLUMNS} FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2`,
      [after, limit],
    );
    return rows.map(toRawEvent);
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    const rows = await this.db.query(
      `SELECT ${RAW_EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version`,
      [streamId],
    );
    return rows.map((row) => parseEvent(toRawEvent(row)));
  }

  async streamVersion(streamId: string): Promise<number> {
    const [row] = await this.db.query('SELECT version FROM streams WHERE stream_id = $1', [streamId]);
    return row === undefined ? 0 : integerColumn(row, 'version');
  }

  async headSequence(): Promise<number> {
    const [row] = await this.db.query('SELECT coalesce(max(sequence), 0) AS head FROM events');
    return integerColumn(row, 'head');
  }

  async countEvents(): Promise<number> {
    const [row] = await this.db.query('SELECT count(*) AS count FROM events');
    return integerColumn(row, 'count');
  }

  /** Keeps only the latest snapshot (by sequence) of each name; saving an older one is a no-op. */
  async saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    requireInteger('snapshot.sequence', snapshot.sequence, 0);
    await this.saveSnapshotJson(snapshot.name, snapshot.sequence, JSON.stringify(snapshot.state) ?? 'null');
  }

  async saveSnapshotJson(name: string, sequence: number, stateJson: string): Promise<void> {
    requireInteger('snapshot.sequence', sequence, 0);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO snapshots (name, sequence, state) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (name, sequence) DO UPDATE SET state = EXCLUDED.state, created_at = now()`,
        [name, sequence, stateJson],
      );
      await tx.query(
        `DELETE FROM snapshots
          WHERE name = $1 AND sequence < (SELECT max(sequence) FROM snapshots WHERE name = $1)`,
        [name],
      );
    });
  }

  async loadSnapshot<S>(name: string): Promise<Snapshot<S> | null> {
    const [row] = await this.db.query(
      'SELECT name, sequence, state FROM snapshots WHERE name = $1 ORDER BY sequence DESC LIMIT 1',
      [name],
    );
    if (row === undefined) return null;
    // The state is whatever the caller saved under this name; its shape is theirs to know.
    const state = column(row, 'state') as S;
    return { name: textColumn(row, 'name'), sequence: integerColumn(row, 'sequence'), state };
  }

  async putSecret(name: string, ciphertext: string, meta: Record<string, unknown>): Promise<void> {
    await this.db.query(
      `INSERT INTO secrets (name, ciphertext, meta) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (name) DO UPDATE
         SET ciphertext = EXCLUDED.ciphertext, meta = EXCLUDED.meta, updated_at = now()`,
      [name, ciphertext, JSON.stringify(meta)],
    );
  }

  async getSecret(name: string): Promise<StoredSecret | null> {
    const [row] = await this.db.query('SELECT ciphertext, meta, updated_at FROM secrets WHERE name = $1', [name]);
    if (row === undefined) return null;
    return {
      ciphertext: textColumn(row, 'ciphertext'),
      meta: recordColumn(row, 'meta'),
      updatedAt: timestampColumn(row, 'updated_at'),
    };
  }

  async deleteSecret(name: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM secrets WHERE name = $1 RETURNING name', [name]);
    return rows.length > 0;
  }

  async listSecrets(prefix: string): Promise<SecretSummary[]> {
    const rows = await this.db.query(
      // COLLATE "C": byte order, the same on every server whatever its locale.
      'SELECT name, meta, updated_at FROM secrets WHERE starts_with(name, $1) ORDER BY name COLLATE "C"',
      [prefix],
    );
    return rows.map((row) => ({
      name: textColumn(row, 'name'),
      meta: recordColumn(row, 'meta'),
      updatedAt: timestampColumn(row, 'updated_at'),
    }));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** The ConcurrencyError that `meshgate_append` raised (SQLSTATE and DETAIL), or undefined. */
function concurrencyErrorOf(error: unknown): ConcurrencyError | undefined {
  if (!isRecord(error) || error.code !== CONFLICT_SQLSTATE || typeof error.detail !== 'string') return undefined;
  const detail: unknown = JSON.parse(error.detail);
  if (!isRecord(detail) || typeof detail.streamId !== 'string' || typeof detail.expected !== 'number' || typeof detail.actual !== 'number') {
    return undefined;
  }
  return new ConcurrencyError(detail.streamId, detail.expected, detail.actual);
}

function toRawEvent(row: Row): RawEvent {
  return {
    sequence: integerColumn(row, 'sequence'),
    streamId: textColumn(row, 'stream_id'),
    streamVersion: integerColumn(row, 'stream_version'),
    type: textColumn(row, 'type'),
    data: textColumn(row, 'data'),
    metadata: textColumn(row, 'metadata'),
    dedupKey: nullableTextColumn(row, 'dedup_key'),
    recordedAt: textColumn(row, 'recorded_at'),
  };
}

/** The parsed form; most events carry no metadata, and '{}' needs no parser. */
function parseEvent(raw: RawEvent): StoredEvent {
  const metadata: unknown = raw.metadata === '{}' ? {} : JSON.parse(raw.metadata);
  if (!isRecord(metadata)) throw new Error('eventlog: column "metadata" is not a JSON object');
  return { ...raw, data: JSON.parse(raw.data) as unknown, metadata };
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${name}: expected an integer >= ${min}, got ${String(value)}`);
  }
}
