/** Opens the storage and the bus the configuration asks for: real servers, or the embedded pair. */
import path from 'node:path';
import { openBus, type Bus } from '@meshgate/bus';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import type { MeshgateConfig } from './config.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { StartupError, connectFailure, redactUrl } from './startup-error.js';

export interface Infrastructure {
  store: EventStore;
  bus: Bus;
  mode: 'embedded' | 'distributed';
  close(): Promise<void>;
}

export interface InfrastructureOptions {
  /** PGlite in memory instead of under dataDir (tests). */
  memory?: boolean;
}

/**
 * Opens the store, then the bus. With PGlite on disk, the data directory is locked first
 * (data-dir-lock.ts) and stays locked until `close()` has closed the store. What cannot be
 * reached or opened is a StartupError naming the variable and the address.
 */
export async function openInfrastructure(config: MeshgateConfig, clientName: string, options: InfrastructureOptions = {}): Promise<Infrastructure> {
  let lock: DataDirLock | undefined;
  let dataDir: string | undefined;
  if (!config.databaseUrl && !options.memory) {
    lock = lockDataDir(config.dataDir);
    dataDir = path.join(lock.dataDir, 'pglite');
  }
  let store: EventStore;
  try {
    store = await openStore(config, dataDir, options.memory);
  } catch (error) {
    lock?.release();
    throw error;
  }
  let bus: Bus;
  try {
    bus = await openConfiguredBus(config, clientName);
  } catch (error) {
    await store.close();
    lock?.release();
    throw error;
  }
  return {
    store,
    bus,
    mode: config.databaseUrl && config.natsUrl ? 'distributed' : 'embedded',
    async close() {
      try {
        await bus.close();
        await store.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openStore(config: MeshgateConfig, dataDir: string | undefined, memory: boolean | undefined): Promise<EventStore> {
  try {
    return await openEventStore({ databaseUrl: config.databaseUrl, dataDir, memory });
  } catch (error) {
    if (config.databaseUrl) {
      throw new StartupError(
        `cannot open the event log at DATABASE_URL=${redactUrl(config.databaseUrl)} (${connectFailure(error)}): ` +
          'start Postgres there or correct DATABASE_URL (unset it for the embedded store)',
        { cause: error },
      );
    }
    if (dataDir !== undefined) {
      throw new StartupError(
        `cannot open the embedded event log in ${dataDir} (${connectFailure(error)}): ` +
          'keep a copy of the directory and report it, or start afresh with another MESHGATE_DATA_DIR',
        { cause: error },
      );
    }
    throw error;
  }
}

async function openConfiguredBus(config: MeshgateConfig, clientName: string): Promise<Bus> {
  try {
    return await openBus({ natsUrl: config.natsUrl, name: clientName, ...config.nats });
  } catch (error) {
    if (!config.natsUrl) throw error;
    throw new StartupError(
      `cannot reach NATS at NATS_URL=${config.natsUrl.split(',').map((url) => redactUrl(url.trim())).join(',')} (${connectFailure(error)}): ` +
        'start nats-server there with JetStream (-js) or correct NATS_URL (unset it for the in-process bus)',
      { cause: error },
    );
  }
}
