/**
 * The api's errors as gRPC statuses. The status follows from the REST status (the mapping of
 * google.rpc.Code), so a new MG_ERR_* code needs no entry here; the MG_ERR_* code travels in the
 * ErrorInfo and `mg-error-code`. Field problems become BadRequest field violations: each problem
 * of an invalid document keeps the REST field path as `field`, with the document's position in
 * its description; a bad request field is named as the proto names it.
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcError, type FieldViolation } from '@meshgate/grpc-api';
import type { DocumentError } from '../apply-service.js';
import { ApiError, ERRORS } from '../errors.js';

const BY_HTTP_STATUS: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  404: grpc.status.NOT_FOUND,
  // Writers kept conflicting: retry the whole request (google.rpc.Code's ABORTED).
  409: grpc.status.ABORTED,
  // What grpc-js itself answers for a message over the size limit.
  413: grpc.status.RESOURCE_EXHAUSTED,
  415: grpc.status.INVALID_ARGUMENT,
  422: grpc.status.INVALID_ARGUMENT,
  500: grpc.status.INTERNAL,
  503: grpc.status.UNAVAILABLE,
};

/** Request fields that a code is always about. */
const FIELD_OF_CODE: Partial<Record<keyof typeof ERRORS, string>> = {
  MG_ERR_UNKNOWN_KIND: 'kind',
  MG_ERR_EMPTY_BODY: 'documents',
  MG_ERR_MALFORMED: 'documents',
  MG_ERR_LIMIT_EXCEEDED: 'documents',
  MG_ERR_TOO_LARGE: 'documents',
  MG_ERR_BODY_TOO_LARGE: 'documents',
};

function isDocumentError(value: unknown): value is DocumentError {
  return typeof value === 'object' && value !== null && typeof (value as DocumentError).path === 'string' && typeof (value as DocumentError).message === 'string';
}

function documentViolation(error: DocumentError): FieldViolation {
  const named = [error.kind, error.name].filter((part) => part !== undefined).join(' ');
  return { field: error.path, description: `document ${error.document}${named === '' ? '' : ` (${named})`}: ${error.message}` };
}

/** Scalar details (line, column, limit, max, variable) for the ErrorInfo's metadata. */
function infoOf(details: Record<string, unknown>): Record<string, string> {
  const info: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') info[key] = String(value);
  return info;
}

export function grpcErrorFrom(error: unknown): GrpcError | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const status = BY_HTTP_STATUS[error.statusCode] ?? (error.statusCode >= 500 ? grpc.status.INTERNAL : grpc.status.INVALID_ARGUMENT);
  const { errors, field, ...rest } = error.details;
  if (Array.isArray(errors)) return new GrpcError(status, error.code, error.message, { violations: errors.filter(isDocumentError).map(documentViolation), info: infoOf(rest) });
  const named = typeof field === 'string' ? field : FIELD_OF_CODE[error.code];
  return new GrpcError(status, error.code, error.message, { ...(named === undefined ? {} : { field: named }), info: infoOf(rest) });
}
