/**
 * Gateway credentials over SDS on real ADS streams (mTLS port, grpc-js): applied Secrets served
 * as `kubernetes://NAME` / `kubernetes://NAME-cacert` to a gateway proxy of the Secret's
 * namespace only; a rotation (seed 002's step 5) arrives as a new SDS version with no listener
 * or cluster change, and the old certificate is no longer served; SotW and delta; a Kubernetes
 * Ingress's `tls.secretName` is served the same way, and so is a DestinationRule's
 * `credentialName` for TLS origination at an egress gateway (seed 003).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { InProcessBus } from '@meshgate/bus';
import type { MeshCa } from '@meshgate/ca';
import { TYPE_URL } from '@meshgate/compiler';
import { decodeResource } from '@meshgate/envoy-proto';
import { openEventStore, type EventStore, type NewEvent } from '@meshgate/eventlog';
import { digestOf, objectKey, secretPayloadOf, validateDocument, type MeshObject } from '@meshgate/model';
import { AppliedSecretPayloads, SecretCipher, tlsProblems } from '@meshgate/secrets';
import { opensslCa, opensslLeaf, opensslVerifies, type PemPair } from '@meshgate/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { XdsService } from '../src/app.js';
import { appendAndFollow } from './support/log.js';
import { ack, decodeDeltaSecrets, decodeSecrets, deltaOf, openAdsStream, type AdsTestStream, type NodeDescription, type Response } from './support/ads-client.js';
import { clientTlsFor, openTestCa } from './support/ca.js';

let store: EventStore;
let bus: InProcessBus;
let ca: MeshCa;
let xds: XdsService;
let payloads: AppliedSecretPayloads;
/** While set, xds's reads of the secret store fail as an unreachable database would. */
let storeDown = false;
const logLines: string[] = [];
const streams: AdsTestStream[] = [];
let exampleCa: PemPair;
let httpbin: PemPair;
let rotatedCa: PemPair;
let rotated: PemPair;
let helloworld: PemPair;

const GATEWAY = { role: 'ingress-gateway', namespace: 'istio-system', serviceAccount: 'istio-ingressgateway', labels: { istio: 'ingressgateway' } } as const;
const b64 = (text: string) => Buffer.from(text).toString('base64');

before(async () => {
  exampleCa = opensslCa();
  httpbin = opensslLeaf(exampleCa, 'httpbin.example.com', 0);
  helloworld = opensslLeaf(exampleCa, 'helloworld-v1.example.com', 1);
  // Seed 002's rotation: a new CA and a new httpbin certificate.
  rotatedCa = opensslCa();
  rotated = opensslLeaf(rotatedCa, 'httpbin.example.com', 0);
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
  ca = await openTestCa(store);
  payloads = new AppliedSecretPayloads({ store, cipher: new SecretCipher(randomBytes(32)) });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  xds = new XdsService({ store, bus, logger: pino({ level: 'debug' }, sink), registry: new Registry(), compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' }, host: '127.0.0.1', port: 0, securePort: 0, ca, secretPayloads: {
      read: (ref, digest) => (storeDown ? Promise.reject(new Error('connection refused')) : payloads.read(ref, digest)),
    } });
  await xds.start();
});

after(async () => {
  for (const stream of streams) stream.close();
  await xds.stop();
  await bus.close();
  await store.close();
});

/** What the api does for an applied document: a Secret's payload stored first, then the event. */
async function apply(document: Record<string, unknown>): Promise<void> {
  const result = validateDocument(document);
  assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
  let object: MeshObject = result.value;
  if (object.kind === 'Secret') {
    const payload = secretPayloadOf(document);
    object = { ...object, problems: tlsProblems(payload) };
    await payloads.put({ namespace: object.metadata.namespace, name: object.metadata.name }, object.type, payload);
  }
  await append([{ streamId: objectKey(object), type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } }]);
}

async function remove(kind: 'Secret' | 'Ingress', namespace: string, name: string): Promise<void> {
  await append([{ streamId: `${kind}/${namespace}/${name}`, type: 'ResourceDeleted', data: { ref: { kind, namespace, name }, source: 'test' } }]);
}

async function append(events: NewEvent[]): Promise<void> {
  await appendAndFollow({ store, bus, xds }, events);
}

function tlsSecret(name: string, pair: PemPair, namespace = 'istio-system'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(pair.certPem), 'tls.key': b64(pair.keyPem) } };
}

async function open(description: Omit<NodeDescription, 'serviceAccount' | 'namespace'> & { serviceAccount: string; namespace: string }): Promise<AdsTestStream> {
  const stream = openAdsStream(xds.securePort, description, await clientTlsFor(ca, { serviceAccount: description.serviceAccount, namespace: description.namespace }));
  streams.push(stream);
  return stream;
}

