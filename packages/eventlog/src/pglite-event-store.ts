import { migrateOrClose } from './migrations.js';
import { PgliteThreadDatabase } from './pglite-thread-database.js';
import { SqlEventStore } from './sql-event-store.js';

/**
 * The event store on embedded Postgres (PGlite), for `npm start` and tests.
 *
 * The same SQL as on a server, advisory locks included: PGlite accepts
 * `pg_advisory_xact_lock`, and since it is one connection whose transactions already run one
 * at a time, the lock never has to wait — that single-connection serialisation is what keeps
 * sequence order equal to commit order here. One process at a time may open a data directory.
 */
export class PgliteEventStore extends SqlEventStore {
  /** Opens `dataDir` (created when missing), or an in-memory database when it is omitted. */
  static async open(options: { dataDir?: string } = {}): Promise<PgliteEventStore> {
    // In a worker thread: PGlite's WASM then never holds the main event loop.
    const db = await PgliteThreadDatabase.open(options.dataDir);
    await migrateOrClose(db);
    return new PgliteEventStore(db);
  }
}
