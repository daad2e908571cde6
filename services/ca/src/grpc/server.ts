/**
 * Serves `meshgate.v1.CertificateAuthority` over grpc-js. Each handler checks the caller's token
 * (`authorization: Bearer …` metadata, the scopes of access.ts; GetTrustBundle is open), maps the
 * decoded message onto the contract's request, calls the CA, and maps a CaError onto a gRPC
 * status with the MG_ERR_* code and field in trailing metadata (what `connectCa` turns back into
 * a CaError): no token is UNAUTHENTICATED, an unknown one or one without the scope
 * PERMISSION_DENIED.
 */
import * as grpc from '@grpc/grpc-js';
import type { Credentials } from '@meshgate/auth';
import type { Logger } from 'pino';
import { checkAccess, checkIssueEntitlement, type CaOperation } from '../access.js';
import { CA_ERRORS } from '../errors.js';
import { checkKeyAlgorithm, checkReason } from '../requests.js';
import { CaError, type CertificateAuthority, type IssueRequest } from '../types.js';
import { caServiceConstructor, ERROR_CODE_KEY, ERROR_FIELD_KEY, type IssueRequestMessage, type SignCsrRequestMessage } from './definition.js';

function orUndefined(value: string): string | undefined {
  return value === '' ? undefined : value;
}

export function issueRequestFromMessage(message: IssueRequestMessage): IssueRequest {
  const identity = message.identity && (message.identity.serviceAccount !== '' || message.identity.namespace !== '') ? message.identity : undefined;
  const keyAlgorithm = orUndefined(message.keyAlgorithm);
  return {
    ...(identity ? { identity: { serviceAccount: identity.serviceAccount, namespace: identity.namespace } } : {}),
    ...(message.dnsNames.length > 0 ? { dnsNames: message.dnsNames } : {}),
    validity: orUndefined(message.validity),
    keyAlgorithm: keyAlgorithm === undefined ? undefined : checkKeyAlgorithm(keyAlgorithm),
    reason: checkReason(orUndefined(message.reason) ?? 'api'),
  };
}

function statusFor(error: unknown, logger: Logger): Partial<grpc.StatusObject> {
  if (error instanceof CaError) {
    const metadata = new grpc.Metadata();
    metadata.set(ERROR_CODE_KEY, error.code);
    if (error.field !== undefined) metadata.set(ERROR_FIELD_KEY, error.field);
    return { code: CA_ERRORS[error.code].grpc, details: error.message, metadata };
  }
  logger.error({ err: error }, 'ca gRPC request failed');
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

function unary<Request, Response>(logger: Logger, handle: (request: Request, authorization: unknown) => Promise<Response>): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    // The request is checked inside the promise, so that a refused request is an answer, not a crash.
    Promise.resolve()
      .then(() => handle(call.request, call.metadata.get('authorization')))
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(statusFor(error, logger)),
      );
  };
}

/** Adds the CA service to a gRPC server; `credentials` are the tokens it accepts. */
export function registerCaGrpcService(server: grpc.Server, ca: CertificateAuthority, logger: Logger, credentials: Credentials): void {
  // The token is checked before the message is looked at.
  const admit = (authorization: unknown, operation: CaOperation) => checkAccess(credentials, authorization, operation);
  server.addService(caServiceConstructor().service, {
    SignCsr: unary(logger, (request: SignCsrRequestMessage, authorization) => {
      admit(authorization, 'sign');
      return ca.signCsr({ csrPem: request.csrPem, validity: orUndefined(request.validity), reason: checkReason(orUndefined(request.reason) ?? 'csr') });
    }),
    Issue: unary(logger, (request: IssueRequestMessage, authorization) => {
      const principal = admit(authorization, 'issue');
      const issueRequest = issueRequestFromMessage(request);
      checkIssueEntitlement(principal, issueRequest);
      return ca.issue(issueRequest);
    }),
    GetTrustBundle: unary(logger, () => ca.trustBundle()),
    RotateRoot: unary(logger, (_request: object, authorization) => {
      admit(authorization, 'rotate');
      return ca.rotateRoot();
    }),
    DropInactiveRoots: unary(logger, (_request: object, authorization) => {
      admit(authorization, 'dropInactiveRoots');
      return ca.dropInactiveRoots();
    }),
  });
}
