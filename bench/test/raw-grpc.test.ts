/**
 * The simulated proxies' gRPC stream (`raw-grpc.ts`): message splitting across and within
 * chunks, and a real exchange with a grpc-js server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { framed, MessageSplitter, openRawStream } from '../src/scale/raw-grpc.js';

function split(chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  const splitter = new MessageSplitter((m) => out.push(Buffer.from(m)));
  for (const chunk of chunks) splitter.push(chunk);
  return out;
}

test('messages come out whole whether a chunk holds several, part of one, or a prefix cut in two', () => {
  const messages = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(40_000, 3), Buffer.from('last')];
  const stream = Buffer.concat(messages.map(framed));
  assert.deepEqual(split([stream]), messages, 'one chunk');
  for (const size of [1, 2, 3, 7, 4096]) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
    assert.deepEqual(split(chunks), messages, `chunks of ${size} bytes`);
  }
});

test('a raw stream sends its request to a grpc-js server and receives what it writes, 400 KiB included', async (t) => {
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  const sent = [Buffer.from('hello'), Buffer.alloc(400 * 1024, 9), Buffer.alloc(0)];
  let request: Buffer | undefined;
  server.addService(
    { Watch: { path: '/bench.Test/Watch', requestStream: false, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    {
      Watch: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        request = call.request;
        for (const message of sent) call.write(message);
        call.end();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  t.after(() => server.forceShutdown());

  const received: Buffer[] = [];
  const ended = new Promise<void>((resolve) => {
    const stream = openRawStream(port, '/bench.Test/Watch', { onMessage: (m) => received.push(Buffer.from(m)), onEnd: resolve });
    stream.write(Buffer.from('ask'));
    stream.end();
    t.after(() => stream.close());
  });
  await ended;
  assert.equal(request?.toString(), 'ask');
  assert.deepEqual(received, sent);
});
