/**
 * The token check of a gRPC call, the same decision as REST's (@meshgate/auth's `authorize`) read
 * from the `authorization: Bearer <token>` metadata: no token → UNAUTHENTICATED
 * (MG_ERR_UNAUTHENTICATED), an unknown token or one without the scope → PERMISSION_DENIED
 * (MG_ERR_FORBIDDEN). The api's services and the CA's use this one check.
 */
import * as grpc from '@grpc/grpc-js';
import { authorize, type Credentials, type Principal, type Scope } from '@meshgate/auth';
import { GrpcError } from './status.js';

/** The principal behind the call's token if it holds `scope`; otherwise throws the refusal. */
export function authorizeCall(credentials: Credentials, metadata: grpc.Metadata, scope: Scope, what?: string): Principal {
  const decision = authorize(credentials, metadata.get('authorization'), scope, what);
  if (decision.ok) return decision.principal;
  if (decision.refusal === 'unauthenticated') throw new GrpcError(grpc.status.UNAUTHENTICATED, 'MG_ERR_UNAUTHENTICATED', decision.message);
  throw new GrpcError(grpc.status.PERMISSION_DENIED, 'MG_ERR_FORBIDDEN', decision.message);
}

/** `authorization: Bearer <token>` metadata for a client. */
export function bearerMetadata(token: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}
