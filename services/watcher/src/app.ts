/**
 * The watcher service, built but not started: `main.ts` (or `meshgate up`) wires the bus and the
 * logger, calls `start()` and `stop()`. Today it has one source, the manifests directory.
 */
import path from 'node:path';
import type { Bus } from '@meshgate/bus';
import type { Logger } from 'pino';
import { ManifestsSource, type SyncReport } from './manifests-source.js';

export interface WatcherOptions {
  bus: Bus;
  /** The manifests directory (relative paths resolve against the working directory). */
  directory: string;
  logger: Logger;
  /** Quiet time after a file event before rescanning. Default 100 ms. */
  debounceMs?: number;
  /** Periodic rescan without events. Default 60 s; 0 turns it off. */
  resyncIntervalMs?: number;
}

/**
 * `start()` resolves after the first scan is published; `stop()` leaves the bus open.
 * `synced()` / the `'synced'` event report every rescan; `rescan()` forces one.
 */
export type Watcher = ManifestsSource;
export type { SyncReport };

export function createWatcher(options: WatcherOptions): Watcher {
  const { bus } = options;
  return new ManifestsSource({
    directory: path.resolve(options.directory),
    publish: (change) => bus.publishChange(change),
    logger: options.logger.child({ source: 'manifests' }),
    debounceMs: options.debounceMs,
    resyncIntervalMs: options.resyncIntervalMs,
  });
}
