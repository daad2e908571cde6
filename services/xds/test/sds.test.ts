/**
 * SDS over a real ADS stream: an Envoy node gets its own identity's certificate (`default`) and
 * the trust bundle (`ROOTCA`), checked with node:crypto; another identity never sees its key;
 * proxy config and logs never show a key; unknown names and proxyless nodes get nothing.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { InProcessBus } from '@meshgate/bus';
import { TYPE_URL } from '@meshgate/compiler';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { XdsService } from '../src/app.js';
import { ack, decodeSecrets, openAdsStream, type AdsTestStream } from './support/ads-client.js';
import { certificatesIn, verifiesAgainst } from './support/pem.js';
import type { MeshCa } from '@meshgate/ca';
import { clientTlsFor, issuedRecords, openTestCa, reasonsFor, strangerRootPem } from './support/ca.js';

let store: EventStore;
let bus: InProcessBus;
let ca: MeshCa;
let xds: XdsService;
let registry: Registry;
const logLines: string[] = [];
const streams: AdsTestStream[] = [];

before(async () => {
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
  ca = await openTestCa(store);
  registry = new Registry();
  // Everything the service logs, down to debug, is kept: no line may hold a key.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  xds = new XdsService({ store, bus, logger: pino({ level: 'debug' }, sink), registry, compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' }, host: '127.0.0.1', port: 0, securePort: 0, ca });
  await xds.start();
});

after(async () => {
  for (const stream of streams) stream.close();
  await xds.stop();
  await bus.close();
  await store.close();
});

/** A stream on the mTLS port, authenticated as the identity it claims. */
async function open(id: string, serviceAccount: string, namespace: string, client: 'envoy' | 'grpc' = 'envoy'): Promise<AdsTestStream> {
  const stream = openAdsStream(xds.securePort, { id, serviceAccount, namespace, client }, await clientTlsFor(ca, { serviceAccount, namespace }));
  streams.push(stream);
  return stream;
}

async function subscribe(stream: AdsTestStream, names: string[]) {
  stream.send({ type_url: TYPE_URL.secret, resource_names: names });
  const response = await stream.next();
  assert.equal(response.type_url, TYPE_URL.secret);
  return response;
}

test('an Envoy node gets exactly its own certificate as `default` and the trust bundle as `ROOTCA`', async () => {
  const stream = await open('httpbin-1', 'httpbin', 'httpbin');
  const response = await subscribe(stream, ['default', 'ROOTCA']);
  const secrets = decodeSecrets(response);
  assert.deepEqual([...secrets.keys()].sort(), ['ROOTCA', 'default']);

  const own = secrets.get('default');
  assert.ok(own?.certificateChain && own.privateKey, 'default carries a chain and a key');
  const [leaf] = certificatesIn(own.certificateChain);
  assert.equal(leaf.subjectAltName, 'DNS:httpbin.httpbin.cluster.local, URI:spiffe://cluster.local/ns/httpbin/sa/httpbin');
  assert.ok(leaf.checkPrivateKey(createPrivateKey(own.privateKey)), 'the key belongs to the certificate');

  const bundle = secrets.get('ROOTCA')?.trustedCa;
  assert.ok(bundle, 'ROOTCA carries the trust bundle');
  assert.equal(bundle, (await ca.trustBundle()).pem);
  assert.ok(verifiesAgainst(leaf, certificatesIn(bundle)), 'the leaf verifies against ROOTCA');
  const stranger = certificatesIn(await strangerRootPem());
  assert.equal(verifiesAgainst(leaf, stranger), false, 'the leaf verifies against another CA\'s root');

  // The ACK is recorded and the proxy is in sync for Secret.
  ack(stream, response, ['default', 'ROOTCA']);
  await waitFor(() => xds.proxies().find((p) => p.id === 'httpbin-1')?.types.Secret?.synced === true);
});

test('another identity gets its own certificate and never the first one\'s key; the same identity shares one', async () => {
  const first = decodeSecrets(await subscribe(await open('httpbin-2', 'httpbin', 'httpbin'), ['default', 'ROOTCA']));
  const otherResponse = await subscribe(await open('sleep-1', 'sleep', 'sleep'), ['default', 'ROOTCA']);
  const other = decodeSecrets(otherResponse);

  const firstKey = first.get('default')?.privateKey;
  const otherKey = other.get('default')?.privateKey;
  assert.ok(firstKey && otherKey);
  assert.notEqual(otherKey, firstKey);
  for (const resource of otherResponse.resources) assert.ok(!resource.value.includes(firstKey), 'the other identity\'s response holds the first key');
  const [otherLeaf] = certificatesIn(other.get('default')?.certificateChain ?? '');
  assert.equal(otherLeaf.subjectAltName, 'DNS:sleep.sleep.cluster.local, URI:spiffe://cluster.local/ns/sleep/sa/sleep');
  assert.ok(otherLeaf.checkPrivateKey(createPrivateKey(otherKey)));

  // Two proxies of one identity share its certificate: issued once.
  assert.equal(first.get('default')?.certificateChain, decodeSecrets(await subscribe(await open('httpbin-3', 'httpbin', 'httpbin'), ['default'])).get('default')?.certificateChain);
  assert.deepEqual(await reasonsFor(store, 'httpbin.httpbin.cluster.local'), ['sds']);
});

