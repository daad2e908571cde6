/**
 * ServiceEntry and DestinationRule: normalisation, idempotence (what is stored validates to
 * itself), objects stored before the kinds were compiled, and the TCP port collision rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  deserialiseState,
  evolve,
  initialState,
  serialiseState,
  serviceEntryPortCollisions,
  describeCollision,
  validateDocument,
  type DestinationRuleObject,
  type MeshObject,
  type ServiceEntryObject,
} from '../src/index.js';
import { parseOne, validOne } from './helpers.js';

const MONGO_ENTRY = `apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata:
  name: mongo
spec:
  hosts:
  - My-Mongo.tcp.svc
  addresses:
  - 203.0.113.7
  - 10.1.2.3/8
  ports:
  - number: 27017
    name: mongo
    protocol: mongo
  location: MESH_EXTERNAL
  resolution: STATIC
  endpoints:
  - address: 203.0.113.7
    labels: {version: v1}
    ports: {mongo: 27018}
    weight: 3
`;

const REVIEWS_RULE = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: bookinfo
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpHeaderName: X-User
        ringHash: {minimumRingSize: 64}
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 2s}
      http: {http1MaxPendingRequests: 10, maxRetries: 3}
    outlierDetection: {consecutiveErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
    portLevelSettings:
    - port: {number: 9080}
      tls: {mode: ISTIO_MUTUAL, sni: reviews.bookinfo.svc.cluster.local}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: LEAST_REQUEST}
`;

function revalidated(object: MeshObject): MeshObject {
  const again = validateDocument(object);
  assert.ok(again.valid, JSON.stringify(again));
  return again.value;
}

describe('ServiceEntry', () => {
  it('is normalised: hosts lower-cased, addresses as canonical CIDRs, protocols upper-cased, defaults filled', () => {
    const entry = validOne(MONGO_ENTRY) as ServiceEntryObject;
    assert.deepEqual(entry.spec, {
      hosts: ['my-mongo.tcp.svc'],
      addresses: ['10.0.0.0/8', '203.0.113.7/32'],
      ports: [{ number: 27017, name: 'mongo', protocol: 'MONGO' }],
      location: 'MESH_EXTERNAL',
      resolution: 'STATIC',
      endpoints: [{ address: '203.0.113.7', labels: { version: 'v1' }, ports: { mongo: 27018 }, weight: 3 }],
      exportTo: [],
      subjectAltNames: [],
    });
    assert.deepEqual(revalidated(entry), entry, 'the stored shape validates to itself');
  });

  it('defaults resolution to NONE and location to MESH_EXTERNAL, as Istio does', () => {
    const entry = validOne('apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: web}\nspec:\n  hosts: ["*.example.com"]\n  ports: [{number: 443, name: https, protocol: TLS}]\n') as ServiceEntryObject;
    assert.equal(entry.spec.resolution, 'NONE');
    assert.equal(entry.spec.location, 'MESH_EXTERNAL');
  });
});

describe('DestinationRule', () => {
  it('is normalised: host qualified like a destination, consecutiveErrors read as consecutive5xxErrors, ringHash size kept', () => {
    const rule = validOne(REVIEWS_RULE) as DestinationRuleObject;
    assert.equal(rule.spec.host, 'reviews.bookinfo.svc.cluster.local');
    assert.deepEqual(rule.spec.trafficPolicy?.loadBalancer, { consistentHash: { httpHeaderName: 'x-user', minimumRingSize: 64 } });
    assert.equal(rule.spec.trafficPolicy?.outlierDetection?.consecutive5xxErrors, 5);
    assert.deepEqual(rule.spec.trafficPolicy?.portLevelSettings[0].tls, { mode: 'ISTIO_MUTUAL', sni: 'reviews.bookinfo.svc.cluster.local', subjectAltNames: [] });
    assert.deepEqual(rule.spec.subsets.map((subset) => subset.name), ['v1', 'v2']);
    assert.deepEqual(revalidated(rule), rule, 'the stored shape validates to itself');
  });

  it('validates its own output to itself, whatever the policy (property)', () => {
    const duration = fc.constantFrom('1s', '250ms', '1m30s');
    const tls = fc.oneof(
      fc.constant({ mode: 'DISABLE' }),
      fc.record({ mode: fc.constant('ISTIO_MUTUAL'), sni: fc.constantFrom('a.example.com', 'b.example.com') }),
      fc.record({ mode: fc.constant('SIMPLE'), caCertificates: fc.constant('/etc/ca.pem'), subjectAltNames: fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }) }),
      fc.record({ mode: fc.constant('MUTUAL'), credentialName: fc.constant('client-cred') }),
    );
    const loadBalancer = fc.oneof(
      fc.record({ simple: fc.constantFrom('ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'PASSTHROUGH') }),
      fc.record({ consistentHash: fc.oneof(fc.record({ httpHeaderName: fc.constantFrom('X-A', 'x-b') }), fc.record({ useSourceIp: fc.constant(true) }), fc.record({ httpCookie: fc.record({ name: fc.constant('c'), ttl: duration }) })) }),
    );
    const policy = fc.record(
      { loadBalancer, tls, outlierDetection: fc.record({ consecutive5xxErrors: fc.nat(10), interval: duration }, { requiredKeys: [] }), connectionPool: fc.record({ tcp: fc.record({ maxConnections: fc.nat(1000) }) }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(policy, fc.array(fc.constantFrom('v1', 'v2', 'v3'), { maxLength: 3 }), (trafficPolicy, versions) => {
        const subsets = [...new Set(versions)].map((version) => ({ name: version, labels: { version } }));
        const result = validateDocument({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'r' }, spec: { host: 'reviews', trafficPolicy, subsets } });
        assert.ok(result.valid, JSON.stringify(result));
        assert.deepEqual(revalidated(result.value), result.value);
      }),
    );
  });
});

describe('objects stored while the kinds were foreign', () => {
  // What the model stored before: envelope + the spec as written (keys sorted), nothing defaulted.
  const legacyEntry = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'ServiceEntry', metadata: { name: 'mongo', namespace: 'default', labels: {}, annotations: {} }, spec: { hosts: ['my-mongo.tcp.svc'], ports: [{ name: 'tcp', number: 27017, protocol: 'TCP' }], resolution: 'DNS' } };
  const legacyRule = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'DestinationRule', metadata: { name: 'egw', namespace: 'default', labels: {}, annotations: {} }, spec: { host: 'istio-egressgateway.istio-system.svc.cluster.local', subsets: [{ name: 'Mongo_Subset' }] } };

  it('replay into the shape of today', () => {
    const state = evolve(initialState(), 1, { type: 'ResourceApplied', data: { object: legacyEntry, digest: 'x', source: 'api' } });
    const entry = state.byKind.ServiceEntry.get('default/mongo');
    assert.equal(entry?.spec.location, 'MESH_EXTERNAL');
    assert.deepEqual(entry?.spec.endpoints, []);
    assert.equal(entry?.refusedOnLoad, undefined);
  });

  it('that today refuses are kept, empty, with the errors, and survive a snapshot', () => {
    const state = evolve(initialState(), 1, { type: 'ResourceApplied', data: { object: legacyRule, digest: 'x', source: 'api' } });
    const rule = state.byKind.DestinationRule.get('default/egw');
    assert.equal(rule?.spec.host, '');
    assert.match(rule?.refusedOnLoad?.join('\n') ?? '', /spec\.subsets\[0\]\.name/);
    const restored = deserialiseState(JSON.parse(JSON.stringify(serialiseState(state))));
    assert.deepEqual(restored.byKind.DestinationRule.get('default/egw'), rule);
  });
});

describe('a subset with neither labels nor a trafficPolicy (seed 003, first step)', () => {
  it('is accepted as Istio accepts it, with a warning naming the subset', () => {
    const result = validateDocument(parseOne('apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata: {name: egressgateway-for-mongo}\nspec:\n  host: istio-egressgateway.istio-system.svc.cluster.local\n  subsets:\n  - name: mongo\n'));
    assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
    assert.deepEqual(result.warnings?.map((w) => w.path), ['spec.subsets[0]']);
    assert.match(result.warnings?.[0].message ?? '', /neither labels nor a trafficPolicy/);
  });
});

describe('a wildcard ServiceEntry with resolution DYNAMIC_DNS (issue 10, item 6)', () => {
  const entry = (annotations: string) =>
    `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: any-com\n${annotations}spec:\n  hosts: ["*.com"]\n  ports: [{number: 443, name: tls, protocol: TLS}, {number: 80, name: http, protocol: HTTP}]\n  resolution: DYNAMIC_DNS\n`;

  it('is accepted with TLS and HTTP ports and no warning', () => {
    const result = validateDocument(parseOne(entry('')));
    assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
    assert.equal((result.value as ServiceEntryObject).spec.resolution, 'DYNAMIC_DNS');
    assert.equal(result.warnings, undefined);
  });

  it('takes the allow-private-destinations opt-in without a warning, and warns about other meshgate.io annotations', () => {
    const result = validateDocument(parseOne(entry('  annotations:\n    meshgate.io/allow-private-destinations: "true"\n    meshgate.io/allow-privat-destinations: "true"\n    example.com/other: x\n')));
    assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
    assert.deepEqual(result.warnings?.map((w) => w.path), ['metadata.annotations["meshgate.io/allow-privat-destinations"]']);
    assert.match(result.warnings?.[0].message ?? '', /does not know this annotation/);
  });
});

describe('TCP ServiceEntries without addresses on one port (istio#6695)', () => {
  const tcpEntry = (name: string, host: string, port: number, addresses = '') =>
    validOne(`apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ${name}}\nspec:\n  hosts: [${host}]\n  ports: [{number: ${port}, name: tcp, protocol: TCP}]\n  resolution: DNS\n${addresses}`) as ServiceEntryObject;

  it('the later one collides with the stored one, and the message names both', () => {
    const first = tcpEntry('mongo-a', 'a.example.com', 27017);
    const second = tcpEntry('mongo-b', 'b.example.com', 27017);
    const collisions = serviceEntryPortCollisions([first], [second]);
    assert.equal(collisions.length, 1);
    assert.equal(collisions[0].holder, first);
    assert.match(describeCollision(collisions[0]), /default\/mongo-a.*default\/mongo-b.*0\.0\.0\.0:27017/);
  });

  it('within one request the later document collides', () => {
    const collisions = serviceEntryPortCollisions([], [tcpEntry('a', 'a.example.com', 1), tcpEntry('b', 'b.example.com', 1)]);
    assert.deepEqual(collisions.map((c) => [c.entry.metadata.name, c.holder.metadata.name]), [['b', 'a']]);
  });

  it('re-applying the same entry, other ports, or entries with addresses do not collide', () => {
    const first = tcpEntry('mongo-a', 'a.example.com', 27017);
    assert.deepEqual(serviceEntryPortCollisions([first], [tcpEntry('mongo-a', 'c.example.com', 27017)]), []);
    assert.deepEqual(serviceEntryPortCollisions([first], [tcpEntry('mongo-b', 'b.example.com', 27018)]), []);
    assert.deepEqual(serviceEntryPortCollisions([first], [tcpEntry('mongo-b', 'b.example.com', 27017, '  addresses: [203.0.113.9]\n')]), []);
  });
});
