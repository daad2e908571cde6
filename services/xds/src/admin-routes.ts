/**
 * The xds service's own HTTP endpoints, for the distributed mode where it runs alone:
 * proxy status and config (the api forwards `/v1/proxies` here), health and metrics.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { XdsService } from './app.js';

export function registerXdsAdminRoutes(app: FastifyInstance, xds: XdsService, registry: Registry): void {
  app.get('/v1/proxies', async () => ({ items: xds.proxies() }));
  app.get<{ Params: { id: string } }>('/v1/proxies/:id/config', async (request, reply) => {
    const config = xds.proxyConfig(request.params.id);
    if (!config) return reply.code(404).send({ code: 'MG_ERR_NOT_FOUND', message: `no connected proxy with id ${request.params.id}` });
    return config;
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!xds.isReady) return reply.code(503).send({ status: 'starting' });
    return { status: 'ready', sequence: xds.follower.sequence };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
