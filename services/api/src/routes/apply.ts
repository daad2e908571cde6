/**
 * `POST /v1/apply`: multi-document YAML or JSON in, all or nothing.
 */
import type { FastifyInstance } from 'fastify';
import { applyDocuments } from '../apply-documents.js';
import { applyWarnings } from '../apply-warnings.js';
import { DOCUMENT_MEDIA_TYPES } from '../body-parsers.js';
import { apiError } from '../errors.js';
import { objectChanges } from '../history/object-diff.js';
import { connectedNodes } from '../history/proxy-nodes.js';
import { proxyDiffs } from '../history/xds-diff.js';
import type { RouteContext } from '../options.js';
import { objectResultSchema, problemResponses } from '../schemas.js';

/** The `source` recorded in events written through REST. */
export const REST_SOURCE = 'api';

interface ApplyRoute {
  Querystring: { dryRun?: boolean };
  Headers: { 'idempotency-key'?: string };
}

export function registerApplyRoute(app: FastifyInstance, context: RouteContext): void {
  app.post<ApplyRoute>(
    '/v1/apply',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Apply objects (all or nothing)',
        description:
          'The body is one or more YAML documents separated by `---`, or JSON (an object, an array, or a `List`). ' +
          'Every document is validated first; if any is invalid nothing is written. Objects whose normalised content ' +
          'is unchanged write no event. The response comes once the new events are visible to reads.',
        consumes: [...DOCUMENT_MEDIA_TYPES],
        body: { type: 'string', description: 'Multi-document YAML, or JSON.' },
        querystring: {
          type: 'object',
          properties: { dryRun: { type: 'boolean', default: false, description: 'Validate and report the actions without writing.' } },
        },
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': { type: 'string', minLength: 1, maxLength: 200, description: 'A retried request with the same key writes nothing twice.' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['sequence', 'results'],
            properties: {
              sequence: { type: 'integer', description: 'The log position that includes this change.' },
              dryRun: { type: 'boolean' },
              results: { type: 'array', items: objectResultSchema },
              warnings: {
                type: 'array',
                items: { type: 'string' },
                description:
                  'Things worth knowing about the result, as kubectl prints `Warning:` lines: each field of a Gateway or VirtualService that meshgate accepts but does not apply (`Kind ns/name: field.path: why`), what `meshgate analyze` reports about the request\'s objects (`Error [IST0101] (VirtualService default/httpbin) Referenced gateway not found: …`), and each IngressBackend of the request whose derived status is rejected, with the reason.',
              },
              objects: {
                type: 'array',
                description: 'Dry run: each object that would change, with the fields that would differ.',
                items: { type: 'object', additionalProperties: true },
              },
              proxies: {
                type: 'array',
                description: 'Dry run, with an xds service: each connected proxy whose compiled configuration would change, and the xDS resources that would differ.',
                items: { type: 'object', additionalProperties: true },
              },
              proxiesCompared: { type: 'integer', description: 'Dry run: how many connected proxies were compiled before and after.' },
            },
          },
          ...problemResponses(400, 409, 413, 415, 422, 503),
        },
      },
    },
    async (request) => {
      const text = request.body;
      if (typeof text !== 'string') throw apiError('MG_ERR_EMPTY_BODY', 'the body is empty; send one or more YAML or JSON documents');
      const dryRun = request.query.dryRun === true;
      const { sequence, results, preview, warnings: documentWarnings } = await applyDocuments(context, { text, source: REST_SOURCE, idempotencyKey: request.headers['idempotency-key'], dryRun });
      const warnings = [...documentWarnings, ...applyWarnings(preview?.after ?? context.follower.current, results, context.compile.clusterDomain)];
      if (preview === undefined) return { sequence, results, warnings };
      const objects = objectChanges(preview.before, preview.after);
      const dry = { sequence, dryRun: true, results, warnings, objects };
      if (context.proxies === undefined) return dry;
      const nodes = await connectedNodes(context.proxies);
      const proxies = proxyDiffs(preview.before, preview.after, nodes, context.compile).filter((diff) => diff.changes.length > 0);
      return { ...dry, proxies, proxiesCompared: nodes.length };
    },
  );
}
