/**
 * Every error the CA answers with, in one registry: its HTTP status, its gRPC status and what it
 * means. REST bodies are `{code, message, field}`; gRPC carries the code and field in trailing
 * metadata. `test/errors.test.ts` checks that the README documents each code.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { CaErrorCode } from './types.js';

interface ErrorSpec {
  http: number;
  grpc: GrpcStatus;
  description: string;
}

export const CA_ERRORS: Record<CaErrorCode, ErrorSpec> = {
  MG_ERR_CA_BAD_REQUEST: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, description: 'The request is not well formed: a missing or mistyped field, an unknown field, an invalid name; `field` names it.' },
  MG_ERR_CA_INVALID_CSR: { http: 422, grpc: GrpcStatus.INVALID_ARGUMENT, description: 'The CSR is not a PEM PKCS#10 request, its signature does not verify, or it asks for no SAN.' },
  MG_ERR_CA_FOREIGN_SAN: { http: 422, grpc: GrpcStatus.INVALID_ARGUMENT, description: 'A requested SAN is outside the trust domain (or of a kind the CA does not sign, such as an IP address); the message names it.' },
  MG_ERR_CA_BAD_DURATION: { http: 422, grpc: GrpcStatus.INVALID_ARGUMENT, description: 'The validity is not a positive Go-style duration such as `24h` or `90m`.' },
  MG_ERR_CA_BAD_ALGORITHM: { http: 422, grpc: GrpcStatus.INVALID_ARGUMENT, description: 'An unknown key algorithm, or a CSR key or signature algorithm the CA does not sign for.' },
  MG_ERR_CA_UNAVAILABLE: { http: 503, grpc: GrpcStatus.UNAVAILABLE, description: 'The CA could not record the issuance in the event log (nothing was issued), or could not be reached; retry.' },
  MG_ERR_CA_CONFIG: { http: 500, grpc: GrpcStatus.FAILED_PRECONDITION, description: 'The CA is misconfigured: no or wrong encryption key, unusable operator PEM files. Reported at start-up.' },
  MG_ERR_UNAUTHENTICATED: {
    http: 401,
    grpc: GrpcStatus.UNAUTHENTICATED,
    description: 'The endpoint needs a token and the request sent none (`Authorization: Bearer <token>`, as a header or gRPC metadata); the message names the scope.',
  },
  MG_ERR_FORBIDDEN: {
    http: 403,
    grpc: GrpcStatus.PERMISSION_DENIED,
    description: 'The token is unknown to the server (or the server has none configured), or it lacks the scope the endpoint needs; the message names the scope.',
  },
};

/** Codes outside CaError that only the REST app uses. */
export const HTTP_ONLY_ERRORS = {
  MG_ERR_NO_ROUTE: { http: 404, description: 'No endpoint has this method and path.' },
  MG_ERR_NOT_FOUND: { http: 404, description: 'No published secret has this namespace and name.' },
  MG_ERR_INTERNAL: { http: 500, description: 'An unexpected failure; the log has the details.' },
} as const;

export function isCaErrorCode(value: unknown): value is CaErrorCode {
  return typeof value === 'string' && Object.hasOwn(CA_ERRORS, value);
}
