import { migrateOrClose } from './migrations.js';
import { PgDatabase, type PgDatabaseOptions } from './pg-database.js';
import { SqlEventStore } from './sql-event-store.js';

/** The event store on a Postgres server (`DATABASE_URL`), through a `pg` pool. */
export class PostgresEventStore extends SqlEventStore {
  /** Connects and migrates; any number of processes may open the same database at once. */
  static async open(options: PgDatabaseOptions): Promise<PostgresEventStore> {
    const db = new PgDatabase(options);
    await migrateOrClose(db);
    return new PostgresEventStore(db);
  }
}
