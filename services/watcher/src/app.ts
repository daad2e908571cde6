/**
 * The watcher service, built but not started: `main.ts` (or `meshgate up`) wires the bus and the
 * logger, calls `start()` and `stop()` on each source: the manifests directory, the Kubernetes
 * API, or both.
 */
import path from 'node:path';
import type { Bus } from '@meshgate/bus';
import type { Logger } from 'pino';
import { loadKubeConfig, type KubernetesConnection } from './kubernetes-client.js';
import { KubernetesSource } from './kubernetes-source.js';
import { ManifestsSource, type SyncReport } from './manifests-source.js';
import { objectsHeldFrom, type HeldObject, type LogReader } from './held-objects.js';
import type { Source } from './source.js';
import type { SecretCipher } from '@meshgate/secrets';
import { sealingSecrets } from './seal-secrets.js';
import type { CompileOptions } from '@meshgate/compiler';
import { CaHttpSecrets } from './write-back/ca-secrets.js';
import { KubernetesWriteBack, type FollowedState } from './write-back/write-back.js';

export interface WatcherOptions {
  bus: Bus;
  /** The manifests directory (relative paths resolve against the working directory). */
  directory: string;
  logger: Logger;
  /** Quiet time after a file event before rescanning. Default 100 ms. */
  debounceMs?: number;
  /** Periodic rescan without events. Default 60 s; 0 turns it off. */
  resyncIntervalMs?: number;
  /** The deployment key: Secrets the files declare are sealed on the bus with it. */
  cipher?: SecretCipher;
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
    publish: sealingSecrets((change) => bus.publishChange(change), options.cipher),
    logger: options.logger.child({ source: 'manifests' }),
    debounceMs: options.debounceMs,
    resyncIntervalMs: options.resyncIntervalMs,
  });
}

export interface KubernetesWatcherOptions extends KubernetesConnection {
  bus: Bus;
  logger: Logger;
  /** Only Namespaces labelled `<monitoredByLabel>=<meshName>` are followed. */
  meshName: string;
  /** Default `openservicemesh.io/monitored-by`. */
  monitoredByLabel?: string;
  /** Retry delays after an error (default 500 ms … 30 s). */
  retry?: { minMs: number; maxMs: number };
  /** What meshgate holds from this source (see `KubernetesSourceOptions.held`). */
  held?: (source: string) => Promise<HeldObject[]>;
  /** The deployment key: Secrets are followed (sealed on the bus) only with it. */
  cipher?: SecretCipher;
}

/** The Kubernetes API source. Throws at once when the kubeconfig cannot be loaded. */
export function createKubernetesWatcher(options: KubernetesWatcherOptions): KubernetesSource {
  const { bus } = options;
  return new KubernetesSource({
    kubeConfig: loadKubeConfig(options),
    publish: (change) => bus.publishChange(change),
    logger: options.logger.child({ source: 'kubernetes' }),
    meshName: options.meshName,
    monitoredByLabel: options.monitoredByLabel,
    retry: options.retry,
    held: options.held,
    cipher: options.cipher,
  });
}

export interface SourcesOptions {
  bus: Bus;
  logger: Logger;
  meshName: string;
  /** The manifests directory, if any. */
  directory?: string;
  /** The cluster, if any. */
  kubernetes?: KubernetesConnection & { monitoredByLabel?: string };
  /** The event log, read once at start for what meshgate holds from the cluster. */
  log?: LogReader;
  /** The deployment key: the cluster's Secrets are followed (sealed on the bus) only with it. */
  cipher?: SecretCipher;
}

/** Every source the configuration asks for (none when it asks for none). */
export function createSources(options: SourcesOptions): Source[] {
  const sources: Source[] = [];
  if (options.directory) sources.push(createWatcher({ bus: options.bus, directory: options.directory, logger: options.logger, cipher: options.cipher }));
  if (options.kubernetes) {
    const { log } = options;
    const held = log ? (source: string) => objectsHeldFrom(log, source) : undefined;
    sources.push(createKubernetesWatcher({ ...options.kubernetes, bus: options.bus, logger: options.logger, meshName: options.meshName, held, cipher: options.cipher }));
  }
  return sources;
}

export interface KubernetesWriteBackOptions extends KubernetesConnection {
  /** The MeshState to write back from (a StateFollower). */
  state: FollowedState;
  /** The CA's REST base URL (`GET /v1/secrets/…`, `/v1/ca/bundle`); without it, statuses only. */
  caUrl: string | undefined;
  /** A token with the `ca-secrets` scope. */
  caToken: string | undefined;
  compile: CompileOptions;
  logger: Logger;
  retry?: { minMs: number; maxMs: number };
}

/** The write-back to the cluster (see write-back/write-back.ts). Throws when the kubeconfig cannot be loaded. */
export function createKubernetesWriteBack(options: KubernetesWriteBackOptions): KubernetesWriteBack {
  return new KubernetesWriteBack({
    kubeConfig: loadKubeConfig(options),
    state: options.state,
    secrets: options.caUrl === undefined ? undefined : new CaHttpSecrets(options.caUrl, options.caToken),
    compile: options.compile,
    logger: options.logger.child({ part: 'kubernetes-write-back' }),
    retry: options.retry,
  });
}
