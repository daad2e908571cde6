/**
 * Every issuance is one `CertificateIssued` event with public facts only, recorded before the
 * certificate is handed out, and the doorbell rings for it.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { openBus, type Bus, type Doorbell } from '@meshgate/bus';
import { openEventStore } from '@meshgate/eventlog';
import { createTestDatabase } from '@meshgate/testkit';
import { CaError, CERTIFICATE_ISSUED, certificateStreamId } from '../src/types.js';
import { openTestCa, type TestCa } from './helpers.js';

let bus: Bus;
let t: TestCa;
const doorbells: Doorbell[] = [];
const doorbellWaiters: { head: number; resolve(): void }[] = [];

before(async () => {
  bus = await openBus({});
  await bus.onDoorbell((doorbell) => {
    doorbells.push(doorbell);
    for (const waiter of doorbellWaiters.filter((w) => doorbell.head >= w.head)) waiter.resolve();
  });
  t = await openTestCa({ bus });
});
after(async () => {
  await t?.close();
  await bus?.close();
});

function doorbellAt(head: number): Promise<void> {
  if (doorbells.some((d) => d.head >= head)) return Promise.resolve();
  return new Promise((resolve) => doorbellWaiters.push({ head, resolve }));
}

const EXPECTED_FIELDS = ['dnsNames', 'fingerprintSha256', 'issuerFingerprintSha256', 'notAfter', 'notBefore', 'reason', 'rootFingerprintSha256', 'serialHex', 'subject', 'uris'];

test('issue and signCsr each append exactly one CertificateIssued with public facts only, and ring the doorbell', async () => {
  const head = await t.store.headSequence();
  const issued = await t.ca.issue({ identity: { serviceAccount: 'bookbuyer', namespace: 'bookbuyer' }, keyAlgorithm: 'RSA_2048', reason: 'ingress-gateway' });

  const events = await t.store.readAfter(head);
  assert.equal(events.length, 1);
  const [event] = events;
  assert.equal(event.type, CERTIFICATE_ISSUED);
  assert.equal(event.streamId, certificateStreamId(issued.info.serialHex));
  assert.equal(event.streamId, `Certificate/${issued.info.serialHex}`);
  assert.deepEqual(Object.keys(event.data as object).sort(), EXPECTED_FIELDS);

  const root = (await t.ca.trustBundle()).roots[0].fingerprintSha256;
  const der = new X509Certificate(issued.certificatePem).raw;
  assert.deepEqual(event.data, {
    ...issued.info,
    reason: 'ingress-gateway',
    issuerFingerprintSha256: root,
    rootFingerprintSha256: root,
  });
  assert.equal(issued.info.fingerprintSha256, createHash('sha256').update(der).digest('hex'));
  const recorded = JSON.stringify(event);
  assert.doesNotMatch(recorded, /PRIVATE|BEGIN/);
  assert.ok(!recorded.includes((issued.privateKeyPem ?? 'x').split('\n')[1]), 'no line of the key');

  await doorbellAt(event.sequence);
  assert.ok(doorbells.some((d) => d.head >= event.sequence));
});

test('concurrent issuances: one event each, distinct serials, all in the log before anyone is answered', async () => {
  const head = await t.store.headSequence();
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => t.ca.issue({ dnsNames: [`svc-${i}.default.cluster.local`], reason: 'api' })));
  const events = await t.store.readAfter(head);
  assert.equal(events.length, 40);
  assert.deepEqual(new Set(events.map((e) => e.streamId)), new Set(results.map((r) => certificateStreamId(r.info.serialHex))));
  assert.equal(new Set(results.map((r) => r.info.serialHex)).size, 40);
});

test('when the issuance cannot be recorded, no certificate is handed out', async () => {
  const database = await createTestDatabase('mg_ca_events');
  const store = await openEventStore({ databaseUrl: database.url });
  const broken = await openTestCa({ store });
  try {
    await store.close(); // the database connection is gone: appends fail
    await assert.rejects(broken.ca.issue({ identity: { serviceAccount: 'a', namespace: 'b' }, reason: 'api' }), (error: unknown) => {
      assert.ok(error instanceof CaError);
      assert.equal(error.code, 'MG_ERR_CA_UNAVAILABLE');
      assert.match(error.message, /could not be recorded/);
      return true;
    });
  } finally {
    await broken.close();
    await database.drop();
  }
});
