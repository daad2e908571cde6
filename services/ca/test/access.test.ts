/**
 * Every CA operation but the trust bundle takes a token with its scope, over REST and gRPC alike.
 * A table of intruders (anonymous, a non-bearer scheme, an unknown token, tokens with other
 * scopes) calls every write route and gRPC method: each is refused (401/UNAUTHENTICATED,
 * 403/PERMISSION_DENIED) and nothing is issued, recorded or rotated. Then what each scope may do:
 * the xds service's `ca-issue` issues for a mesh identity and nothing else; `sign` signs only
 * for a `ca-admin`, and only names inside the trust domain.
 */
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Credentials, parseTokensFile } from '@meshgate/auth';
import { openBus, type Bus } from '@meshgate/bus';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { loadCaSettings } from '@meshgate/runtime';
import { bearer, createTestDatabase, TEST_API_TOKEN, type TestDatabase } from '@meshgate/testkit';
import { Registry } from 'prom-client';
import { connectCa } from '../src/grpc/client.js';
import { ERROR_CODE_KEY, serviceConstructor } from '@meshgate/grpc-api';
import { startCaService, type RunningCaService } from '../src/service.js';
import { CaError } from '../src/types.js';
import { capturingLogger, opensslOk, tempDir, type TempDir } from './helpers.js';

const READ_WRITE = 'read-write-token-0123456789abcdef';
const XDS = 'xds-ca-issue-token-0123456789abcdef';
const OPERATOR = 'operator-ca-admin-token-0123456789';
const UNKNOWN = 'unknown-token-0123456789abcdefgh';
const TOKENS = `
- name: deployer
  token: ${READ_WRITE}
  scopes: [read, write]
- name: xds
  token: ${XDS}
  scopes: [ca-issue]
- name: operator
  token: ${OPERATOR}
  scopes: [ca-admin]
`;

let database: TestDatabase;
let store: EventStore;
let bus: Bus;
let service: RunningCaService;
let dir: TempDir;
let meshCsr: string;
let foreignCsr: string;
const logLines: string[] = [];

async function csr(name: string, san: string): Promise<string> {
  await opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', dir.file(`${name}.key`), '-out', dir.file(`${name}.csr`), '-subj', '/CN=x', '-addext', `subjectAltName=${san}`]);
  return opensslOk(['req', '-in', dir.file(`${name}.csr`)]);
}

before(async () => {
  dir = await tempDir();
  meshCsr = await csr('mesh', 'URI:spiffe://cluster.local/ns/bookstore/sa/bookbuyer,DNS:bookbuyer.bookstore.cluster.local');
  foreignCsr = await csr('foreign', 'URI:spiffe://evil.example/ns/bank/sa/teller,DNS:www.bank.example');
  database = await createTestDatabase('mg_ca_access');
  store = await openEventStore({ databaseUrl: database.url });
  bus = await openBus({});
  service = await startCaService({
    config: {
      ca: loadCaSettings({ MESHGATE_CA_HTTP_PORT: '0', MESHGATE_CA_ENCRYPTION_KEY: randomBytes(32).toString('base64') }),
      grpcPort: 0,
      trustDomain: 'cluster.local',
      dataDir: dir.path,
    },
    store,
    bus,
    logger: capturingLogger(logLines),
    registry: new Registry(),
    allowGeneratedEncryptionKey: false,
    credentials: Credentials.adminToken(TEST_API_TOKEN, parseTokensFile(TOKENS, 'tokens')),
  });
});

after(async () => {
  await service?.stop();
  await bus?.close();
  await store?.close();
  await database?.drop();
  await dir?.remove();
});

/** What must not change when a call is refused: the log and the trust bundle. */
async function sideEffects(): Promise<{ events: number; bundle: string }> {
  return { events: await store.countEvents(), bundle: (await service.ca.trustBundle()).version };
}

