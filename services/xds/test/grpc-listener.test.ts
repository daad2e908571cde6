/**
 * The xDS ports' listener (grpc-listener.ts): grpc-js serves the connections it accepts, the
 * kernel is asked for a deep backlog, a taken port fails as grpc-js's bind did, and closing ends
 * even a connection that never finished its TLS handshake.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { listenForGrpc, XDS_LISTEN_BACKLOG } from '../src/grpc-listener.js';
import { bytesMethod } from './support/bytes-method.js';

const echo = bytesMethod('/test.Echo/Echo', { requestStream: false });

function echoServer(): grpc.Server {
  const server = new grpc.Server();
  server.addService({ Echo: echo }, { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => done(null, call.request) });
  return server;
}

/** A listening socket's error fails the test. */
const NO_ERRORS = {
  onError: (error: Error) => {
    throw error;
  },
};

function shutDown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}

test('a gRPC call is served over a connection the listener accepted', async () => {
  const server = echoServer();
  const listener = await listenForGrpc(server, '127.0.0.1', 0, grpc.ServerCredentials.createInsecure(), NO_ERRORS);
  const Client = grpc.makeGenericClientConstructor({ Echo: echo }, 'Echo');
  const client = new Client(`127.0.0.1:${listener.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Echo: (b: Buffer, cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => void };
  try {
    const reply = await new Promise<Buffer | undefined>((resolve, reject) => client.Echo(Buffer.from('ping'), (error, response) => (error ? reject(error) : resolve(response))));
    assert.equal(reply?.toString(), 'ping');
  } finally {
    client.close();
    const closing = listener.close();
    await shutDown(server);
    await closing;
  }
});

test('the port listens with a backlog for a reconnect storm (as deep as the kernel allows)', async () => {
  const server = echoServer();
  const listener = await listenForGrpc(server, '127.0.0.1', 0, grpc.ServerCredentials.createInsecure(), NO_ERRORS);
  try {
    // `ss -ltn`: for a listening socket, Send-Q is its backlog.
    const line = execFileSync('ss', ['-ltnH', `sport = :${listener.port}`], { encoding: 'utf8' }).trim();
    const backlog = Number(line.split(/\s+/)[2]);
    const somaxconn = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    assert.equal(backlog, Math.min(XDS_LISTEN_BACKLOG, somaxconn), line);
    assert.ok(backlog > 511, `deeper than Node's default: ${line}`);
  } finally {
    const closing = listener.close();
    await shutDown(server);
    await closing;
  }
});

test('a host name is listened on at every address it names, all on one port', async () => {
  const addresses = [...new Set((await dns.lookup('localhost', { all: true })).map((entry) => entry.address))];
  const server = echoServer();
  const listener = await listenForGrpc(server, 'localhost', 0, grpc.ServerCredentials.createInsecure(), NO_ERRORS);
  try {
    for (const address of addresses) {
      const socket = net.connect(listener.port, address);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      });
      socket.destroy();
    }
  } finally {
    const closing = listener.close();
    await shutDown(server);
    await closing;
  }
});

test('a port already taken fails to listen with EADDRINUSE', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    await assert.rejects(listenForGrpc(echoServer(), '127.0.0.1', port, grpc.ServerCredentials.createInsecure(), NO_ERRORS), { code: 'EADDRINUSE' });
  } finally {
    taken.close();
  }
});

test('closing ends a connection whose TLS handshake never began once the grace is over', { timeout: 10_000 }, async () => {
  // A TLS port: a connection that sends no ClientHello never becomes a session grpc-js would close.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xds-listener-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-subj', '/CN=xds', '-days', '1'], { stdio: 'ignore' });
  const credentials = grpc.ServerCredentials.createSsl(null, [{ private_key: fs.readFileSync(path.join(dir, 'key.pem')), cert_chain: fs.readFileSync(path.join(dir, 'cert.pem')) }], false);
  fs.rmSync(dir, { recursive: true });
  const server = echoServer();
  const listener = await listenForGrpc(server, '127.0.0.1', 0, credentials, NO_ERRORS);
  const silent = net.connect(listener.port, '127.0.0.1');
  await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
  const ended = new Promise<void>((resolve) => silent.once('close', () => resolve()));
  silent.on('error', () => undefined);
  silent.resume(); // reading, so that the end is seen
  const closing = listener.close(50);
  await shutDown(server);
  await closing;
  await ended;
});