async function subscribeSecrets(stream: AdsTestStream, names: string[]): Promise<Response> {
  stream.send({ type_url: TYPE_URL.secret, resource_names: names });
  const response = await stream.next();
  assert.equal(response.type_url, TYPE_URL.secret);
  return response;
}

test('seed 002 MUTUAL layout (generic tls.key/tls.crt/ca.crt): the gateway gets the key pair and the CA; openssl verifies the certificate against it', async () => {
  await apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'httpbin-credential', namespace: 'istio-system' },
    data: { 'tls.key': b64(httpbin.keyPem), 'tls.crt': b64(httpbin.certPem), 'ca.crt': b64(exampleCa.certPem) },
  });
  const stream = await open({ id: 'gw-1', ...GATEWAY });
  const response = await subscribeSecrets(stream, ['kubernetes://httpbin-credential', 'kubernetes://httpbin-credential-cacert']);
  const secrets = decodeSecrets(response);
  assert.deepEqual([...secrets.keys()].sort(), ['kubernetes://httpbin-credential', 'kubernetes://httpbin-credential-cacert']);
  const served = secrets.get('kubernetes://httpbin-credential');
  assert.equal(served?.certificateChain, httpbin.certPem);
  assert.ok(served?.privateKey && new X509Certificate(served.certificateChain).checkPrivateKey(createPrivateKey(served.privateKey)));
  const caPem = secrets.get('kubernetes://httpbin-credential-cacert')?.trustedCa;
  assert.equal(caPem, exampleCa.certPem);
  assert.ok(caPem && opensslVerifies(caPem, served.certificateChain), 'openssl verify: the served certificate against the CA in the Secret');
  ack(stream, response, ['kubernetes://httpbin-credential', 'kubernetes://httpbin-credential-cacert']);
});

test('the bare name and a separate NAME-cacert Secret (seed 001) are served too', async () => {
  await apply(tlsSecret('gw-secret', helloworld));
  await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gw-secret-cacert', namespace: 'istio-system' }, data: { 'ca.crt': b64(exampleCa.certPem) } });
  const stream = await open({ id: 'gw-2', ...GATEWAY });
  const secrets = decodeSecrets(await subscribeSecrets(stream, ['gw-secret', 'kubernetes://gw-secret-cacert']));
  assert.equal(secrets.get('gw-secret')?.certificateChain, helloworld.certPem);
  assert.equal(secrets.get('kubernetes://gw-secret-cacert')?.trustedCa, exampleCa.certPem);
});

test('only a gateway of the Secret’s namespace gets it: a sidecar there, or a gateway elsewhere, gets nothing', async () => {
  const sidecar = await open({ id: 'sidecar-1', serviceAccount: 'httpbin', namespace: 'istio-system' });
  assert.equal((await subscribeSecrets(sidecar, ['kubernetes://httpbin-credential'])).resources.length, 0);
  const elsewhere = await open({ id: 'gw-other', ...GATEWAY, namespace: 'httptools' });
  const response = await subscribeSecrets(elsewhere, ['kubernetes://httpbin-credential', 'kubernetes://istio-system/httpbin-credential', 'httpbin-credential']);
  assert.equal(response.resources.length, 0);
  for (const resource of response.resources) assert.ok(!resource.value.includes(httpbin.keyPem));
});

test('rotation (seed 002 step 5): a new SDS version only — no listener or cluster push — and the old certificate is no longer served', async () => {
  // An Ingress on the gateway whose TLS names the credential (seed 001's Ingress tls.secretName).
  await apply(httpbinIngress([]));
  const stream = await open({ id: 'gw-rotation', ...GATEWAY });
  const listenersBefore = await subscribeAndAck(stream, TYPE_URL.listener, []);
  assert.ok(listenersBefore.resources.some((r) => r.value.includes('kubernetes://httpbin-credential')), 'the Ingress listener references the credential over SDS');
  await subscribeAndAck(stream, TYPE_URL.cluster, []);
  const first = await subscribeSecrets(stream, ['kubernetes://httpbin-credential']);
  assert.equal(decodeSecrets(first).get('kubernetes://httpbin-credential')?.certificateChain, httpbin.certPem);
  ack(stream, first, ['kubernetes://httpbin-credential']);

  // The Secret changes in place (apply of a new certificate: `configured`). Seed 002 deletes and
  // re-creates it; in between its servers have no credential, which is a listener matter.
  await apply(tlsSecret('httpbin-credential', rotated));
  const pushed = await stream.next();
  assert.equal(pushed.type_url, TYPE_URL.secret, 'the new certificate is an SDS push');
  const served = decodeSecrets(pushed).get('kubernetes://httpbin-credential');
  assert.equal(served?.certificateChain, rotated.certPem);
  assert.notEqual(pushed.version_info, first.version_info);
  assert.ok(opensslVerifies(rotatedCa.certPem, served?.certificateChain ?? '') && !opensslVerifies(exampleCa.certPem, served?.certificateChain ?? ''));
  ack(stream, pushed, ['kubernetes://httpbin-credential']);

  // A sentinel change the gateway hears about (a second Ingress rule, so a new cluster):
  // whatever the rotation pushed came before it.
  await apply(httpbinIngress([{ host: 'helloworld-v1.example.com', http: { paths: [{ path: '/hello', pathType: 'Prefix', backend: { service: { name: 'helloworld', port: { number: 5000 } } } }] } }]));
  const next = await stream.next();
  assert.equal(next.type_url, TYPE_URL.cluster, 'the next push is the sentinel’s cluster, not a listener change from the rotation');
  ack(stream, next, []);
  // And the gateway's listeners now are exactly those it acknowledged before the rotation.
  const connection = xds.ads.connections().find((c) => c.node.id === 'gw-rotation');
  assert.ok(connection);
  assert.equal(xds.ads.cache.resourcesFor(xds.follower.current, connection.node).byType.get(TYPE_URL.listener)?.version, listenersBefore.version_info);

  // A new stream gets only the new certificate.
  const fresh = await open({ id: 'gw-after-rotation', ...GATEWAY });
  const again = decodeSecrets(await subscribeSecrets(fresh, ['kubernetes://httpbin-credential']));
  assert.equal(again.get('kubernetes://httpbin-credential')?.certificateChain, rotated.certPem);
  assert.ok(!logLines.some((line) => line.includes('PRIVATE KEY')), 'no log line holds a key');
});

