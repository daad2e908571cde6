#!/usr/bin/env node
// The api service as its own process (distributed mode). Wiring only.
import { AuthConfigError, credentialSourcesFromEnv, loadCredentials, loadXdsAdminClientToken, type LoadedCredentials } from '@meshgate/auth';
import { StateFollower } from '@meshgate/follower';
import { AppliedSecretPayloads, loadOptionalEncryptionKey, SecretCipher, SecretsError, type LoadedEncryptionKey } from '@meshgate/secrets';
import { GrpcServer } from '@meshgate/grpc-api';
import { createLogger, createRegistry, listenOrExplain, loadConfig, openInfrastructure, registerFollowerMetrics, startOrExit, stopOnSignals } from '@meshgate/runtime';
import { buildApiApp } from './app.js';
import { grpcMessageLimit } from './grpc/limits.js';
import { remoteProxySource } from './xds-admin-client.js';

const config = loadConfig();
const logger = createLogger('api', config.logLevel);
const registry = createRegistry('api');
// A token generated into the data directory is fine only when the data is local too (PGlite);
// with a shared Postgres the operator gives MESHGATE_API_TOKEN(_FILE) or MESHGATE_API_TOKENS_FILE.
let loaded: LoadedCredentials;
try {
  loaded = loadCredentials({ ...credentialSourcesFromEnv(process.env), fallback: config.databaseUrl === undefined ? 'file' : 'none', dataDir: config.dataDir });
} catch (error) {
  // A bad token setting gets one clear line, not a stack trace.
  if (!(error instanceof AuthConfigError)) throw error;
  logger.fatal({ code: error.code, variable: error.variable }, error.message);
  process.exit(1);
}
const { credentials, source } = loaded;
logger.info({ tokens: source }, 'credentials loaded');
if (!credentials.configured) logger.warn('no token configured: every request but health, readiness, metrics and /docs is refused');
// The deployment key (the CA's) encrypts applied Secrets' payloads. Generated into the data
// directory only when the data is local (PGlite), as the ca does; without one, Secrets are refused.
let secretKey: LoadedEncryptionKey | undefined;
try {
  secretKey = loadOptionalEncryptionKey({ key: config.ca.encryptionKey, keyFile: config.ca.encryptionKeyFile, allowGenerated: config.databaseUrl === undefined, dataDir: config.dataDir });
} catch (error) {
  if (!(error instanceof SecretsError)) throw error;
  logger.fatal({ code: error.code }, error.message);
  process.exit(1);
}
if (secretKey) logger.info({ encryptionKey: secretKey.source }, 'applied Secrets are stored encrypted under the deployment key');
else logger.warn('no MESHGATE_CA_ENCRYPTION_KEY_FILE or MESHGATE_CA_ENCRYPTION_KEY: applying a Secret is refused');
const infra = await startOrExit('meshgate-api', () => openInfrastructure(config, 'meshgate-api'));
const follower = new StateFollower({ store: infra.store, bus: infra.bus, snapshotEvery: config.snapshotEvery });
follower.on('error', (error: unknown) => logger.error({ err: error }, 'reading the event log failed; will retry'));
await follower.start();
// Its own gRPC port: the ca process holds MESHGATE_GRPC_PORT in this mode (docs/decisions.md).
const grpcServer = new GrpcServer({ maxReceiveMessageBytes: grpcMessageLimit(config.applyBodyLimitBytes) });
registerFollowerMetrics(registry, 'api', follower);
const app = await buildApiApp({
  store: infra.store,
  bus: infra.bus,
  follower,
  logger,
  registry,
  credentials,
  bodyLimitBytes: config.applyBodyLimitBytes,
  inputLimits: config.applyLimits,
  clusterDomain: config.clusterDomain,
  trustDomain: config.trustDomain,
  meshName: config.meshName,
  readyMaxLag: config.readyMaxLag,
  proxies: config.xdsAdminUrl ? remoteProxySource(config.xdsAdminUrl, loadXdsAdminClientToken(process.env).token) : undefined,
  grpcServer,
  secretPayloads: secretKey === undefined ? undefined : new AppliedSecretPayloads({ store: infra.store, cipher: new SecretCipher(secretKey.key) }),
});
await app.listen({ host: config.apiHost, port: config.apiPort });
const grpcPort = await listenOrExplain({ what: 'api gRPC', host: config.apiHost, port: config.apiGrpcPort, variable: 'MESHGATE_API_GRPC_PORT' }, () =>
  grpcServer.listen(config.apiHost, config.apiGrpcPort),
);
logger.info({ port: config.apiPort, grpcPort, mode: infra.mode }, 'api service started');

stopOnSignals(logger, async () => {
  await grpcServer.stop();
  await app.close();
  await follower.close();
  await infra.close();
});
