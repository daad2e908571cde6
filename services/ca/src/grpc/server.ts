/**
 * Serves `meshgate.v1.CertificateAuthority` over grpc-js. Each handler checks the caller's token
 * (`authorizeCall` of @meshgate/grpc-api on `authorization: Bearer …` metadata, the scopes of
 * access.ts; GetTrustBundle is open), maps the decoded message onto the contract's request, calls
 * the CA, and maps a CaError onto a gRPC status with the MG_ERR_* code and field in trailing
 * metadata and in google.rpc.Status details (what `connectCa` turns back into a CaError): no
 * token is UNAUTHENTICATED, an unknown one or one without the scope PERMISSION_DENIED.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Credentials } from '@meshgate/auth';
import { authorizeCall, GrpcError, unary, type GrpcServer, type IssueRequestMessage, type SignCsrRequestMessage } from '@meshgate/grpc-api';
import type { Logger } from 'pino';
import { CA_OPERATION_SCOPES, checkIssueEntitlement, OPERATION_NAMES, type CaOperation } from '../access.js';
import { CA_ERRORS } from '../errors.js';
import { checkKeyAlgorithm, checkReason } from '../requests.js';
import { asCaError, CaError, type CertificateAuthority, type IssueRequest } from '../types.js';

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

function translate(thrown: unknown): GrpcError | undefined {
  const error = asCaError(thrown);
  if (!(error instanceof CaError)) return undefined;
  return new GrpcError(CA_ERRORS[error.code].grpc, error.code, error.message, error.field === undefined ? {} : { field: error.field });
}

/** Adds the CA service to a gRPC server; `credentials` are the tokens it accepts. */
export function registerCaGrpcService(server: Pick<GrpcServer, 'add'>, ca: CertificateAuthority, logger: Logger, credentials: Credentials): void {
  const options = { logger, service: 'ca', translate };
  // The token is checked before the message is looked at.
  const admit = (metadata: grpc.Metadata, operation: CaOperation) => authorizeCall(credentials, metadata, CA_OPERATION_SCOPES[operation], OPERATION_NAMES[operation]);
  server.add('certificateAuthority', {
    SignCsr: unary(options, (call: grpc.ServerUnaryCall<SignCsrRequestMessage, unknown>) => {
      admit(call.metadata, 'sign');
      const request = call.request;
      return ca.signCsr({ csrPem: request.csrPem, validity: orUndefined(request.validity), reason: checkReason(orUndefined(request.reason) ?? 'csr') });
    }),
    Issue: unary(options, (call: grpc.ServerUnaryCall<IssueRequestMessage, unknown>) => {
      const principal = admit(call.metadata, 'issue');
      const issueRequest = issueRequestFromMessage(call.request);
      checkIssueEntitlement(principal, issueRequest);
      return ca.issue(issueRequest);
    }),
    GetTrustBundle: unary(options, () => ca.trustBundle()),
    RotateRoot: unary(options, (call) => {
      admit(call.metadata, 'rotate');
      return ca.rotateRoot();
    }),
    DropInactiveRoots: unary(options, (call) => {
      admit(call.metadata, 'dropInactiveRoots');
      return ca.dropInactiveRoots();
    }),
  });
}
