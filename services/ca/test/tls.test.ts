/**
 * Issued certificates do what they are for: two Node TLS endpoints authenticate each other with
 * them, trusting only the CA's bundle, and each sees the other's SPIFFE identity.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import type { IssuedCertificate } from '../src/types.js';
import { openTestCa, type TestCa } from './helpers.js';

let t: TestCa;
before(async () => {
  t = await openTestCa();
});
after(async () => {
  await t?.close();
});

interface Handshake {
  serverSawClient: string | undefined;
  clientSawServer: string | undefined;
  reply: string;
  /** What the server's TLS layer said about the client certificate (only when it lets the connection in). */
  authorizationError: string | undefined;
  /** The server dropped the handshake (`tlsClientError`). */
  serverRefused: boolean;
}

/** Server on 127.0.0.1:0 requiring a client certificate; one client connects, both check the peer. */
async function handshake(serverCert: IssuedCertificate, clientCert: IssuedCertificate, ca: string, rejectUnauthorized = true): Promise<Handshake> {
  let serverSawClient: string | undefined;
  let authorizationError: string | undefined;
  const server = tls.createServer(
    { key: serverCert.privateKeyPem, cert: serverCert.certificatePem + serverCert.chainPem, ca, requestCert: true, rejectUnauthorized },
    (socket) => {
      serverSawClient = socket.getPeerCertificate().subjectaltname;
      // Typed as an Error, given at runtime as an OpenSSL code string: String() reads either.
      authorizationError = socket.authorized ? undefined : String(socket.authorizationError);
      socket.end(`hello ${socket.authorized ? 'authorized' : 'unauthorized'} peer`);
    },
  );
  let serverRefused = false;
  server.on('tlsClientError', () => (serverRefused = true));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      key: clientCert.privateKeyPem,
      cert: clientCert.certificatePem + clientCert.chainPem,
      ca,
      rejectUnauthorized: true,
      // The server's identity is its SPIFFE id, not the address it listens on.
      servername: 'bookstore.bookstore.cluster.local',
    });
    await once(socket, 'secureConnect');
    const clientSawServer = socket.getPeerCertificate().subjectaltname;
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    await once(socket, 'close');
    return { serverSawClient, clientSawServer, reply, authorizationError, serverRefused };
  } finally {
    server.close();
  }
}

test('mutual TLS between two Node endpoints with issued ECDSA certificates, trusting only the bundle', async () => {
  const server = await t.ca.issue({ identity: { serviceAccount: 'bookstore', namespace: 'bookstore' }, reason: 'api' });
  const client = await t.ca.issue({ identity: { serviceAccount: 'bookbuyer', namespace: 'bookbuyer' }, reason: 'api' });
  const { pem } = await t.ca.trustBundle();

  const result = await handshake(server, client, pem);
  assert.equal(result.reply, 'hello authorized peer');
  assert.match(result.serverSawClient ?? '', /URI:spiffe:\/\/cluster\.local\/ns\/bookbuyer\/sa\/bookbuyer/);
  assert.match(result.clientSawServer ?? '', /URI:spiffe:\/\/cluster\.local\/ns\/bookstore\/sa\/bookstore/);
  assert.match(result.clientSawServer ?? '', /DNS:bookstore\.bookstore\.cluster\.local/);
});

test('an RSA client and an ECDSA server interoperate under the same root', async () => {
  const server = await t.ca.issue({ identity: { serviceAccount: 'bookstore', namespace: 'bookstore' }, reason: 'api' });
  const client = await t.ca.issue({ identity: { serviceAccount: 'bookthief', namespace: 'bookthief' }, keyAlgorithm: 'RSA_2048', reason: 'api' });
  const result = await handshake(server, client, server.caPem);
  assert.equal(result.reply, 'hello authorized peer');
  assert.match(result.serverSawClient ?? '', /spiffe:\/\/cluster\.local\/ns\/bookthief\/sa\/bookthief/);
});

test('a client whose certificate comes from another CA is refused by the server', async () => {
  const other = await openTestCa();
  try {
    const server = await t.ca.issue({ identity: { serviceAccount: 'bookstore', namespace: 'bookstore' }, reason: 'api' });
    const stranger = await other.ca.issue({ identity: { serviceAccount: 'bookbuyer', namespace: 'bookbuyer' }, reason: 'api' });
    // The client trusts our bundle (`handshake` gives both ends `server.caPem`); the server does not know the stranger's root.
    // TLS 1.3: the client finishes its side first; then the server checks the client certificate and refuses it.
    const result = await handshake(server, stranger, server.caPem);
    assert.equal(result.reply, '');
    assert.equal(result.serverSawClient, undefined, 'the server never accepted the connection');
    assert.equal(result.serverRefused, true);

    // Why: with verification reported instead of enforced, the server names the untrusted issuer.
    const probe = await handshake(server, stranger, server.caPem, false);
    assert.equal(probe.reply, 'hello unauthorized peer');
    assert.match(probe.authorizationError ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
  } finally {
    await other.close();
  }
});
