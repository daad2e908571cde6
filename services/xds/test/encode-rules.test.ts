/**
 * The xds service publishes nothing Envoy would NACK for breaking the protos' validate rules:
 * `encodeXdsResource`, through which every compiled resource and SDS secret is encoded, refuses
 * such a resource; the cache reports it through `onEncodeError` (the ADS server counts it in
 * meshgate_xds_encode_errors_total and logs it) and leaves it out of what it publishes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TYPE_URL, type ProxyNode } from '@meshgate/compiler';
import { InvalidResourceError } from '@meshgate/envoy-proto';
import { digestOf, evolve, initialState, validateDocument, type MeshState } from '@meshgate/model';
import { encodeXdsResource, ResourceCache } from '../src/resource-cache.js';

const cluster = (name: string, seconds: number) => ({ name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, connect_timeout: { seconds } });

test('a resource that breaks a validate rule is refused with the rule and its path; a clean one encodes', () => {
  assert.ok(encodeXdsResource(TYPE_URL.cluster, 'web', cluster('web', 5)).any.value.length > 0);
  assert.throws(
    () => encodeXdsResource(TYPE_URL.cluster, 'web', cluster('web', 0)),
    (error: unknown) =>
      error instanceof InvalidResourceError && error.problems.length === 1 && error.problems[0] === 'cluster.connect_timeout: must be greater than 0s ((validate.rules).duration.gt)',
  );
  assert.throws(() => encodeXdsResource(TYPE_URL.cluster, '', cluster('', 5)), /cluster\.name: must be at least 1 characters long/);
});

function servicesState(names: readonly string[]): MeshState {
  let state = initialState();
  names.forEach((name, i) => {
    const result = validateDocument({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'apps' }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }] } }, { clusterDomain: 'cluster.local' });
    assert.ok(result.valid);
    state = evolve(state, i + 1, { type: 'ResourceApplied', data: { object: result.value, digest: digestOf(result.value), source: 'test' } });
  });
  return state;
}

test('the cache leaves a violating compiled resource out of what it publishes and reports it (the ADS server counts it); the rest is sent', () => {
  const broken = 'outbound|80||web.apps.svc.cluster.local';
  const refused: string[] = [];
  const cache = new ResourceCache(
    { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' },
    {
      onEncodeError: (typeUrl, name, error) => refused.push(`${name}: ${error.message}`),
      // A compiler bug stood in for: one cluster comes out with a zero connect timeout, which the real encoder's rules refuse.
      encode: (typeUrl, name, resource, object) => encodeXdsResource(typeUrl, name, typeUrl === TYPE_URL.cluster && name === broken ? { ...resource, connect_timeout: { seconds: 0 } } : resource, object),
    },
  );
  const node: ProxyNode = { id: 'sidecar', role: 'sidecar', client: 'envoy', namespace: 'apps', serviceAccount: 'default', labels: {}, ips: [] };
  const clusters = [...(cache.resourcesFor(servicesState(['web', 'api']), node).byType.get(TYPE_URL.cluster)?.resources.keys() ?? [])];
  assert.equal(refused.length, 1, refused.join('\n'));
  assert.match(refused[0], /^outbound\|80\|\|web\.apps\.svc\.cluster\.local: .*cluster\.connect_timeout: must be greater than 0s/s);
  assert.ok(!clusters.includes(broken), 'not sent');
  assert.ok(clusters.includes('outbound|80||api.apps.svc.cluster.local'), `the others are: ${clusters.join(', ')}`);
});
