#!/usr/bin/env node
// The xds service as its own process (distributed mode). Wiring only.
import Fastify from 'fastify';
import { AuthConfigError, credentialSourcesFromEnv, loadCaClientToken, loadCredentials, type LoadedCredentials } from '@meshgate/auth';
import { connectCa } from '@meshgate/ca';
import { AppliedSecretPayloads, loadOptionalEncryptionKey, SecretCipher, SecretsError, type LoadedEncryptionKey } from '@meshgate/secrets';
import { createLogger, createRegistry, loadConfig, openInfrastructure, registerFollowerMetrics, startOrExit, stopOnSignals } from '@meshgate/runtime';
import { registerXdsAdminRoutes } from './admin-routes.js';
import { XdsService, xdsSettingsFromConfig } from './app.js';

const config = loadConfig();
const logger = createLogger('xds', config.logLevel);
const registry = createRegistry('xds');
const infra = await startOrExit('meshgate-xds', () => openInfrastructure(config, 'meshgate-xds'));
// SDS needs the ca service (MESHGATE_CA_ADDRESS) and a token with the ca-issue scope
// (MESHGATE_CA_TOKEN(_FILE), else MESHGATE_API_TOKEN(_FILE)); without them, Secret requests get nothing.
const caToken = loadCaClientToken(process.env);
const ca = config.ca.address ? connectCa(config.ca.address, { token: caToken.token }) : undefined;
if (!ca) logger.warn('MESHGATE_CA_ADDRESS is not set: SDS serves no certificates');
else if (caToken.token === undefined) logger.warn('no CA token (MESHGATE_CA_TOKEN or MESHGATE_API_TOKEN): the CA will refuse to issue, so SDS serves no certificates');
else logger.info({ caToken: caToken.source }, 'CA token');
// The deployment key (the CA's, MESHGATE_CA_ENCRYPTION_KEY[_FILE]) decrypts applied Secrets for
// gateway credentials over SDS; generated into the data directory only when the data is local.
let secretKey: LoadedEncryptionKey | undefined;
try {
  secretKey = loadOptionalEncryptionKey({ key: config.ca.encryptionKey, keyFile: config.ca.encryptionKeyFile, allowGenerated: config.databaseUrl === undefined, dataDir: config.dataDir });
} catch (error) {
  if (!(error instanceof SecretsError)) throw error;
  logger.fatal({ code: error.code }, error.message);
  process.exit(1);
}
if (secretKey) logger.info({ encryptionKey: secretKey.source }, 'gateway credentials from applied Secrets are served over SDS');
else logger.warn('no MESHGATE_CA_ENCRYPTION_KEY_FILE or MESHGATE_CA_ENCRYPTION_KEY: gateway credentials (kubernetes://…) are not served');
const xds = new XdsService({
  store: infra.store,
  bus: infra.bus,
  logger,
  registry,
  ...xdsSettingsFromConfig(config),
  ca,
  secretPayloads: secretKey === undefined ? undefined : new AppliedSecretPayloads({ store: infra.store, cipher: new SecretCipher(secretKey.key) }),
  snapshotEvery: config.snapshotEvery,
});
await xds.start();
// The admin endpoint's proxy status needs a token with `read`, checked as the api checks it.
let loaded: LoadedCredentials;
try {
  loaded = loadCredentials({ ...credentialSourcesFromEnv(process.env), fallback: 'none', dataDir: config.dataDir });
} catch (error) {
  if (!(error instanceof AuthConfigError)) throw error;
  logger.fatal({ code: error.code, variable: error.variable }, error.message);
  process.exit(1);
}
registerFollowerMetrics(registry, 'xds', xds.follower);
const admin = Fastify({ logger: false });
registerXdsAdminRoutes(admin, xds, registry, loaded.credentials, { store: infra.store, bus: infra.bus, maxFollowerLag: config.readyMaxLag });
await admin.listen({ host: config.apiHost, port: config.xdsAdminPort });
logger.info({ xdsPort: xds.port, adminPort: config.xdsAdminPort, mode: infra.mode }, 'xds service started');

stopOnSignals(logger, async () => {
  await admin.close();
  await xds.stop();
  await ca?.close();
  await infra.close();
});