async function rest(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${service.httpUrl}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as { code?: string; message?: string } & Record<string, unknown> };
}

type Scope = 'ca-issue' | 'ca-admin' | 'ca-secrets';

/**
 * The scope a refusal names: issue admits `ca-issue` before it reads what is asked, so a caller
 * without even that hears about `ca-issue`; one with it, asking for DNS names, about `ca-admin`.
 */
function namedScope(operation: { scope: Scope; gate?: Scope }, refusedFor: Scope[]): Scope {
  return operation.gate !== undefined && refusedFor.includes(operation.gate) ? operation.gate : operation.scope;
}

describe('REST: every CA write refuses callers without the scope', () => {
  const operations: { name: string; method: 'GET' | 'POST'; path: string; body?: () => unknown; scope: Scope; gate?: Scope }[] = [
    { name: 'sign', method: 'POST', path: '/v1/ca/sign', body: () => ({ csr: meshCsr }), scope: 'ca-admin' },
    { name: 'issue (identity)', method: 'POST', path: '/v1/ca/issue', body: () => ({ serviceAccount: 'bookbuyer', namespace: 'bookstore' }), scope: 'ca-issue' },
    { name: 'issue (DNS names)', method: 'POST', path: '/v1/ca/issue', body: () => ({ dnsNames: ['gateway.istio-system.cluster.local'] }), scope: 'ca-admin', gate: 'ca-issue' },
    { name: 'rotate', method: 'POST', path: '/v1/ca/rotate', scope: 'ca-admin' },
    { name: 'drop-inactive-roots', method: 'POST', path: '/v1/ca/drop-inactive-roots', scope: 'ca-admin' },
    { name: 'read a secret', method: 'GET', path: '/v1/secrets/osm-system/osm-nginx-client-cert', scope: 'ca-secrets' },
  ];
  const intruders: { name: string; headers: Record<string, string>; status: number; code: string; refusedFor: Scope[] }[] = [
    { name: 'anonymous', headers: {}, status: 401, code: 'MG_ERR_UNAUTHENTICATED', refusedFor: ['ca-issue', 'ca-admin', 'ca-secrets'] },
    { name: 'a Basic header', headers: { authorization: `Basic ${Buffer.from(`a:${TEST_API_TOKEN}`).toString('base64')}` }, status: 401, code: 'MG_ERR_UNAUTHENTICATED', refusedFor: ['ca-issue', 'ca-admin', 'ca-secrets'] },
    { name: 'an unknown token', headers: bearer(UNKNOWN), status: 403, code: 'MG_ERR_FORBIDDEN', refusedFor: ['ca-issue', 'ca-admin', 'ca-secrets'] },
    { name: 'a read+write token', headers: bearer(READ_WRITE), status: 403, code: 'MG_ERR_FORBIDDEN', refusedFor: ['ca-issue', 'ca-admin', 'ca-secrets'] },
    { name: "the xds service's ca-issue token", headers: bearer(XDS), status: 403, code: 'MG_ERR_FORBIDDEN', refusedFor: ['ca-admin', 'ca-secrets'] },
  ];
  for (const operation of operations) {
    for (const intruder of intruders.filter((i) => i.refusedFor.includes(operation.scope))) {
      test(`${operation.name} by ${intruder.name}: ${intruder.status}, nothing issued or changed`, async () => {
        const before = await sideEffects();
        const response = await rest(operation.method, operation.path, intruder.headers, operation.body?.());
        assert.equal(response.status, intruder.status, JSON.stringify(response.body));
        assert.equal(response.body.code, intruder.code);
        assert.match(response.body.message ?? '', new RegExp(`"${namedScope(operation, intruder.refusedFor)}" scope`));
        assert.equal(response.headers.get('www-authenticate'), intruder.status === 401 ? 'Bearer realm="meshgate"' : null);
        assert.doesNotMatch(JSON.stringify(response.body), /BEGIN/);
        assert.deepEqual(await sideEffects(), before);
      });
    }
  }

  test('the trust bundle, health, readiness and metrics stay open', async () => {
    for (const path of ['/v1/ca/bundle', '/healthz', '/readyz', '/metrics']) {
      const response = await fetch(`${service.httpUrl}${path}`);
      assert.equal(response.status, 200, path);
    }
  });
});

