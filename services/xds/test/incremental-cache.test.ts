/**
 * The snapshot cache on incremental compile: after a batch, only the compiled units that read a
 * changed object are rebuilt (counted through the compiler memo's hook), only the resources
 * that changed are encoded anew, and proxies whose compile read nothing that changed are not
 * affected (a push skips them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TYPE_URL, type ProxyNode } from '@meshgate/compiler';
import { digestOf, evolve, initialState, validateDocument, type MeshState } from '@meshgate/model';
import { encodeXdsResource, ResourceCache } from '../src/resource-cache.js';

const OPTIONS = { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' };
const GATEWAY: ProxyNode = { id: 'gw', role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'gw', labels: { istio: 'ingressgateway' }, ips: [] };
const CLIENT: ProxyNode = { id: 'client', role: 'sidecar', client: 'grpc', namespace: 'apps', serviceAccount: 'client', labels: {}, ips: [] };
const SERVER: ProxyNode = { id: 'server', role: 'sidecar', client: 'grpc', namespace: 'apps', serviceAccount: 'svc-1', labels: { app: 'svc-1' }, ips: ['10.1.0.2'] };
const NODES = [GATEWAY, CLIENT, SERVER];
const COUNT = 20;

let sequence = 0;

function apply(state: MeshState, document: unknown): { kind: string; namespace: string; name: string } {
  const result = validateDocument(document, { clusterDomain: OPTIONS.clusterDomain });
  assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
  const object = result.value;
  evolve(state, ++sequence, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } });
  return { kind: object.kind, namespace: (object.metadata as { namespace?: string }).namespace ?? '', name: object.metadata.name };
}

function slice(name: string, ip: string): unknown {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-x`, namespace: 'apps', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'grpc', port: 7070, protocol: 'TCP' }],
  };
}

function virtualService(name: string, prefix: string): unknown {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'apps' },
    spec: { hosts: [`${name}.example.com`], gateways: ['istio-system/public'], http: [{ match: [{ uri: { prefix } }], route: [{ destination: { host: name } }] }] },
  };
}

function mesh(): MeshState {
  const state = initialState();
  apply(state, {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Gateway',
    metadata: { name: 'public', namespace: 'istio-system' },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.example.com'] }] },
  });
  for (let i = 0; i < COUNT; i++) {
    const name = `svc-${i}`;
    apply(state, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'apps' }, spec: { selector: { app: name }, ports: [{ name: 'grpc', port: 7070 }] } });
    apply(state, slice(name, `10.1.0.${i + 1}`));
    apply(state, virtualService(name, '/'));
  }
  return state;
}

function setUp() {
  const state = mesh();
  const cache = new ResourceCache(OPTIONS);
  const before = NODES.map((node) => cache.resourcesFor(state, node));
  const since = cache.generation;
  const built: string[] = [];
  cache.memoHooks.onBuild = (key) => built.push(key);
  return { state, cache, before, since, built };
}

test('an endpoint change rebuilds one assignment; its proxies get a new EDS snapshot, the rest of their snapshots are the same objects', () => {
  const { state, cache, before, since, built } = setUp();
  cache.invalidate([apply(state, slice('svc-3', '10.9.9.9'))]);
  // Every proxy reaching svc-3 is affected; the server's own listeners are not.
  assert.deepEqual(NODES.map((node) => cache.affects(node, since)), [true, true, true]);
  const after = NODES.map((node) => cache.resourcesFor(state, node));

  assert.deepEqual(built.filter((key) => !key.startsWith('compile|') && !key.startsWith('endpoint-list|') && !key.startsWith('endpoint-group|')), ['endpoint|outbound|7070||svc-3.apps.svc.cluster.local']);
  for (const [i, result] of after.entries()) {
    for (const typeUrl of [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster]) assert.equal(result.byType.get(typeUrl), before[i].byType.get(typeUrl), `${NODES[i].id} ${typeUrl}`);
    const diff = result.byType.get(TYPE_URL.endpoint)?.diffFrom(before[i].byType.get(TYPE_URL.endpoint));
    assert.deepEqual(diff, { changed: ['outbound|7070||svc-3.apps.svc.cluster.local'], removed: [] });
  }
  // Gateway and client share the one assignment object, encoded once.
  const encoded = (node: number) => after[node].byType.get(TYPE_URL.endpoint)?.resources.get('outbound|7070||svc-3.apps.svc.cluster.local');
  assert.equal(encoded(0), encoded(1));
});

test('a change to one gateway VirtualService rebuilds its routes only and leaves proxyless proxies unaffected', () => {
  const { state, cache, since, built } = setUp();
  cache.invalidate([apply(state, virtualService('svc-5', '/v2'))]);
  assert.deepEqual(NODES.map((node) => cache.affects(node, since)), [true, false, false]);
  for (const node of NODES) cache.resourcesFor(state, node);
  assert.deepEqual(built.filter((key) => key.startsWith('vs-routes|')).length, 1, built.join(', '));
  assert.ok(!built.some((key) => key.startsWith('endpoint|') || key.startsWith('cluster|')));
});

test('a route change encodes only the RouteConfiguration holding it: the listener, clusters and assignments are the objects encoded before', () => {
  const state = mesh();
  const encoded: string[] = [];
  const cache = new ResourceCache(OPTIONS, {
    encode: (typeUrl, name, resource) => {
      encoded.push(name);
      return encodeXdsResource(typeUrl, name, resource);
    },
  });
  const before = cache.resourcesFor(state, GATEWAY);
  encoded.length = 0;
  cache.invalidate([apply(state, virtualService('svc-5', '/v2'))]);
  const after = cache.resourcesFor(state, GATEWAY);
  assert.deepEqual(encoded, ['http.80']);
  for (const typeUrl of [TYPE_URL.listener, TYPE_URL.cluster, TYPE_URL.endpoint]) assert.equal(after.byType.get(typeUrl), before.byType.get(typeUrl), typeUrl);
  assert.deepEqual(after.byType.get(TYPE_URL.route)?.diffFrom(before.byType.get(TYPE_URL.route)), { changed: ['http.80'], removed: [] });
});

test('a batch that changes no object affects no proxy and rebuilds nothing', () => {
  const { state, cache, before, since, built } = setUp();
  cache.invalidate([]);
  assert.deepEqual(NODES.map((node) => cache.affects(node, since)), [false, false, false]);
  const after = NODES.map((node) => cache.resourcesFor(state, node));
  assert.deepEqual(built, []);
  after.forEach((result, i) => assert.deepEqual([...result.byType.values()], [...before[i].byType.values()]));
});

test('a Secret no server names still affects the gateways of its namespace (their SDS is served from it), and no other proxy; nothing is recompiled', () => {
  const { state, cache, since, built } = setUp();
  const elsewhere: ProxyNode = { ...GATEWAY, id: 'gw-other', namespace: 'other' };
  cache.resourcesFor(state, elsewhere);
  built.length = 0;
  // Stored shape (names and digests): the api stores Secrets so; apply is not this test's.
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cred', namespace: 'istio-system', labels: {}, annotations: {} }, type: 'kubernetes.io/tls', data: {}, problems: [] } as const;
  evolve(state, ++sequence, { type: 'ResourceApplied', data: { object: secret as never, digest: 'x', source: 'test' } });
  cache.invalidate([{ kind: 'Secret', namespace: 'istio-system', name: 'cred' }]);
  assert.deepEqual(NODES.map((node) => cache.affects(node, since)), [true, false, false]);
  assert.equal(cache.affects(elsewhere, since), false, 'a gateway of another namespace is never sent it');
  for (const node of NODES) cache.resourcesFor(state, node);
  assert.deepEqual(built, []);
});
