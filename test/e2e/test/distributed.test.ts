/**
 * Foundation e2e, distributed mode: api, xds and watcher as their own processes against the real
 * Postgres and NATS JetStream; a real @grpc/grpc-js-xds client, which reaches the xds process's
 * mTLS port through `meshgate agent` (its join token from the ca process). Covers the xds process being
 * killed and restarted: the client reconnects, gets the same versions, and events appended
 * while xds was down are not lost. Credentials as an operator would set them: the API token
 * (every scope) for the test, and a tokens file giving the xds process only `ca-issue`
 * (MESHGATE_CA_TOKEN), with which it still obtains workload certificates for SDS.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { connectMeshgate, MeshgateGrpcError } from '@meshgate/grpc-api';
import { createTestDatabase, natsUrl, TEST_API_TOKEN, uniqueName, type TestDatabase } from '@meshgate/testkit';
import { call, callUntil, METHODS, startBackend, type Backend } from '../src/backends.js';
import { startWorkloadAgent, type WorkloadAgent } from '../src/agent.js';
import { proxylessBootstrap, useBootstrap } from '../src/bootstrap.js';
import { startService, waitReady, type ServiceProcess } from '../src/processes.js';
import { apply, eventually, getJson, proxies, type ProxyStatusBody } from '../src/rest.js';
import { NAMESPACE, servicesYaml, TARGET, virtualServiceYaml } from '../src/scenario.js';
import { freePort } from '../src/ports.js';

const NODE_ID = 'echo-client-distributed';
/** The xds process's token: in the tokens file with `ca-issue` only, as its SHA-256. */
const XDS_CA_TOKEN = randomBytes(24).toString('base64url');
let database: TestDatabase;
let manifests: string;
let env: Record<string, string>;
let apiUrl: string;
let apiGrpcPort: number;
let xdsAdminUrl: string;
let xdsPort: number;
let api: ServiceProcess;
let xds: ServiceProcess;
let watcher: ServiceProcess;
let ca: ServiceProcess;
let caUrl: string;
let backendA: Backend;
let backendB: Backend;
let client: grpc.Client;
let agent: WorkloadAgent;

async function startXds(): Promise<ServiceProcess> {
  const started = startService('xds', env);
  await waitReady(started, `${xdsAdminUrl}/readyz`);
  return started;
}

