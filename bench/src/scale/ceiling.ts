/**
 * The push ceiling of the machine: a plain gRPC server (no xDS, no encoding: the message is a
 * prebuilt buffer) writing one message of a given size to each of N streams held by another
 * process. The time until the last stream has it is what any control plane on this machine
 * needs at least to push that much to N proxies.
 */
import * as grpc from '@grpc/grpc-js';

export interface CeilingServer {
  port: number;
  /** Resolves once `count` streams are open. */
  streamsOpen(count: number): Promise<void>;
  /** Writes one message of `bytes` to every open stream; resolves with the start time (hrtime ns). */
  pushToAll(bytes: number): bigint;
  stop(): Promise<void>;
}

export async function startCeilingServer(): Promise<CeilingServer> {
  const server = new grpc.Server();
  const calls: grpc.ServerWritableStream<Buffer, Buffer>[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  const identity = (b: Buffer) => b;
  server.addService(
    { Watch: { path: '/bench.Ceiling/Watch', requestStream: false, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    {
      Watch: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        calls.push(call);
        call.on('error', () => undefined);
        if (waiting && calls.length >= waiting.count) waiting.resolve();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return {
    port,
    streamsOpen(count) {
      if (calls.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => (waiting = { count, resolve }));
    },
    pushToAll(bytes) {
      const message = Buffer.alloc(bytes, 7);
      const started = process.hrtime.bigint();
      for (const call of calls) call.write(message);
      return started;
    },
    async stop() {
      for (const call of calls) call.end();
      server.forceShutdown();
    },
  };
}
