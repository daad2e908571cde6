/**
 * A reconnecting delta proxy's `initial_resource_versions`, read off the request's bytes and
 * checked against the snapshot (held-versions.ts), answer as the same versions decoded whole do:
 * for random holdings (names at the current version, at another, unknown to the snapshot, listed
 * twice, not subscribed, unsubscribed in the same request) and wildcard or explicit
 * subscriptions, both first answers carry the
 * same resources and the same removals, and so do the answers after the next snapshot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type * as grpc from '@grpc/grpc-js';
import { TYPE_URL, type ProxyNode } from '@meshgate/compiler';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import { DeltaConnection, type DeltaRequestLike } from '../src/delta-connection.js';
import { encodeXdsResource, TypeSnapshot, type EncodedResource } from '../src/resource-cache.js';
import { scanningDeltaRequests } from '../src/wire.js';

const methods = adsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService'] as unknown as Record<string, grpc.MethodDefinition<object, object>>;
const delta = methods.DeltaAggregatedResources;
const NODE: ProxyNode = { id: 'gw', role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'gw', labels: {}, ips: [] };
const NAMES = Array.from({ length: 12 }, (_, i) => `outbound|8000||svc-${i}.bench.svc.cluster.local`);

function cluster(name: string, timeout: number): EncodedResource {
  return encodeXdsResource(TYPE_URL.cluster, name, { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, connect_timeout: { seconds: String(timeout + 1) } });
}

function snapshot(present: readonly boolean[], timeouts: readonly number[]): TypeSnapshot {
  return new TypeSnapshot(TYPE_URL.cluster, new Map(NAMES.flatMap((name, i) => (present[i] ? [[name, cluster(name, timeouts[i])] as const] : []))));
}

/** What a response says, order aside: resources sent (name, version) and names removed. */
function answer(bytes: Buffer | undefined): { sent: string[]; removed: string[] } | undefined {
  if (!bytes) return undefined;
  const decoded = delta.responseDeserialize(bytes) as { resources: { name: string; version: string }[]; removed_resources: string[] };
  return { sent: decoded.resources.map((r) => `${r.name}@${r.version}`).sort(), removed: [...decoded.removed_resources].sort() };
}

/** One holding: a name (of NAMES, or one the snapshot never has) with the current version, another, or junk. */
const holding = fc.record({ name: fc.oneof(fc.nat(NAMES.length - 1).map((i) => NAMES[i]), fc.constantFrom('gone-a', 'gone-b')), version: fc.constantFrom('current', 'other', '') });

test('initial versions read off the bytes against the snapshot answer as the decoded versions do', () => {
  const read = scanningDeltaRequests((b) => delta.requestDeserialize(b));
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { minLength: NAMES.length, maxLength: NAMES.length }),
      fc.array(fc.nat(3), { minLength: NAMES.length, maxLength: NAMES.length }),
      fc.array(holding, { maxLength: 20 }),
      fc.option(fc.subarray(NAMES), { nil: undefined }),
      fc.array(fc.nat(3), { minLength: NAMES.length, maxLength: NAMES.length }),
      fc.subarray(NAMES.slice(0, 4)),
      (present, timeouts, held, explicit, nextTimeouts, unsubscribe) => {
        const now = snapshot(present, timeouts);
        const versions: [string, string][] = held.map(({ name, version }) => [name, version === 'current' ? (now.resources.get(name)?.hash ?? 'none') : version]);
        // On the wire a name may be listed twice (two messages concatenated merge: the later entry wins); decoded, that is one map.
        // Some opening requests also unsubscribe names (then the versions are taken as they are, no snapshot check).
        const wire = { type_url: TYPE_URL.cluster, resource_names_subscribe: explicit ?? [], resource_names_unsubscribe: unsubscribe, initial_resource_versions: Object.fromEntries(versions) };
        const half = Math.floor(versions.length / 2);
        const bytes = Buffer.concat([
          delta.requestSerialize({ ...wire, initial_resource_versions: Object.fromEntries(versions.slice(0, half)) }),
          delta.requestSerialize({ type_url: TYPE_URL.cluster, initial_resource_versions: Object.fromEntries(versions.slice(half)) }),
        ]);
        const scanned = read(bytes) as DeltaRequestLike;
        assert.ok(scanned.initial_versions_bytes || versions.length === 0, 'read off the bytes');
        const decoded: DeltaRequestLike = { ...wire, initial_resource_versions: Object.fromEntries(versions) };

        const fromBytes = new DeltaConnection(1, NODE);
        const fromDecoded = new DeltaConnection(2, NODE);
        fromBytes.handleRequest(scanned);
        fromDecoded.handleRequest(decoded);
        const a = fromBytes.responseFor(TYPE_URL.cluster, now, false);
        const b = fromDecoded.responseFor(TYPE_URL.cluster, now, false);
        assert.deepEqual(answer(a?.bytes()), answer(b?.bytes()));

        // ACKed, then the next snapshot: both proxies are taken to hold the same.
        if (a && b) {
          fromBytes.handleRequest({ type_url: TYPE_URL.cluster, response_nonce: a.nonce });
          fromDecoded.handleRequest({ type_url: TYPE_URL.cluster, response_nonce: b.nonce });
        }
        const next = snapshot(present.map((p, i) => (i % 5 === 0 ? !p : p)), nextTimeouts);
        assert.deepEqual(answer(fromBytes.responseFor(TYPE_URL.cluster, next, false)?.bytes()), answer(fromDecoded.responseFor(TYPE_URL.cluster, next, false)?.bytes()));
      },
    ),
    { numRuns: 300 },
  );
});

test('a proxy that holds every resource at its current version is sent an empty answer', () => {
  const read = scanningDeltaRequests((b) => delta.requestDeserialize(b));
  const now = snapshot(NAMES.map(() => true), NAMES.map(() => 1));
  const held = Object.fromEntries([...now.resources.values()].map((r) => [r.name, r.hash]));
  const connection = new DeltaConnection(1, NODE);
  connection.handleRequest(read(delta.requestSerialize({ type_url: TYPE_URL.cluster, initial_resource_versions: held })) as DeltaRequestLike);
  assert.deepEqual(answer(connection.responseFor(TYPE_URL.cluster, now, false)?.bytes()), { sent: [], removed: [] });
});
