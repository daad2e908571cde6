/**
 * A raw gRPC server-reflection client (grpc.reflection.v1.ServerReflection, the proto that
 * @grpc/reflection ships), as grpcurl uses it: `list_services` over the ServerReflectionInfo
 * stream. Tests use it to check what a server advertises.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

function reflectionProto(): string {
  const entry = createRequire(import.meta.url).resolve('@grpc/reflection');
  // build/src/index.js → build/proto/grpc/reflection/v1/reflection.proto
  return path.join(path.dirname(entry), '..', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');
}

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** The full names of the services the server at `address` lists through reflection. */
export function reflectionServices(address: string): Promise<string[]> {
  const loaded = grpc.loadPackageDefinition(loadSync(reflectionProto(), { keepCase: false, defaults: true, oneofs: true }));
  const ServerReflection = (loaded.grpc as grpc.GrpcObject).reflection as grpc.GrpcObject;
  const Client = (ServerReflection.v1 as grpc.GrpcObject).ServerReflection as grpc.ServiceClientConstructor;
  const client = new Client(address, grpc.credentials.createInsecure());
  return new Promise<string[]>((resolve, reject) => {
    const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> }).ServerReflectionInfo();
    call.on('data', (response: ReflectionResponse) => {
      call.end();
      if (response.listServicesResponse) resolve(response.listServicesResponse.service.map((service) => service.name).sort());
      else reject(new Error(`reflection answered ${JSON.stringify(response.errorResponse ?? response)}`));
    });
    call.on('error', reject);
    call.write({ listServices: '' });
  }).finally(() => client.close());
}
