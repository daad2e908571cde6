/**
 * Runs meshgate's services in one process: `meshgate up` / `npm start`. Without DATABASE_URL and
 * NATS_URL this is the embedded default (PGlite under MESHGATE_DATA_DIR, in-process bus); with
 * them, the same services share the real Postgres and NATS.
 */
import { randomBytes } from 'node:crypto';
import { buildApiApp, grpcMessageLimit } from '@meshgate/api';
import { credentialSourcesFromEnv, generateToken, loadCredentials, tokenDigest, type Credentials } from '@meshgate/auth';
import { registerCaRoutes, startCaService, type RunningCaService } from '@meshgate/ca';
import { StateFollower } from '@meshgate/follower';
import { GrpcServer } from '@meshgate/grpc-api';
import { createLogger, createRegistry, listenOrExplain, loadConfig, openInfrastructure, registerFollowerMetrics, StartupError, type Infrastructure, type MeshgateConfig } from '@meshgate/runtime';
import { createKubernetesWriteBack, createSources } from '@meshgate/watcher';
import { XdsService, xdsSettingsFromConfig } from '@meshgate/xds';

export interface StartOptions {
  /** Settings over the environment's (tests pass ports 0 and loopback hosts). */
  overrides?: Partial<MeshgateConfig>;
  /** PGlite in memory instead of on disk. */
  memory?: boolean;
  logLevel?: string;
  /**
   * The API token, every scope (over MESHGATE_API_TOKEN / MESHGATE_API_TOKEN_FILE). With none, one
   * is generated once into `<dataDir>/api-token` (0600) — or, in memory, for this run only.
   * MESHGATE_API_TOKENS_FILE adds narrower tokens.
   */
  apiToken?: string;
  /** Narrower tokens (over MESHGATE_API_TOKENS_FILE), e.g. a file a test wrote. */
  tokensFile?: string;
}

export interface RunningMeshgate {
  config: MeshgateConfig;
  apiUrl: string;
  /** The gRPC API (Resources, Events, Proxies, CertificateAuthority, reflection) on apiHost. */
  grpcPort: number;
  /** The plaintext xDS port (no secrets). */
  xdsPort: number;
  /** The mTLS xDS port (SDS; proxies authenticate with a client certificate). */
  xdsSecurePort: number;
  infra: Infrastructure;
  xds: XdsService;
  ca: RunningCaService;
  /** The API token: every scope (reads, writes, the CA and its secrets). */
  apiToken?: string;
  /** Where the tokens came from (a variable, a file path, or "generated … in memory"), for messages. */
  apiTokenSource: string;
  /** Every token the api and the CA accept. */
  credentials: Credentials;
  stop(): Promise<void>;
}