test('the same labels with a different service account get a different `default`', async () => {
  const a = decodeSecrets(await subscribe(await open('same-labels-a', 'reviews', 'bookinfo'), ['default']));
  const b = decodeSecrets(await subscribe(await open('same-labels-b', 'ratings', 'bookinfo'), ['default']));
  const [leafA] = certificatesIn(a.get('default')?.certificateChain ?? '');
  const [leafB] = certificatesIn(b.get('default')?.certificateChain ?? '');
  assert.match(leafA.subjectAltName ?? '', /spiffe:\/\/cluster\.local\/ns\/bookinfo\/sa\/reviews/);
  assert.match(leafB.subjectAltName ?? '', /spiffe:\/\/cluster\.local\/ns\/bookinfo\/sa\/ratings/);
  assert.notEqual(a.get('default')?.privateKey, b.get('default')?.privateKey);
});

test('proxy config shows the secrets with the private key redacted; no log line holds a key', async () => {
  const stream = await open('httpbin-config', 'httpbin', 'httpbin');
  await subscribe(stream, ['default', 'ROOTCA']);
  const config = xds.proxyConfig('httpbin-config');
  assert.ok(config);
  const secrets = config.Secret;
  assert.deepEqual(secrets.map((s) => s.name).sort(), ['ROOTCA', 'default']);
  const own = secrets.find((s) => s.name === 'default');
  assert.deepEqual(Object.keys(own?.tls_certificate ?? {}).sort(), ['certificate_chain', 'private_key']);
  assert.equal((own?.tls_certificate as { private_key?: unknown }).private_key, '[redacted]');
  assert.doesNotMatch(JSON.stringify(config), /PRIVATE KEY/);
  assert.ok(logLines.some((line) => line.includes('workload certificate issued for SDS')), 'issuance is logged');
  assert.ok(!logLines.some((line) => line.includes('PRIVATE KEY')), 'a log line holds a private key');
  // The event log records the issuances, never a key.
  assert.ok((await issuedRecords(store)).length > 0);
  for (const event of await store.readAfter(0, 100_000)) assert.doesNotMatch(JSON.stringify(event), /PRIVATE KEY/);
});

test('names other than default and ROOTCA are not found; a proxyless node (its agent) gets its own default', async () => {
  const stream = await open('gateway-1', 'gateway', 'istio-system');
  const unknownOnly = await subscribe(stream, ['kubernetes://httpbin-credential']);
  assert.equal(unknownOnly.resources.length, 0);
  stream.send({ type_url: TYPE_URL.secret, resource_names: ['kubernetes://httpbin-credential', 'default'], version_info: unknownOnly.version_info, response_nonce: unknownOnly.nonce });
  const withDefault = await stream.next();
  assert.deepEqual([...decodeSecrets(withDefault).keys()], ['default']);
  assert.ok(logLines.some((line) => line.includes('kubernetes://httpbin-credential') && line.includes('"level":20')), 'the unserved name is logged at debug');

  const grpcNode = decodeSecrets(await subscribe(await open('grpc-1', 'echo', 'echo', 'grpc'), ['default', 'ROOTCA']));
  assert.deepEqual([...grpcNode.keys()].sort(), ['ROOTCA', 'default']);
  assert.match(certificatesIn(grpcNode.get('default')?.certificateChain ?? '')[0].subjectAltName ?? '', /spiffe:\/\/cluster\.local\/ns\/echo\/sa\/echo$/);
});

test('Secret pushes are counted by meshgate_xds_pushes_total{type="Secret"}', async () => {
  const metrics = await registry.getSingleMetricAsString('meshgate_xds_pushes_total');
  const match = /meshgate_xds_pushes_total\{type="Secret"\} (\d+)/.exec(metrics);
  assert.ok(match && Number(match[1]) > 0, metrics);
});

test('without a CA there is no mTLS port, and the plaintext port refuses Secret subscriptions', async () => {
  const bare = new XdsService({ store, bus, logger: pino({ level: 'silent' }), registry: new Registry(), compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' }, host: '127.0.0.1', port: 0 });
  await bare.start();
  assert.equal(bare.securePort, 0);
  const stream = openAdsStream(bare.port, { id: 'no-ca', serviceAccount: 'httpbin', namespace: 'httpbin' });
  try {
    stream.send({ type_url: TYPE_URL.secret, resource_names: ['default', 'ROOTCA'] });
    const status = await stream.status;
    assert.equal(status.code, 7, JSON.stringify(status));
  } finally {
    stream.close();
    await bare.stop();
  }
});

async function waitFor(accept: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!accept()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
