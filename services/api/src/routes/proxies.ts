/**
 * `GET /v1/proxies` and `GET /v1/proxies/:id/config`: what the xds service reports about the
 * proxies connected to it. Without an xds service alongside, both answer 503.
 */
import type { FastifyInstance } from 'fastify';
import { apiError } from '../errors.js';
import type { ProxySource, RouteContext } from '../options.js';
import { problemResponses } from '../schemas.js';

function requireProxies(proxies: ProxySource | undefined): ProxySource {
  if (proxies === undefined) throw apiError('MG_ERR_XDS_UNAVAILABLE', 'no xds service runs with this api, so there are no proxies to report on');
  return proxies;
}

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
    async () => ({ items: await requireProxies(context.proxies).list() }),
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
    async (request) => {
      const config: unknown = await requireProxies(context.proxies).config(request.params.id);
      if (config === undefined) throw apiError('MG_ERR_NOT_FOUND', `no proxy "${request.params.id}" is connected`);
      return config;
    },
  );
}
