/**
 * The watcher service with `KUBECONFIG` (distributed mode: its own process, NATS JetStream, the
 * api and ca processes on PostgreSQL), no manifests directory. The cluster's objects reach the
 * api; a restarted watcher lists everything again and the log gains no event; killed with -9,
 * deletions made while it was down are caught up; its write-back copies the CA's issued secret
 * into the cluster with a token that may only read secrets; a referenced cluster Secret arrives
 * sealed over NATS, and the Secrets the write-back wrote are not taken back.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, FakeKubeApiServer, natsUrl, TEST_API_TOKEN, uniqueName, type TestDatabase } from '@meshgate/testkit';
import { KUBERNETES_RESOURCES, SECRET_RESOURCE } from '@meshgate/watcher';
import { startService, waitReady, type ServiceProcess } from '../src/processes.js';
import { eventually, getJson } from '../src/rest.js';
import { freePort } from '../src/ports.js';
import { assertNoDuplicateEvents, expectedFromServer, objectKeyOf, type LoggedEvent } from '../src/kube-log.js';

let server: FakeKubeApiServer;
let database: TestDatabase;
let env: Record<string, string>;
let apiUrl: string;
let api: ServiceProcess;
let ca: ServiceProcess;
/** The watcher's token for the CA: the `ca-secrets` scope only. */
const WRITE_BACK_TOKEN = `write-back-${randomBytes(24).toString('hex')}`;
let watcher: ServiceProcess | undefined;

async function headSequence(): Promise<number> {
  const { status, body } = await getJson<{ sequence: number }>(`${apiUrl}/v1/resources`, TEST_API_TOKEN);
  assert.equal(status, 200);
  return body.sequence;
}

async function meshgateObjects(): Promise<Map<string, string>> {
  const { status, body } = await getJson<{ items: { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } }[] }>(`${apiUrl}/v1/resources`, TEST_API_TOKEN);
  assert.equal(status, 200);
  return new Map(body.items.map((object) => [objectKeyOf(object.kind, object.metadata.namespace || undefined, object.metadata.name), JSON.stringify(object.metadata.labels ?? {})]));
}

async function loggedEvents(): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for (;;) {
    const after = events.at(-1)?.sequence ?? 0;
    const { status, body } = await getJson<{ events: LoggedEvent[] }>(`${apiUrl}/v1/events?after=${after}&limit=1000`, TEST_API_TOKEN);
    assert.equal(status, 200);
    events.push(...body.events);
    if (body.events.length < 1000) return events;
  }
}

/** Waits until the api holds exactly the server's followed objects; then reads the log for duplicates. */
async function converged(step: string): Promise<void> {
  let last = new Map<string, string>();
  try {
    await eventually(
      `meshgate to equal the server after ${step}`,
      async () => {
        last = await meshgateObjects();
        const expected = expectedFromServer(server);
        return last.size === expected.size && [...expected].every(([key, labels]) => last.get(key) === labels) ? true : undefined;
      },
      30_000,
    );
  } catch (error) {
    assert.deepEqual(Object.fromEntries([...last].sort()), Object.fromEntries([...expectedFromServer(server)].sort()), `${String(error)}\n${watcher?.output() ?? ''}`);
  }
  assertNoDuplicateEvents(await loggedEvents());
}

