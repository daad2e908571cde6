import { planAppend, validateNewEvents, type EventRow } from './append-plan.js';
import { APPEND_LOCK_KEY } from './locks.js';
import {
  column,
  integerColumn,
  nullableTextColumn,
  recordColumn,
  textColumn,
  timestampColumn,
} from './rows.js';
import type { Row, SqlDatabase, SqlExecutor } from './sql-database.js';
import type {
  AppendResult,
  EventStore,
  NewEvent,
  SecretSummary,
  Snapshot,
  StoredEvent,
  StoredSecret,
} from './types.js';

const DEFAULT_READ_LIMIT = 1000;
const EVENT_COLUMNS = 'sequence, stream_id, stream_version, type, data, metadata, dedup_key, recorded_at';

/**
 * The event store, written once against `SqlDatabase`; `PostgresEventStore` and
 * `PgliteEventStore` only choose the driver. The schema must already be migrated.
 */
export class SqlEventStore implements EventStore {
  constructor(private readonly db: SqlDatabase) {}

  async append(events: NewEvent[]): Promise<AppendResult> {
    validateNewEvents(events);
    if (events.length === 0) return { written: [], deduplicated: [] };
    return this.db.transaction(async (tx) => {
      // Appenders run one at a time: this lock is held until COMMIT. Sequence numbers are
      // therefore handed out in commit order, and a reader that has seen sequence N can rely
      // on every sequence below N being committed already. Without it, two transactions could
      // take N and N+1, N+1 could commit first, and a reader asking for `sequence > N-1`
      // would move its cursor to N+1 and never see N. (Postgres makes a commit visible before
      // releasing its locks, so the next holder's statements always see the previous batch.)
      // The cost — one append at a time — is paid per batch, not per event.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);

      const streamIds = [...new Set(events.map((e) => e.streamId))];
      const dedupKeys = [...new Set(events.flatMap((e) => (e.dedupKey === undefined ? [] : [e.dedupKey])))];
      const [headRow] = await tx.query(
        `SELECT coalesce(max(sequence), 0) AS head,
                date_trunc('milliseconds', clock_timestamp()) AS recorded_at
           FROM events`,
      );
      const versionRows = await tx.query(
        'SELECT stream_id, version FROM streams WHERE stream_id = ANY($1::text[])',
        [streamIds],
      );
      const existingRows =
        dedupKeys.length === 0
          ? []
          : await tx.query('SELECT dedup_key FROM events WHERE dedup_key = ANY($1::text[])', [dedupKeys]);

      const recordedAt = timestampColumn(headRow, 'recorded_at');
      const plan = planAppend(events, {
        head: integerColumn(headRow, 'head'),
        recordedAt,
        streamVersions: new Map(versionRows.map((r) => [textColumn(r, 'stream_id'), integerColumn(r, 'version')])),
        existingDedupKeys: new Set(existingRows.map((r) => textColumn(r, 'dedup_key'))),
      });
      if (plan.rows.length > 0) {
        await insertEvents(tx, plan.rows, recordedAt);
        await tx.query(
          `INSERT INTO streams (stream_id, version)
             SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version`,
          [[...plan.streamVersions.keys()], [...plan.streamVersions.values()]],
        );
      }
      return plan.result;
    });
  }

  async readAfter(after: number, limit = DEFAULT_READ_LIMIT): Promise<StoredEvent[]> {
    requireInteger('after', after, 0);
    requireInteger('limit', limit, 1);
    const rows = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2`,
      [after, limit],
    );
    return rows.map(toStoredEvent);
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    const rows = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version`,
      [streamId],
    );
    return rows.map(toStoredEvent);
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
    const state = JSON.stringify(snapshot.state) ?? 'null';
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO snapshots (name, sequence, state) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (name, sequence) DO UPDATE SET state = EXCLUDED.state, created_at = now()`,
        [snapshot.name, snapshot.sequence, state],
      );
      await tx.query(
        `DELETE FROM snapshots
          WHERE name = $1 AND sequence < (SELECT max(sequence) FROM snapshots WHERE name = $1)`,
        [snapshot.name],
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

/** One statement for the whole batch: each column travels as one array parameter. */
async function insertEvents(tx: SqlExecutor, rows: readonly EventRow[], recordedAt: string): Promise<void> {
  await tx.query(
    `INSERT INTO events (sequence, stream_id, stream_version, type, data, metadata, dedup_key, recorded_at)
       SELECT sequence, stream_id, stream_version, type, data::jsonb, metadata::jsonb, dedup_key, $8::timestamptz
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS batch (sequence, stream_id, stream_version, type, data, metadata, dedup_key)`,
    [
      rows.map((r) => r.sequence),
      rows.map((r) => r.streamId),
      rows.map((r) => r.streamVersion),
      rows.map((r) => r.type),
      rows.map((r) => r.data),
      rows.map((r) => r.metadata),
      rows.map((r) => r.dedupKey),
      recordedAt,
    ],
  );
}

function toStoredEvent(row: Row): StoredEvent {
  return {
    sequence: integerColumn(row, 'sequence'),
    streamId: textColumn(row, 'stream_id'),
    streamVersion: integerColumn(row, 'stream_version'),
    type: textColumn(row, 'type'),
    data: column(row, 'data'),
    metadata: recordColumn(row, 'metadata'),
    dedupKey: nullableTextColumn(row, 'dedup_key'),
    recordedAt: timestampColumn(row, 'recorded_at'),
  };
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${name}: expected an integer >= ${min}, got ${String(value)}`);
  }
}
