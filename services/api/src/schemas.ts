/**
 * JSON schemas shared by the routes: they validate parameters, shape the responses and feed the
 * OpenAPI document at `/docs`. Objects from the log are described loosely (any properties), so
 * that serialisation never drops a field the model adds later.
 */

export const problemSchema = {
  type: 'object',
  description: 'An error: a stable MG_ERR_* code (see the README) and a readable message; some codes add details.',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    line: { type: 'integer', description: 'MG_ERR_MALFORMED: 1-based line of the problem.' },
    column: { type: 'integer', description: 'MG_ERR_MALFORMED: 1-based column of the problem.' },
    limit: { type: 'string', description: 'MG_ERR_TOO_LARGE, MG_ERR_LIMIT_EXCEEDED: the limit the request went past.' },
    max: { type: 'integer', description: 'MG_ERR_TOO_LARGE, MG_ERR_LIMIT_EXCEEDED: the value of that limit.' },
    variable: { type: 'string', description: 'MG_ERR_TOO_LARGE, MG_ERR_LIMIT_EXCEEDED: the environment variable that sets it.' },
    errors: {
      type: 'array',
      description: 'MG_ERR_INVALID: every problem found, with the document and field path.',
      items: {
        type: 'object',
        properties: {
          document: { type: 'integer' },
          kind: { type: 'string' },
          name: { type: 'string' },
          path: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
  additionalProperties: true,
} as const;

/** Any stored object (Gateway, VirtualService, Service, ...), as normalised by the model. */
export const meshObjectSchema = {
  type: 'object',
  description: 'A normalised object: apiVersion, kind, metadata and its kind-specific fields.',
  additionalProperties: true,
} as const;

export const objectResultSchema = {
  type: 'object',
  required: ['kind', 'namespace', 'name', 'action'],
  properties: {
    kind: { type: 'string' },
    namespace: { type: 'string', description: '"" for cluster-scoped kinds.' },
    name: { type: 'string' },
    action: { type: 'string', enum: ['created', 'configured', 'unchanged', 'deleted'] },
  },
} as const;

export const storedEventSchema = {
  type: 'object',
  properties: {
    sequence: { type: 'integer' },
    streamId: { type: 'string' },
    streamVersion: { type: 'integer' },
    type: { type: 'string' },
    data: {},
    metadata: { type: 'object', additionalProperties: true },
    dedupKey: { type: ['string', 'null'] },
    recordedAt: { type: 'string' },
  },
} as const;

/** The 4xx/5xx responses a route can give, each rendered by the one error handler. */
export function problemResponses(...statuses: number[]): Record<number, typeof problemSchema> {
  return Object.fromEntries(statuses.map((status) => [status, problemSchema]));
}
