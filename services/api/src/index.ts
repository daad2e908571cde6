export { buildApiApp } from './app.js';
export { DEFAULT_BODY_LIMIT_BYTES, type ApiAppOptions, type ProxySource } from './options.js';
export { DEFAULT_INPUT_LIMITS, LIMIT_VARIABLES, type InputLimits } from './input-limits.js';
export { ApplyService, type ApplyAction, type ApplyInput, type ApplyOutcome, type DeleteInput, type DeleteOutcome, type DocumentError, type ObjectResult } from './apply-service.js';
export { ERRORS, ERROR_CODES, ApiError, apiError, type ErrorCode } from './errors.js';
export { INGEST_DURABLE_NAME, ingestChange, startChangeIngestion } from './ingest.js';
export { registerApiGrpcServices, type ApiGrpcOptions } from './grpc/register.js';
export { GRPC_SOURCE } from './grpc/resources.js';
export { grpcMessageLimit } from './grpc/limits.js';