before(async () => {
  server = new FakeKubeApiServer([...KUBERNETES_RESOURCES, SECRET_RESOURCE]);
  await server.start();
  server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'httpbin', labels: { 'openservicemesh.io/monitored-by': 'osm' } } });
  server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'httpbin' }, spec: { ports: [{ name: 'http', port: 14001 }] } });
  database = await createTestDatabase('mg_e2e_kube');
  const suffix = uniqueName('e2ekube');
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const caHttpPort = await freePort();
  const tokensFile = path.join(mkdtempSync(path.join(tmpdir(), 'meshgate-tokens-')), 'tokens.yaml');
  writeFileSync(tokensFile, `- name: write-back\n  sha256: ${createHash('sha256').update(WRITE_BACK_TOKEN).digest('hex')}\n  scopes: [ca-secrets]\n`);
  env = {
    MESHGATE_API_TOKEN: TEST_API_TOKEN,
    MESHGATE_API_TOKENS_FILE: tokensFile,
    MESHGATE_CA_HOST: '127.0.0.1',
    MESHGATE_CA_HTTP_PORT: String(caHttpPort),
    MESHGATE_GRPC_PORT: String(await freePort()),
    MESHGATE_API_GRPC_PORT: String(await freePort()),
    MESHGATE_CA_URL: `http://127.0.0.1:${caHttpPort}`,
    MESHGATE_WRITE_BACK_TOKEN: WRITE_BACK_TOKEN,
    DATABASE_URL: database.url,
    NATS_URL: await natsUrl(),
    MESHGATE_NATS_STREAM: suffix.toUpperCase(),
    MESHGATE_NATS_SUBJECT_PREFIX: `${suffix}.changes`,
    MESHGATE_NATS_DOORBELL: `${suffix}.events`,
    MESHGATE_API_HOST: '127.0.0.1',
    MESHGATE_API_PORT: String(apiPort),
    MESHGATE_CA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    MESHGATE_MANIFESTS_DIR: '',
    MESHGATE_KUBECONFIG: '',
    KUBECONFIG: server.writeKubeconfig(),
  };
  api = startService('api', env);
  await waitReady(api, `${apiUrl}/readyz`);
  ca = startService('ca', env);
  await waitReady(ca, `http://127.0.0.1:${caHttpPort}/readyz`);
});

after(async () => {
  await watcher?.stop();
  await ca?.stop();
  await api?.stop();
  await database?.drop();
  await server?.close();
});

test('the watcher service follows the cluster of KUBECONFIG; a restart adds no event', async () => {
  watcher = startService('watcher', env);
  const service = `${apiUrl}/v1/resources/Service/httpbin/httpbin`;
  await eventually('the cluster Service to reach the api through NATS', async () => ((await getJson(service, TEST_API_TOKEN)).status === 200 ? true : undefined), 30_000);
  server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'httpbin' }, spec: { ports: [{ name: 'grpc', port: 50051 }] } });
  await eventually('a Service created later to arrive', async () => ((await getJson(`${apiUrl}/v1/resources/Service/httpbin/echo`, TEST_API_TOKEN)).status === 200 ? true : undefined), 30_000);
  const { body } = await getJson<{ metadata?: unknown }>(service, TEST_API_TOKEN);
  assert.ok(body.metadata, watcher.output());

  const sequence = await headSequence();
  await watcher.stop();
  watcher = startService('watcher', env);
  await eventually('the restarted watcher to list again', async () => (/watcher started/.test(watcher?.output() ?? '') ? true : undefined), 30_000);
  // A change after the relist: once it is in, everything before it was handled (delivery is in order).
  server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'marker', namespace: 'httpbin' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  await eventually('the marker to arrive', async () => ((await getJson(`${apiUrl}/v1/resources/Service/httpbin/marker`, TEST_API_TOKEN)).status === 200 ? true : undefined), 30_000);
  assert.equal(await headSequence(), sequence + 1, 'only the marker was written: the relisted objects were no-ops');
});

test('killed with SIGKILL and restarted, the watcher leaves meshgate equal to the cluster: deletions while it was down included, no event twice', async () => {
  watcher ??= startService('watcher', env);
  await converged('the watcher running');
  // Changes the watcher may be in the middle of publishing when it dies.
  for (let port = 1; port <= 5; port++) {
    server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: `burst-${port}`, namespace: 'httpbin' }, spec: { ports: [{ name: 'http', port }] } });
  }
  await watcher.kill();
  // While no watcher runs: a delete, an update, a create, and a Namespace leaving the mesh.
  server.delete('Service', 'httpbin', 'echo');
  server.delete('Service', 'httpbin', 'burst-3');
  server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'httpbin', labels: { rev: 'after-kill' } }, spec: { ports: [{ name: 'http', port: 14001 }] } });
  server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'born-while-down', namespace: 'httpbin' }, spec: { ports: [{ name: 'http', port: 8080 }] } });
  server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'httpbin', labels: { 'openservicemesh.io/monitored-by': 'another-mesh' } } });
  watcher = startService('watcher', env);
  await converged('a SIGKILL and a restart');
  assert.match(watcher.output(), /deleted what vanished from the cluster while no watcher ran/);

  // A second kill right after the restart's relist, and nothing changed meanwhile: the relist adds nothing.
  const sequence = await headSequence();
  await watcher.kill();
  watcher = startService('watcher', env);
  server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'marker-2', namespace: 'httpbin' }, spec: { ports: [{ name: 'http', port: 81 }] } });
  await converged('a second SIGKILL');
  assert.equal(await headSequence(), sequence + 1, 'only the new Service was written');
});

