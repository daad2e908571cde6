import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkShape, decodeResource, encodeResource, TYPE_URLS } from '../src/index.js';
import {
  clusterLoadAssignment,
  edsCluster,
  grpcServerListener,
  routeConfiguration,
  sidecarListener,
  tlsCertificateSecret,
  validationContextSecret,
} from './fixtures.js';
import { valueAt, withValue } from './mutate.js';

function roundTrip(typeUrl: string, resource: Record<string, unknown>): Record<string, unknown> {
  assert.deepEqual(checkShape(typeUrl, resource), []);
  return decodeResource(typeUrl, encodeResource(typeUrl, resource));
}

describe('encodeResource → decodeResource', () => {
  const cases: Array<[string, string, () => Record<string, unknown>]> = [
    ['an Envoy listener (HCM over RDS, TLS, metadata Struct)', TYPE_URLS.listener, sidecarListener],
    ['a proxyless gRPC server listener (inline routes, RBAC, certificate providers)', TYPE_URLS.listener, grpcServerListener],
    ['a route configuration (prefix/safe_regex/headers, weighted_clusters, direct_response)', TYPE_URLS.route, routeConfiguration],
    ['an EDS cluster over ADS', TYPE_URLS.cluster, edsCluster],
    ['a cluster load assignment with localities and weights', TYPE_URLS.endpoint, clusterLoadAssignment],
    ['a TLS certificate secret', TYPE_URLS.secret, tlsCertificateSecret],
    ['a validation context secret', TYPE_URLS.secret, validationContextSecret],
  ];
  for (const [what, typeUrl, build] of cases) {
    it(`gives back ${what}`, () => {
      assert.deepEqual(roundTrip(typeUrl, build()), build());
    });
  }

  it('keeps an explicitly empty oneof member (match prefix "") on the wire', () => {
    const decoded = roundTrip(TYPE_URLS.route, routeConfiguration());
    assert.deepEqual(valueAt(decoded, ['virtual_hosts', 0, 'routes', 3, 'match']), { prefix: '' });
  });

  it('decodes enum numbers to names and bytes given as a Buffer to base64', () => {
    const cluster = withValue(edsCluster(), ['lb_policy'], 1);
    assert.equal(roundTrip(TYPE_URLS.cluster, cluster).lb_policy, 'LEAST_REQUEST');
    const secret = withValue(tlsCertificateSecret(), ['tls_certificate', 'private_key', 'inline_bytes'], Buffer.from('not a real key'));
    assert.deepEqual(roundTrip(TYPE_URLS.secret, secret), tlsCertificateSecret());
  });

  it('decodes 64-bit integers as numbers, and as decimal strings beyond 2^53', () => {
    const small = withValue(sidecarListener(), ['listener_filters_timeout'], { seconds: '5' });
    assert.deepEqual(roundTrip(TYPE_URLS.listener, small).listener_filters_timeout, { seconds: 5 });
    const large = withValue(sidecarListener(), ['listener_filters_timeout'], { seconds: '9007199254740993' });
    assert.deepEqual(roundTrip(TYPE_URLS.listener, large).listener_filters_timeout, { seconds: '9007199254740993' });
  });

  it('carries Struct-family values inside an Any under value', () => {
    const metadata = {
      typed_filter_metadata: {
        meshgate: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { owner: 'team-a', replicas: 3, nested: { ok: true } } },
      },
    };
    const listener = { ...sidecarListener(), metadata };
    assert.deepEqual(roundTrip(TYPE_URLS.listener, listener), listener);
    const typedStruct = withValue(sidecarListener(), ['filter_chains', 0, 'filters', 0, 'typed_config', 'http_filters', 0, 'typed_config'], {
      '@type': TYPE_URLS.typedStruct,
      type_url: 'type.googleapis.com/example.Filter',
      value: { limit: 10, names: ['a', 'b'] },
    });
    assert.deepEqual(roundTrip(TYPE_URLS.listener, typedStruct), typedStruct);
    const stray = withValue(listener, ['metadata', 'typed_filter_metadata', 'meshgate', 'owner'], 'x');
    assert.match(checkShape(TYPE_URLS.listener, stray)[0], /^unknown field listener\.metadata\.typed_filter_metadata\["meshgate"\]\.owner/);
  });

  it('encodes maps in key order, so insertion order does not change the bytes', () => {
    const forward = { filter_metadata: { a: { x: 1, y: 2 }, b: { z: 3 } } };
    const backward = { filter_metadata: { b: { z: 3 }, a: { y: 2, x: 1 } } };
    const bytes = (metadata: unknown) => encodeResource(TYPE_URLS.listener, { name: 'l', metadata });
    assert.deepEqual(bytes(forward), bytes(backward));
  });

  it('keeps a __proto__ key in a Struct as data', () => {
    const metadata: unknown = JSON.parse('{"filter_metadata":{"m":{"__proto__":{"polluted":true}}}}');
    const decoded = roundTrip(TYPE_URLS.listener, { name: 'l', metadata });
    assert.equal(JSON.stringify(decoded), '{"name":"l","metadata":{"filter_metadata":{"m":{"__proto__":{"polluted":true}}}}}');
    assert.equal(Reflect.get({}, 'polluted'), undefined);
  });

  it('treats null as not set, except for a JSON null inside a Struct', () => {
    const listener = { ...sidecarListener(), listener_filters: null, per_connection_buffer_limit_bytes: null };
    assert.deepEqual(roundTrip(TYPE_URLS.listener, listener), withValue(sidecarListener(), ['listener_filters'], undefined));
    const nullInStruct = withValue(sidecarListener(), ['metadata', 'filter_metadata', 'meshgate', 'source'], null);
    assert.deepEqual(valueAt(roundTrip(TYPE_URLS.listener, nullInStruct), ['metadata', 'filter_metadata', 'meshgate', 'source']), null);
  });
});
