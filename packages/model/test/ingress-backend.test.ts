import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOf, validateDocument, type IngressBackendObject } from '../src/index.js';
import { SEED_000_HTTP_INGRESS, SEED_000_HTTPS_INGRESS, SEED_000_SKIP_CLIENT_CERT_VALIDATION, SEED_000_UNTRUSTED_PRINCIPAL } from './fixtures/seed-000.js';
import { SEED_004_HTTPS } from './fixtures/seed-004.js';
import { parseAll, validOne } from './helpers.js';

/** The IngressBackend among the documents of a manifest. */
function ingressBackendIn(text: string): IngressBackendObject {
  const found = parseAll(text)
    .map((document) => validateDocument(document))
    .flatMap((result) => (result.valid && result.value.kind === 'IngressBackend' ? [result.value] : []));
  assert.equal(found.length, 1);
  return found[0];
}

const METADATA = { name: 'httpbin', namespace: 'httpbin', labels: {}, annotations: {} };
const NGINX_SERVICE = { kind: 'Service', name: 'ingress-nginx-controller', namespace: 'ingress-nginx' } as const;

describe('IngressBackend (seed 000)', () => {
  it('http: a Service source, client certificate validation on by default', () => {
    assert.deepEqual(ingressBackendIn(SEED_000_HTTP_INGRESS), {
      apiVersion: 'policy.openservicemesh.io/v1alpha1',
      kind: 'IngressBackend',
      metadata: METADATA,
      spec: {
        backends: [{ name: 'httpbin', port: { number: 14001, protocol: 'http' }, tls: { skipClientCertValidation: false } }],
        sources: [NGINX_SERVICE],
      },
    });
  });

  it('https: the nginx Service and its principal', () => {
    const object = ingressBackendIn(SEED_000_HTTPS_INGRESS);
    assert.deepEqual(object.spec.backends, [{ name: 'httpbin', port: { number: 14001, protocol: 'https' }, tls: { skipClientCertValidation: false } }]);
    assert.deepEqual(object.spec.sources, [NGINX_SERVICE, { kind: 'AuthenticatedPrincipal', name: 'ingress-nginx.ingress-nginx.cluster.local' }]);
  });

  it('the untrusted-principal and skipClientCertValidation variants are valid, and differ only where they say', () => {
    const untrusted = validOne(SEED_000_UNTRUSTED_PRINCIPAL) as IngressBackendObject;
    const skipping = validOne(SEED_000_SKIP_CLIENT_CERT_VALIDATION) as IngressBackendObject;
    assert.deepEqual(untrusted.spec.sources[1], { kind: 'AuthenticatedPrincipal', name: 'untrusted-client.cluster.local' });
    assert.equal(untrusted.spec.backends[0].tls.skipClientCertValidation, false);
    assert.equal(skipping.spec.backends[0].tls.skipClientCertValidation, true);
    assert.deepEqual(skipping.spec.sources, untrusted.spec.sources);
    assert.notEqual(digestOf(untrusted), digestOf(skipping));
  });

  it('seed 004: the Contour https backend', () => {
    const object = ingressBackendIn(SEED_004_HTTPS);
    assert.deepEqual(object.spec.sources, [
      { kind: 'Service', name: 'osm-contour-envoy', namespace: 'osm-system' },
      { kind: 'AuthenticatedPrincipal', name: 'osm-contour-envoy.osm-system.cluster.local' },
    ]);
  });
});

describe('IngressBackend normalisation and rules', () => {
  const written = (backend: string, sources: string) =>
    `apiVersion: policy.openservicemesh.io/v1alpha1\nkind: IngressBackend\nmetadata: {name: web, namespace: shop}\nspec:\n  backends:\n${backend}  sources:\n${sources}`;

  it('reads protocols case-insensitively and writes them lower-case', () => {
    const upper = validOne(written('  - name: web\n    port: {number: 8443, protocol: HTTPS}\n    tls: {skipClientCertValidation: true}\n', '  - {kind: IPRange, name: 10.0.0.0/8}\n'));
    const lower = validOne(written('  - name: web\n    port: {number: 8443, protocol: https}\n    tls: {skipClientCertValidation: true}\n', '  - {kind: IPRange, name: 10.0.0.0/8}\n'));
    assert.equal(digestOf(upper), digestOf(lower));
    assert.equal((upper as IngressBackendObject).spec.backends[0].port.protocol, 'https');
  });

  it('writes CIDRs as their network address, IPv6 in RFC 5952 form', () => {
    const object = validOne(
      written('  - name: web\n    port: {number: 80, protocol: http}\n', '  - {kind: IPRange, name: 10.1.2.3/16}\n  - {kind: IPRange, name: "2001:DB8:0:0:1::/64"}\n  - {kind: IPRange, name: 192.168.0.7/32}\n'),
    ) as IngressBackendObject;
    assert.deepEqual(
      object.spec.sources.map(({ name }) => name),
      ['10.1.0.0/16', '2001:db8::/64', '192.168.0.7/32'],
    );
  });

  it('lower-cases DNS principals, keeps SPIFFE IDs, sorts SNI hosts', () => {
    const object = validOne(
      written(
        '  - name: web\n    port: {number: 443, protocol: https}\n    tls: {sniHosts: [Web.Shop.svc.cluster.local, a.example.com, a.example.com]}\n',
        '  - {kind: AuthenticatedPrincipal, name: Ingress-Nginx.Ingress-Nginx.Cluster.Local}\n  - {kind: AuthenticatedPrincipal, name: "spiffe://cluster.local/ns/ingress/sa/Nginx"}\n',
      ),
    ) as IngressBackendObject;
    assert.deepEqual(object.spec.sources, [
      { kind: 'AuthenticatedPrincipal', name: 'ingress-nginx.ingress-nginx.cluster.local' },
      { kind: 'AuthenticatedPrincipal', name: 'spiffe://cluster.local/ns/ingress/sa/Nginx' },
    ]);
    assert.deepEqual(object.spec.backends[0].tls, { skipClientCertValidation: false, sniHosts: ['a.example.com', 'web.shop.svc.cluster.local'] });
  });

  it('an https backend that skips client validation needs no principal; an http one is satisfied by an IPRange alone', () => {
    validOne(written('  - name: web\n    port: {number: 443, protocol: https}\n    tls: {skipClientCertValidation: true}\n', '  - {kind: Service, name: edge, namespace: ingress}\n'));
    validOne(written('  - name: web\n    port: {number: 80, protocol: http}\n', '  - {kind: IPRange, name: "::1/128"}\n'));
  });

  it('names the backends a rule is about when several are mixed', () => {
    const result = validateDocument(
      parseAll(
        written(
          '  - name: web\n    port: {number: 80, protocol: http}\n  - name: api\n    port: {number: 443, protocol: https}\n  - name: admin\n    port: {number: 8443, protocol: https}\n    tls: {skipClientCertValidation: true}\n',
          '  - {kind: AuthenticatedPrincipal, name: edge.ingress.cluster.local}\n',
        ),
      )[0],
    );
    assert.ok(!result.valid);
    assert.deepEqual(result.errors, [{ path: 'spec.sources', message: 'an http backend needs a Service or IPRange source (http backends: web:80)' }]);
  });
});
