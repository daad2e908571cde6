import pg from 'pg';
import type { Row, SqlDatabase, SqlExecutor } from './sql-database.js';

export interface PgDatabaseOptions {
  connectionString: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  /**
   * Called when an idle pooled connection fails (e.g. the server restarts). The pool already
   * discards that connection; the default reports it as a process warning.
   */
  onIdleConnectionError?: (error: Error) => void;
}

function reportIdleError(error: Error): void {
  process.emitWarning(`eventlog: idle Postgres connection failed: ${error.message}`);
}

/** `SqlDatabase` over a `pg` connection pool. */
export class PgDatabase implements SqlDatabase {
  private readonly pool: pg.Pool;

  constructor(options: PgDatabaseOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
    // Without a listener, an idle client's error would be thrown as an uncaught exception.
    this.pool.on('error', options.onIdleConnectionError ?? reportIdleError);
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.pool.query<Row>(sql, [...params]);
    return result.rows;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlExecutor = {
      async query(sql, params = []) {
        return (await client.query<Row>(sql, [...params])).rows;
      },
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await rollbackAndRelease(client);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Rolls back; a connection that cannot even roll back is destroyed instead of reused. */
async function rollbackAndRelease(client: pg.PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch (rollbackError) {
    client.release(rollbackError instanceof Error ? rollbackError : true);
  }
}
