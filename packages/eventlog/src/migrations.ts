import { APPEND_FUNCTION_SQL } from './append-function.js';
import { MIGRATION_LOCK_KEY } from './locks.js';
import { integerColumn } from './rows.js';
import type { SqlDatabase } from './sql-database.js';

export interface Migration {
  /** Applied in ascending order; never renumber or edit one that has shipped — add another. */
  id: number;
  name: string;
  /** One statement per entry (both drivers run them as parameterised single statements). */
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'events, streams and snapshots',
    statements: [
      `CREATE TABLE events (
         -- Assigned by append() under the append lock (head + 1, …), not by a sequence object,
         -- so that numbers stay gap-free even when an append rolls back.
         sequence bigint PRIMARY KEY,
         stream_id text NOT NULL,
         stream_version bigint NOT NULL,
         type text NOT NULL,
         data jsonb NOT NULL,
         metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
         dedup_key text UNIQUE,
         recorded_at timestamptz NOT NULL DEFAULT now(),
         UNIQUE (stream_id, stream_version)
       )`,
      `CREATE TABLE streams (
         stream_id text PRIMARY KEY,
         version bigint NOT NULL
       )`,
      `CREATE TABLE snapshots (
         name text NOT NULL,
         sequence bigint NOT NULL,
         state jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (name, sequence)
       )`,
    ],
  },
  {
    id: 2,
    name: 'secrets',
    statements: [
      `CREATE TABLE secrets (
         name text PRIMARY KEY,
         ciphertext text NOT NULL,
         meta jsonb NOT NULL DEFAULT '{}'::jsonb,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
  },
  {
    id: 3,
    name: 'append as one statement (meshgate_append)',
    statements: [APPEND_FUNCTION_SQL],
  },
];

/**
 * Brings the schema up to date and returns the ids it applied (empty when it was current).
 *
 * Everything runs in one transaction that first takes a transaction-scoped advisory lock: two
 * processes opening the same database at once queue up here, and the second finds the work
 * done. The lock is taken before `CREATE TABLE IF NOT EXISTS`, because two concurrent creates
 * of the same table can still collide in the catalog. DDL is transactional in Postgres, so a
 * failing migration leaves nothing half-applied, and the lock is released on commit or
 * rollback without any cleanup of ours.
 */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS meshgate_migrations (
         id integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const rows = await tx.query('SELECT id FROM meshgate_migrations');
    const applied = new Set(rows.map((row) => integerColumn(row, 'id')));
    const pending = [...migrations].sort((a, b) => a.id - b.id).filter((m) => !applied.has(m.id));
    for (const migration of pending) {
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO meshgate_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
    }
    return pending.map((m) => m.id);
  });
}

/** Migrates a database just opened; on failure closes it so that no pool or file is left open. */
export async function migrateOrClose(db: SqlDatabase): Promise<void> {
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
}
