/**
 * The ingress gateway certificate from the MeshConfig, against a real CA on PGlite and the real
 * StateFollower reading the same log: published with the asked SANs and validity, re-issued on
 * a change, a renewal or a root rotation (and not otherwise), deleted when no longer asked for;
 * the event log never holds key material.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openBus, type Bus } from '@meshgate/bus';
import { openEventStore, type EventStore, type StoredEvent } from '@meshgate/eventlog';
import { StateFollower } from '@meshgate/follower';
import { objectKey, refOf, RESOURCE_APPLIED, RESOURCE_DELETED, validateDocument, type MeshObject } from '@meshgate/model';
import { pino } from 'pino';
import { BACKDATE_MS } from '../src/authority.js';
import { SecretCipher } from '@meshgate/secrets';
import { IngressGatewayCertificates, type IngressGatewayPublishReason } from '../src/ingress-gateway-certificates.js';
import { SECRET_DELETED, SECRET_PUBLISHED, secretDigest, secretStoreName, secretStreamId, SecretStore, type PublishedSecret, type SecretRef } from '@meshgate/secrets';
import { CERTIFICATE_ISSUED, type CaError, type CertificateInfo } from '../src/types.js';
import { capturingLogger, openTestCa, tempDir, verifyChain, type TempDir, type TestCa } from './helpers.js';

const HOUR = 3_600_000;
const SEED_SECRET: SecretRef = { namespace: 'osm-system', name: 'osm-nginx-client-cert' };
const NGINX_SAN = 'ingress-nginx.ingress-nginx.cluster.local';
const TWO_SANS = [NGINX_SAN, 'contour.projectcontour.cluster.local'];

/** The seed's MeshConfig, with its ingressGateway section as given (or none). */
function meshConfig(ingressGateway?: { secret: { name: string; namespace?: string }; subjectAltNames: string[]; validityDuration: string }): MeshObject {
  const result = validateDocument({
    apiVersion: 'config.openservicemesh.io/v1alpha2',
    kind: 'MeshConfig',
    metadata: { name: 'osm-mesh-config', namespace: 'osm-system' },
    spec: { certificate: { certKeyBitSize: 2048, serviceCertValidityDuration: '24h', ...(ingressGateway ? { ingressGateway } : {}) }, featureFlags: { enableIngressBackendPolicy: true } },
  });
  assert.ok(result.valid, JSON.stringify(result));
  return result.value;
}

const SEED = { secret: { name: 'osm-nginx-client-cert', namespace: 'osm-system' }, subjectAltNames: [NGINX_SAN], validityDuration: '24h' };

let store: EventStore;
let bus: Bus;
let t: TestCa;
let follower: StateFollower;
let secrets: SecretStore;
let controller: IngressGatewayCertificates;
let dir: TempDir;
/** The controller's clock: tests move it forward to make a renewal due. */
let clock = Date.now();
const logLines: string[] = [];
const published: { ref: SecretRef; info: CertificateInfo; reason: IngressGatewayPublishReason }[] = [];
const deleted: SecretRef[] = [];
const refused: CaError[] = [];
/** Every private key handed out, to look for in the log afterwards. */
const keysSeen = new Set<string>();

before(async () => {
  dir = await tempDir();
  store = await openEventStore({ memory: true });
  bus = await openBus({});
  t = await openTestCa({ store, bus, logger: capturingLogger(logLines) });
  follower = new StateFollower({ store, bus });
  await follower.start();
  secrets = new SecretStore({ store, cipher: new SecretCipher(t.encryptionKey), bus, logger: capturingLogger(logLines) });
  controller = new IngressGatewayCertificates({ ca: t.ca, secrets, state: follower, logger: capturingLogger(logLines), now: () => clock, checkIntervalMs: HOUR });
  controller.on('published', (ref, info, reason) => published.push({ ref, info, reason }));
  controller.on('deleted', (ref) => deleted.push(ref));
  controller.on('refused', (_ref, error) => refused.push(error));
  await controller.start();
});

after(async () => {
  await controller?.stop();
  await follower?.close();
  await t?.close();
  await bus?.close();
  await store?.close();
  await dir?.remove();
});

/** Appends the object as the api would and waits until the follower (and so the controller) has it; then one check. */
async function apply(object: MeshObject): Promise<void> {
  const { written } = await store.append([{ streamId: objectKey(object), type: RESOURCE_APPLIED, data: { object, digest: 'test', source: 'test' } }]);
  await follower.waitFor(written[0].sequence);
  await controller.check();
}

async function remove(object: MeshObject): Promise<void> {
  const { written } = await store.append([{ streamId: objectKey(object), type: RESOURCE_DELETED, data: { ref: refOf(object), source: 'test' } }]);
  await follower.waitFor(written[0].sequence);
  await controller.check();
}

