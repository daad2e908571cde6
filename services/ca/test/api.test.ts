/**
 * The ca service as it runs: REST and gRPC listening on port 0 over a real Postgres database,
 * the same operations through both, errors as `{code, message, field}` (REST) and as CaErrors
 * again on the far side of gRPC (`connectCa`), health and metrics.
 */
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openBus, type Bus } from '@meshgate/bus';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { loadCaSettings } from '@meshgate/runtime';
import { createTestDatabase, type TestDatabase } from '@meshgate/testkit';
import { Registry } from 'prom-client';
import { connectCa, type CaClient } from '../src/grpc/client.js';
import { startCaService, type RunningCaService } from '../src/service.js';
import { CaError, type IssuedCertificate, type KeyAlgorithm, type TrustBundle } from '../src/types.js';
import { capturingLogger, opensslOk, tempDir, type TempDir } from './helpers.js';

let database: TestDatabase;
let store: EventStore;
let bus: Bus;
let service: RunningCaService;
let grpcClient: CaClient;
let dir: TempDir;
let csrPem: string;
const logLines: string[] = [];
/** Every route but the bundle takes it (access.test.ts covers refusals). */
const API_TOKEN = randomBytes(24).toString('base64url');

before(async () => {
  dir = await tempDir();
  const csrFile = dir.file('api.csr');
  await opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', dir.file('api.key'), '-out', csrFile, '-subj', '/CN=x', '-addext', 'subjectAltName=URI:spiffe://cluster.local/ns/bookstore/sa/bookstore']);
  csrPem = await opensslOk(['req', '-in', csrFile]);
  database = await createTestDatabase('mg_ca_api');
  store = await openEventStore({ databaseUrl: database.url });
  bus = await openBus({});
  service = await startCaService({
    config: {
      ca: loadCaSettings({ MESHGATE_CA_HOST: '127.0.0.1', MESHGATE_CA_HTTP_PORT: '0', MESHGATE_CA_ENCRYPTION_KEY: randomBytes(32).toString('base64') }),
      grpcPort: 0,
      trustDomain: 'cluster.local',
      dataDir: dir.path,
    },
    store,
    bus,
    logger: capturingLogger(logLines),
    registry: new Registry(),
    allowGeneratedEncryptionKey: false,
    apiToken: API_TOKEN,
  });
  assert.ok(service.grpcPort !== undefined && service.grpcPort > 0);
  grpcClient = connectCa(`127.0.0.1:${service.grpcPort}`, { token: API_TOKEN });
});

after(async () => {
  await grpcClient?.close();
  await service?.stop();
  await bus?.close();
  await store?.close();
  await database?.drop();
  await dir?.remove();
});

