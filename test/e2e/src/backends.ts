/**
 * Small gRPC backends for the e2e scenarios, without .proto files: every method takes and returns
 * raw bytes, and answers with the backend's name, so a test can tell who served a call.
 */
import * as grpc from '@grpc/grpc-js';

const identity = (value: Buffer): Buffer => value;

/** The methods the scenarios route: full gRPC paths. */
export const METHODS = {
  hello: '/echo.Echo/Hello',
  ping: '/echo.Other/Ping',
  pong: '/echo.Other/Pong',
  unrouted: '/echo.Nowhere/Lost',
} as const;

/** A service definition for `paths` whose messages are raw bytes (no .proto needed). */
export function rawServiceDefinition(paths: string[]): grpc.ServiceDefinition {
  return Object.fromEntries(
    paths.map((path) => [
      path,
      { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
    ]),
  );
}

export interface Backend {
  name: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a backend on `host` (a loopback address such as 127.0.0.2) that answers every method with its name. */
export async function startBackend(name: string, host: string): Promise<Backend> {
  const server = new grpc.Server();
  const paths = Object.values(METHODS);
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const path of paths) {
    handlers[path] = (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(name));
  }
  server.addService(rawServiceDefinition(paths), handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    name,
    host,
    port,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

export interface CallResult {
  ok: boolean;
  /** The backend's name when ok. */
  servedBy?: string;
  code?: grpc.status;
  details?: string;
}

/** One unary call of `method` on `client`; never throws. */
export function call(client: grpc.Client, method: string, timeoutMs = 5000): Promise<CallResult> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(method, identity, identity, Buffer.alloc(0), { deadline: Date.now() + timeoutMs }, (error, response) => {
      if (error) resolve({ ok: false, code: error.code, details: error.details });
      else resolve({ ok: true, servedBy: response?.toString() });
    });
  });
}

/** Calls until `accept` holds or the deadline passes; returns the last result. */
export async function callUntil(client: grpc.Client, method: string, accept: (r: CallResult) => boolean, deadlineMs = 20000): Promise<CallResult> {
  const until = Date.now() + deadlineMs;
  let last: CallResult = { ok: false, details: 'no call made' };
  while (Date.now() < until) {
    last = await call(client, method, Math.max(500, Math.min(5000, until - Date.now())));
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}
