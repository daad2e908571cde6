/**
 * One-time join tokens through the REST routes (fastify inject) on the real Postgres: created
 * only with the admin token, kept as a hash, good for one CSR of exactly their identity; a second
 * use, a wrong-identity CSR and an expired token are refused; concurrent uses let one through.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { ApiTokenVerifier } from '../src/api-token.js';
import { registerCaRoutes } from '../src/http/routes.js';
import { JoinTokens } from '../src/join-tokens.js';
import { generateKeyPair } from '../src/x509/algorithms.js';
import { createCsr } from '../src/x509/csr-builder.js';
import { capturingLogger, openTestCa, type TestCa } from './helpers.js';

const ADMIN = randomBytes(32).toString('base64url');
let t: TestCa;
let app: FastifyInstance;
let clock = Date.now();
const logLines: string[] = [];

before(async () => {
  t = await openTestCa();
  const loggerInstance: FastifyBaseLogger = capturingLogger(logLines);
  app = Fastify({ loggerInstance });
  const joinTokens = new JoinTokens({ store: t.store, trustDomain: 'cluster.local', now: () => new Date(clock) });
  await registerCaRoutes(app, t.ca, { auth: new ApiTokenVerifier(ADMIN), joinTokens });
  await app.ready();
});

after(async () => {
  await app?.close();
  await t?.close();
});

function post(url: string, authorization: string | undefined, payload: unknown): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  return app.inject({ method: 'POST', url, headers, payload: JSON.stringify(payload) });
}

async function createToken(namespace: string, serviceAccount: string, ttl?: string): Promise<string> {
  const response = await post('/v1/ca/join-tokens', `Bearer ${ADMIN}`, { namespace, serviceAccount, ...(ttl ? { ttl } : {}) });
  assert.equal(response.statusCode, 201, response.body);
  const body = response.json<{ token: string; namespace: string; serviceAccount: string; expiresAt: string }>();
  assert.equal(body.namespace, namespace);
  assert.match(body.token, /^mgjt_/);
  return body.token;
}

async function csrFor(uris: string[], dnsNames: string[] = []): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ECDSA_P256');
  return createCsr({ privateKey, publicKey, uris, dnsNames });
}

const SPIFFE = 'spiffe://cluster.local/ns/echo/sa/echo-client';

test('creating a token needs the admin credential', async () => {
  assert.equal((await post('/v1/ca/join-tokens', undefined, { namespace: 'echo', serviceAccount: 'echo-client' })).statusCode, 401);
  assert.equal((await post('/v1/ca/join-tokens', 'Bearer wrong', { namespace: 'echo', serviceAccount: 'echo-client' })).statusCode, 403);
  const bad = await post('/v1/ca/join-tokens', `Bearer ${ADMIN}`, { namespace: 'Echo!', serviceAccount: 'echo-client' });
  assert.equal(bad.statusCode, 400, bad.body);
  const unknown = await post('/v1/ca/join-tokens', `Bearer ${ADMIN}`, { namespace: 'echo', serviceAccount: 'x', role: 'admin' });
  assert.equal(unknown.statusCode, 400, unknown.body);
});

test('a token signs one CSR of its identity; the second use is refused', async () => {
  const token = await createToken('echo', 'echo-client');
  const first = await post('/v1/ca/workload-certificates', `Bearer ${token}`, { csr: await csrFor([SPIFFE], ['echo-client.echo.cluster.local']) });
  assert.equal(first.statusCode, 200, first.body);
  const issued = first.json<{ certificatePem: string; privateKeyPem?: string }>();
  assert.equal(issued.privateKeyPem, undefined);
  assert.equal(new X509Certificate(issued.certificatePem).subjectAltName, `DNS:echo-client.echo.cluster.local, URI:${SPIFFE}`);

  const second = await post('/v1/ca/workload-certificates', `Bearer ${token}`, { csr: await csrFor([SPIFFE]) });
  assert.equal(second.statusCode, 403);
  assert.match(second.json<{ message: string }>().message, /already used/);
});

test('a CSR for another identity is refused (and does not use the token up)', async () => {
  const token = await createToken('echo', 'echo-client');
  const other = await post('/v1/ca/workload-certificates', `Bearer ${token}`, { csr: await csrFor(['spiffe://cluster.local/ns/echo/sa/echo-server']) });
  assert.equal(other.statusCode, 422, other.body);
  assert.match(other.json<{ message: string }>().message, /this join token is for spiffe:\/\/cluster\.local\/ns\/echo\/sa\/echo-client/);
  const extra = await post('/v1/ca/workload-certificates', `Bearer ${token}`, { csr: await csrFor([SPIFFE], ['admin.kube-system.cluster.local']) });
  assert.equal(extra.statusCode, 422, extra.body);
  const dnsOnly = await post('/v1/ca/workload-certificates', `Bearer ${token}`, { csr: await csrFor([], ['echo-client.echo.cluster.local']) });
  assert.equal(dnsOnly.statusCode, 422, dnsOnly.body);
  const right = await post('/v1/ca/workload-certificates', `Bearer ${token}`, { csr: await csrFor([SPIFFE]) });
  assert.equal(right.statusCode, 200, right.body);
});

test('an expired token is refused; an unknown one and none are refused', async () => {
  const token = await createToken('echo', 'echo-client', '1m');
  clock += 61_000;
  try {
    const expired = await post('/v1/ca/workload-certificates', `Bearer ${token}`, { csr: await csrFor([SPIFFE]) });
    assert.equal(expired.statusCode, 403);
    assert.match(expired.json<{ message: string }>().message, /expired/);
  } finally {
    clock -= 61_000;
  }
  const unknown = await post('/v1/ca/workload-certificates', `Bearer mgjt_${randomBytes(32).toString('base64url')}`, { csr: await csrFor([SPIFFE]) });
  assert.equal(unknown.statusCode, 403);
  assert.equal((await post('/v1/ca/workload-certificates', undefined, { csr: await csrFor([SPIFFE]) })).statusCode, 401);
});

test('concurrent uses of one token: exactly one certificate', async () => {
  const token = await createToken('echo', 'echo-client');
  const csr = await csrFor([SPIFFE]);
  const responses = await Promise.all(Array.from({ length: 6 }, () => post('/v1/ca/workload-certificates', `Bearer ${token}`, { csr })));
  assert.deepEqual(responses.map((r) => r.statusCode).sort(), [200, 403, 403, 403, 403, 403]);
});

test('tokens survive a restart (a new JoinTokens on the same log); the log and the logs hold only the hash', async () => {
  const token = await createToken('echo', 'echo-client');
  const restarted = new JoinTokens({ store: t.store, trustDomain: 'cluster.local' });
  assert.deepEqual(await restarted.identityOf(token), { namespace: 'echo', serviceAccount: 'echo-client' });
  const events = JSON.stringify(await t.store.readAfter(0, 100_000));
  assert.ok(!events.includes(token), 'the event log holds a plain token');
  assert.ok(events.includes(createHash('sha256').update(token).digest('hex')), 'the stream is named by the hash');
  assert.ok(!logLines.some((line) => line.includes('mgjt_')), 'a log line holds a token');
});