async function rest(method: 'GET' | 'POST', path: string, body?: unknown, raw?: string): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(`${service.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }) },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

function isIssued(value: unknown): value is IssuedCertificate {
  return typeof value === 'object' && value !== null && 'certificatePem' in value && 'info' in value && 'caPem' in value;
}

function isBundle(value: unknown): value is TrustBundle {
  return typeof value === 'object' && value !== null && 'pem' in value && 'roots' in value && 'version' in value;
}

/** The leaf verifies against one of the bundle's roots and carries the SANs. */
function assertIssuedUnder(issued: IssuedCertificate, bundle: TrustBundle, uri: string) {
  const leaf = new X509Certificate(issued.certificatePem);
  const roots = bundle.pem.split(/(?<=-----END CERTIFICATE-----\n)/).filter(Boolean).map((pem) => new X509Certificate(pem));
  assert.ok(roots.some((root) => leaf.checkIssued(root) && leaf.verify(root.publicKey)), 'signed by a root of the bundle');
  assert.match(leaf.subjectAltName ?? '', new RegExp(uri.replaceAll('/', '\\/')));
  assert.deepEqual(issued.info.uris, [uri]);
}

describe('the same operations through REST and gRPC', () => {
  test('the trust bundle', async () => {
    const viaRest = await rest('GET', '/v1/ca/bundle');
    assert.equal(viaRest.status, 200);
    const viaGrpc = await grpcClient.trustBundle();
    assert.deepEqual(viaRest.json, viaGrpc);
    assert.deepEqual(viaGrpc, await service.ca.trustBundle());
    assert.equal(viaGrpc.roots.length, 1);
  });

  test('issue: a key and certificate for an identity; the response says no-store', async () => {
    const bundle = await grpcClient.trustBundle();
    const viaRest = await rest('POST', '/v1/ca/issue', { serviceAccount: 'bookbuyer', namespace: 'bookbuyer', validity: '2h' });
    assert.equal(viaRest.status, 200, JSON.stringify(viaRest.json));
    assert.equal(viaRest.headers.get('cache-control'), 'no-store');
    assert.ok(isIssued(viaRest.json));
    assert.match(viaRest.json.privateKeyPem ?? '', /BEGIN PRIVATE KEY/);
    assertIssuedUnder(viaRest.json, bundle, 'spiffe://cluster.local/ns/bookbuyer/sa/bookbuyer');

    const viaGrpc = await grpcClient.issue({ identity: { serviceAccount: 'bookbuyer', namespace: 'bookbuyer' }, validity: '2h', keyAlgorithm: 'RSA_2048', reason: 'sds' });
    assert.match(viaGrpc.privateKeyPem ?? '', /BEGIN PRIVATE KEY/);
    assertIssuedUnder(viaGrpc, bundle, 'spiffe://cluster.local/ns/bookbuyer/sa/bookbuyer');
    assert.deepEqual(viaGrpc.info.dnsNames, viaRest.json.info.dnsNames);
    assert.notEqual(viaGrpc.info.serialHex, viaRest.json.info.serialHex);

    const byDnsNames = await rest('POST', '/v1/ca/issue', { dnsNames: ['ingress-nginx.ingress-nginx.cluster.local'], reason: 'ingress-gateway' });
    assert.equal(byDnsNames.status, 200);
    assert.ok(isIssued(byDnsNames.json));
    assert.deepEqual(byDnsNames.json.info.dnsNames, ['ingress-nginx.ingress-nginx.cluster.local']);
  });

  test('sign a CSR: a certificate and no key', async () => {
    const bundle = await grpcClient.trustBundle();
    const viaRest = await rest('POST', '/v1/ca/sign', { csr: csrPem, validity: '1h' });
    assert.equal(viaRest.status, 200, JSON.stringify(viaRest.json));
    assert.ok(isIssued(viaRest.json));
    assert.equal(viaRest.json.privateKeyPem, undefined);
    assertIssuedUnder(viaRest.json, bundle, 'spiffe://cluster.local/ns/bookstore/sa/bookstore');

    const viaGrpc = await grpcClient.signCsr({ csrPem, validity: '1h', reason: 'csr' });
    assert.equal(viaGrpc.privateKeyPem, undefined);
    assertIssuedUnder(viaGrpc, bundle, 'spiffe://cluster.local/ns/bookstore/sa/bookstore');
    assert.equal(new X509Certificate(viaGrpc.certificatePem).publicKey.export({ format: 'jwk' }).x, new X509Certificate(viaRest.json.certificatePem).publicKey.export({ format: 'jwk' }).x, 'both carry the CSR key');
  });

  test('rotate through REST, drop the inactive root through gRPC', async () => {
    const rotated = await rest('POST', '/v1/ca/rotate');
    assert.equal(rotated.status, 200);
    assert.ok(isBundle(rotated.json));
    assert.equal(rotated.json.roots.length, 2);
    assert.deepEqual(await grpcClient.trustBundle(), rotated.json);
    const dropped = await grpcClient.dropInactiveRoots();
    assert.deepEqual(dropped.roots, [rotated.json.roots[0]]);
    const again = await rest('POST', '/v1/ca/drop-inactive-roots');
    assert.deepEqual(again.json, dropped);
  });
});

describe('errors', () => {
  test('REST: {code, message, field}, 400 for a malformed request and 422 for a refused one; nothing written', async () => {
    const count = await store.countEvents();
    const cases: [unknown, number, string, string, string?][] = [
      [{ dnsNames: ['www.example.com'] }, 422, 'MG_ERR_CA_FOREIGN_SAN', 'dnsNames[0]'],
      [{ serviceAccount: 'a', namespace: 'b', validity: '-1h' }, 422, 'MG_ERR_CA_BAD_DURATION', 'validity'],
      [{ serviceAccount: 'a', namespace: 'b', validity: '0' }, 422, 'MG_ERR_CA_BAD_DURATION', 'validity'],
      [{ serviceAccount: 'a', namespace: 'b', keyAlgorithm: 'DSA_1024' }, 422, 'MG_ERR_CA_BAD_ALGORITHM', 'keyAlgorithm'],
      [{ serviceAccount: 'a', namespace: 'Not_A_Namespace' }, 400, 'MG_ERR_CA_BAD_REQUEST', 'namespace'],
      [{ serviceAccount: 'a' }, 400, 'MG_ERR_CA_BAD_REQUEST', 'namespace'],
      [{ serviceAccount: 'a', namespace: 'b', validityDuration: '1h' }, 400, 'MG_ERR_CA_BAD_REQUEST', 'validityDuration'],
      [{}, 400, 'MG_ERR_CA_BAD_REQUEST', 'serviceAccount'],
      [[], 400, 'MG_ERR_CA_BAD_REQUEST', 'body'],
    ];
    for (const [body, status, code, field] of cases) {
      const response = await rest('POST', '/v1/ca/issue', body);
      assert.equal(response.status, status, JSON.stringify({ body, got: response.json }));
      assert.deepEqual(Object.keys(response.json as object).sort(), ['code', 'field', 'message']);
      assert.equal((response.json as { code: string }).code, code);
      assert.equal((response.json as { field: string }).field, field);
    }
    const malformed = await rest('POST', '/v1/ca/sign', undefined, '{"csr": ');
    assert.equal(malformed.status, 400);
    assert.equal((malformed.json as { code: string }).code, 'MG_ERR_CA_BAD_REQUEST');
    const badCsr = await rest('POST', '/v1/ca/sign', { csr: 'not a csr' });
    assert.equal(badCsr.status, 422);
    assert.deepEqual(badCsr.json, { code: 'MG_ERR_CA_INVALID_CSR', message: 'csr is not a PEM "CERTIFICATE REQUEST"', field: 'csr' });
    const noRoute = await rest('GET', '/v1/ca/nothing');
    assert.equal(noRoute.status, 404);
    assert.equal((noRoute.json as { code: string }).code, 'MG_ERR_NO_ROUTE');
    assert.equal(await store.countEvents(), count);
  });

  test('gRPC: the CA error comes back as the same CaError, code and field', async () => {
    const count = await store.countEvents();
    const expectCaError = (code: CaError['code'], field: string) => (error: unknown) => {
      assert.ok(error instanceof CaError, String(error));
      assert.equal(error.code, code, error.message);
      assert.equal(error.field, field);
      return true;
    };
    await assert.rejects(grpcClient.issue({ identity: { serviceAccount: 'a', namespace: 'b' }, validity: '-5m', reason: 'api' }), expectCaError('MG_ERR_CA_BAD_DURATION', 'validity'));
    await assert.rejects(grpcClient.issue({ identity: { serviceAccount: 'a', namespace: 'b' }, keyAlgorithm: 'RSA_1024' as KeyAlgorithm, reason: 'api' }), expectCaError('MG_ERR_CA_BAD_ALGORITHM', 'keyAlgorithm'));
    await assert.rejects(grpcClient.issue({ dnsNames: ['evil.example.com'], reason: 'api' }), expectCaError('MG_ERR_CA_FOREIGN_SAN', 'dnsNames[0]'));
    await assert.rejects(grpcClient.signCsr({ csrPem: csrPem.replace('CERTIFICATE REQUEST', 'X'), reason: 'csr' }), expectCaError('MG_ERR_CA_INVALID_CSR', 'csr'));
    assert.equal(await store.countEvents(), count);
  });

  test('gRPC: a CA that is not there is MG_ERR_CA_UNAVAILABLE', async () => {
    const nowhere = connectCa('127.0.0.1:1', { deadlineMs: 2000 });
    try {
      await assert.rejects(nowhere.trustBundle(), { code: 'MG_ERR_CA_UNAVAILABLE', message: /127\.0\.0\.1:1/ });
    } finally {
      await nowhere.close();
    }
  });
});

describe('health, metrics and logs', () => {
  test('/healthz, /readyz and /metrics with the CA metrics', async () => {
    assert.deepEqual((await rest('GET', '/healthz')).json, { status: 'ok' });
    const ready = await rest('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { ready: true, failed: [], store: 'ok', bus: 'ok', head: (ready.json as { head: number }).head });

    const response = await fetch(`${service.httpUrl}/metrics`);
    const text = await response.text();
    assert.match(text, /^meshgate_ca_certificates_issued_total\{reason="api"\} [1-9]/m);
    assert.match(text, /^meshgate_ca_certificates_issued_total\{reason="csr"\} 2$/m);
    assert.match(text, /^meshgate_ca_issuance_duration_seconds_count [1-9]/m);
    // The earliest expiry: the 1h CSR leaves (minus the seconds this test has run).
    const expiry = Number(/^meshgate_ca_earliest_expiry_seconds (\S+)$/m.exec(text)?.[1]);
    assert.ok(expiry > 3000 && expiry <= 3600, `earliest expiry ${expiry}`);
  });

  test('no log line holds a private key or the API token, though keys were handed out', () => {
    assert.ok(logLines.length > 0);
    for (const line of logLines) {
      assert.doesNotMatch(line, /PRIVATE KEY/);
      assert.ok(!line.includes(API_TOKEN), 'the API token is never logged');
    }
  });
});
