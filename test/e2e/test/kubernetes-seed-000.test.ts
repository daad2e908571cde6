/**
 * Seed 000 (OSM's "Ingress with Kubernetes Nginx Ingress Controller") driven from the cluster
 * side: the seed's objects are created in the test apiserver, as `kubectl apply` would; meshgate
 * (`meshgate up --kubeconfig`, embedded) follows them and writes back what a cluster user looks
 * for — the IngressBackend's status (committed, or rejected with the reason), the client
 * certificate the MeshConfig asks for as the `kubernetes.io/tls` Secret
 * `osm-system/osm-nginx-client-cert` nginx's `proxy-ssl-secret` names, and the trust bundle as
 * `osm-ca-bundle` — renewed in the cluster when meshgate re-issues them (a root rotation).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { FakeKubeApiServer, type KubeObject } from '@meshgate/testkit';
import { KUBERNETES_RESOURCES, SECRET_RESOURCE } from '@meshgate/watcher';
import { parseAllDocuments } from 'yaml';
import { assertNoDuplicateEvents, expectedFromServer, objectKeyOf } from '../src/kube-log.js';
import { eventually, getJson } from '../src/rest.js';
import {
  CLIENT_CERT_SECRET,
  HTTPBIN,
  httpIngressYaml,
  httpsIngressBackendYaml,
  httpsIngressYaml,
  meshConfigYaml,
  setupYaml,
  TRUSTED_PRINCIPAL,
  UNTRUSTED_PRINCIPAL,
  type Seed000Peers,
} from '../src/seed-000.js';

const PEERS: Seed000Peers = { nginxIp: '10.244.0.12', backend: { ip: '10.244.1.17', port: 14001 } };
const COMMITTED = { currentStatus: 'committed', reason: 'successfully committed by the system' };

let server: FakeKubeApiServer;
let meshgate: RunningMeshgate;

/** `kubectl apply -f -` of a seed step into the test apiserver. */
function kubectlApply(yaml: string): void {
  for (const document of parseAllDocuments(yaml)) server.apply(document.toJS() as KubeObject);
}

async function meshgateHolds(): Promise<Map<string, string>> {
  const { status, body } = await getJson<{ items: { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } }[] }>(`${meshgate.apiUrl}/v1/resources`, meshgate.apiToken);
  assert.equal(status, 200);
  return new Map(body.items.map((object) => [objectKeyOf(object.kind, object.metadata.namespace || undefined, object.metadata.name), JSON.stringify(object.metadata.labels ?? {})]));
}

/** meshgate holds exactly the cluster's followed objects, and the log has no event twice. */
async function converged(step: string): Promise<void> {
  await eventually(`meshgate to equal the cluster after ${step}`, async () => {
    const held = await meshgateHolds();
    const expected = expectedFromServer(server);
    return held.size === expected.size && [...expected].every(([key, labels]) => held.get(key) === labels) ? true : undefined;
  });
  assertNoDuplicateEvents(await meshgate.infra.store.readAfter(0, 100_000));
}

function secretText(secret: KubeObject | undefined, key: string): string {
  const data = secret?.data as Record<string, string> | undefined;
  assert.ok(data?.[key], `the Secret has ${key}`);
  return Buffer.from(data[key], 'base64').toString('utf8');
}

/** Every certificate of a PEM bundle, in order. */
function certificatesOf(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
}

function leafOf(pem: string): X509Certificate {
  const [leaf] = certificatesOf(pem);
  assert.ok(leaf, 'a certificate');
  return leaf;
}

/** Each certificate of the chain is signed by the next, the last by one of the roots. */
function assertChainsTo(chainPem: string, rootsPem: string): void {
  const chain = certificatesOf(chainPem);
  chain.slice(0, -1).forEach((certificate, index) => assert.ok(certificate.verify(chain[index + 1].publicKey), `certificate ${index} is signed by the next`));
  assert.ok(certificatesOf(rootsPem).some((root) => chain[chain.length - 1].verify(root.publicKey)), 'the chain ends at ca.crt');
}

before(async () => {
  server = new FakeKubeApiServer([...KUBERNETES_RESOURCES, SECRET_RESOURCE]);
  await server.start();
  // The seed's cluster before meshgate: namespaces added to the mesh, nginx, httpbin.
  kubectlApply(setupYaml(PEERS));
  meshgate = await startMeshgate({
    memory: true,
    logLevel: 'warn',
    overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0, manifestsDir: undefined, kubeconfig: server.writeKubeconfig() },
  });
});

after(async () => {
  await meshgate?.stop();
  await server?.close();
});

test('HTTP ingress: the Ingress and IngressBackend reach meshgate, and the IngressBackend is committed in the cluster', async () => {
  kubectlApply(httpIngressYaml(PEERS));
  await converged('the HTTP ingress');
  const status = await eventually('the IngressBackend status in the cluster', async () => server.get('IngressBackend', HTTPBIN, HTTPBIN)?.status);
  assert.deepEqual(status, COMMITTED);
  const patch = server.patches.find((candidate) => candidate.path.endsWith(`/ingressbackends/${HTTPBIN}/status`));
  assert.deepEqual(patch && { contentType: patch.contentType, fieldManager: patch.fieldManager, force: patch.force }, { contentType: 'application/apply-patch+yaml', fieldManager: 'meshgate', force: 'true' });
});

