/**
 * The authenticated REST routes through fastify's inject(): `GET /v1/secrets/:namespace/:name`
 * (401 / 403 / 404 / 200 with the Kubernetes Secret shape) and the CA's routes, which take the
 * token, next to the bundle, which does not. access.test.ts has the full table of callers.
 */
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Credentials } from '@meshgate/auth';
import { ApiTokenVerifier } from '../src/api-token.js';
import { SecretCipher } from '@meshgate/secrets';
import { registerCaRoutes } from '../src/http/routes.js';
import { SecretStore, TLS_SECRET_TYPE, type SecretRef } from '@meshgate/secrets';
import { capturingLogger, opensslOk, openTestCa, tempDir, type TempDir, type TestCa } from './helpers.js';

const TOKEN = randomBytes(32).toString('base64url');
const REF: SecretRef = { namespace: 'osm-system', name: 'osm-nginx-client-cert' };

let t: TestCa;
let app: FastifyInstance;
let dir: TempDir;
const logLines: string[] = [];
let published: { 'tls.crt': string; 'tls.key': string; 'ca.crt': string };

before(async () => {
  dir = await tempDir();
  t = await openTestCa({ backend: 'pglite' });
  const secrets = new SecretStore({ store: t.store, cipher: new SecretCipher(t.encryptionKey), logger: capturingLogger(logLines) });
  const issued = await t.ca.issue({ dnsNames: ['ingress-nginx.ingress-nginx.cluster.local'], validity: '1h', reason: 'ingress-gateway' });
  assert.ok(issued.privateKeyPem);
  published = { 'tls.crt': issued.certificatePem, 'tls.key': issued.privateKeyPem, 'ca.crt': issued.caPem };
  await secrets.publish(REF, { type: TLS_SECRET_TYPE, data: published, owner: 'test', details: {}, reason: 'created', certificateSerial: issued.info.serialHex });
  const loggerInstance: FastifyBaseLogger = capturingLogger(logLines);
  app = Fastify({ loggerInstance });
  // The name routes were written against before scopes: the single token, every scope.
  await registerCaRoutes(app, t.ca, { auth: new ApiTokenVerifier(TOKEN), secrets });
  await app.ready();
});

after(async () => {
  await app?.close();
  await t?.close();
  await dir?.remove();
});

function call(method: 'GET' | 'POST', url: string, authorization?: string, payload?: unknown): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return app.inject({ method, url, headers, payload: payload === undefined ? undefined : JSON.stringify(payload) });
}

function codeOf(response: LightMyRequestResponse): unknown {
  const body: unknown = response.json();
  return typeof body === 'object' && body !== null && 'code' in body ? body.code : undefined;
}

describe('GET /v1/secrets/:namespace/:name', () => {
  const url = `/v1/secrets/${REF.namespace}/${REF.name}`;

  test('401 without a token, and for a scheme other than Bearer', async () => {
    for (const authorization of [undefined, `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`, 'Bearer', TOKEN]) {
      const response = await call('GET', url, authorization);
      assert.equal(response.statusCode, 401, String(authorization));
      assert.equal(codeOf(response), 'MG_ERR_UNAUTHENTICATED');
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="meshgate"');
      assert.doesNotMatch(response.body, /BEGIN/);
    }
  });

  test('403 with a wrong token (shorter, longer, or off by one character)', async () => {
    const last = TOKEN.at(-1) === 'A' ? 'B' : 'A';
    for (const wrong of ['x', `${TOKEN}x`, `${TOKEN.slice(0, -1)}${last}`]) {
      const response = await call('GET', url, `Bearer ${wrong}`);
      assert.equal(response.statusCode, 403);
      assert.equal(codeOf(response), 'MG_ERR_FORBIDDEN');
      assert.doesNotMatch(response.body, /BEGIN/);
    }
  });

  test('404 for a secret nobody published; 400 for a name Kubernetes would not take', async () => {
    const missing = await call('GET', '/v1/secrets/osm-system/no-such-secret', `Bearer ${TOKEN}`);
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { code: 'MG_ERR_NOT_FOUND', message: 'secret osm-system/no-such-secret not found' });
    const bad = await call('GET', '/v1/secrets/Osm_System/x', `Bearer ${TOKEN}`);
    assert.equal(bad.statusCode, 400);
    assert.equal(codeOf(bad), 'MG_ERR_CA_BAD_REQUEST');
  });

  test('200 with the token: a kubernetes.io/tls Secret, data base64 as Kubernetes has it, not cached', async () => {
    const response = await call('GET', url, `bearer ${TOKEN}`);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body: unknown = response.json();
    const decoded = Object.fromEntries(Object.entries(published).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
    assert.deepEqual(body, { apiVersion: 'v1', kind: 'Secret', metadata: { name: REF.name, namespace: REF.namespace }, type: 'kubernetes.io/tls', data: decoded });
    const crt = await dir.write('tls.crt', published['tls.crt']);
    const ca = await dir.write('ca.crt', published['ca.crt']);
    assert.match(await opensslOk(['verify', '-CAfile', ca, crt]), /: OK/);
  });
});

