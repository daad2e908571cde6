/**
 * `POST /v1/apply`: multi-document YAML or JSON in, all or nothing.
 */
import type { FastifyInstance } from 'fastify';
import { applyDocuments } from '../apply-documents.js';
import { DOCUMENT_MEDIA_TYPES } from '../body-parsers.js';
import { apiError } from '../errors.js';
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
      const { sequence, results } = await applyDocuments(context, { text, source: REST_SOURCE, idempotencyKey: request.headers['idempotency-key'], dryRun });
      return { sequence, ...(dryRun ? { dryRun } : {}), results };
    },
  );
}
