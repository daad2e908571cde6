import { PgliteEventStore } from './pglite-event-store.js';
import { PostgresEventStore } from './postgres-event-store.js';
import type { EventStore } from './types.js';

export interface OpenEventStoreOptions {
  /** A Postgres URL (`DATABASE_URL`): when set, the store runs on that server. */
  databaseUrl?: string;
  /** Otherwise PGlite keeps its files here (`MESHGATE_DATA_DIR`)… */
  dataDir?: string;
  /** …or, with `memory: true` or no dataDir, in memory (tests). */
  memory?: boolean;
}

/** Postgres when `databaseUrl` is set, else PGlite on `dataDir`, else PGlite in memory. */
export async function openEventStore(options: OpenEventStoreOptions): Promise<EventStore> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    return PostgresEventStore.open({ connectionString: options.databaseUrl });
  }
  if (options.memory === true && options.dataDir !== undefined) {
    throw new TypeError('openEventStore: give either dataDir or memory: true, not both');
  }
  return PgliteEventStore.open({ dataDir: options.memory === true ? undefined : options.dataDir });
}