async function readSecret(ref: SecretRef = SEED_SECRET): Promise<PublishedSecret> {
  const secret = await secrets.read(ref);
  assert.ok(secret, `secret ${ref.namespace}/${ref.name} is published`);
  keysSeen.add(secret.data['tls.key']);
  return secret;
}

async function eventsOf(streamId: string): Promise<StoredEvent[]> {
  return store.readStream(streamId);
}

function leafOf(secret: PublishedSecret): X509Certificate {
  return new X509Certificate(secret.data['tls.crt']);
}

function serialOf(secret: PublishedSecret): string {
  return leafOf(secret).serialNumber.toLowerCase();
}

describe('the MeshConfig ingress gateway certificate', () => {
  test("the seed's MeshConfig: the secret is published with the SANs and the validity asked for, and verifies", async () => {
    await apply(meshConfig(SEED));
    const secret = await readSecret();
    assert.equal(secret.meta.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key']);

    const leaf = leafOf(secret);
    assert.equal(leaf.subjectAltName, `DNS:${NGINX_SAN}`);
    assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 24 * HOUR + BACKDATE_MS, 'validityDuration 24h (notBefore back-dated a minute)');
    assert.ok(leaf.checkPrivateKey(createPrivateKey(secret.data['tls.key'])), 'tls.key is the key of tls.crt');
    assert.equal(secret.data['ca.crt'], (await t.ca.trustBundle()).pem);
    const verified = await verifyChain(dir, secret.data['ca.crt'], secret.data['tls.crt']);
    assert.equal(verified.code, 0, verified.stderr);

    const [event] = await eventsOf(secretStreamId(SEED_SECRET));
    assert.equal(event.type, SECRET_PUBLISHED);
    assert.deepEqual(event.data, {
      namespace: 'osm-system',
      name: 'osm-nginx-client-cert',
      type: 'kubernetes.io/tls',
      keys: ['ca.crt', 'tls.crt', 'tls.key'],
      digest: secretDigest(secret.data),
      certificateSerial: serialOf(secret),
      reason: 'created',
    });
    const [issued] = await eventsOf(`Certificate/${serialOf(secret)}`);
    assert.equal(issued.type, CERTIFICATE_ISSUED);
    assert.equal(reasonOf(issued), 'ingress-gateway');
    assert.deepEqual(published.map((p) => p.reason), ['created']);
  });

  test('is stored encrypted: neither the ciphertext nor the metadata shows a PEM', async () => {
    const stored = await store.getSecret(secretStoreName(SEED_SECRET));
    assert.ok(stored);
    assert.match(stored.ciphertext, /^aes-256-gcm:v1:/);
    assert.doesNotMatch(stored.ciphertext, /BEGIN/);
    assert.doesNotMatch(JSON.stringify(stored.meta), /BEGIN|PRIVATE/);
    assert.equal(stored.meta.owner, 'ingress-gateway');
  });

  test('the same MeshConfig applied again, and unrelated changes, issue nothing', async () => {
    const before = serialOf(await readSecret());
    const events = await store.countEvents();
    await apply(meshConfig(SEED));
    await apply(validOrFail({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ingress-nginx' } }));
    await controller.check();
    assert.equal(serialOf(await readSecret()), before);
    assert.equal(await store.countEvents(), events + 2, 'only the two applies were written');
  });

  test('a restarted controller adopts what is published instead of re-issuing', async () => {
    const events = await store.countEvents();
    const again = new IngressGatewayCertificates({ ca: t.ca, secrets, state: follower, logger: pino({ level: 'silent' }), now: () => clock, checkIntervalMs: HOUR });
    await again.start();
    await again.stop();
    assert.equal(await store.countEvents(), events);
  });

  test('changing the SANs re-issues: a new serial with the new names', async () => {
    const before = serialOf(await readSecret());
    await apply(meshConfig({ ...SEED, subjectAltNames: TWO_SANS }));
    const secret = await readSecret();
    assert.notEqual(serialOf(secret), before);
    assert.equal(leafOf(secret).subjectAltName, TWO_SANS.map((san) => `DNS:${san}`).join(', '));
    assert.equal(published.at(-1)?.reason, 'subject-alt-names-changed');
  });

  test('changing the duration re-issues with the new lifetime', async () => {
    const before = serialOf(await readSecret());
    await apply(meshConfig({ ...SEED, subjectAltNames: TWO_SANS, validityDuration: '2h' }));
    const secret = await readSecret();
    assert.notEqual(serialOf(secret), before);
    const leaf = leafOf(secret);
    assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 2 * HOUR + BACKDATE_MS);
    assert.equal(published.at(-1)?.reason, 'validity-changed');
  });

  test('renewed once half of its lifetime has passed, not before', async () => {
    const secret = await readSecret();
    const before = serialOf(secret);
    const issuedAt = Date.parse(String(secret.meta.details.issuedAt));
    const notAfter = Date.parse(leafOf(secret).validTo);
    const renewAt = issuedAt + 0.5 * (notAfter - issuedAt);

    clock = renewAt - 1000;
    await controller.check();
    assert.equal(serialOf(await readSecret()), before, 'not yet due');

    clock = renewAt + 1000;
    await controller.check();
    const renewed = await readSecret();
    assert.notEqual(serialOf(renewed), before);
    assert.equal(published.at(-1)?.reason, 'renewal');
    const events = await eventsOf(secretStreamId(SEED_SECRET));
    assert.equal(reasonOf(events.at(-1)), 'renewal');
  });

  test('a root rotation re-issues under the new root, with both roots in ca.crt', async () => {
    const before = serialOf(await readSecret());
    const bundle = await t.ca.rotateRoot();
    assert.equal(bundle.roots.length, 2);
    await controller.check();
    const secret = await readSecret();
    assert.notEqual(serialOf(secret), before);
    assert.equal(published.at(-1)?.reason, 'trust-bundle-changed');
    assert.equal(secret.data['ca.crt'], bundle.pem);
    const newRootOnly = bundle.pem.split(/(?<=-----END CERTIFICATE-----\n)/)[0];
    const verified = await verifyChain(dir, newRootOnly, secret.data['tls.crt']);
    assert.equal(verified.code, 0, `signed by the new root: ${verified.stderr}`);
  });

  test('SANs the CA refuses (outside the trust domain) are reported once; the published secret stays', async () => {
    const before = await readSecret();
    const events = await store.countEvents();
    await apply(meshConfig({ ...SEED, validityDuration: '2h', subjectAltNames: ['ingress.example.com'] }));
    await controller.check();
    assert.equal(refused.length, 1, 'reported once, not at every check');
    assert.equal(refused[0].code, 'MG_ERR_CA_FOREIGN_SAN');
    assert.equal(await store.countEvents(), events + 1, 'only the apply was written');
    assert.equal(serialOf(await readSecret()), serialOf(before));
    assert.ok(logLines.some((line) => line.includes('the CA refuses') && line.includes('ingress.example.com')));
  });

  test('a MeshConfig naming another secret: the old one is deleted, the new one published', async () => {
    const moved: SecretRef = { namespace: 'ingress-nginx', name: 'mesh-client-cert' };
    await apply(meshConfig({ ...SEED, secret: { name: moved.name, namespace: moved.namespace } }));
    assert.equal(await secrets.read(SEED_SECRET), null);
    assert.deepEqual(deleted, [SEED_SECRET]);
    assert.equal(leafOf(await readSecret(moved)).subjectAltName, `DNS:${NGINX_SAN}`);
    const [deletion] = (await eventsOf(secretStreamId(SEED_SECRET))).slice(-1);
    assert.equal(deletion.type, SECRET_DELETED);
    assert.deepEqual(deletion.data, { namespace: 'osm-system', name: 'osm-nginx-client-cert', reason: 'no-longer-requested' });
  });

  test('removing ingressGateway from the MeshConfig deletes the secret; so does deleting the MeshConfig', async () => {
    const moved: SecretRef = { namespace: 'ingress-nginx', name: 'mesh-client-cert' };
    await apply(meshConfig());
    assert.equal(await secrets.read(moved), null);
    assert.equal((await eventsOf(secretStreamId(moved))).at(-1)?.type, SECRET_DELETED);

    await apply(meshConfig(SEED));
    await readSecret();
    await remove(meshConfig(SEED));
    assert.equal(await secrets.read(SEED_SECRET), null);
    assert.equal((await eventsOf(secretStreamId(SEED_SECRET))).at(-1)?.type, SECRET_DELETED);
    assert.deepEqual(await secrets.list(), []);
    assert.deepEqual(deleted, [SEED_SECRET, moved, SEED_SECRET]);
  });

  test('no event and no log line holds key material', async () => {
    assert.ok(keysSeen.size >= 6, `keys published: ${keysSeen.size}`);
    const events = await store.readAfter(0, 10_000);
    const texts = [...events.map((event) => JSON.stringify(event)), ...logLines];
    for (const text of texts) assert.doesNotMatch(text, /PRIVATE KEY/);
    for (const key of keysSeen) {
      const body = key.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
      const lines = key.split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----'));
      for (const text of texts) {
        assert.ok(!text.includes(body), 'a key body in an event or log line');
        for (const line of lines) assert.ok(!text.includes(line), 'a line of a key in an event or log line');
      }
    }
  });
});

function reasonOf(event: StoredEvent | undefined): unknown {
  const data = event?.data;
  return typeof data === 'object' && data !== null && 'reason' in data ? data.reason : undefined;
}

function validOrFail(document: unknown): MeshObject {
  const result = validateDocument(document);
  assert.ok(result.valid, JSON.stringify(result));
  return result.value;
}
