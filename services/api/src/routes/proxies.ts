/**
 * `GET /v1/proxies` and `GET /v1/proxies/:id/config`: what the xds service reports about the
 * proxies connected to it. Without an xds service alongside, both answer 503.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../options.js';
import { listProxies, proxyConfig } from '../proxy-reads.js';
import { problemResponses } from '../schemas.js';

export function registerProxyRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get(
    '/v1/proxies',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'List connected proxies',
        response: {
          200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } } } },
          ...problemResponses(503),
        },
      },
    },
    async () => ({ items: await listProxies(context.proxies) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/proxies/:id/config',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The configuration compiled for one connected proxy',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(404, 503) },
      },
    },
    async (request) => proxyConfig(context.proxies, request.params.id),
  );
}
