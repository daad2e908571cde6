/**
 * Runs meshgate's services in one process: `meshgate up` / `npm start`. Without DATABASE_URL and
 * NATS_URL this is the embedded default (PGlite under MESHGATE_DATA_DIR, in-process bus); with
 * them, the same services share the real Postgres and NATS.
 */
import { buildApiApp } from '@meshgate/api';
import { StateFollower } from '@meshgate/follower';
import { createLogger, createRegistry, loadConfig, openInfrastructure, type Infrastructure, type MeshgateConfig } from '@meshgate/runtime';
import { createWatcher } from '@meshgate/watcher';
import { XdsService } from '@meshgate/xds';

export interface StartOptions {
  /** Settings over the environment's (tests pass ports 0 and loopback hosts). */
  overrides?: Partial<MeshgateConfig>;
  /** PGlite in memory instead of on disk. */
  memory?: boolean;
  logLevel?: string;
}

export interface RunningMeshgate {
  config: MeshgateConfig;
  apiUrl: string;
  xdsPort: number;
  infra: Infrastructure;
  xds: XdsService;
  stop(): Promise<void>;
}

export async function startMeshgate(options: StartOptions = {}): Promise<RunningMeshgate> {
  const config: MeshgateConfig = { ...loadConfig(), ...options.overrides };
  const logger = createLogger('meshgate', options.logLevel ?? config.logLevel);
  const registry = createRegistry('meshgate');
  const infra = await openInfrastructure(config, 'meshgate', { memory: options.memory });
  const follower = new StateFollower({ store: infra.store, bus: infra.bus, snapshotEvery: config.snapshotEvery });
  follower.on('error', (error: unknown) => logger.error({ err: error }, 'reading the event log failed; will retry'));
  await follower.start();

  const xds = new XdsService({
    store: infra.store,
    bus: infra.bus,
    follower,
    logger: logger.child({ service: 'xds' }),
    registry,
    compile: { clusterDomain: config.clusterDomain, trustDomain: config.trustDomain },
    host: config.xdsHost,
    port: config.xdsPort,
  });
  await xds.start();

  const api = await buildApiApp({
    store: infra.store,
    bus: infra.bus,
    follower,
    logger: logger.child({ service: 'api' }),
    registry,
    bodyLimitBytes: config.applyBodyLimitBytes,
    clusterDomain: config.clusterDomain,
    trustDomain: config.trustDomain,
    proxies: { list: () => xds.proxies(), config: (id: string) => xds.proxyConfig(id) },
  });
  const address = await api.listen({ host: config.apiHost, port: config.apiPort });

  const watcher = config.manifestsDir ? createWatcher({ bus: infra.bus, directory: config.manifestsDir, logger: logger.child({ service: 'watcher' }) }) : undefined;
  await watcher?.start();

  const apiUrl = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  logger.info({ api: apiUrl, xdsPort: xds.port, mode: infra.mode, dataDir: options.memory ? 'memory' : config.dataDir }, 'meshgate is up');
  return {
    config,
    apiUrl,
    xdsPort: xds.port,
    infra,
    xds,
    async stop() {
      await watcher?.stop();
      await api.close();
      await xds.stop();
      await follower.close();
      await infra.close();
    },
  };
}
