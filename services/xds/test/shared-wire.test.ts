/**
 * Bytes shared across streams: a response body is encoded once and sent to every stream under
 * one nonce, and must be exactly what encoding it per stream gives; ACKs are read off their bytes
 * and must read as the full decoder reads them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { TYPE_URL, type ProxyNode } from '@meshgate/compiler';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import { AdsConnection, type DiscoveryRequestLike } from '../src/ads-connection.js';
import { DeltaConnection } from '../src/delta-connection.js';
import { encodeXdsResource, TypeSnapshot, type EncodedResource } from '../src/resource-cache.js';
import { deltaBody, ScannedDiscoveryRequest, scanningDeltaRequests, scanningDiscoveryRequests, sharedResponse, withNonce, type HeldVersionsBytes } from '../src/wire.js';
import { decodeHeld } from '../src/held-versions.js';

const methods = adsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService'] as unknown as Record<string, grpc.MethodDefinition<object, object>>;
const sotw = methods.StreamAggregatedResources;
const delta = methods.DeltaAggregatedResources;
const NODE: ProxyNode = { id: 'gw', role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'gw', labels: {}, ips: [] };

function cluster(name: string): EncodedResource {
  return encodeXdsResource(TYPE_URL.cluster, name, { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, connect_timeout: { seconds: '5' } });
}

function snapshotOf(names: string[]): TypeSnapshot {
  return new TypeSnapshot(TYPE_URL.cluster, new Map(names.map((name) => [name, cluster(name)])));
}

test('an ACK read off its bytes reads as the full decoder reads it; the same names give the same key, other names another', () => {
  const read = scanningDiscoveryRequests((b) => sotw.requestDeserialize(b));
  const names = Array.from({ length: 50 }, (_, i) => `outbound|8000||svc-${i}.bench.svc.cluster.local`);
  const ack = { version_info: 'v1', resource_names: names, type_url: TYPE_URL.endpoint, response_nonce: 's7' };
  const bytes = sotw.requestSerialize(ack);
  const scanned = read(bytes);
  assert.ok(scanned instanceof ScannedDiscoveryRequest, 'an ACK is not decoded whole');
  const full = sotw.requestDeserialize(bytes) as typeof ack;
  assert.equal(scanned.version_info, full.version_info);
  assert.equal(scanned.type_url, full.type_url);
  assert.equal(scanned.response_nonce, full.response_nonce);
  assert.deepEqual(scanned.resource_names, full.resource_names);

  const again = read(sotw.requestSerialize({ ...ack, version_info: 'v2', response_nonce: 's8' })) as ScannedDiscoveryRequest;
  assert.ok(again.names_key.equals(scanned.names_key));
  const other = read(sotw.requestSerialize({ ...ack, resource_names: names.slice(1) })) as ScannedDiscoveryRequest;
  assert.ok(!other.names_key.equals(scanned.names_key));
});

test('a request with a node or an error goes to the full decoder and still carries its names key', () => {
  const read = scanningDiscoveryRequests((b) => sotw.requestDeserialize(b));
  const first = read(sotw.requestSerialize({ type_url: TYPE_URL.cluster, resource_names: ['a'], node: { id: 'gw-1' } })) as { node?: { id: string }; names_key?: Buffer };
  assert.equal(first.node?.id, 'gw-1');
  const plain = read(sotw.requestSerialize({ type_url: TYPE_URL.cluster, resource_names: ['a'] })) as ScannedDiscoveryRequest;
  assert.ok(first.names_key?.equals(plain.names_key));
  const nack = read(sotw.requestSerialize({ type_url: TYPE_URL.cluster, response_nonce: 's1', error_detail: { code: 3, message: 'bad cluster' } })) as { error_detail?: { message: string } };
  assert.equal(nack.error_detail?.message, 'bad cluster');
});

test('an ACK that repeats the names is not answered; a request with other names is', () => {
  const read = scanningDiscoveryRequests((b) => sotw.requestDeserialize(b));
  const connection = new AdsConnection(1, NODE);
  const snapshot = snapshotOf(['a', 'b']);
  const request = (names: string[], nonce = '') => read(sotw.requestSerialize({ type_url: TYPE_URL.endpoint, resource_names: names, response_nonce: nonce })) as DiscoveryRequestLike;
  assert.equal(connection.handleRequest(request(['a', 'b'])).respond, true);
  const response = connection.responseFor(TYPE_URL.endpoint, snapshot, false);
  assert.ok(response);
  const ack = connection.handleRequest(request(['a', 'b'], response.nonce));
  assert.deepEqual([ack.outcome.kind, ack.respond], ['ack', false]);
  const changed = connection.handleRequest(request(['a'], response.nonce));
  assert.equal(changed.respond, true);
  assert.deepEqual([...(connection.watches.get(TYPE_URL.endpoint)?.names ?? [])], ['a']);
});

test('streams subscribing to the same names share one subscription; other names get their own', () => {
  const read = scanningDiscoveryRequests((b) => sotw.requestDeserialize(b));
  const request = (names: string[]) => read(sotw.requestSerialize({ type_url: TYPE_URL.endpoint, resource_names: names })) as DiscoveryRequestLike;
  const names = Array.from({ length: 20 }, (_, i) => `outbound|8000||shared-${i}.bench.svc.cluster.local`);
  const [one, two, three] = [new AdsConnection(1, NODE), new AdsConnection(2, NODE), new AdsConnection(3, NODE)];
  one.handleRequest(request(names));
  two.handleRequest(request(names));
  three.handleRequest(request(names.slice(1)));
  const watched = (connection: AdsConnection) => connection.watches.get(TYPE_URL.endpoint);
  assert.equal(watched(one)?.names, watched(two)?.names, 'one Set for the same names');
  assert.equal(watched(one)?.namesKey, watched(two)?.namesKey, 'one key for the same names');
  assert.notEqual(watched(three)?.names, watched(one)?.names);
  assert.deepEqual([...(watched(three)?.names ?? [])], names.slice(1));
  // A stream changing its subscription replaces its own, never the shared one.
  two.handleRequest(request(names.slice(0, 2)));
  assert.deepEqual([...(watched(one)?.names ?? [])], names);
  assert.deepEqual([...(watched(two)?.names ?? [])], names.slice(0, 2));
});

test('state of the world: every stream sent a snapshot gets the same bytes, equal to encoding the response on its own', () => {
  const snapshot = snapshotOf(['c', 'a', 'b']);
  const responses = [1, 2, 3].map((id) => {
    const connection = new AdsConnection(id, NODE);
    connection.handleRequest({ type_url: TYPE_URL.cluster });
    const response = connection.responseFor(TYPE_URL.cluster, snapshot, false);
    assert.ok(response);
    return response;
  });
  const [first, ...rest] = responses;
  for (const other of rest) {
    assert.equal(other.nonce, first.nonce);
    assert.equal(other.bytes(), first.bytes(), 'one buffer for every stream');
  }
  const ordered = [...snapshot.resources.values()].sort((x, y) => x.name.localeCompare(y.name));
  const perStream = sotw.responseSerialize({ version_info: snapshot.version, resources: ordered.map((r) => r.any), type_url: TYPE_URL.cluster, nonce: first.nonce });
  assert.ok(first.bytes().equals(perStream), 'the shared bytes are the protobuf encoding of the response');
});

test('the same body sent to a stream again gets a nonce of its own, so that an ACK names one response', () => {
  const snapshot = snapshotOf(['a']);
  const connection = new AdsConnection(1, NODE);
  connection.handleRequest({ type_url: TYPE_URL.cluster });
  const first = connection.responseFor(TYPE_URL.cluster, snapshot, false);
  const forced = connection.responseFor(TYPE_URL.cluster, snapshot, true);
  assert.ok(first && forced);
  assert.notEqual(forced.nonce, first.nonce);
  assert.ok(forced.bytes().equals(withNonce(first.body, forced.nonce)));
  const response = sharedResponse(TYPE_URL.cluster, snapshot.version, first.body, 1, forced.nonce, () => 'own');
  assert.equal(response.nonce, first.nonce, 'a later stream still shares the first nonce');
});

test('delta: a first response of everything is one body per snapshot, decoding as the per-resource entries', () => {
  const snapshot = snapshotOf(['b', 'a', 'c']);
  const responses = [1, 2].map((id) => {
    const connection = new DeltaConnection(id, NODE);
    connection.handleRequest({ type_url: TYPE_URL.cluster, resource_names_subscribe: ['*'] });
    const response = connection.responseFor(TYPE_URL.cluster, snapshot, false);
    assert.ok(response);
    return response;
  });
  assert.equal(responses[0].bytes(), responses[1].bytes());
  const ordered = [...snapshot.resources.values()].sort((x, y) => x.name.localeCompare(y.name));
  const perStream = withNonce(deltaBody(snapshot.version, TYPE_URL.cluster, ordered.map((r) => r.deltaEntry), []), responses[0].nonce);
  assert.ok(responses[0].bytes().equals(perStream));
  const decoded = delta.responseDeserialize(responses[0].bytes()) as { resources: { name: string; version: string; resource: { value: Buffer } }[]; nonce: string };
  assert.deepEqual(
    decoded.resources.map((r) => [r.name, r.version, Buffer.from(r.resource.value).toString('hex')]),
    ordered.map((r) => [r.name, r.hash, r.any.value.toString('hex')]),
  );
  assert.equal(decoded.nonce, responses[0].nonce);
});

test('a delta request read off its bytes reads as the full decoder reads it; its node is decoded alone; one with an error is decoded whole', () => {
  const read = scanningDeltaRequests((b) => delta.requestDeserialize(b));
  const versions = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`outbound|8000||svc-${i}.bench.svc.cluster.local`, `v${i}`]));
  const request = {
    type_url: TYPE_URL.endpoint,
    resource_names_subscribe: Object.keys(versions),
    resource_names_unsubscribe: ['gone', '__proto__'],
    initial_resource_versions: { ...versions, ['__proto__']: 'p' },
    response_nonce: 's3',
  };
  const bytes = delta.requestSerialize(request);
  const scanned = read(bytes) as typeof request & { node?: unknown };
  const full = delta.requestDeserialize(bytes) as typeof request;
  assert.equal(scanned.node, undefined, 'read directly, not decoded whole');
  assert.equal(scanned.type_url, full.type_url);
  assert.equal(scanned.response_nonce, full.response_nonce);
  assert.deepEqual(scanned.resource_names_subscribe, full.resource_names_subscribe);
  assert.deepEqual(scanned.resource_names_unsubscribe, full.resource_names_unsubscribe);
  const held = (scanned as { initial_versions_bytes?: HeldVersionsBytes }).initial_versions_bytes;
  assert.ok(held, 'the versions located, not decoded');
  assert.deepEqual([...decodeHeld(held)].sort(), Object.entries(request.initial_resource_versions).sort());
  // The subscribed names' bytes: the same names in another request are the same key, other names another.
  const key = (scanned as { subscribe_key?: Buffer }).subscribe_key;
  assert.ok(key && key.length > 0);
  const again = read(delta.requestSerialize({ type_url: TYPE_URL.endpoint, resource_names_subscribe: request.resource_names_subscribe, response_nonce: 'other' })) as { subscribe_key?: Buffer };
  assert.ok(again.subscribe_key?.equals(key));
  const other = read(delta.requestSerialize({ type_url: TYPE_URL.endpoint, resource_names_subscribe: ['elsewhere'] })) as { subscribe_key?: Buffer };
  assert.ok(other.subscribe_key && !other.subscribe_key.equals(key));

  // A reconnecting gateway's first request: its node, and 20 names with the versions it holds.
  const node = { id: 'gw-1', metadata: { fields: { ROLE: { stringValue: 'ingress-gateway' } } } };
  const firstBytes = delta.requestSerialize({ type_url: TYPE_URL.cluster, resource_names_subscribe: ['*'], initial_resource_versions: versions, node });
  const first = read(firstBytes) as { node?: { id: string }; initial_resource_versions?: unknown; initial_versions_bytes?: HeldVersionsBytes };
  assert.deepEqual(first.node, (delta.requestDeserialize(firstBytes) as { node?: unknown }).node, 'the node as the full decoder reads it');
  assert.equal(first.node?.id, 'gw-1');
  assert.equal(first.initial_resource_versions, undefined, 'the versions read directly, not decoded whole');
  assert.ok(first.initial_versions_bytes);
  assert.deepEqual([...decodeHeld(first.initial_versions_bytes)].sort(), Object.entries(versions).sort());
  const nack = read(delta.requestSerialize({ type_url: TYPE_URL.cluster, response_nonce: 's1', error_detail: { code: 3, message: 'bad' } })) as { error_detail?: { message: string } };
  assert.equal(nack.error_detail?.message, 'bad');
});