test("the watcher's write-back copies the issued client certificate into the cluster, with a token that may only read secrets", async () => {
  server.apply({
    apiVersion: 'config.openservicemesh.io/v1alpha2',
    kind: 'MeshConfig',
    metadata: { name: 'osm-mesh-config', namespace: 'osm-system' },
    spec: { certificate: { ingressGateway: { secret: { name: 'osm-nginx-client-cert', namespace: 'osm-system' }, subjectAltNames: ['ingress-nginx.ingress-nginx.cluster.local'], validityDuration: '24h' } } },
  });
  const secret = await eventually('the issued Secret in the cluster', async () => server.get('Secret', 'osm-system', 'osm-nginx-client-cert'), 30_000);
  assert.equal(secret.type, 'kubernetes.io/tls');
  const published = await getJson<{ data: Record<string, string> }>(`${env.MESHGATE_CA_URL}/v1/secrets/osm-system/osm-nginx-client-cert`, WRITE_BACK_TOKEN);
  assert.deepEqual(secret.data, published.body.data, 'the CA answers the write-back token');
  assert.ok(server.get('Secret', 'osm-system', 'osm-ca-bundle'), 'and the trust bundle');
  // The same token reads nothing else: it is scoped to the published secrets.
  assert.equal((await getJson(`${apiUrl}/v1/resources`, WRITE_BACK_TOKEN)).status, 403);
  const issued = await fetch(`${env.MESHGATE_CA_URL}/v1/ca/issue`, { method: 'POST', headers: { authorization: `Bearer ${WRITE_BACK_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ serviceAccount: 'x', namespace: 'y' }) });
  assert.equal(issued.status, 403);
  assert.doesNotMatch(`${watcher?.output() ?? ''}${ca.output()}`, /PRIVATE KEY|LS0tLS1CRUdJTi/, 'no key material in the logs');
  await converged('the MeshConfig');
});

test('a Secret a Gateway names reaches the api sealed over NATS; the Secrets the write-back wrote do not come back', async () => {
  const certificate = '-----BEGIN CERTIFICATE-----\nMIIBdistributedwatchertest\n-----END CERTIFICATE-----\n';
  server.apply({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Gateway',
    metadata: { name: 'https-gateway', namespace: 'istio-system' },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'https-credential' } }] },
  });
  server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'https-credential', namespace: 'istio-system' }, type: 'Opaque', data: { cert: Buffer.from(certificate).toString('base64') } });
  const view = `${apiUrl}/v1/resources/secrets/istio-system/https-credential`;
  await eventually('the referenced Secret to reach the api', async () => ((await getJson(view, TEST_API_TOKEN)).status === 200 ? true : undefined), 30_000);
  const bytes = await getJson<{ data: Record<string, string> }>(`${env.MESHGATE_CA_URL}/v1/secrets/istio-system/https-credential`, TEST_API_TOKEN);
  assert.equal(bytes.status, 200);
  assert.equal(Buffer.from(bytes.body.data.cert, 'base64').toString('utf8'), certificate);
  // The MeshConfig names osm-nginx-client-cert, but the write-back wrote it (and osm-ca-bundle): skipped.
  assert.equal((await getJson(`${apiUrl}/v1/resources/secrets/osm-system/osm-nginx-client-cert`, TEST_API_TOKEN)).status, 404);
  assert.equal((await getJson(`${apiUrl}/v1/resources/secrets/osm-system/osm-ca-bundle`, TEST_API_TOKEN)).status, 404);
  // (The CA's SecretPublished events share the stream; an applied copy would be a ResourceApplied.)
  const applied = (await loggedEvents()).filter((event) => event.type === 'ResourceApplied' && event.streamId.startsWith('Secret/osm-system/'));
  assert.deepEqual(applied, [], 'no applied copy of the written-back Secrets');
  assert.doesNotMatch(watcher?.output() ?? '', /MIIBdistributedwatchertest|LS0tLS1CRUdJTi/, 'no value in the watcher\'s log');
});

test("a Gateway's credential is taken from its workload's namespace, not the Gateway's", async () => {
  const data = { cert: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBworkloadnamespace\n-----END CERTIFICATE-----\n').toString('base64') };
  server.apply({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Gateway',
    metadata: { name: 'app-gateway', namespace: 'app' },
    spec: { selector: { istio: 'app-ingress' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['app.example.com'], tls: { mode: 'SIMPLE', credentialName: 'app-credential' } }] },
  });
  server.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app-ingress-1', namespace: 'istio-system', labels: { istio: 'app-ingress' } }, spec: { containers: [{ name: 'istio-proxy', image: 'proxyv2' }] } });
  for (const namespace of ['app', 'istio-system']) server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-credential', namespace }, type: 'Opaque', data });
  await eventually('the workload namespace\'s Secret to reach the api', async () => ((await getJson(`${apiUrl}/v1/resources/secrets/istio-system/app-credential`, TEST_API_TOKEN)).status === 200 ? true : undefined), 30_000);
  // Everything the watcher saw before the marker is in the log once the marker is.
  server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'marker-3', namespace: 'httpbin' }, spec: { ports: [{ name: 'http', port: 82 }] } });
  await eventually('the marker to arrive', async () => ((await getJson(`${apiUrl}/v1/resources/Service/httpbin/marker-3`, TEST_API_TOKEN)).status === 200 ? true : undefined), 30_000);
  assert.equal((await getJson(`${apiUrl}/v1/resources/secrets/app/app-credential`, TEST_API_TOKEN)).status, 404, "the Gateway's own namespace holds no credential of its");
});

test('analysis messages reach the cluster as istiod writes them: IST0101 on a VirtualService naming a missing Gateway, removed once fixed, by server-side apply of meshgate', async () => {
  const path = '/apis/networking.istio.io/v1beta1/namespaces/httpbin/virtualservices/httpbin/status';
  const virtualService = (gateways: string[]) => ({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: 'httpbin', namespace: 'httpbin' },
    spec: { hosts: ['httpbin.example.com'], gateways, http: [{ route: [{ destination: { host: 'httpbin', port: { number: 14001 } } }] }] },
  });
  type Status = { validationMessages?: unknown[]; conditions?: { type: string }[] };
  server.apply(virtualService(['missing-gateway']));
  const broken = await eventually('IST0101 on the VirtualService in the cluster', async () => {
    const status = server.get('VirtualService', 'httpbin', 'httpbin')?.status as Status | undefined;
    return status?.validationMessages ? status : undefined;
  }, 30_000);
  assert.deepEqual(broken.validationMessages, [
    { documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0101/', level: 'ERROR', type: { code: 'IST0101', name: 'ReferencedResourceNotFound' } },
  ]);
  assert.deepEqual(broken.conditions?.map((condition) => condition.type), ['Reconciled']);
  // meshgate's analysis of its state says the same (the api's `GET /v1/analyze`, `meshgate analyze`).
  const analyzed = await getJson<{ messages: { code: string; object: { kind: string; name: string } }[] }>(`${apiUrl}/v1/analyze?namespace=httpbin`, TEST_API_TOKEN);
  assert.deepEqual(analyzed.body.messages.filter((message) => message.object.kind === 'VirtualService').map((message) => message.code), ['IST0101']);

  server.apply(virtualService(['istio-system/https-gateway']));
  await eventually('the message removed once the VirtualService names a Gateway that exists', async () => {
    const status = server.get('VirtualService', 'httpbin', 'httpbin')?.status as Status | undefined;
    return status && status.validationMessages === undefined && status.conditions?.length === 1 ? true : undefined;
  }, 30_000);
  // Written only as controllers write: apply patches of the field manager meshgate on the status subresource, which owns every status field.
  const writes = server.patches.filter((patch) => patch.path === path);
  assert.ok(writes.length >= 2, `the message written, then removed (${writes.length} writes)`);
  assert.deepEqual(new Set(writes.map((patch) => `${patch.contentType} ${patch.fieldManager} force=${patch.force}`)), new Set(['application/apply-patch+yaml meshgate force=true']));
  const managers = (server.get('VirtualService', 'httpbin', 'httpbin')?.metadata.managedFields ?? []) as { manager: string; operation: string; subresource?: string; fieldsV1: { 'f:status'?: object } }[];
  assert.deepEqual(
    managers.filter((entry) => entry.fieldsV1['f:status']).map((entry) => [entry.manager, entry.operation, entry.subresource, Object.keys(entry.fieldsV1['f:status'] ?? {})]),
    [['meshgate', 'Apply', 'status', ['f:conditions']]],
  );
});