describe('gRPC: every CA write refuses callers without the scope', () => {
  let client: grpc.Client;
  before(() => {
    const Client = serviceConstructor('certificateAuthority');
    client = new Client(`127.0.0.1:${service.grpcPort}`, grpc.credentials.createInsecure());
  });
  after(() => client?.close());

  function call(method: string, request: object, token?: string): Promise<{ error: grpc.ServiceError | null; response: unknown }> {
    const metadata = new grpc.Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    const rpc: unknown = (client as unknown as Record<string, unknown>)[method];
    assert.equal(typeof rpc, 'function', method);
    return new Promise((resolve) => {
      (rpc as (...args: unknown[]) => void).call(client, request, metadata, { deadline: Date.now() + 20_000 }, (error: grpc.ServiceError | null, response: unknown) =>
        resolve({ error, response }),
      );
    });
  }

  const methods: { name: string; request: () => object; scope: Scope; gate?: Scope }[] = [
    { name: 'SignCsr', request: () => ({ csrPem: meshCsr, validity: '', reason: 'csr' }), scope: 'ca-admin' },
    { name: 'Issue', request: () => ({ identity: { serviceAccount: 'bookbuyer', namespace: 'bookstore' }, dnsNames: [], validity: '', keyAlgorithm: '', reason: 'sds' }), scope: 'ca-issue' },
    { name: 'Issue', request: () => ({ identity: null, dnsNames: ['gateway.istio-system.cluster.local'], validity: '', keyAlgorithm: '', reason: 'api' }), scope: 'ca-admin', gate: 'ca-issue' },
    { name: 'RotateRoot', request: () => ({}), scope: 'ca-admin' },
    { name: 'DropInactiveRoots', request: () => ({}), scope: 'ca-admin' },
  ];
  const intruders: { name: string; token?: string; status: grpc.status; code: string; refusedFor: Scope[] }[] = [
    { name: 'anonymous', status: grpc.status.UNAUTHENTICATED, code: 'MG_ERR_UNAUTHENTICATED', refusedFor: ['ca-issue', 'ca-admin'] },
    { name: 'an unknown token', token: UNKNOWN, status: grpc.status.PERMISSION_DENIED, code: 'MG_ERR_FORBIDDEN', refusedFor: ['ca-issue', 'ca-admin'] },
    { name: 'a read+write token', token: READ_WRITE, status: grpc.status.PERMISSION_DENIED, code: 'MG_ERR_FORBIDDEN', refusedFor: ['ca-issue', 'ca-admin'] },
    { name: "the xds service's ca-issue token", token: XDS, status: grpc.status.PERMISSION_DENIED, code: 'MG_ERR_FORBIDDEN', refusedFor: ['ca-admin'] },
  ];
  for (const method of methods) {
    for (const intruder of intruders.filter((i) => i.refusedFor.includes(method.scope))) {
      test(`${method.name} (${method.scope}) by ${intruder.name}: ${grpc.status[intruder.status]}, nothing issued or changed`, async () => {
        const before = await sideEffects();
        const { error, response } = await call(method.name, method.request(), intruder.token);
        assert.ok(error, `refused, got ${JSON.stringify(response)}`);
        assert.equal(error.code, intruder.status, error.details);
        assert.deepEqual(error.metadata.get(ERROR_CODE_KEY), [intruder.code]);
        assert.match(error.details, new RegExp(`"${namedScope(method, intruder.refusedFor)}" scope`));
        assert.deepEqual(await sideEffects(), before);
      });
    }
  }

  test('GetTrustBundle stays open', async () => {
    const { error, response } = await call('GetTrustBundle', {});
    assert.equal(error, null);
    assert.match(JSON.stringify(response), /BEGIN CERTIFICATE/);
  });

  test('the right token passes: ca-issue issues for an identity, ca-admin rotates', async () => {
    const issued = await call('Issue', methods[1].request(), XDS);
    assert.equal(issued.error, null);
    const rotated = await call('RotateRoot', {}, OPERATOR);
    assert.equal(rotated.error, null);
    const dropped = await call('DropInactiveRoots', {}, TEST_API_TOKEN);
    assert.equal(dropped.error, null);
  });
});

