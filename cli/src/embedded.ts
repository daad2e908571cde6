/**
 * Runs meshgate's services in one process: `meshgate up` / `npm start`. Without DATABASE_URL and
 * NATS_URL this is the embedded default (PGlite under MESHGATE_DATA_DIR, in-process bus); with
 * them, the same services share the real Postgres and NATS.
 */
import { randomBytes } from 'node:crypto';
import { buildApiApp } from '@meshgate/api';
import { apiTokenSourcesFromEnv, loadApiToken, registerCaRoutes, startCaService, type RunningCaService } from '@meshgate/ca';
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
  /**
   * The API token (over MESHGATE_API_TOKEN / MESHGATE_API_TOKEN_FILE). With none, one is
   * generated once into `<dataDir>/api-token` (0600) — or, in memory, for this run only.
   */
  apiToken?: string;
}

export interface RunningMeshgate {
  config: MeshgateConfig;
  apiUrl: string;
  xdsPort: number;
  infra: Infrastructure;
  xds: XdsService;
  ca: RunningCaService;
  /** The bearer token of `/v1/secrets/…` and the CA's issue / rotate / drop-inactive-roots. */
  apiToken?: string;
  /** Where it came from (a variable, a file path, or "generated … in memory"), for messages. */
  apiTokenSource: string;
  stop(): Promise<void>;
}

export async function startMeshgate(options: StartOptions = {}): Promise<RunningMeshgate> {
  let config: MeshgateConfig = { ...loadConfig(), ...options.overrides };
  if (options.memory && config.ca.encryptionKey === undefined && config.ca.encryptionKeyFile === undefined) {
    // Nothing outlives an in-memory run, so its CA key needs no file either.
    config = { ...config, ca: { ...config.ca, encryptionKey: randomBytes(32).toString('base64') } };
  }
  // The token file lives next to the embedded data, where the CLI on this machine finds it.
  const apiToken = loadApiToken({
    ...apiTokenSourcesFromEnv(process.env),
    ...(options.apiToken === undefined ? {} : { token: options.apiToken, tokenFile: undefined }),
    fallback: options.memory ? 'memory' : 'file',
    dataDir: config.dataDir,
  });

  const logger = createLogger('meshgate', options.logLevel ?? config.logLevel);
  const registry = createRegistry('meshgate');
  const infra = await openInfrastructure(config, 'meshgate', { memory: options.memory });
  const follower = new StateFollower({ store: infra.store, bus: infra.bus, snapshotEvery: config.snapshotEvery });
  follower.on('error', (error: unknown) => logger.error({ err: error }, 'reading the event log failed; will retry'));
  await follower.start();

  // The embedded default may generate the CA's encryption key in the data directory; with a shared
  // Postgres the operator must give one (see services/ca/README.md). The CA follows the MeshState
  // for the ingress gateway certificate that the MeshConfig asks for.
  const ca = await startCaService({
    config,
    store: infra.store,
    bus: infra.bus,
    logger: logger.child({ service: 'ca' }),
    registry,
    allowGeneratedEncryptionKey: !config.databaseUrl,
    listen: false,
    apiToken: apiToken.token,
    meshState: follower,
  });

  const xds = new XdsService({
    ca: ca.client,
    certRenewFraction: config.certRenewFraction,
    store: infra.store,
    bus: infra.bus,
    follower,
    logger: logger.child({ service: 'xds' }),
    registry,
    compile: { clusterDomain: config.clusterDomain, trustDomain: config.trustDomain, meshName: config.meshName },
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
    meshName: config.meshName,
    readyMaxLag: config.readyMaxLag,
    proxies: { list: () => xds.proxies(), config: (id: string) => xds.proxyConfig(id) },
  });
  await registerCaRoutes(api, ca.ca, ca.access);
  const address = await api.listen({ host: config.apiHost, port: config.apiPort });

  const watcher = config.manifestsDir ? createWatcher({ bus: infra.bus, directory: config.manifestsDir, logger: logger.child({ service: 'watcher' }) }) : undefined;
  await watcher?.start();

  const apiUrl = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  logger.info({ api: apiUrl, xdsPort: xds.port, mode: infra.mode, dataDir: options.memory ? 'memory' : config.dataDir, apiToken: apiToken.source }, 'meshgate is up');
  return {
    config,
    apiUrl,
    xdsPort: xds.port,
    infra,
    xds,
    ca,
    apiToken: apiToken.token,
    apiTokenSource: apiToken.source,
    async stop() {
      await watcher?.stop();
      await api.close();
      await xds.stop();
      await ca.stop();
      await follower.close();
      await infra.close();
    },
  };
}
