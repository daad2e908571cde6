/**
 * Attacks on the xDS port, against a real XdsService and real gRPC streams: a proxy's identity
 * comes from its client certificate, never from node metadata. Forged identities are refused on
 * both ports; an authenticated stream gets exactly its own `default`; a flood of streams
 * claiming many identities issues nothing beyond the authenticated ones, and issuance per
 * identity is rate-limited.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { InProcessBus } from '@meshgate/bus';
import { createCa, type MeshCa } from '@meshgate/ca';
import { TYPE_URL } from '@meshgate/compiler';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { randomBytes } from 'node:crypto';
import { XdsService } from '../src/app.js';
import { PLAINTEXT_SDS_REFUSED } from '../src/ads-server.js';
import { ack, decodeSecrets, openAdsStream, type AdsTestStream } from './support/ads-client.js';
import { clientTlsFor, issuedRecords, openTestCa } from './support/ca.js';
import { certificatesIn } from './support/pem.js';

let store: EventStore;
let bus: InProcessBus;
let ca: MeshCa;
let xds: XdsService;
let registry: Registry;
const streams: AdsTestStream[] = [];

before(async () => {
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
  ca = await openTestCa(store);
  registry = new Registry();
  xds = new XdsService({
    store,
    bus,
    logger: pino({ level: 'silent' }),
    registry,
    compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' },
    host: '127.0.0.1',
    port: 0,
    securePort: 0,
    ca,
    issuance: { burst: 2, ratePerMinute: 1 },
  });
  await xds.start();
});

after(async () => {
  for (const stream of streams) stream.close();
  await xds.stop();
  await bus.close();
  await store.close();
});

function track(stream: AdsTestStream): AdsTestStream {
  streams.push(stream);
  return stream;
}

/** The CertificateIssued events for workload identities (not the xds server's own certificate). */
async function workloadIssuances(): Promise<string[][]> {
  return (await issuedRecords(store)).map((r) => r.dnsNames).filter((names) => !names.some((n) => n.startsWith('meshgate-xds.')));
}

test('plaintext: a Secret subscription is refused with PERMISSION_DENIED and no key, while LDS/CDS are served', async () => {
  const before = await workloadIssuances();
  const stream = track(openAdsStream(xds.port, { id: 'forger-plain', serviceAccount: 'httpbin', namespace: 'httpbin' }));
  stream.send({ type_url: TYPE_URL.cluster, resource_names: [] });
  const clusters = await stream.next();
  assert.equal(clusters.type_url, TYPE_URL.cluster, 'CDS is served on the plaintext port');
  stream.send({ type_url: TYPE_URL.secret, resource_names: ['default', 'ROOTCA'] });
  const status = await stream.status;
  assert.equal(status.code, grpc.status.PERMISSION_DENIED);
  assert.equal(status.details, PLAINTEXT_SDS_REFUSED);
  assert.deepEqual(await workloadIssuances(), before, 'nothing was issued for the plaintext claim');
});

test("mTLS: another identity's certificate claiming a different namespace and service account is refused, naming both", async () => {
  const tls = await clientTlsFor(ca, { serviceAccount: 'sleep', namespace: 'sleep' });
  const stream = track(openAdsStream(xds.securePort, { id: 'forger-mtls', serviceAccount: 'httpbin', namespace: 'httpbin' }, tls));
  stream.send({ type_url: TYPE_URL.secret, resource_names: ['default'] });
  const status = await stream.status;
  assert.equal(status.code, grpc.status.PERMISSION_DENIED, JSON.stringify(status));
  assert.match(status.details, /NAMESPACE "httpbin" \(certificate: "sleep"\)/);
  assert.match(status.details, /SERVICE_ACCOUNT "httpbin" \(certificate: "sleep"\)/);
  assert.match(status.details, /spiffe:\/\/cluster\.local\/ns\/sleep\/sa\/sleep/);
  assert.ok(!(await workloadIssuances()).some((names) => names.includes('httpbin.httpbin.cluster.local')), 'nothing issued for the claimed identity');
});

test('mTLS: a claim of only another service account is refused too', async () => {
  const tls = await clientTlsFor(ca, { serviceAccount: 'sleep', namespace: 'sleep' });
  const stream = track(openAdsStream(xds.securePort, { id: 'forger-sa', serviceAccount: 'admin', namespace: 'sleep' }, tls));
  stream.send({ type_url: TYPE_URL.secret, resource_names: ['default'] });
  const status = await stream.status;
  assert.equal(status.code, grpc.status.PERMISSION_DENIED);
  assert.match(status.details, /SERVICE_ACCOUNT "admin"/);
  assert.doesNotMatch(status.details, /NAMESPACE/);
});

