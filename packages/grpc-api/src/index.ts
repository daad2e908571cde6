/**
 * @meshgate/grpc-api: meshgate's own gRPC API (proto/meshgate/v1), for the services that serve
 * it and the clients that call it. See README.md.
 *
 * - `meshgatePackageDefinition`, `serviceConstructor`, `serviceDefinition`: the protos, loaded once.
 * - `GrpcServer`: one grpc-js server with any of the services, server reflection, and a graceful stop.
 * - `authorizeCall`: the token check of @meshgate/auth on `authorization: Bearer` metadata.
 * - `unary`, `statusFor`, `GrpcError`, `statusOf`: handlers that answer with rich errors
 *   (google.rpc.Status with ErrorInfo and BadRequest in `grpc-status-details-bin`).
 * - `connectMeshgate`: a typed client of Resources, Events and Proxies; `errorDetailsOf` reads a
 *   failed call's details.
 * - `toStruct`/`fromStruct`/`toValue`/`fromValue`: JSON ⇄ google.protobuf.Struct / Value.
 */
export { LOADER_OPTIONS, MESHGATE_PROTO_FILES, meshgatePackageDefinition, protoDir } from './proto.js';
export { SERVICE_NAMES, serviceConstructor, serviceDefinition, type ServiceKey } from './services.js';
export { GrpcServer, type GrpcServerOptions } from './server.js';
export { authorizeCall, bearerMetadata } from './auth.js';
export { statusFor, unary, type ErrorLogger, type HandlerOptions } from './handlers.js';
export {
  ERROR_CODE_KEY,
  ERROR_DOMAIN,
  ERROR_FIELD_KEY,
  GrpcError,
  STATUS_DETAILS_KEY,
  errorDetailsOf,
  statusOf,
  type ErrorDetails,
  type FieldViolation,
  type GrpcErrorOptions,
} from './status.js';
export { connectMeshgate, MeshgateGrpcError, type ApplyResult, type EventWatch, type MeshgateClient, type MeshgateClientOptions, type ObjectRef } from './client.js';
export { fromStruct, fromValue, toStruct, toValue, type StructMessage, type ValueMessage } from './struct.js';
export * from './messages.js';
export * from './ca-messages.js';
