/** What the api's gRPC services are built from: the REST routes' context, the token check and the handler options. */
import type * as grpc from '@grpc/grpc-js';
import type { Principal, Scope } from '@meshgate/auth';
import type { HandlerOptions } from '@meshgate/grpc-api';
import type { RouteContext } from '../options.js';

export interface GrpcContext extends RouteContext {
  /** Largest `documents` of an Apply, in bytes (REST's body limit). */
  bodyLimitBytes: number;
  handlerOptions: HandlerOptions;
  /** The caller's principal if its token holds `scope`; throws the refusal otherwise. */
  admit(metadata: grpc.Metadata, scope: Scope): Principal;
}