test('delta: the credential, a rotated version, and its removal when the Secret is deleted', async () => {
  await apply(tlsSecret('delta-credential', httpbin));
  const stream = await open({ id: 'gw-delta', ...GATEWAY, protocol: 'delta' });
  stream.send({ type_url: TYPE_URL.secret, resource_names_subscribe: ['kubernetes://delta-credential'] });
  const first = deltaOf(await stream.next());
  assert.equal(decodeDeltaSecrets(first).get('kubernetes://delta-credential')?.certificateChain, httpbin.certPem);
  stream.send({ type_url: TYPE_URL.secret, response_nonce: first.nonce });
  await apply(tlsSecret('delta-credential', rotated));
  const second = deltaOf(await stream.next());
  assert.equal(second.type_url, TYPE_URL.secret);
  assert.equal(decodeDeltaSecrets(second).get('kubernetes://delta-credential')?.certificateChain, rotated.certPem);
  assert.notEqual(second.resources[0].version, first.resources[0].version);
  stream.send({ type_url: TYPE_URL.secret, response_nonce: second.nonce });
  await remove('Secret', 'istio-system', 'delta-credential');
  const third = deltaOf(await stream.next());
  assert.deepEqual(third.removed_resources, ['kubernetes://delta-credential']);
});

/** Seed 001's Ingress (its TLS names the credential), with more rules when given. */
function httpbinIngress(moreRules: Record<string, unknown>[]): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'httpbin-ingress', namespace: 'istio-system', annotations: { 'kubernetes.io/ingress.class': 'istio' } },
    spec: {
      tls: [{ hosts: ['httpbin.example.com'], secretName: 'httpbin-credential' }],
      rules: [{ host: 'httpbin.example.com', http: { paths: [{ path: '/status', pathType: 'Prefix', backend: { service: { name: 'httpbin', port: { number: 8000 } } } }] } }, ...moreRules],
    },
  };
}

test('a gateway subscribed before the Secret exists gets it when it is applied, on the same stream', async () => {
  const stream = await open({ id: 'gw-early', ...GATEWAY });
  const empty = await subscribeSecrets(stream, ['kubernetes://late-credential']);
  assert.equal(empty.resources.length, 0);
  ack(stream, empty, ['kubernetes://late-credential']);
  await apply(tlsSecret('late-credential', helloworld));
  const pushed = await stream.next();
  assert.equal(pushed.type_url, TYPE_URL.secret);
  assert.equal(decodeSecrets(pushed).get('kubernetes://late-credential')?.certificateChain, helloworld.certPem);
});

test('a secret store that does not answer: the gateway is answered without the credential, then gets it once the store answers', async () => {
  await apply(tlsSecret('flaky-credential', httpbin));
  storeDown = true;
  const stream = await open({ id: 'gw-flaky', ...GATEWAY });
  const first = await subscribeSecrets(stream, ['kubernetes://flaky-credential']);
  assert.equal(first.resources.length, 0, 'answered, not left waiting');
  ack(stream, first, ['kubernetes://flaky-credential']);
  storeDown = false;
  const pushed = await stream.next(); // the retry (5 s later) reads it and pushes it
  assert.equal(decodeSecrets(pushed).get('kubernetes://flaky-credential')?.certificateChain, httpbin.certPem);
  assert.ok(logLines.some((line) => line.includes('reading a Secret payload from the secret store failed')));
});

