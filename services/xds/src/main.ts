#!/usr/bin/env node
// The xds service as its own process (distributed mode). Wiring only.
import Fastify from 'fastify';
import { connectCa } from '@meshgate/ca';
import { createLogger, createRegistry, loadConfig, openInfrastructure, startOrExit, stopOnSignals } from '@meshgate/runtime';
import { registerXdsAdminRoutes } from './admin-routes.js';
import { XdsService } from './app.js';

const config = loadConfig();
const logger = createLogger('xds', config.logLevel);
const registry = createRegistry('xds');
const infra = await startOrExit('meshgate-xds', () => openInfrastructure(config, 'meshgate-xds'));
// SDS needs the ca service (MESHGATE_CA_ADDRESS); without it, Secret requests get nothing.
const ca = config.ca.address ? connectCa(config.ca.address) : undefined;
if (!ca) logger.warn('MESHGATE_CA_ADDRESS is not set: SDS serves no certificates');
const xds = new XdsService({
  store: infra.store,
  bus: infra.bus,
  logger,
  registry,
  compile: { clusterDomain: config.clusterDomain, trustDomain: config.trustDomain, meshName: config.meshName },
  host: config.xdsHost,
  port: config.xdsPort,
  ca,
  certRenewFraction: config.certRenewFraction,
});
await xds.start();
const admin = Fastify({ logger: false });
registerXdsAdminRoutes(admin, xds, registry, { store: infra.store, bus: infra.bus, maxFollowerLag: config.readyMaxLag });
await admin.listen({ host: config.apiHost, port: config.xdsAdminPort });
logger.info({ xdsPort: xds.port, adminPort: config.xdsAdminPort, mode: infra.mode }, 'xds service started');

stopOnSignals(logger, async () => {
  await admin.close();
  await xds.stop();
  await ca?.close();
  await infra.close();
});