test("HTTPS ingress: the MeshConfig's client certificate appears in the cluster as the kubernetes.io/tls Secret nginx names, with the trust bundle", async () => {
  kubectlApply(meshConfigYaml());
  const secret = await eventually('the issued client certificate in the cluster', async () => server.get('Secret', CLIENT_CERT_SECRET.namespace, CLIENT_CERT_SECRET.name), 30_000);
  assert.equal(secret.type, 'kubernetes.io/tls');
  assert.deepEqual(Object.keys(secret.data as object).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
  const leaf = leafOf(secretText(secret, 'tls.crt'));
  assert.match(leaf.subjectAltName ?? '', new RegExp(`DNS:${TRUSTED_PRINCIPAL.replace(/\./g, '\\.')}`));
  assert.ok(leaf.checkPrivateKey(createPrivateKey(secretText(secret, 'tls.key'))), 'tls.key is the key of tls.crt');
  assertChainsTo(secretText(secret, 'tls.crt'), secretText(secret, 'ca.crt'));
  // The same bytes meshgate's CA serves (`meshgate cert get`), copied as published.
  const published = await getJson<{ data: Record<string, string> }>(`${meshgate.apiUrl}/v1/secrets/${CLIENT_CERT_SECRET.namespace}/${CLIENT_CERT_SECRET.name}`, meshgate.apiToken);
  assert.deepEqual(secret.data, published.body.data);

  const bundle = await eventually('osm-ca-bundle in the cluster', async () => server.get('Secret', 'osm-system', 'osm-ca-bundle'));
  const served = await getJson<{ pem: string }>(`${meshgate.apiUrl}/v1/ca/bundle`);
  assert.equal(secretText(bundle, 'ca.crt'), served.body.pem);
  assert.deepEqual(Object.keys(bundle.data as object), ['ca.crt'], "the CA's key is not written");

  kubectlApply(`${httpsIngressYaml()}---\n${httpsIngressBackendYaml(PEERS, TRUSTED_PRINCIPAL, false)}`);
  await converged('the HTTPS ingress');
  assert.deepEqual(server.get('IngressBackend', HTTPBIN, HTTPBIN)?.status, COMMITTED);
});

test('the untrusted principal, then skipClientCertValidation: still committed; a second IngressBackend on the same backend is rejected with the reason', async () => {
  kubectlApply(httpsIngressBackendYaml(PEERS, UNTRUSTED_PRINCIPAL, false));
  kubectlApply(httpsIngressBackendYaml(PEERS, UNTRUSTED_PRINCIPAL, true));
  const rival = (parseAllDocuments(httpsIngressBackendYaml(PEERS, TRUSTED_PRINCIPAL, false))[0].toJS() as KubeObject);
  server.apply({ ...rival, metadata: { ...rival.metadata, name: 'httpbin-rival' } });
  await converged('a rival IngressBackend');
  const status = await eventually('the rival rejected in the cluster', async () => server.get('IngressBackend', HTTPBIN, 'httpbin-rival')?.status);
  assert.deepEqual(status, { currentStatus: 'rejected', reason: `conflicts with IngressBackend ${HTTPBIN}/${HTTPBIN} on backend ${HTTPBIN}:${PEERS.backend.port}` });
  assert.deepEqual(server.get('IngressBackend', HTTPBIN, HTTPBIN)?.status, COMMITTED);
  // Deleting the first commits the rival, in the cluster too.
  server.delete('IngressBackend', HTTPBIN, HTTPBIN);
  await converged('the first IngressBackend deleted');
  await eventually('the rival committed in the cluster', async () => (JSON.stringify(server.get('IngressBackend', HTTPBIN, 'httpbin-rival')?.status) === JSON.stringify(COMMITTED) ? true : undefined));
});

test('a root rotation re-issues the client certificate, and the cluster gets the new one and the new bundle', async () => {
  const before = server.get('Secret', CLIENT_CERT_SECRET.namespace, CLIENT_CERT_SECRET.name);
  const rotated = await fetch(`${meshgate.apiUrl}/v1/ca/rotate`, { method: 'POST', headers: { authorization: `Bearer ${meshgate.apiToken}` } });
  assert.ok(rotated.ok, await rotated.text());
  const after = await eventually('the re-issued certificate in the cluster', async () => {
    const secret = server.get('Secret', CLIENT_CERT_SECRET.namespace, CLIENT_CERT_SECRET.name);
    return secretText(secret, 'tls.crt') !== secretText(before, 'tls.crt') ? secret : undefined;
  }, 30_000);
  const served = await getJson<{ pem: string }>(`${meshgate.apiUrl}/v1/ca/bundle`);
  await eventually('the new bundle in the cluster', async () => (secretText(server.get('Secret', 'osm-system', 'osm-ca-bundle'), 'ca.crt') === served.body.pem ? true : undefined));
  assert.equal((served.body.pem.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, 'the old root stays trusted beside the new one');
  assert.notEqual(leafOf(secretText(after, 'tls.crt')).serialNumber, leafOf(secretText(before, 'tls.crt')).serialNumber);
});
