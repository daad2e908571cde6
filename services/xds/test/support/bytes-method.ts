/** A gRPC method whose messages are raw bytes (no protobuf), for tests of the transport alone. */
import type * as grpc from '@grpc/grpc-js';

const same = (bytes: Buffer) => bytes;

export function bytesMethod(path: string, shape: { requestStream: boolean }): grpc.MethodDefinition<Buffer, Buffer> {
  return { path, requestStream: shape.requestStream, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same };
}