before(async () => {
  database = await createTestDatabase('mg_e2e');
  const nats = await natsUrl();
  const suffix = uniqueName('e2e');
  const [apiPort, xdsAdminPort, caHttpPort, grpcPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  caUrl = `http://127.0.0.1:${caHttpPort}`;
  xdsPort = await freePort();
  const xdsSecurePort = await freePort();
  apiGrpcPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  xdsAdminUrl = `http://127.0.0.1:${xdsAdminPort}`;
  manifests = mkdtempSync(path.join(tmpdir(), 'meshgate-manifests-'));
  const tokensFile = path.join(mkdtempSync(path.join(tmpdir(), 'meshgate-tokens-')), 'tokens.yaml');
  writeFileSync(tokensFile, `- name: xds\n  sha256: ${createHash('sha256').update(XDS_CA_TOKEN).digest('hex')}\n  scopes: [ca-issue]\n`);
  env = {
    MESHGATE_API_TOKEN: TEST_API_TOKEN,
    MESHGATE_API_TOKENS_FILE: tokensFile,
    MESHGATE_CA_TOKEN: XDS_CA_TOKEN,
    DATABASE_URL: database.url,
    NATS_URL: nats,
    MESHGATE_NATS_STREAM: suffix.toUpperCase(),
    MESHGATE_NATS_SUBJECT_PREFIX: `${suffix}.changes`,
    MESHGATE_NATS_DOORBELL: `${suffix}.events`,
    MESHGATE_API_HOST: '127.0.0.1',
    MESHGATE_API_PORT: String(apiPort),
    MESHGATE_XDS_HOST: '127.0.0.1',
    MESHGATE_XDS_PORT: String(xdsPort),
    MESHGATE_XDS_SECURE_PORT: String(xdsSecurePort),
    MESHGATE_XDS_ADMIN_PORT: String(xdsAdminPort),
    MESHGATE_XDS_ADMIN_URL: xdsAdminUrl,
    MESHGATE_MANIFESTS_DIR: manifests,
    MESHGATE_CA_HOST: '127.0.0.1',
    MESHGATE_CA_HTTP_PORT: String(caHttpPort),
    MESHGATE_GRPC_PORT: String(grpcPort),
    MESHGATE_API_GRPC_PORT: String(apiGrpcPort),
    MESHGATE_CA_ADDRESS: `127.0.0.1:${grpcPort}`,
    MESHGATE_CA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  api = startService('api', env);
  await waitReady(api, `${apiUrl}/readyz`);
  ca = startService('ca', env);
  await waitReady(ca, `${caUrl}/readyz`);
  xds = await startXds();
  watcher = startService('watcher', env);
  backendA = await startBackend('A', '127.0.0.2');
  backendB = await startBackend('B', '127.0.0.3');
  agent = await startWorkloadAgent({ apiUrl: caUrl, apiToken: TEST_API_TOKEN, xdsAddress: `127.0.0.1:${xdsSecurePort}` }, { nodeId: NODE_ID, namespace: NAMESPACE, serviceAccount: 'echo-client' });
  useBootstrap(proxylessBootstrap(agent.address, { id: NODE_ID, namespace: NAMESPACE }));
  grpcXds.register();
});

after(async () => {
  client?.close();
  await backendA?.stop();
  await backendB?.stop();
  await agent?.stop();
  for (const service of [watcher, xds, ca, api]) await service?.stop();
  await database?.drop();
  rmSync(manifests, { recursive: true, force: true });
  if (env?.MESHGATE_API_TOKENS_FILE) rmSync(path.dirname(env.MESHGATE_API_TOKENS_FILE), { recursive: true, force: true });
});

async function syncedStatus(): Promise<ProxyStatusBody> {
  return eventually('the proxy to ACK every type', async () => {
    const list = await proxies(apiUrl, TEST_API_TOKEN);
    const status = list.find((p) => p.id === NODE_ID);
    return status && Object.keys(status.types).length >= 4 && Object.values(status.types).every((t) => t.synced) ? status : undefined;
  });
}

function versions(status: ProxyStatusBody): Record<string, string | null> {
  return Object.fromEntries(Object.entries(status.types).map(([type, t]) => [type, t.ackedVersion]));
}

test('services from the watched manifests directory and a VirtualService from REST route the client', async () => {
  writeFileSync(path.join(manifests, 'services.yaml'), servicesYaml(backendA, backendB));
  await eventually('the watcher to deliver the Services through NATS to the api', async () => {
    const { status } = await getJson(`${apiUrl}/v1/resources/Endpoints/${NAMESPACE}/backend-b`, TEST_API_TOKEN);
    return status === 200 ? true : undefined;
  });
  const applied = await apply(apiUrl, virtualServiceYaml('backend-a', 'backend-b'), TEST_API_TOKEN);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));

  client = new grpc.Client(TARGET, grpc.credentials.createInsecure());
  assert.deepEqual(await callUntil(client, METHODS.hello, (r) => r.ok), { ok: true, servedBy: 'A' });
  assert.deepEqual(await call(client, METHODS.ping), { ok: true, servedBy: 'B' });
  const lost = await call(client, METHODS.unrouted);
  assert.equal(lost.code, grpc.status.UNAVAILABLE);
});

test('the ca process serves the trust bundle over REST, and its root is in the log', async () => {
  const { status, body } = await getJson<{ pem: string; version: string }>(`${caUrl}/v1/ca/bundle`);
  assert.equal(status, 200);
  assert.match(body.pem, /BEGIN CERTIFICATE/);
  const events = await getJson<{ events: { type: string }[] }>(`${apiUrl}/v1/events?after=0&limit=1000`, TEST_API_TOKEN);
  assert.ok(events.body.events.some((e) => e.type === 'TrustBundleChanged'), 'the root was recorded as TrustBundleChanged');
});

test('the xds process obtains workload certificates for SDS from the ca process with its ca-issue token', async () => {
  // The agent's own SDS stream (mTLS) asked xds for its identity's `default` certificate; xds,
  // holding only a ca-issue token, had the ca process issue it.
  const events = await eventually('the SDS issuance is recorded', async () => {
    const read = await getJson<{ events: { type: string; data: { uris?: string[]; reason?: string } }[] }>(`${apiUrl}/v1/events?after=0&limit=1000`, TEST_API_TOKEN);
    const issued = read.body.events.filter((e) => e.type === 'CertificateIssued' && e.data.reason === 'sds');
    return issued.some((e) => e.data.uris?.includes('spiffe://cluster.local/ns/echo/sa/echo-client')) ? issued : undefined;
  });
  assert.ok(events.length > 0);
  assert.deepEqual(await agent.sans(), ['DNS:echo-client.echo.cluster.local', 'URI:spiffe://cluster.local/ns/echo/sa/echo-client']);
});