export async function startMeshgate(options: StartOptions = {}): Promise<RunningMeshgate> {
  let config: MeshgateConfig = { ...loadConfig(), ...options.overrides };
  if (options.memory && config.ca.encryptionKey === undefined && config.ca.encryptionKeyFile === undefined) {
    // Nothing outlives an in-memory run, so its CA key needs no file either.
    config = { ...config, ca: { ...config.ca, encryptionKey: randomBytes(32).toString('base64') } };
  }
  const followsCluster = Boolean(config.kubeconfig || config.kubernetesInCluster);
  // The write-back reads the CA's published secrets like any client: with a token of its own,
  // made for this run, that holds only `ca-secrets`.
  const writeBackToken = followsCluster && config.kubernetesWriteBack ? generateToken() : undefined;
  // The token file lives next to the embedded data, where the CLI on this machine finds it.
  const loaded = loadCredentials({
    extra: writeBackToken === undefined ? [] : [{ name: 'kubernetes-write-back', digest: tokenDigest(writeBackToken), scopes: ['ca-secrets'] }],
    ...credentialSourcesFromEnv(process.env),
    ...(options.apiToken === undefined ? {} : { token: options.apiToken, tokenFile: undefined }),
    ...(options.tokensFile === undefined ? {} : { tokensFile: options.tokensFile }),
    fallback: options.memory ? 'memory' : 'file',
    dataDir: config.dataDir,
  });

  const logger = createLogger('meshgate', options.logLevel ?? config.logLevel);
  const registry = createRegistry('meshgate');
  // What has started so far, stopped in reverse order on the way out — also when a later step
  // fails (a port in use), so that a failed start leaves nothing running.
  const started: (() => Promise<void>)[] = [];
  const stopStarted = async () => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  try {
    const infra = await openInfrastructure(config, 'meshgate', { memory: options.memory });
    started.push(() => infra.close());
    const follower = new StateFollower({ store: infra.store, bus: infra.bus, snapshotEvery: config.snapshotEvery });
    follower.on('error', (error: unknown) => logger.error({ err: error }, 'reading the event log failed; will retry'));
    await follower.start();
    registerFollowerMetrics(registry, 'embedded', follower);
    started.push(() => follower.close());

    // One gRPC server for every service (MESHGATE_GRPC_PORT): the CA and the api register on it,
    // and it listens once both have.
    const grpcServer = new GrpcServer({ maxReceiveMessageBytes: grpcMessageLimit(config.applyBodyLimitBytes) });

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
      grpcServer,
      credentials: loaded.credentials,
      meshState: follower,
    });
    started.push(() => ca.stop());

    const xds = new XdsService({
      ca: ca.client,
      // Gateway credentials from applied Secrets, under the CA's key.
      secretPayloads: ca.appliedSecrets,
      store: infra.store,
      bus: infra.bus,
      follower,
      logger: logger.child({ service: 'xds' }),
      registry,
      ...xdsSettingsFromConfig(config),
    });
    started.push(() => xds.stop());
    await xds.start();

    const api = await buildApiApp({
      store: infra.store,
      bus: infra.bus,
      follower,
      logger: logger.child({ service: 'api' }),
      registry,
      credentials: loaded.credentials,
      bodyLimitBytes: config.applyBodyLimitBytes,
      inputLimits: config.applyLimits,
      clusterDomain: config.clusterDomain,
      trustDomain: config.trustDomain,
      meshName: config.meshName,
      readyMaxLag: config.readyMaxLag,
      proxies: { list: () => xds.proxies(), config: (id: string) => xds.proxyConfig(id) },
      grpcServer,
      // Applied Secrets' payloads, under the CA's key (generated into the data directory by default).
      secretPayloads: ca.appliedSecrets,
    });
    started.push(() => api.close());
    await registerCaRoutes(api, ca.ca, ca.access);
    const address = await listenOrExplain({ what: 'REST API', host: config.apiHost, port: config.apiPort, variable: 'MESHGATE_API_PORT', flag: '--api-port' }, () =>
      api.listen({ host: config.apiHost, port: config.apiPort }),
    );
    const grpcPort = await listenOrExplain({ what: 'gRPC API', host: config.apiHost, port: config.grpcPort, variable: 'MESHGATE_GRPC_PORT', flag: '--grpc-port' }, () =>
      grpcServer.listen(config.apiHost, config.grpcPort),
    );
    started.push(() => grpcServer.stop());

    const kubernetes =
      config.kubeconfig || config.kubernetesInCluster
        ? { kubeconfig: config.kubeconfig, inCluster: config.kubernetesInCluster, monitoredByLabel: config.monitoredByLabel }
        : undefined;
    let sources;
    try {
      sources = createSources({ bus: infra.bus, log: infra.store, logger: logger.child({ service: 'watcher' }), meshName: config.meshName, directory: config.manifestsDir, kubernetes, cipher: ca.cipher });
    } catch (error) {
      // A kubeconfig that cannot be read is the operator's to fix: one line, not a stack trace.
      throw new StartupError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    for (const source of sources) {
      started.push(() => source.stop());
      await source.start();
    }

    const apiUrl = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
    if (kubernetes && writeBackToken !== undefined) {
      // The CA's REST routes are on the api's listener in this mode.
      const writeBack = createKubernetesWriteBack({
        ...kubernetes,
        state: follower,
        caUrl: apiUrl,
        caToken: writeBackToken,
        compile: { clusterDomain: config.clusterDomain, trustDomain: config.trustDomain, meshName: config.meshName },
        logger: logger.child({ service: 'watcher' }),
      });
      started.push(() => writeBack.stop());
      await writeBack.start();
    }
    logger.info({ api: apiUrl, grpcPort, xdsPort: xds.port, xdsSecurePort: xds.securePort, mode: infra.mode, dataDir: options.memory ? 'memory' : config.dataDir, tokens: loaded.source }, 'meshgate is up');
    return {
      config,
      apiUrl,
      grpcPort,
      xdsPort: xds.port,
      xdsSecurePort: xds.securePort,
      infra,
      xds,
      ca,
      apiToken: loaded.apiToken,
      apiTokenSource: loaded.source,
      credentials: loaded.credentials,
      stop: stopStarted,
    };
  } catch (error) {
    await stopStarted();
    throw error;
  }
}
