/** The namespace rule of SDS (Istio's): own `default` and `ROOTCA`, credentials of the own namespace only. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialNameOf, maySendSecret } from '../src/secret-access.js';
import { claimMismatch } from '../src/peer-identity.js';

const gateway = { namespace: 'istio-system', serviceAccount: 'ingressgateway' };

test('default and ROOTCA are always the proxy\'s own', () => {
  assert.equal(maySendSecret(gateway, 'default'), true);
  assert.equal(maySendSecret(gateway, 'ROOTCA'), true);
});

test('gateway credentials: own namespace only, in every spelling', () => {
  assert.equal(maySendSecret(gateway, 'kubernetes://httpbin-credential'), true);
  assert.equal(maySendSecret(gateway, 'httpbin-credential'), true);
  assert.equal(maySendSecret(gateway, 'kubernetes://istio-system/httpbin-credential'), true);
  assert.equal(maySendSecret(gateway, 'istio-system/httpbin-credential'), true);
  assert.equal(maySendSecret(gateway, 'kubernetes://httpbin/httpbin-credential'), false);
  assert.equal(maySendSecret(gateway, 'httpbin/httpbin-credential'), false);
  assert.equal(maySendSecret(gateway, 'kubernetes://a/b/c'), false);
  assert.equal(maySendSecret(gateway, 'kubernetes://'), false);
  assert.equal(maySendSecret(gateway, 'kubernetes:///name'), false);
  assert.deepEqual(credentialNameOf('kubernetes://cred', 'ns'), { namespace: 'ns', name: 'cred' });
});

test('a claim is refused only where it differs from the certificate', () => {
  const spiffe = 'spiffe://cluster.local/ns/istio-system/sa/ingressgateway';
  assert.equal(claimMismatch({}, gateway, spiffe), undefined);
  assert.equal(claimMismatch({ namespace: 'istio-system', serviceAccount: 'ingressgateway' }, gateway, spiffe), undefined);
  assert.match(claimMismatch({ namespace: 'httpbin' }, gateway, spiffe) ?? '', /NAMESPACE "httpbin" \(certificate: "istio-system"\)/);
});
