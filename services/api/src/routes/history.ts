/**
 * History, read from the log: `GET /v1/history/diff?from=&to=` (the objects added, changed and
 * removed between two positions, and per connected proxy the xDS resources that differ) and
 * `GET /v1/history/blame/:kind/:namespace/:name` (the events that shaped one object).
 */
import { objectKey, isClusterScoped, KINDS } from '@meshgate/model';
import type { FastifyInstance } from 'fastify';
import { apiError } from '../errors.js';
import { blameEntries } from '../history/blame.js';
import { objectChanges } from '../history/object-diff.js';
import { connectedNodes } from '../history/proxy-nodes.js';
import { proxyDiffs } from '../history/xds-diff.js';
import { namespaceFromSegment, pluralOf, resolveKind } from '../kinds.js';
import type { RouteContext } from '../options.js';
import { problemResponses } from '../schemas.js';
import { findObject } from '../state-view.js';

const sequenceSchema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

const fieldChangeSchema = {
  type: 'object',
  required: ['op', 'path'],
  properties: { op: { type: 'string', enum: ['added', 'removed', 'changed'] }, path: { type: 'string' }, from: {}, to: {} },
} as const;

const changeFields = {
  change: { type: 'string', enum: ['added', 'changed', 'removed'] },
  fields: { type: 'array', items: fieldChangeSchema, description: 'For `changed`: what differs, field by field (values longer than 200 characters of JSON left out).' },
  omittedFields: { type: 'integer', description: 'Field changes past the first 50, not listed.' },
} as const;

export function registerHistoryRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get<{ Querystring: { from: number; to?: number } }>(
    '/v1/history/diff',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'What changed between two log positions: objects, and per connected proxy the xDS resources',
        querystring: { type: 'object', required: ['from'], properties: { from: sequenceSchema, to: { ...sequenceSchema, description: 'Default: the head of the log.' } } },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'objects'],
            properties: {
              from: { type: 'integer' },
              to: { type: 'integer' },
              objects: {
                type: 'array',
                items: { type: 'object', required: ['kind', 'namespace', 'name', 'change'], properties: { kind: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' }, ...changeFields } },
              },
              proxies: {
                type: 'array',
                description: 'Connected proxies whose compiled configuration differs (absent without an xds service).',
                items: {
                  type: 'object',
                  required: ['id', 'changes'],
                  properties: {
                    id: { type: 'string' },
                    node: { type: 'object', additionalProperties: true },
                    changes: { type: 'array', items: { type: 'object', required: ['type', 'name', 'change'], properties: { type: { type: 'string' }, name: { type: 'string' }, ...changeFields } } },
                  },
                },
              },
              proxiesCompared: { type: 'integer', description: 'How many connected proxies were compiled at both positions.' },
            },
          },
          ...problemResponses(400, 503),
        },
      },
    },
    async (request) => {
      const { history } = context;
      const from = await history.checkPosition(request.query.from, 'from');
      const to = request.query.to === undefined ? await history.head() : await history.checkPosition(request.query.to, 'to');
      const before = await history.at(from);
      const after = await history.at(to);
      const objects = objectChanges(before, after);
      if (context.proxies === undefined) return { from, to, objects };
      const nodes = await connectedNodes(context.proxies);
      const proxies = proxyDiffs(before, after, nodes, context.compile).filter((diff) => diff.changes.length > 0);
      return { from, to, objects, proxies, proxiesCompared: nodes.length };
    },
  );

  app.get<{ Params: { kind: string; namespace: string; name: string } }>(
    '/v1/history/blame/:kind/:namespace/:name',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The events that shaped one object: each apply and delete, with its source and the fields it changed',
        params: { type: 'object', required: ['kind', 'namespace', 'name'], properties: { kind: { type: 'string', minLength: 1 }, namespace: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } } },
        response: {
          200: {
            type: 'object',
            required: ['kind', 'namespace', 'name', 'exists', 'entries'],
            properties: {
              kind: { type: 'string' },
              namespace: { type: 'string' },
              name: { type: 'string' },
              exists: { type: 'boolean', description: 'Whether the object is in the current state.' },
              entries: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['sequence', 'recordedAt', 'type', 'source', 'action'],
                  properties: {
                    sequence: { type: 'integer' },
                    recordedAt: { type: 'string' },
                    type: { type: 'string' },
                    source: { type: 'string' },
                    action: { type: 'string', enum: ['created', 'configured', 'deleted'] },
                    fields: changeFields.fields,
                    omittedFields: changeFields.omittedFields,
                  },
                },
              },
            },
          },
          ...problemResponses(400, 404, 503),
        },
      },
    },
    async (request) => {
      const kind = resolveKind(request.params.kind);
      if (kind === undefined) throw apiError('MG_ERR_UNKNOWN_KIND', `unknown kind "${request.params.kind}"; known kinds: ${KINDS.map(pluralOf).join(', ')}`);
      const namespace = isClusterScoped(kind) ? '' : namespaceFromSegment(request.params.namespace);
      const { name } = request.params;
      const ref = { kind, namespace, name };
      let events;
      try {
        events = await context.store.readStream(objectKey(ref));
      } catch (error) {
        throw apiError('MG_ERR_STORE_UNAVAILABLE', 'reading the event log failed', undefined, error);
      }
      const entries = blameEntries(events);
      if (entries.length === 0) throw apiError('MG_ERR_NOT_FOUND', `no event in the log is about ${kind} ${namespace === '' ? name : `${namespace}/${name}`}`);
      const exists = findObject(context.follower.current, ref) !== undefined;
      return { ...ref, exists, entries };
    },
  );
}