test('seed 002’s own rotation — kubectl delete secret, then create secret tls with the new certificate — on one stream', async () => {
  await apply(tlsSecret('seed-rotation', httpbin));
  const stream = await open({ id: 'gw-seed-rotation', ...GATEWAY });
  const names = ['kubernetes://seed-rotation'];
  const first = await subscribeSecrets(stream, names);
  assert.equal(decodeSecrets(first).get(names[0])?.certificateChain, httpbin.certPem);
  ack(stream, first, names);
  await remove('Secret', 'istio-system', 'seed-rotation');
  const gone = await nextSecretResponse(stream, names);
  assert.equal(gone.resources.length, 0, 'the deleted credential is no longer served');
  await apply(tlsSecret('seed-rotation', rotated));
  const back = await nextSecretResponse(stream, names);
  assert.equal(decodeSecrets(back).get(names[0])?.certificateChain, rotated.certPem);
  for (const resource of back.resources) assert.ok(!resource.value.includes(httpbin.certPem.slice(-120, -60)), 'the old certificate is not served');
});

test('seed 003 TLS origination at the egress gateway: the external host\'s cluster names the DestinationRule\'s credential, and the egress gateway of its namespace is served it; a sidecar is not', async () => {
  const client = opensslLeaf(exampleCa, 'ratings.bookinfo.example.com', 2);
  await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client-credential', namespace: 'istio-system' }, data: { 'tls.crt': b64(client.certPem), 'tls.key': b64(client.keyPem), 'ca.crt': b64(exampleCa.certPem) } });
  await apply({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'mongo', namespace: 'default' }, spec: { hosts: ['mongo.example.com'], addresses: ['203.0.113.7'], ports: [{ number: 27017, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS' } });
  await apply({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'istio-egressgateway', namespace: 'default' }, spec: { selector: { istio: 'egressgateway' }, servers: [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['mongo.example.com'], tls: { mode: 'ISTIO_MUTUAL' } }] } });
  await apply({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'direct-mongo-through-egress-gateway', namespace: 'default' },
    spec: { hosts: ['mongo.example.com'], gateways: ['mesh', 'istio-egressgateway'], tcp: [{ match: [{ gateways: ['istio-egressgateway'], port: 443 }], route: [{ destination: { host: 'mongo.example.com', port: { number: 27017 } } }] }] },
  });
  await apply({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'originate-mtls-for-mongo', namespace: 'default' },
    spec: { host: 'mongo.example.com', trafficPolicy: { portLevelSettings: [{ port: { number: 27017 }, tls: { mode: 'MUTUAL', credentialName: 'client-credential', sni: 'mongo.example.com' } }] } },
  });

  const egress = await open({ id: 'egress-seed-003', role: 'egress-gateway', namespace: 'istio-system', serviceAccount: 'istio-egressgateway', labels: { istio: 'egressgateway' } });
  const clusters = await subscribeAndAck(egress, TYPE_URL.cluster, []);
  const mongo = clusters.resources.map((r) => decodeResource(TYPE_URL.cluster, r.value)).find((c) => c.name === 'outbound|27017||mongo.example.com');
  assert.ok(mongo, 'the gateway has the external host\'s cluster');
  const socket = JSON.stringify(mongo.transport_socket);
  assert.match(socket, /"sni":"mongo\.example\.com"/);
  const names = ['kubernetes://client-credential', 'kubernetes://client-credential-cacert'];
  for (const name of names) assert.ok(socket.includes(`"name":"${name}"`), `the cluster names ${name}`);

  const secrets = decodeSecrets(await subscribeSecrets(egress, names));
  assert.equal(secrets.get('kubernetes://client-credential')?.certificateChain, client.certPem);
  assert.equal(secrets.get('kubernetes://client-credential-cacert')?.trustedCa, exampleCa.certPem);

  const sidecar = await open({ id: 'ratings-seed-003', serviceAccount: 'ratings', namespace: 'istio-system' });
  assert.equal((await subscribeSecrets(sidecar, names)).resources.length, 0, 'a sidecar is sent no credential');
});

/** The next Secret response, acknowledging whatever else comes first (listeners a deletion may change). */
async function nextSecretResponse(stream: AdsTestStream, names: string[]): Promise<Response> {
  for (;;) {
    const response = await stream.next();
    ack(stream, response, response.type_url === TYPE_URL.secret ? names : []);
    if (response.type_url === TYPE_URL.secret) return response;
  }
}

async function subscribeAndAck(stream: AdsTestStream, typeUrl: string, names: string[]): Promise<Response> {
  stream.send({ type_url: typeUrl, resource_names: names });
  const response = await stream.next();
  assert.equal(response.type_url, typeUrl);
  ack(stream, response, names);
  return response;
}