describe('what each scope may do', () => {
  test('connectCa with the ca-issue token (the xds service) issues for a mesh identity, and nothing else', async () => {
    const xds = connectCa(`127.0.0.1:${service.grpcPort}`, { token: XDS });
    const anonymous = connectCa(`127.0.0.1:${service.grpcPort}`);
    try {
      const issued = await xds.issue({ identity: { serviceAccount: 'bookbuyer', namespace: 'bookstore' }, reason: 'sds' });
      assert.deepEqual(issued.info.uris, ['spiffe://cluster.local/ns/bookstore/sa/bookbuyer']);
      const refused = (code: CaError['code'], message: RegExp) => (error: unknown) => error instanceof CaError && error.code === code && message.test(error.message);
      await assert.rejects(xds.issue({ dnsNames: ['gateway.istio-system.cluster.local'], reason: 'api' }), refused('MG_ERR_FORBIDDEN', /issuing a certificate for DNS names .* needs/));
      await assert.rejects(xds.signCsr({ csrPem: meshCsr, reason: 'csr' }), refused('MG_ERR_FORBIDDEN', /"xds" lacks the "ca-admin" scope that signing a CSR/));
      await assert.rejects(xds.rotateRoot(), refused('MG_ERR_FORBIDDEN', /rotating the root/));
      await assert.rejects(anonymous.issue({ identity: { serviceAccount: 'a', namespace: 'b' }, reason: 'sds' }), refused('MG_ERR_UNAUTHENTICATED', /"ca-issue" scope/));
      assert.ok((await anonymous.trustBundle()).pem.includes('BEGIN CERTIFICATE'));
    } finally {
      await xds.close();
      await anonymous.close();
    }
  });

  test('sign: a ca-admin signs a mesh identity; a foreign name is refused for anyone, and nothing is recorded', async () => {
    const signed = await rest('POST', '/v1/ca/sign', bearer(OPERATOR), { csr: meshCsr });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.match(new X509Certificate(String(signed.body.certificatePem)).subjectAltName ?? '', /spiffe:\/\/cluster\.local\/ns\/bookstore\/sa\/bookbuyer/);

    const before = await sideEffects();
    const foreignByAdmin = await rest('POST', '/v1/ca/sign', bearer(OPERATOR), { csr: foreignCsr });
    assert.equal(foreignByAdmin.status, 422);
    assert.equal(foreignByAdmin.body.code, 'MG_ERR_CA_FOREIGN_SAN');
    for (const token of [XDS, READ_WRITE]) {
      const foreign = await rest('POST', '/v1/ca/sign', bearer(token), { csr: foreignCsr });
      assert.equal(foreign.status, 403);
      assert.match(foreign.body.message ?? '', /lacks the "ca-admin" scope that signing a CSR \(any name in the trust domain\) needs/);
    }
    const anonymous = await rest('POST', '/v1/ca/sign', {}, { csr: foreignCsr });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await sideEffects(), before);
  });

  test('no log line holds a token', () => {
    assert.ok(logLines.length > 0);
    for (const line of logLines) for (const token of [TEST_API_TOKEN, READ_WRITE, XDS, OPERATOR, UNKNOWN]) assert.ok(!line.includes(token), 'a token is in the log');
  });
});
