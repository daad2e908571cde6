/**
 * `GET /v1/proxies` and `GET /v1/proxies/:id/config`: what the xds service reports about the
 * proxies connected to it. Without an xds service alongside, both answer 503.
 */
import { compileProxy } from '@meshgate/compiler';
import type { FastifyInstance } from 'fastify';
import { apiError } from '../errors.js';
import { connectedNode } from '../history/proxy-nodes.js';
import { resourcesByShortType } from '../history/xds-diff.js';
import type { RouteContext } from '../options.js';
import { listProxies, proxyConfig, requireProxies } from '../proxy-reads.js';
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

  app.get<{ Params: { id: string }; Querystring: { at?: number } }>(
    '/v1/proxies/:id/config',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The configuration compiled for one connected proxy',
        description:
          'Without `at`: what the xds service holds for the proxy now. With `at=SEQ`: what the proxy was sent at that log position — ' +
          "its node compiled against the state at SEQ (certificates come from the CA, not the log, so `Secret` is empty); the `x-meshgate-sequence` header echoes SEQ.",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } },
        querystring: { type: 'object', properties: { at: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } } },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 404, 503) },
      },
    },
    async (request, reply) => {
      const { at } = request.query;
      if (at !== undefined) {
        const sequence = await context.history.checkPosition(at, 'at');
        const node = await connectedNode(requireProxies(context.proxies), request.params.id);
        if (node === undefined) throw apiError('MG_ERR_NOT_FOUND', `no proxy "${request.params.id}" is connected; \`meshgate compile --at\` compiles for a described proxy`);
        const state = await context.history.at(sequence);
        void reply.header('x-meshgate-sequence', sequence);
        return resourcesByShortType(compileProxy(state, node, context.compile));
      }
      return proxyConfig(context.proxies, request.params.id);
    },
  );
}
