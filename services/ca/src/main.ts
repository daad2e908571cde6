#!/usr/bin/env node
// The ca service as its own process (distributed mode). Wiring only.
import { StateFollower } from '@meshgate/follower';
import { createLogger, createRegistry, loadConfig, openInfrastructure, registerFollowerMetrics, startOrExit, stopOnSignals } from '@meshgate/runtime';
import { AuthConfigError, credentialSourcesFromEnv, loadCredentials } from '@meshgate/auth';
import { startCaService } from './service.js';
import { CaError } from './types.js';

const config = loadConfig();
const logger = createLogger('ca', config.logLevel);
const registry = createRegistry('ca');
const infra = await startOrExit('meshgate-ca', () => openInfrastructure(config, 'meshgate-ca'));
// The MeshState, for the certificate the MeshConfig's ingressGateway asks for. Like every
// long-running reader it keeps a snapshot near the head (off its hot path).
const follower = new StateFollower({ store: infra.store, bus: infra.bus, snapshotEvery: config.snapshotEvery });
follower.on('error', (error: unknown) => logger.error({ err: error }, 'reading the event log failed; will retry'));
try {
  await follower.start();
  registerFollowerMetrics(registry, 'ca', follower);
  // A key or token generated into the data directory is fine only when the data is local too
  // (PGlite). With a shared Postgres the operator provides them.
  const local = config.databaseUrl === undefined;
  const { credentials, source } = loadCredentials({ ...credentialSourcesFromEnv(process.env), fallback: local ? 'file' : 'none', dataDir: config.dataDir });
  logger.info({ tokens: source }, 'credentials loaded');
  const service = await startCaService({
    config,
    store: infra.store,
    bus: infra.bus,
    logger,
    registry,
    allowGeneratedEncryptionKey: local,
    credentials,
    meshState: follower,
  });
  logger.info({ http: service.httpUrl, grpcPort: service.grpcPort, mode: infra.mode }, 'ca service started');
  stopOnSignals(logger, async () => {
    await service.stop();
    await follower.close();
    await infra.close();
  });
} catch (error) {
  // A configuration problem gets one clear line, not a stack trace.
  if (error instanceof CaError) logger.fatal({ code: error.code, field: error.field }, error.message);
  else if (error instanceof AuthConfigError) logger.fatal({ code: error.code, variable: error.variable }, error.message);
  else logger.fatal({ err: error }, 'the ca service could not start');
  await follower.close();
  await infra.close();
  process.exit(1);
}