describe('the CA routes', () => {
  test('issue, rotate and drop-inactive-roots need the token; nothing happens without it', async () => {
    const events = await t.store.countEvents();
    const body = { serviceAccount: 'bookbuyer', namespace: 'bookstore' };
    assert.equal((await call('POST', '/v1/ca/issue', undefined, body)).statusCode, 401);
    assert.equal((await call('POST', '/v1/ca/issue', 'Bearer wrong-token-wrong-token', body)).statusCode, 403);
    // Refused before the body is read: a malformed body without a token is a 401, not a 400.
    const malformed = await app.inject({ method: 'POST', url: '/v1/ca/issue', headers: { 'content-type': 'application/json' }, payload: '{"serviceAccount": ' });
    assert.equal(malformed.statusCode, 401);
    assert.equal((await call('POST', '/v1/ca/rotate')).statusCode, 401);
    assert.equal((await call('POST', '/v1/ca/rotate', 'Bearer wrong-token-wrong-token')).statusCode, 403);
    assert.equal((await call('POST', '/v1/ca/drop-inactive-roots')).statusCode, 401);
    assert.equal(await t.store.countEvents(), events, 'nothing issued or rotated');
    assert.equal((await t.ca.trustBundle()).roots.length, 1);

    const issued = await call('POST', '/v1/ca/issue', `Bearer ${TOKEN}`, body);
    assert.equal(issued.statusCode, 200, issued.body);
    assert.match(issued.body, /BEGIN PRIVATE KEY/);
    const rotated = await call('POST', '/v1/ca/rotate', `Bearer ${TOKEN}`);
    assert.equal(rotated.statusCode, 200);
    assert.equal((await t.ca.trustBundle()).roots.length, 2);
    const dropped = await call('POST', '/v1/ca/drop-inactive-roots', `Bearer ${TOKEN}`);
    assert.equal(dropped.statusCode, 200);
    assert.equal((await t.ca.trustBundle()).roots.length, 1);
  });

  test('the bundle stays open (it is public); sign takes the token', async () => {
    const bundle = await call('GET', '/v1/ca/bundle');
    assert.equal(bundle.statusCode, 200);
    await opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', dir.file('csr.key'), '-out', dir.file('req.csr'), '-subj', '/CN=x', '-addext', 'subjectAltName=DNS:bookbuyer.bookstore.cluster.local']);
    const csr = await opensslOk(['req', '-in', dir.file('req.csr')]);
    assert.equal((await call('POST', '/v1/ca/sign', undefined, { csr })).statusCode, 401);
    const signed = await call('POST', '/v1/ca/sign', `Bearer ${TOKEN}`, { csr });
    assert.equal(signed.statusCode, 200, signed.body);
    const certificatePem: unknown = signed.json().certificatePem;
    assert.equal(typeof certificatePem, 'string');
    assert.equal(new X509Certificate(String(certificatePem)).subjectAltName, 'DNS:bookbuyer.bookstore.cluster.local');
  });

  test('a server without a token configured refuses every token', async () => {
    const closed = Fastify({ logger: false });
    await registerCaRoutes(closed, t.ca, { auth: Credentials.none(), secrets: new SecretStore({ store: t.store, cipher: new SecretCipher(t.encryptionKey), logger: capturingLogger([]) }) });
    try {
      const response = await closed.inject({ method: 'GET', url: `/v1/secrets/${REF.namespace}/${REF.name}`, headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(response.statusCode, 403);
      assert.match(response.body, /no token configured/);
      assert.equal((await closed.inject({ method: 'GET', url: '/v1/ca/bundle' })).statusCode, 200);
    } finally {
      await closed.close();
    }
  });

  test('no log line holds the token or a key', () => {
    assert.ok(logLines.length > 0);
    for (const line of logLines) {
      assert.ok(!line.includes(TOKEN), 'the token is never logged');
      assert.doesNotMatch(line, /PRIVATE KEY/);
    }
  });
});
