import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { MIGRATIONS, PgliteDatabase, PgliteEventStore, PgliteThreadDatabase, SqlEventStore, migrate, openEventStore } from '../src/index.js';
import { runEventStoreContract } from './contract.js';

runEventStoreContract('PGlite (in memory)', async () => {
  const store = await openEventStore({ memory: true });
  assert.ok(store instanceof PgliteEventStore);
  // One PGlite database belongs to one instance: parallel callers share it.
  return { store, peer: store, cleanup: () => store.close() };
});

describe('PGlite data directory', () => {
  test('a reopened data directory still holds its events, and migrating again applies nothing', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'meshgate-eventlog-'));
    // A directory below one that does not exist yet, as a fresh MESHGATE_DATA_DIR would be.
    const dataDir = path.join(parent, 'nested', 'pgdata');
    try {
      const first = await openEventStore({ dataDir });
      assert.ok(first instanceof PgliteEventStore);
      const { written } = await first.append([
        { streamId: 'disk/a', type: 'Persisted', data: { n: 1 }, dedupKey: 'disk-1' },
        { streamId: 'disk/a', type: 'Persisted', data: { n: 2 } },
      ]);
      await first.putSecret('disk/secret', 'ciphertext', { kept: true });
      await first.close();

      const db = await PgliteDatabase.open(dataDir);
      const reopened = new SqlEventStore(db);
      try {
        assert.deepEqual(await migrate(db), []);
        const recorded = await db.query('SELECT id FROM meshgate_migrations ORDER BY id');
        assert.deepEqual(
          recorded.map((row) => Number(row.id)),
          MIGRATIONS.map((m) => m.id),
        );
        assert.deepEqual(await reopened.readAfter(0), written);
        assert.equal(await reopened.streamVersion('disk/a'), 2);
        assert.equal((await reopened.getSecret('disk/secret'))?.ciphertext, 'ciphertext');
        const retry = await reopened.append([{ streamId: 'disk/a', type: 'Persisted', data: { n: 1 }, dedupKey: 'disk-1' }]);
        assert.deepEqual(retry.deduplicated, ['disk-1']);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  test('on disk, fsync is on and a commit reaches the disk before it returns', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'meshgate-eventlog-durable-'));
    const db = await PgliteDatabase.open(dataDir);
    try {
      const [fsync] = await db.query('SHOW fsync');
      const [method] = await db.query('SHOW wal_sync_method');
      assert.deepEqual([fsync?.fsync, method?.wal_sync_method], ['on', 'fsync']);
      await migrate(db);
      const store = new SqlEventStore(db);
      const fs = db.fs;
      assert.ok(fs, 'an on-disk database has its filesystem');
      const before = fs.fsyncCount;
      await store.append([{ streamId: 'disk/b', type: 'Persisted', data: { n: 1 } }]);
      assert.ok(fs.fsyncCount > before, `the append flushed the WAL (fsyncs ${before} → ${fs.fsyncCount})`);
    } finally {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('PGlite in a worker thread', () => {
  test('a transaction whose work throws is rolled back, errors keep their SQLSTATE, and the loop runs while the worker works', async () => {
    const db = await PgliteThreadDatabase.open();
    try {
      await db.query('CREATE TABLE t (n int PRIMARY KEY)');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (1)');
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.deepEqual(await db.query('SELECT n FROM t'), []);
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1)', [2]);
      });
      await assert.rejects(db.query('INSERT INTO t VALUES (2)'), (error: unknown) => (error as { code?: unknown }).code === '23505');

      // A statement that keeps PGlite busy; timers on this thread keep firing meanwhile.
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      await db.query('SELECT count(*) FROM generate_series(1, 3000000)');
      clearInterval(timer);
      assert.ok(ticks > 0, 'the main thread ran timers while the worker worked');
    } finally {
      await db.close();
    }
  });

  test('on disk, the worker runs PGlite with fsync on as well', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'meshgate-eventlog-thread-'));
    const db = await PgliteThreadDatabase.open(path.join(dataDir, 'pgdata'));
    try {
      const [fsync] = await db.query('SHOW fsync');
      assert.equal(fsync?.fsync, 'on');
    } finally {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
