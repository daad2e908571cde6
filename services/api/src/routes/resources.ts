/**
 * Reads of the current state (from the follower's projection) and deletes (through the apply
 * service). Paths: `/v1/resources[/:kind[/:namespace[/:name]]]`; `_` is the namespace of
 * cluster-scoped kinds.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../options.js';
import { deleteResource, getResource, listResources } from '../resource-access.js';
import { meshObjectSchema, objectResultSchema, problemResponses } from '../schemas.js';
import { REST_SOURCE } from './apply.js';

interface KindParams {
  kind: string;
}
interface NamespaceParams extends KindParams {
  namespace: string;
}
interface NameParams extends NamespaceParams {
  name: string;
}

const SEQUENCE_HEADER = 'x-meshgate-sequence';

const listResponse = {
  200: {
    type: 'object',
    required: ['items', 'sequence'],
    properties: {
      items: { type: 'array', items: meshObjectSchema },
      sequence: { type: 'integer', description: 'The log position these items reflect.' },
    },
  },
  ...problemResponses(400),
};

function paramsSchema(...names: string[]) {
  return {
    type: 'object',
    required: names,
    properties: Object.fromEntries(names.map((name) => [name, { type: 'string', minLength: 1 }])),
  };
}

export function registerResourceRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get('/v1/resources', { config: { scope: 'read' }, schema: { summary: 'List every stored object', response: listResponse } }, async (_request, reply) => {
    const listed = listResources(context.follower, {});
    void reply.header(SEQUENCE_HEADER, listed.sequence);
    return listed;
  });

  app.get<{ Params: KindParams }>(
    '/v1/resources/:kind',
    { config: { scope: 'read' }, schema: { summary: 'List the objects of one kind', params: paramsSchema('kind'), response: listResponse } },
    async (request, reply) => {
      const listed = listResources(context.follower, { kind: request.params.kind });
      void reply.header(SEQUENCE_HEADER, listed.sequence);
      return listed;
    },
  );

  app.get<{ Params: NamespaceParams }>(
    '/v1/resources/:kind/:namespace',
    { config: { scope: 'read' }, schema: { summary: 'List the objects of one kind in one namespace', params: paramsSchema('kind', 'namespace'), response: listResponse } },
    async (request, reply) => {
      const listed = listResources(context.follower, { kind: request.params.kind, namespace: request.params.namespace });
      void reply.header(SEQUENCE_HEADER, listed.sequence);
      return listed;
    },
  );

  app.get<{ Params: NameParams }>(
    '/v1/resources/:kind/:namespace/:name',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Get one object',
        description: `The object as stored (an IngressBackend with its derived \`status: {currentStatus, reason}\`); the \`${SEQUENCE_HEADER}\` header gives the log position it reflects.`,
        params: paramsSchema('kind', 'namespace', 'name'),
        response: { 200: meshObjectSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { object, sequence } = getResource(context.follower, request.params);
      void reply.header(SEQUENCE_HEADER, sequence);
      return object;
    },
  );

  app.delete<{ Params: NameParams; Headers: { 'idempotency-key'?: string } }>(
    '/v1/resources/:kind/:namespace/:name',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Delete one object',
        description: 'Appends a ResourceDeleted event; the response comes once the deletion is visible to reads.',
        params: paramsSchema('kind', 'namespace', 'name'),
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } } },
        response: {
          200: {
            type: 'object',
            required: ['sequence', 'result'],
            properties: { sequence: { type: 'integer' }, result: objectResultSchema },
          },
          ...problemResponses(400, 404, 409, 503),
        },
      },
    },
    async (request) => deleteResource(context.applyService, { ...request.params, source: REST_SOURCE, idempotencyKey: request.headers['idempotency-key'] }),
  );
}
