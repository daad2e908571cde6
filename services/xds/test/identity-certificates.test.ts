/**
 * The per-identity certificate cache on its own, against the real CA: lazy issue, a failed
 * issuance retried by the next check, identities forgotten when no proxy uses them, and the
 * renew fraction checked.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { CaError, type CertificateAuthority, type MeshCa } from '@meshgate/ca';
import type { ProxyNode } from '@meshgate/compiler';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { pino } from 'pino';
import { IdentityCertificates } from '../src/identity-certificates.js';
import { identityKey } from '../src/sds-secrets.js';
import { openTestCa } from './support/ca.js';

let store: EventStore;
let ca: MeshCa;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const BOTH = new Set(['default', 'ROOTCA']);

function node(serviceAccount: string, namespace: string, client: ProxyNode['client'] = 'envoy'): ProxyNode {
  return { id: `${serviceAccount}-${namespace}-${client}`, role: 'sidecar', client, namespace, serviceAccount, labels: {}, ips: [] };
}

before(async () => {
  store = await openEventStore({ memory: true });
  ca = await openTestCa(store);
});

after(async () => {
  await store.close();
});

test('the first subscription is not ready; once issued, `changed` names the identity and both secrets are there', async () => {
  const certificates = new IdentityCertificates({ ca, logger });
  const proxy = node('productpage', 'bookinfo');
  assert.equal(certificates.prepare(proxy, BOTH), false);
  assert.equal(certificates.secretsFor(proxy).has('default'), false);
  // The bundle arrives first (everyone), then the identity's certificate.
  for (;;) {
    const [key] = await once(certificates, 'changed', { signal: AbortSignal.timeout(10_000) });
    if (key === identityKey({ serviceAccount: 'productpage', namespace: 'bookinfo' })) break;
  }
  assert.deepEqual([...certificates.secretsFor(proxy).keys()].sort(), ['ROOTCA', 'default']);
  assert.equal(certificates.prepare(proxy, BOTH), true);
  // A proxyless node's agent (authenticated as that identity) gets the same secrets, for its files.
  assert.deepEqual([...certificates.secretsFor(node('productpage', 'bookinfo', 'grpc')).keys()].sort(), ['ROOTCA', 'default']);
  await certificates.stop();
});

test('a failed issuance is logged and retried by the next check', async () => {
  let failures = 1;
  const flaky: CertificateAuthority = {
    trustBundle: () => ca.trustBundle(),
    issue: (request) => (failures-- > 0 ? Promise.reject(new CaError('MG_ERR_CA_UNAVAILABLE', 'the CA is restarting')) : ca.issue(request)),
    signCsr: (request) => ca.signCsr(request),
    rotateRoot: () => ca.rotateRoot(),
    dropInactiveRoots: () => ca.dropInactiveRoots(),
  };
  const certificates = new IdentityCertificates({ ca: flaky, logger });
  const proxy = node('details', 'bookinfo');
  assert.equal(certificates.prepare(proxy, BOTH), false);
  // Checks run on a timer in service; here by hand until the retry has gone through.
  const deadline = Date.now() + 10_000;
  while (!certificates.certificateOf({ serviceAccount: 'details', namespace: 'bookinfo' })) {
    if (Date.now() > deadline) throw new Error('the failed issuance was never retried');
    await certificates.check();
  }
  assert.equal(failures, -1, 'one failed attempt, then one that went through');
  assert.ok(certificates.secretsFor(proxy).has('default'));
  await certificates.stop();
});

test('identities no connected proxy uses are forgotten at the next check', async () => {
  let inUse = new Set<string>();
  const certificates = new IdentityCertificates({ ca, logger, inUse: () => inUse });
  const proxy = node('ratings', 'bookinfo');
  const key = identityKey({ serviceAccount: 'ratings', namespace: 'bookinfo' });
  inUse = new Set([key]);
  certificates.prepare(proxy, BOTH);
  await certificates.check();
  assert.ok(certificates.certificateOf({ serviceAccount: 'ratings', namespace: 'bookinfo' }));
  inUse = new Set();
  await certificates.check();
  assert.equal(certificates.certificateOf({ serviceAccount: 'ratings', namespace: 'bookinfo' }), undefined);
  assert.equal(certificates.secretsFor(proxy).has('default'), false);
  await certificates.stop();
});

test('the renew fraction must lie strictly between 0 and 1', () => {
  for (const renewFraction of [0, 1, -0.5, 1.5, Number.NaN]) {
    assert.throws(() => new IdentityCertificates({ ca, logger, renewFraction }), RangeError, String(renewFraction));
  }
});
