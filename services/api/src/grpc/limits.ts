/** Room for the rest of an ApplyRequest (the other fields, protobuf framing) beyond the documents. */
const ENVELOPE_BYTES = 64 * 1024;
/** grpc-js's own default; the CA's requests (CSRs) fit well within it. */
const GRPC_DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024;

/**
 * The largest request a server carrying Resources should accept: an Apply up to the body limit
 * gets through (and is then checked against the limit itself, with a clear error), nothing much
 * larger does.
 */
export function grpcMessageLimit(bodyLimitBytes: number): number {
  return Math.max(GRPC_DEFAULT_MAX_MESSAGE, bodyLimitBytes + ENVELOPE_BYTES);
}
