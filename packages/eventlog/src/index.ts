export * from './types.js';
export { openEventStore, type OpenEventStoreOptions } from './open-event-store.js';
export { PostgresEventStore } from './postgres-event-store.js';
export { PgliteEventStore } from './pglite-event-store.js';
export { SqlEventStore } from './sql-event-store.js';
export type { Row, SqlDatabase, SqlExecutor } from './sql-database.js';
export { PgDatabase, type PgDatabaseOptions } from './pg-database.js';
export { PgliteDatabase } from './pglite-database.js';
export { MIGRATIONS, migrate, type Migration } from './migrations.js';