test('the xds process serves proxy status only with a read token; the api forwards one', async () => {
  const anonymous = await getJson<{ code: string }>(`${xdsAdminUrl}/v1/proxies`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.code, 'MG_ERR_UNAUTHENTICATED');
  const wrong = await getJson<{ code: string }>(`${xdsAdminUrl}/v1/proxies`, 'not-a-token-of-this-server-0123456789');
  assert.equal(wrong.status, 403);
  const direct = await getJson<{ items: unknown[] }>(`${xdsAdminUrl}/v1/proxies`, TEST_API_TOKEN);
  assert.equal(direct.status, 200);
  const forwarded = await proxies(apiUrl, TEST_API_TOKEN);
  assert.ok(forwarded.length > 0, 'the api reached the xds admin endpoint with its token');
});

test('the api process serves Resources, Events and Proxies on MESHGATE_API_GRPC_PORT; the ca keeps MESHGATE_GRPC_PORT', async () => {
  const viaApi = connectMeshgate(`127.0.0.1:${apiGrpcPort}`, { token: TEST_API_TOKEN });
  const viaCa = connectMeshgate(env.MESHGATE_CA_ADDRESS, { token: TEST_API_TOKEN });
  try {
    const { items } = await viaApi.resources.list({ kind: 'VirtualService', namespace: NAMESPACE });
    assert.ok(items.length > 0, 'the VirtualService applied over REST is listed over gRPC');
    const { events, head } = await viaApi.events.read({ after: 0, limit: 1000 });
    assert.ok(events.some((event) => event.type === 'TrustBundleChanged') && head >= events.length);
    assert.ok((await viaApi.proxies.list()).some((proxy) => proxy.id === NODE_ID), 'the proxies come from the xds process');
    await assert.rejects(viaCa.resources.list(), (error: MeshgateGrpcError) => error.status === grpc.status.UNIMPLEMENTED);
  } finally {
    viaApi.close();
    viaCa.close();
  }
});

test('anonymous writes to the api and ca processes are refused; nothing is written', async () => {
  const before = await getJson<{ head: number }>(`${apiUrl}/v1/events?after=0&limit=1`, TEST_API_TOKEN);
  const applied = await apply(apiUrl, virtualServiceYaml('backend-b', 'backend-a'), undefined);
  assert.equal(applied.status, 401);
  const rotated = await fetch(`${caUrl}/v1/ca/rotate`, { method: 'POST' });
  assert.equal(rotated.status, 401);
  const byXds = await fetch(`${caUrl}/v1/ca/rotate`, { method: 'POST', headers: { authorization: `Bearer ${XDS_CA_TOKEN}` } });
  assert.equal(byXds.status, 403, 'the xds token holds ca-issue only');
  const after = await getJson<{ head: number }>(`${apiUrl}/v1/events?after=0&limit=1`, TEST_API_TOKEN);
  assert.equal(after.body.head, before.body.head);
});

test('xds killed and restarted: the client reconnects and gets the same versions', async () => {
  const before = await syncedStatus();
  await xds.kill();
  xds = await startXds();
  const after = await eventually('the client to reconnect to the new xds process', async () => {
    const status = await syncedStatus();
    return status.connectedAt !== before.connectedAt ? status : undefined;
  });
  assert.deepEqual(versions(after), versions(before), 'content-hash versions survive a restart');
  assert.deepEqual(await call(client, METHODS.hello), { ok: true, servedBy: 'A' });
});

test('events appended while xds is down are not lost', async () => {
  await xds.kill();
  const applied = await apply(apiUrl, virtualServiceYaml('backend-b', 'backend-a'), TEST_API_TOKEN);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  assert.equal(applied.body.results?.[0]?.action, 'configured');
  xds = await startXds();
  const moved = await callUntil(client, METHODS.hello, (r) => r.ok && r.servedBy === 'B', 30000);
  assert.deepEqual(moved, { ok: true, servedBy: 'B' });
  assert.deepEqual(await call(client, METHODS.ping), { ok: true, servedBy: 'A' });
});
