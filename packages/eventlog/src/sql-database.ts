/**
 * The seam between the event store and a concrete Postgres: something that runs one
 * parameterised statement, and something that runs a function inside one transaction.
 * Both `pg` and PGlite fit behind it, so the SQL and the logic exist once (`SqlEventStore`).
 */

/** A row as the driver returns it: column name → value. Decode with `./rows.js`. */
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  /** Runs one statement with `$1…$n` parameters and returns its rows. */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlDatabase extends SqlExecutor {
  /**
   * Runs `work` inside BEGIN … COMMIT on one connection; any error rolls back and is rethrown.
   * Only use `tx` inside `work`: queries on the database itself may wait for the transaction.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
