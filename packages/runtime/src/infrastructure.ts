/** Opens the storage and the bus the configuration asks for: real servers, or the embedded pair. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { openBus, type Bus } from '@meshgate/bus';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import type { MeshgateConfig } from './config.js';

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

export async function openInfrastructure(config: MeshgateConfig, clientName: string, options: InfrastructureOptions = {}): Promise<Infrastructure> {
  let dataDir: string | undefined;
  if (!config.databaseUrl && !options.memory) {
    dataDir = path.resolve(config.dataDir, 'pglite');
    mkdirSync(dataDir, { recursive: true });
  }
  const store = await openEventStore({ databaseUrl: config.databaseUrl, dataDir, memory: options.memory });
  const bus = await openBus({ natsUrl: config.natsUrl, name: clientName, ...config.nats });
  return {
    store,
    bus,
    mode: config.databaseUrl && config.natsUrl ? 'distributed' : 'embedded',
    async close() {
      await bus.close();
      await store.close();
    },
  };
}
