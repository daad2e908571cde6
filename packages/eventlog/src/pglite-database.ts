import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DURABLE_START_PARAMS, DurableNodeFS } from './durable-node-fs.js';
import type { Row, SqlDatabase, SqlExecutor } from './sql-database.js';

/**
 * `SqlDatabase` over PGlite, the embedded Postgres (WASM).
 *
 * PGlite is a single connection. It serialises work itself: `query()` and `transaction()` both
 * take the same exclusive lock, so a statement issued while a transaction is open waits for
 * it to finish instead of running inside it. That is also why `transaction` must only use `tx`.
 */
export class PgliteDatabase implements SqlDatabase {
  private constructor(
    private readonly db: PGlite,
    /** The on-disk filesystem, when there is one. */
    readonly fs?: DurableNodeFS,
  ) {}

  /**
   * Opens (creating when missing) a database in `dataDir`, or an in-memory one without it. On
   * disk, a commit returns only once its WAL is flushed to the disk (see durable-node-fs.ts).
   * The caller must make sure that no other process has `dataDir` open: PGlite does not check,
   * and two processes on one directory corrupt it.
   */
  static async open(dataDir?: string): Promise<PgliteDatabase> {
    if (dataDir === undefined) {
      const memory = new PGlite();
      await memory.waitReady;
      return new PgliteDatabase(memory);
    }
    // PGlite creates the data directory itself, but not its parents.
    await mkdir(path.dirname(path.resolve(dataDir)), { recursive: true });
    const fs = new DurableNodeFS(path.resolve(dataDir));
    const db = new PGlite({ fs, startParams: [...DURABLE_START_PARAMS] });
    await db.waitReady;
    return new PgliteDatabase(db, fs);
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.db.query<Row>(sql, [...params])).rows;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (pgliteTx) =>
      work({
        async query(sql, params = []) {
          return (await pgliteTx.query<Row>(sql, [...params])).rows;
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
