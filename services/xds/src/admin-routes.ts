/**
 * The xds service's own HTTP endpoints, for the distributed mode where it runs alone:
 * proxy status and config (the api forwards `/v1/proxies` here), health and metrics.
 */
import type { Bus } from '@meshgate/bus';
import type { EventStore } from '@meshgate/eventlog';
import { ReadinessCheck } from '@meshgate/runtime';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { XdsService } from './app.js';

export interface XdsReadinessOptions {
  store: Pick<EventStore, 'headSequence'>;
  bus: Pick<Bus, 'status'>;
  /** MESHGATE_READY_MAX_LAG: proxies are served from a state this far behind the log at most. */
  maxFollowerLag?: number;
}

export function registerXdsAdminRoutes(app: FastifyInstance, xds: XdsService, registry: Registry, readinessOptions: XdsReadinessOptions): void {
  const readiness = new ReadinessCheck({ ...readinessOptions, follower: xds.follower });
  app.get('/v1/proxies', async () => ({ items: xds.proxies() }));
  app.get<{ Params: { id: string } }>('/v1/proxies/:id/config', async (request, reply) => {
    const config = xds.proxyConfig(request.params.id);
    if (!config) return reply.code(404).send({ code: 'MG_ERR_NOT_FOUND', message: `no connected proxy with id ${request.params.id}` });
    return config;
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const result = await readiness.check();
    // Before start() has loaded the log and bound the port, nothing is served yet.
    const status = !xds.isReady ? 'starting' : result.ready ? 'ready' : 'not ready';
    if (status === 'not ready') request.log.warn({ failed: result.failed, store: result.store, bus: result.bus, follower: result.follower }, 'not ready');
    return reply.code(status === 'ready' ? 200 : 503).send({ status, ...result, ready: status === 'ready' });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
