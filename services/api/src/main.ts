#!/usr/bin/env node
// The api service as its own process (distributed mode). Wiring only.
import { StateFollower } from '@meshgate/follower';
import { createLogger, createRegistry, loadConfig, openInfrastructure, startOrExit, stopOnSignals } from '@meshgate/runtime';
import { buildApiApp } from './app.js';
import { remoteProxySource } from './xds-admin-client.js';

const config = loadConfig();
const logger = createLogger('api', config.logLevel);
const registry = createRegistry('api');
const infra = await startOrExit('meshgate-api', () => openInfrastructure(config, 'meshgate-api'));
const follower = new StateFollower({ store: infra.store, bus: infra.bus, snapshotEvery: config.snapshotEvery });
follower.on('error', (error: unknown) => logger.error({ err: error }, 'reading the event log failed; will retry'));
await follower.start();
const app = await buildApiApp({
  store: infra.store,
  bus: infra.bus,
  follower,
  logger,
  registry,
  bodyLimitBytes: config.applyBodyLimitBytes,
  clusterDomain: config.clusterDomain,
  trustDomain: config.trustDomain,
  meshName: config.meshName,
  readyMaxLag: config.readyMaxLag,
  proxies: config.xdsAdminUrl ? remoteProxySource(config.xdsAdminUrl) : undefined,
});
await app.listen({ host: config.apiHost, port: config.apiPort });
logger.info({ port: config.apiPort, mode: infra.mode }, 'api service started');

stopOnSignals(logger, async () => {
  await app.close();
  await follower.close();
  await infra.close();
});
