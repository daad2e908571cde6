import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@meshgate/testkit';
import { MIGRATIONS, PgDatabase, PostgresEventStore, migrate, openEventStore } from '../src/index.js';
import { runEventStoreContract } from './contract.js';

// One database for this file. Top-level blocks run in order: the migration tests see it empty.
let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('mg_eventlog');
});
after(async () => {
  await database?.drop();
});

describe('Postgres migrations', () => {
  test('processes migrating the same empty database at once apply each migration exactly once', async () => {
    const handles = [1, 2, 3].map(() => new PgDatabase({ connectionString: database.url }));
    try {
      const applied = await Promise.all(handles.map((db) => migrate(db)));
      assert.deepEqual(
        applied.flat().sort((a, b) => a - b),
        MIGRATIONS.map((m) => m.id),
      );
      const recorded = await handles[0].query('SELECT id FROM meshgate_migrations ORDER BY id');
      assert.deepEqual(
        recorded.map((row) => Number(row.id)),
        MIGRATIONS.map((m) => m.id),
      );
    } finally {
      await Promise.all(handles.map((db) => db.close()));
    }
  });

  test('opening a migrated database again applies nothing and keeps its events', async () => {
    const first = await PostgresEventStore.open({ connectionString: database.url });
    const { written } = await first.append([{ streamId: 'reopen/a', type: 'Kept', data: { v: 1 } }]);
    await first.close();

    const db = new PgDatabase({ connectionString: database.url });
    try {
      assert.deepEqual(await migrate(db), []);
    } finally {
      await db.close();
    }
    const again = await PostgresEventStore.open({ connectionString: database.url });
    try {
      assert.deepEqual(await again.readStream('reopen/a'), written);
    } finally {
      await again.close();
    }
  });
});

runEventStoreContract('Postgres', async () => {
  const store = await PostgresEventStore.open({ connectionString: database.url });
  // The factory's choice for a DATABASE_URL, and a second pool on the same database.
  const peer = await openEventStore({ databaseUrl: database.url });
  assert.ok(peer instanceof PostgresEventStore);
  return {
    store,
    peer,
    async cleanup() {
      await Promise.all([store.close(), peer.close()]);
    },
  };
});
