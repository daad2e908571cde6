/**
 * Every error the api answers with, in one registry (as fastify does with `createError`):
 * a stable `MG_ERR_*` code, its HTTP status and what it means. Bodies are rendered in one place
 * (`registerErrorHandling`) as `application/problem+json`-style `{code, message, ...details}`.
 * `test/errors.test.ts` checks that each code is documented in the README.
 */
import type { FastifyError, FastifyInstance } from 'fastify';

export const ERRORS = {
  MG_ERR_MALFORMED: { status: 400, description: 'The body is not well-formed YAML or JSON; `line` and `column` say where.' },
  MG_ERR_EMPTY_BODY: { status: 400, description: 'The body is empty or holds no documents.' },
  MG_ERR_BAD_REQUEST: { status: 400, description: 'A path, query or header parameter is not acceptable; the message names it.' },
  MG_ERR_UNKNOWN_KIND: { status: 400, description: 'The kind in the path is not one meshgate stores.' },
  MG_ERR_UNAUTHENTICATED: { status: 401, description: 'The endpoint needs a token and the request sent none (`Authorization: Bearer <token>`); the message names the scope.' },
  MG_ERR_FORBIDDEN: { status: 403, description: 'The token is unknown to the server, or lacks the scope the endpoint needs; the message names the scope.' },
  MG_ERR_NOT_FOUND: { status: 404, description: 'No such object (or proxy).' },
  MG_ERR_NO_ROUTE: { status: 404, description: 'No endpoint has this method and path.' },
  MG_ERR_CONFLICT: { status: 409, description: 'The objects kept changing under concurrent writers; retry the request.' },
  MG_ERR_BODY_TOO_LARGE: { status: 413, description: 'The body is larger than the configured limit.' },
  MG_ERR_TOO_LARGE: { status: 413, description: 'The documents expand (through YAML aliases) to more than the size limit, or hold more objects than one apply may write; `limit`, `max` and `variable` name the limit.' },
  MG_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The Content-Type is not YAML, JSON or plain text.' },
  MG_ERR_LIMIT_EXCEEDED: { status: 422, description: 'The documents go past a parse limit (keys in one mapping, aliases, nesting depth); `limit`, `max` and `variable` name it, `line` and `column` say where.' },
  MG_ERR_INVALID: { status: 422, description: 'At least one document is invalid; `errors` lists each problem with its document and field path. Nothing was written.' },
  MG_ERR_INTERNAL: { status: 500, description: 'An unexpected failure; the log has the details.' },
  MG_ERR_STORE_UNAVAILABLE: { status: 503, description: 'The event log could not be read or written; retry later.' },
  MG_ERR_XDS_UNAVAILABLE: { status: 503, description: 'This api runs without an xds service, so there is no proxy to report on.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** Extra members of a problem body, e.g. `errors` for MG_ERR_INVALID or `line`/`column` for MG_ERR_MALFORMED. */
export type ProblemDetails = Record<string, unknown>;

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ProblemDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.statusCode = ERRORS[code].status;
  }
}

export function apiError(code: ErrorCode, message: string, details?: ProblemDetails, cause?: unknown): ApiError {
  return new ApiError(code, message, details, cause === undefined ? undefined : { cause });
}

export interface Problem {
  status: number;
  body: { code: ErrorCode; message: string } & ProblemDetails;
}

function problem(code: ErrorCode, message: string, details: ProblemDetails = {}): Problem {
  return { status: ERRORS[code].status, body: { ...details, code, message } };
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error && typeof error.code === 'string';
}

const VALIDATION_NOUNS: Record<string, string> = { params: 'path parameter', querystring: 'query parameter', headers: 'header', body: 'body' };

/** 'query parameter "after" must be integer' from a schema validation failure. */
function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const noun = VALIDATION_NOUNS[error.validationContext ?? ''] ?? 'request';
  const missing: unknown = first.params.missingProperty;
  const name = typeof missing === 'string' ? missing : first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  return `${noun} "${name}" ${first.message ?? 'is not acceptable'}`;
}

/** Maps anything thrown by a route (or by fastify before it) to a problem body. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ApiError) return problem(error.code, error.message, error.details);
  if (isFastifyError(error)) {
    if (error.validation) return problem('MG_ERR_BAD_REQUEST', describeValidation(error));
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return problem('MG_ERR_BODY_TOO_LARGE', error.message);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return problem('MG_ERR_UNSUPPORTED_MEDIA_TYPE', `${error.message}; send application/yaml, application/json or text/plain`);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return problem('MG_ERR_EMPTY_BODY', 'the body is empty');
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return problem('MG_ERR_BAD_REQUEST', error.message);
    }
  }
  return problem('MG_ERR_INTERNAL', 'internal error');
}

/** One error handler and one not-found handler for the whole app. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toProblem(error);
    if (status >= 500) request.log.error({ err: error, code: body.code }, 'request failed');
    else request.log.info({ code: body.code, message: body.message }, 'request refused');
    return reply.status(status).type('application/problem+json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = problem('MG_ERR_NO_ROUTE', `no endpoint for ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(status).type('application/problem+json; charset=utf-8').send(body);
  });
}
