/**
 * grpc-js stream decoders let go of their read chunks between messages (grpc-read-buffers.ts):
 * checked on grpc-js's own decoder fed a message in chunks cut from big buffers, as HTTP/2 hands
 * them over, and over a real stream — a request still decodes to the same bytes.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { releaseReadBuffers } from '../src/grpc-read-buffers.js';
import { bytesMethod } from './support/bytes-method.js';

interface Decoder {
  readCompressFlag: Buffer;
  readPartialMessage: Buffer[];
  write(data: Buffer): Buffer[];
}

const require = createRequire(import.meta.url);
const { StreamDecoder } = require('@grpc/grpc-js/build/src/stream-decoder.js') as { StreamDecoder: new (max: number) => Decoder };

/** A gRPC frame (flag, length, payload). */
function framed(payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** `bytes` in chunks of `size`, each a slice of its own 64 KiB buffer (as reads are). */
function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const big = Buffer.alloc(65536);
    const part = bytes.subarray(at, at + size);
    part.copy(big, 100);
    out.push(big.subarray(100, 100 + part.length));
  }
  return out;
}

test('grpc-js is as expected: its decoders are patched', () => {
  assert.equal(releaseReadBuffers(), true);
  assert.equal(releaseReadBuffers(), true, 'once');
});

test('between messages a decoder holds no read chunk; mid-message it holds what it still needs', () => {
  releaseReadBuffers();
  const decoder = new StreamDecoder(-1);
  const payloads = [Buffer.alloc(60_000, 1), Buffer.alloc(3, 2), Buffer.alloc(40_000, 3)];
  const stream = Buffer.concat(payloads.map(framed));
  const parts = chunks(stream, 16_384);
  const messages: Buffer[] = [];
  for (const [i, part] of parts.entries()) {
    messages.push(...decoder.write(part));
    if (i < parts.length - 1) {
      assert.equal(decoder.readCompressFlag.buffer.byteLength, 1, 'the flag byte is its own, not a slice of a read chunk');
    }
  }
  assert.deepEqual(messages.map((m) => m.subarray(5)), payloads, 'the same messages');
  assert.equal(decoder.readPartialMessage.length, 0, 'no chunk of the last message kept');
  assert.ok(decoder.readCompressFlag.buffer.byteLength <= 1, 'nor the chunk its flag came in');
});

test('a request over a real stream decodes to the same bytes', async () => {
  releaseReadBuffers();
  const method = bytesMethod('/test.Sum/Sum', { requestStream: true });
  const server = new grpc.Server();
  server.addService({ Sum: method }, {
    Sum: (call: grpc.ServerReadableStream<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
      const received: Buffer[] = [];
      call.on('data', (b: Buffer) => received.push(Buffer.from(b)));
      call.on('end', () => done(null, Buffer.concat(received)));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const Client = grpc.makeGenericClientConstructor({ Sum: method }, 'Sum');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as { Sum: (cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => grpc.ClientWritableStream<Buffer>; close(): void };
  try {
    const sent = [Buffer.alloc(70_000, 7), Buffer.from('small'), Buffer.alloc(20_000, 9)];
    const reply = await new Promise<Buffer | undefined>((resolve, reject) => {
      const call = client.Sum((e, r) => (e ? reject(e) : resolve(r)));
      for (const b of sent) call.write(b);
      call.end();
    });
    assert.ok(reply?.equals(Buffer.concat(sent)));
  } finally {
    client.close();
    server.forceShutdown();
  }
});
