/**
 * `GET /v1/analyze`: `istioctl analyze` against the stored state — every analysis message
 * (Istio's codes: IST0101 ReferencedResourceNotFound, IST0132, IST0145, …) for the state the
 * follower holds, optionally only those about one namespace's objects.
 */
import { analyzeState } from '@meshgate/analysis';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../options.js';
import { problemResponses } from '../schemas.js';

interface AnalyzeQuery {
  namespace?: string;
}

const messageSchema = {
  type: 'object',
  required: ['code', 'name', 'level', 'object', 'message'],
  properties: {
    code: { type: 'string', description: 'Stable code: Istio\'s (IST0101) where Istio has one, MG… for meshgate\'s own.' },
    name: { type: 'string' },
    level: { type: 'string', enum: ['Error', 'Warning', 'Info'] },
    object: { type: 'object', properties: { kind: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' } } },
    path: { type: 'string' },
    message: { type: 'string' },
  },
};

export function registerAnalyzeRoute(app: FastifyInstance, context: RouteContext): void {
  app.get<{ Querystring: AnalyzeQuery }>(
    '/v1/analyze',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Analyze the stored state as istioctl analyze would',
        querystring: { type: 'object', properties: { namespace: { type: 'string', description: 'Only messages about objects of this namespace.' } } },
        response: {
          200: {
            type: 'object',
            required: ['sequence', 'messages'],
            properties: { sequence: { type: 'integer', description: 'The log position analyzed.' }, messages: { type: 'array', items: messageSchema } },
          },
          ...problemResponses(400),
        },
      },
    },
    (request) => {
      const state = context.follower.current;
      const { namespace } = request.query;
      const messages = analyzeState(state, { clusterDomain: context.compile.clusterDomain }).filter((message) => namespace === undefined || message.object.namespace === namespace);
      return { sequence: state.sequence, messages };
    },
  );
}
