#!/usr/bin/env node
// The ca service as its own process (distributed mode). Wiring only.
import { createLogger, createRegistry, loadConfig, openInfrastructure, stopOnSignals } from '@meshgate/runtime';
import { startCaService } from './service.js';
import { CaError } from './types.js';

const config = loadConfig();
const logger = createLogger('ca', config.logLevel);
const registry = createRegistry('ca');
const infra = await openInfrastructure(config, 'meshgate-ca');
try {
  const service = await startCaService({
    config,
    store: infra.store,
    bus: infra.bus,
    logger,
    registry,
    // A generated key may live next to the data it protects, in the data directory, only when
    // that data is the local PGlite too. With a shared Postgres the operator provides the key.
    allowGeneratedEncryptionKey: config.databaseUrl === undefined,
  });
  logger.info({ http: service.httpUrl, grpcPort: service.grpcPort, mode: infra.mode }, 'ca service started');
  stopOnSignals(logger, async () => {
    await service.stop();
    await infra.close();
  });
} catch (error) {
  // A configuration problem gets one clear line, not a stack trace.
  if (error instanceof CaError) logger.fatal({ code: error.code, field: error.field }, error.message);
  else logger.fatal({ err: error }, 'the ca service could not start');
  await infra.close();
  process.exit(1);
}