test('mTLS: no client certificate, or one from another CA, does not get through the handshake', async () => {
  const own = await clientTlsFor(ca, { serviceAccount: 'sleep', namespace: 'sleep' });
  const foreignStore = await openEventStore({ memory: true });
  try {
    const foreignCa = await createCa({ store: foreignStore, encryptionKey: randomBytes(32), trustDomain: 'cluster.local' });
    const foreign = await clientTlsFor(foreignCa, { serviceAccount: 'sleep', namespace: 'sleep' });
    // A certificate that a CA with the same trust domain name signed, but not meshgate's.
    const stream = track(openAdsStream(xds.securePort, { id: 'foreign-ca', serviceAccount: 'sleep', namespace: 'sleep' }, { ...foreign, trustBundle: own.trustBundle }));
    stream.send({ type_url: TYPE_URL.secret, resource_names: ['default'] });
    const status = await stream.status;
    assert.equal(status.code, grpc.status.UNAVAILABLE, JSON.stringify(status));
  } finally {
    await foreignStore.close();
  }
  // A TLS client with no certificate: grpc-js's createSsl without key and chain.
  const definitionless = new grpc.Client(`127.0.0.1:${xds.securePort}`, grpc.credentials.createSsl(Buffer.from(own.trustBundle)), {
    'grpc.ssl_target_name_override': 'meshgate-xds.meshgate-system.cluster.local',
  });
  try {
    const code = await new Promise<number>((resolve) => {
      const call = definitionless.makeBidiStreamRequest('/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources', (b: Buffer) => b, (b: Buffer) => b);
      call.on('status', (s: grpc.StatusObject) => resolve(s.code));
      call.on('error', () => undefined);
      call.write(Buffer.alloc(0));
    });
    assert.equal(code, grpc.status.UNAVAILABLE);
  } finally {
    definitionless.close();
  }
});

test('an authenticated stream gets exactly its own default; metadata without NAMESPACE/SERVICE_ACCOUNT takes the certificate\'s', async () => {
  const identity = { serviceAccount: 'reviews', namespace: 'bookinfo' };
  const stream = track(openAdsStream(xds.securePort, { id: 'reviews-mtls' }, await clientTlsFor(ca, identity)));
  stream.send({ type_url: TYPE_URL.secret, resource_names: ['default', 'ROOTCA', 'kubernetes://other-ns/credential', 'kubernetes://bookinfo/credential'] });
  const response = await stream.next();
  const secrets = decodeSecrets(response);
  assert.deepEqual([...secrets.keys()].sort(), ['ROOTCA', 'default']);
  const own = secrets.get('default');
  assert.ok(own?.certificateChain && own.privateKey);
  const [leaf] = certificatesIn(own.certificateChain);
  assert.equal(leaf.subjectAltName, 'DNS:reviews.bookinfo.cluster.local, URI:spiffe://cluster.local/ns/bookinfo/sa/reviews');
  assert.ok(leaf.checkPrivateKey(createPrivateKey(own.privateKey)));
  ack(stream, response, ['default', 'ROOTCA']);
  const status = xds.proxies().find((p) => p.id === 'reviews-mtls');
  assert.equal(status?.node.namespace, 'bookinfo');
  assert.equal(status?.node.serviceAccount, 'reviews');
});

test('a flood of plaintext streams claiming many identities issues nothing; the log grows only by authenticated identities', async () => {
  const eventsBefore = await store.headSequence();
  const issuedBefore = (await workloadIssuances()).length;
  const flood: AdsTestStream[] = [];
  for (let i = 0; i < 40; i++) {
    const stream = track(openAdsStream(xds.port, { id: `flood-${i}`, serviceAccount: `sa-${i}`, namespace: `ns-${i}` }));
    stream.send({ type_url: TYPE_URL.secret, resource_names: ['default'] });
    flood.push(stream);
  }
  const statuses = await Promise.all(flood.map((s) => s.status));
  assert.ok(statuses.every((s) => s.code === grpc.status.PERMISSION_DENIED));
  assert.equal((await workloadIssuances()).length, issuedBefore, 'no certificate issued for a plaintext claim');
  assert.equal(await store.headSequence(), eventsBefore, 'the log did not grow');
});

test('one authenticated identity reconnecting in a loop is issued at most its burst; the rest waits and is counted', async () => {
  const identity = { serviceAccount: 'looper', namespace: 'loop' };
  const tls = await clientTlsFor(ca, identity);
  const certificates = xds.certificates;
  assert.ok(certificates);
  // burst 2: two connect → issue → disconnect → forget rounds are served at once.
  for (let round = 0; round < 2; round++) {
    const stream = openAdsStream(xds.securePort, { id: `looper-${round}` }, tls);
    stream.send({ type_url: TYPE_URL.secret, resource_names: ['default'] });
    assert.equal(decodeSecrets(await stream.next()).size, 1);
    stream.close();
    await waitFor(() => !xds.proxies().some((p) => p.id === `looper-${round}`));
    await certificates.check(); // forgets the identity: no proxy uses it
    assert.equal(certificates.certificateOf(identity), undefined);
  }
  // The third round has no token: no response within the wait, no new issuance, a counted deferral.
  const third = track(openAdsStream(xds.securePort, { id: 'looper-2' }, tls));
  third.send({ type_url: TYPE_URL.secret, resource_names: ['default'] });
  await assert.rejects(third.next(1500), /no response/);
  const issued = (await workloadIssuances()).filter((names) => names.includes('looper.loop.cluster.local'));
  assert.equal(issued.length, 2, 'issued only the burst');
  const metric = await registry.getSingleMetricAsString('meshgate_xds_rate_limited_issuances_total');
  assert.match(metric, /meshgate_xds_rate_limited_issuances_total [1-9]/);
  assert.equal(third.ended, false, 'the proxy is answered later, not with an error');
});

async function waitFor(accept: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!accept()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
