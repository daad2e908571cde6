/**
 * `POST /v1/apply`: multi-document YAML or JSON in, all or nothing.
 */
import type { FastifyInstance } from 'fastify';
import { applyWarnings } from '../apply-warnings.js';
import { DOCUMENT_MEDIA_TYPES } from '../body-parsers.js';
import { apiError } from '../errors.js';
import { objectChanges } from '../history/object-diff.js';
import { connectedNodes } from '../history/proxy-nodes.js';
import { proxyDiffs } from '../history/xds-diff.js';
import { limitExceeded } from '../input-limits.js';
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
                description: 'Things worth knowing about the result, as kubectl prints `Warning:` lines: each IngressBackend of the request whose derived status is rejected, with the reason.',
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
      if (typeof text !== 'string' || text.trim() === '') {
        throw apiError('MG_ERR_EMPTY_BODY', 'the body is empty; send one or more YAML or JSON documents');
      }
      const { limits } = context;
      const parsed = await context.parser.parse(text, limits);
      if (!parsed.ok) {
        const { line, column, message, limit } = parsed.error;
        if (limit !== undefined) throw limitExceeded(limit, message, { line, column });
        throw apiError('MG_ERR_MALFORMED', `malformed input at line ${line}, column ${column}: ${message}`, { line, column });
      }
      if (parsed.documents.length === 0) throw apiError('MG_ERR_EMPTY_BODY', 'the body holds no documents');
      if (parsed.documents.length > limits.maxObjects) {
        throw limitExceeded({ name: 'maxObjects', max: limits.maxObjects }, `the body holds ${parsed.documents.length} objects`);
      }

      const dryRun = request.query.dryRun === true;
      const outcome = await context.applyService.apply({
        documents: parsed.documents,
        source: REST_SOURCE,
        idempotencyKey: request.headers['idempotency-key'],
        dryRun,
      });
      if (!outcome.valid) {
        const documents = new Set(outcome.errors.map((error) => error.document)).size;
        const problems = outcome.errors.length;
        throw apiError(
          'MG_ERR_INVALID',
          `${problems} problem${problems === 1 ? '' : 's'} in ${documents} document${documents === 1 ? '' : 's'}; nothing was written`,
          { errors: outcome.errors },
        );
      }
      const { preview } = outcome;
      const warnings = applyWarnings(preview?.after ?? context.follower.current, outcome.results);
      if (preview === undefined) return { sequence: outcome.sequence, results: outcome.results, warnings };
      const objects = objectChanges(preview.before, preview.after);
      const dry = { sequence: outcome.sequence, dryRun: true, results: outcome.results, warnings, objects };
      if (context.proxies === undefined) return dry;
      const nodes = await connectedNodes(context.proxies);
      const proxies = proxyDiffs(preview.before, preview.after, nodes, context.compile).filter((diff) => diff.changes.length > 0);
      return { ...dry, proxies, proxiesCompared: nodes.length };
    },
  );
}
