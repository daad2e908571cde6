/**
 * Incremental compile against a full compile: a long random sequence of creates, updates and
 * deletes, folded into one state as the follower does, and after every step the incremental
 * result (an IncrementalIndex fed the changed objects, its memo reused) equals a fresh full
 * compile, for an Envoy gateway, an Envoy sidecar, and proxyless gRPC clients and servers. Then
 * focused cases count unit rebuilds (the memo's hook), never time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { digestOf, evolve, initialState, type MeshObject, type MeshState } from '@meshgate/model';
import { encodeResource } from '@meshgate/envoy-proto';
import { compileIndexKey, compileProxy, compileServerListeners, compileWithIndex, IncrementalIndex, TYPE_URL, type ChangedRef, type CompileResult, type ProxyNode } from '../src/index.js';
import { resourceTypes } from './grpc-xds.js';
import { gatewayNodeKey } from '../src/units.js';
import { gateway, GRPC_NODE, httpServer, incrementalAtSmallScale, INGRESS_NODE, objectsFrom, OPTIONS, secret, service, virtualService } from './support.js';
import { EGRESS_NODE, trafficDocuments } from './traffic-arbitraries.js';

const NAMESPACES = ['a', 'b'];
const SERVICES = ['s1', 's2', 's3'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];

const SIDECAR: ProxyNode = { id: 'side', role: 'sidecar', client: 'envoy', namespace: 'a', serviceAccount: 's1', labels: { app: 's1' }, ips: [] };
const GRPC_SERVER: ProxyNode = { id: 'srv', role: 'sidecar', client: 'grpc', namespace: 'a', serviceAccount: 's1', labels: { app: 's1' }, ips: ['10.0.0.1'] };
/** A proxyless client whose bootstrap has file instances for some DestinationRule files (`proxyless-tls.ts`). */
const GRPC_TLS_CLIENT: ProxyNode = {
  ...GRPC_NODE,
  id: 'tls-client',
  namespace: 'a',
  certificateProviders: ['default', 'file:ca=/etc/ext/ca.pem', 'file:cert=/etc/ext/client.pem;key=/etc/ext/client-key.pem'],
};
const NODES: ProxyNode[] = [INGRESS_NODE, SIDECAR, GRPC_NODE, GRPC_SERVER, GRPC_TLS_CLIENT, EGRESS_NODE];

const ns = fc.constantFrom(...NAMESPACES);
const svcName = fc.constantFrom(...SERVICES);
const ip = fc.constantFrom(...IPS);
const PORTS = [
  { name: 'http', port: 80 },
  { name: 'grpc', port: 7070 },
];

const meshDocuments: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ name: ns, monitored: fc.boolean() }).map(({ name, monitored }) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: monitored ? { 'openservicemesh.io/monitored-by': 'osm' } : {} },
  })),
  fc.record({ ns, name: svcName, ports: fc.subarray(PORTS, { minLength: 1 }) }).map(({ ns: n, name, ports }) => service(n, name, ports)),
  fc.record({ ns, name: svcName, ips: fc.subarray(IPS) }).map(({ ns: n, name, ips }) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: n },
    subsets: ips.length === 0 ? [] : [{ addresses: ips.map((address) => ({ ip: address })), ports: [{ name: 'http', port: 8080 }] }],
  })),
  fc.record({ ns, name: fc.constantFrom('e1', 'e2', 'e3'), owner: svcName, ips: fc.subarray(IPS), ready: fc.boolean() }).map(({ ns: n, name, owner, ips, ready }) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: n, labels: { 'kubernetes.io/service-name': owner } },
    addressType: 'IPv4',
    endpoints: ips.map((address) => ({ addresses: [address], conditions: { ready } })),
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'grpc', port: 7070, protocol: 'TCP' },
    ],
  })),
  fc
    .record({
      ns,
      name: fc.constantFrom('v1', 'v2', 'v3'),
      hosts: fc.subarray(['s1', 's2.b.svc.cluster.local', 'x.example.com', '*.example.com', '*.a.svc.cluster.local'], { minLength: 1 }),
      gateways: fc.subarray(['istio-system/public', 'mesh'], { minLength: 1 }),
      destination: svcName,
      prefix: fc.constantFrom('/', '/api'),
    })
    .map(({ ns: n, name, hosts, gateways, destination, prefix }) =>
      virtualService(n, name, { hosts, gateways, http: [{ match: [{ uri: { prefix } }], route: [{ destination: { host: destination } }] }] }),
    ),
  fc.subarray(['*', '*.example.com', 'x.example.com', 'a/*'], { minLength: 1 }).map((hosts) => gateway('istio-system', 'public', [httpServer(80, hosts)])),
  // An https claim of a Service's workload port (80 or 7070) makes proxyless clients dial it over mesh TLS, naming the Pods' identities.
  fc.record({ name: fc.constantFrom('ib1', 'ib2'), backend: svcName, ipSource: fc.boolean(), port: fc.constantFrom(8080, 80, 7070), https: fc.boolean() }).map(({ name, backend, ipSource, port, https }) => ({
    apiVersion: 'policy.openservicemesh.io/v1alpha1',
    kind: 'IngressBackend',
    metadata: { name, namespace: 'a' },
    spec: {
      backends: [{ name: backend, port: { number: port, protocol: https ? 'https' : 'http' }, ...(https ? { tls: { skipClientCertValidation: true } } : {}) }],
      sources: [ipSource ? { kind: 'IPRange', name: '10.0.0.0/8' } : { kind: 'Service', namespace: 'b', name: 's1' }],
    },
  })),
  fc.record({ ns, name: fc.constantFrom('p1', 'p2', 'p3'), app: svcName, ip, version: fc.constantFrom('v1', 'v2') }).map(({ ns: n, name, app, ip: address, version }) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: n, labels: { app, version } },
    spec: { serviceAccountName: app, containers: [{ name: 'c', ports: [{ name: 'grpc', containerPort: 7070 }] }] },
    status: { podIP: address },
  })),
  fc.record({ name: fc.constantFrom('i1', 'i2'), backend: svcName, host: fc.constantFrom('x.example.com', 'y.example.com') }).map(({ name, backend, host }) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'a' },
    spec: { ingressClassName: 'istio', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: backend, port: { number: 80 } } } }] } }] },
  })),
  fc.constant({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'istio' }, spec: { controller: 'istio.io/ingress-controller' } }),
);

/** Services, endpoints, HTTP routes, ingresses (above); credentials, L4 routes, egress and traffic policy (traffic-arbitraries.ts). */
const documents = fc.oneof(meshDocuments, trafficDocuments);

type Step = { apply: unknown } | { remove: number };
const steps = fc.array(fc.oneof({ weight: 4, arbitrary: documents.map((apply): Step => ({ apply })) }, { weight: 1, arbitrary: fc.nat().map((remove): Step => ({ remove })) }), {
  minLength: 20,
  maxLength: 60,
});

/** One step folded into `state` as the follower does (in place); the object it changed, if any. */
function fold(state: MeshState, sequence: number, step: Step): ChangedRef | undefined {
  if ('apply' in step) {
    // Validated as the api does (a stored-shape Secret is taken as it is); an invalid one is a generator bug.
    const [object] = objectsFrom([step.apply]);
    evolve(state, sequence, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } });
    return { kind: object.kind, namespace: (object.metadata as { namespace?: string }).namespace ?? '', name: object.metadata.name };
  }
  const all = Object.values(state.byKind).flatMap((objects: Map<string, MeshObject>) => [...objects.values()]);
  if (all.length === 0) return undefined;
  const object = all[step.remove % all.length];
  const ref = { kind: object.kind, namespace: (object.metadata as { namespace?: string }).namespace ?? '', name: object.metadata.name };
  evolve(state, sequence, { type: 'ResourceDeleted', data: { ref: ref as never, source: 'test' } });
  return ref;
}

test('after every step of a random sequence of changes, incremental compile equals a full compile', (t) => {
  incrementalAtSmallScale(t);
  fc.assert(
    fc.property(steps, fc.integer({ min: 1, max: 4 }), (sequence, batchSize) => {
      const state = initialState();
      const incremental = new IncrementalIndex(state, OPTIONS);
      let pending: ChangedRef[] = [];
      sequence.forEach((step, i) => {
        const changed = fold(state, i + 1, step);
        if (changed) pending.push(changed);
        // Batches of a few events, as the follower reports them.
        if ((i + 1) % batchSize !== 0 && i !== sequence.length - 1) return;
        incremental.apply(pending);
        pending = [];
        for (const node of NODES) {
          const fresh = compileProxy(state, node, OPTIONS);
          assert.deepEqual(compileWithIndex(incremental.index, node), fresh, `step ${i}, ${node.id}`);
          if (node === GRPC_TLS_CLIENT && i === sequence.length - 1) assertGrpcAcceptsClusters(fresh, node);
          if (node.ips.length > 0) {
            const full = compileServerListeners(compileFreshIndex(state), node);
            assert.deepEqual(compileServerListeners(incremental.index, node), full, `step ${i}, ${node.id} server listeners`);
          }
        }
      });
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) },
  );
});

/** grpc-js-xds's cluster validator, with a bootstrap defining the node's instances, accepts every cluster (no NACK). */
function assertGrpcAcceptsClusters(result: CompileResult, node: ProxyNode): void {
  const type = resourceTypes[TYPE_URL.cluster];
  assert.ok(type);
  const certificateProviders = Object.fromEntries((node.certificateProviders ?? ['default']).map((name) => [name, { plugin_name: 'file_watcher', config: {} }]));
  for (const { name, resource } of result.resources[TYPE_URL.cluster]) {
    const decoded = type.decode({ bootstrap: { certificateProviders } }, { type_url: TYPE_URL.cluster, value: encodeResource(TYPE_URL.cluster, resource) });
    assert.equal(decoded.error, undefined, `${node.id}: grpc-js-xds NACKs ${name}`);
  }
}

function compileFreshIndex(state: MeshState) {
  return new IncrementalIndex(state, OPTIONS).index;
}

// ---------------------------------------------------------------- focused: what is rebuilt

const MANY = 50;

function bigMesh(): { state: MeshState; docs: unknown[] } {
  const docs: unknown[] = [gateway('istio-system', 'public', [httpServer(80, ['*.example.com'])])];
  for (let i = 0; i < MANY; i++) {
    const name = `svc-${i}`;
    docs.push(service('apps', name, [{ name: 'http', port: 80 }]));
    docs.push(endpointSlice('apps', name, [`10.1.0.${i + 1}`]));
    docs.push(virtualService('apps', name, { hosts: [`${name}.example.com`], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host: name } }] }] }));
  }
  const state = initialState();
  docs.forEach((doc, i) => fold(state, i + 1, { apply: doc }));
  return { state, docs };
}

function endpointSlice(namespace: string, serviceName: string, ips: string[]): unknown {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-x`, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints: ips.map((address) => ({ addresses: [address], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function counting(incremental: IncrementalIndex): string[] {
  const built: string[] = [];
  incremental.memo.hooks = { onBuild: (key) => built.push(key) };
  return built;
}

test('an endpoint change rebuilds only that assignment (and the assignment lists and compile results that list it)', () => {
  const { state } = bigMesh();
  const incremental = new IncrementalIndex(state, OPTIONS);
  for (const node of [INGRESS_NODE, GRPC_NODE]) compileWithIndex(incremental.index, node);
  const built = counting(incremental);

  const changed = fold(state, 1000, { apply: endpointSlice('apps', 'svc-7', ['10.9.9.9']) });
  assert.ok(changed);
  incremental.apply([changed]);
  for (const node of [INGRESS_NODE, GRPC_NODE]) assert.deepEqual(compileWithIndex(incremental.index, node), compileProxy(state, node, OPTIONS));

  const assignment = 'endpoint|outbound|80||svc-7.apps.svc.cluster.local';
  assert.deepEqual(built.filter((key) => !key.startsWith('compile|') && !key.startsWith('endpoint-list|') && !key.startsWith('endpoint-group|')).sort(), [assignment], 'no listener, route, cluster or other assignment');
  assert.equal(built.filter((key) => key.startsWith('compile|')).length, 2, 'one per compile key, assembling the reused parts');
  assert.equal(built.filter((key) => key.startsWith('endpoint-list|')).length, 2, 'one assignment list per compile key');
});

test('a batch that changes no object recompiles nothing', () => {
  const { state } = bigMesh();
  const incremental = new IncrementalIndex(state, OPTIONS);
  const before = NODES.map((node) => compileWithIndex(incremental.index, node));
  const built = counting(incremental);
  // CA bookkeeping and join tokens change no stored object: the follower reports [].
  assert.equal(incremental.apply([]).size, 0);
  const after = NODES.map((node) => compileWithIndex(incremental.index, node));
  assert.deepEqual(built, []);
  after.forEach((result, i) => assert.equal(result, before[i], 'the same result object'));
});

test('a change to one VirtualService rebuilds its routes, its virtual host and its port; every other resource and virtual host is the same object', () => {
  const { state } = bigMesh();
  const incremental = new IncrementalIndex(state, OPTIONS);
  const before = new Map(NODES.map((node) => [node.id, compileWithIndex(incremental.index, node)]));
  const built = counting(incremental);

  // A route change (its match), the same destination.
  const vs = virtualService('apps', 'svc-3', { hosts: ['svc-3.example.com'], gateways: ['istio-system/public'], http: [{ match: [{ uri: { prefix: '/v2' } }], route: [{ destination: { host: 'svc-3' } }] }] });
  const changed = fold(state, 1000, { apply: vs });
  assert.ok(changed);
  const dirty = incremental.apply([changed]);
  const after = new Map(NODES.map((node) => [node.id, compileWithIndex(incremental.index, node)]));
  for (const node of NODES) assert.deepEqual(after.get(node.id), compileProxy(state, node, OPTIONS));

  assert.equal(built.filter((key) => key.startsWith('vs-routes|')).length, 1, `one VirtualService's routes rebuilt: ${built.join(', ')}`);
  assert.ok(built.some((key) => key.startsWith('vs-routes|envoy|VirtualService/apps/svc-3|')));
  assert.deepEqual(built.filter((key) => key.startsWith('gw-vh|')), [`gw-vh|${gatewayNodeKey(INGRESS_NODE)}|http.80|svc-3.example.com`], 'one virtual host');
  assert.ok(!built.some((key) => key.startsWith('endpoint') || key.startsWith('cluster')), `no cluster, assignment or list of them: ${built.join(', ')}`);
  // Only the gateway's units were affected: proxyless clients and sidecars do not read gateway-bound VirtualServices.
  assert.ok([...dirty].every((key) => key.includes('envoy-gateway') || key.startsWith('vs-routes|') || key.startsWith('gw-')), [...dirty].join(', '));

  // What did not change keeps its identity, so that the xds cache neither encodes nor hashes it again.
  const gatewayBefore = before.get(INGRESS_NODE.id)!.resources;
  const gatewayAfter = after.get(INGRESS_NODE.id)!.resources;
  assert.equal(gatewayAfter[TYPE_URL.cluster], gatewayBefore[TYPE_URL.cluster], 'the same cluster list');
  assert.equal(gatewayAfter[TYPE_URL.endpoint], gatewayBefore[TYPE_URL.endpoint], 'the same assignment list');
  assert.equal(gatewayAfter[TYPE_URL.listener][0].resource, gatewayBefore[TYPE_URL.listener][0].resource, 'the same listener');
  const hostsOf = (resources: typeof gatewayBefore) => (resources[TYPE_URL.route][0].resource as { virtual_hosts: { name: string }[] }).virtual_hosts;
  const [hostsBefore, hostsAfter] = [hostsOf(gatewayBefore), hostsOf(gatewayAfter)];
  assert.equal(hostsAfter.length, hostsBefore.length);
  hostsAfter.forEach((host, i) => {
    if (host.name === 'svc-3.example.com:80') assert.notEqual(host, hostsBefore[i]);
    else assert.equal(host, hostsBefore[i], host.name);
  });
  for (const node of [SIDECAR, GRPC_NODE]) assert.equal(after.get(node.id), before.get(node.id), `${node.id}: the same result`);
});

test('a VirtualService added between others takes its place among the virtual hosts; the others are reused', () => {
  const { state } = bigMesh();
  const incremental = new IncrementalIndex(state, OPTIONS);
  compileWithIndex(incremental.index, INGRESS_NODE);
  const built = counting(incremental);
  const added = virtualService('apps', 'svc-25a', { hosts: ['svc-25a.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host: 'svc-1' } }] }] });
  const changed = fold(state, 1000, { apply: added });
  assert.ok(changed);
  incremental.apply([changed]);
  const result = compileWithIndex(incremental.index, INGRESS_NODE);
  assert.deepEqual(result, compileProxy(state, INGRESS_NODE, OPTIONS));
  const names = (result.resources[TYPE_URL.route][0].resource as { virtual_hosts: { name: string }[] }).virtual_hosts.map((host) => host.name);
  assert.ok(names.indexOf('svc-25.example.com:80') < names.indexOf('svc-25a.example.com:80') && names.indexOf('svc-25a.example.com:80') < names.indexOf('svc-26.example.com:80'), names.join(', '));
  assert.deepEqual(built.filter((key) => key.startsWith('gw-vh|')).length, 1, built.join(', '));
});

test('retain sweeps the units of deleted objects and gone proxies; what stays still equals a full compile', () => {
  const { state } = bigMesh();
  const incremental = new IncrementalIndex(state, OPTIONS);
  for (const node of NODES) compileWithIndex(incremental.index, node, { serverListeners: false });
  const before = incremental.memo.size;

  // Delete a VirtualService; only the gateway and the proxyless client stay connected.
  evolve(state, 2000, { type: 'ResourceDeleted', data: { ref: { kind: 'VirtualService', namespace: 'apps', name: 'svc-9' } as never, source: 'test' } });
  incremental.apply([{ kind: 'VirtualService', namespace: 'apps', name: 'svc-9' }]);
  for (const node of [INGRESS_NODE, GRPC_NODE]) compileWithIndex(incremental.index, node, { serverListeners: false });
  incremental.retain([INGRESS_NODE, GRPC_NODE].map(compileIndexKey));

  assert.ok(incremental.memo.size < before, `${incremental.memo.size} units kept of ${before}`);
  assert.equal(incremental.memo.isClean(`vs-routes|envoy|VirtualService/apps/svc-9|80|istio-system/public|${JSON.stringify([['istio', 'ingressgateway']])}`), false, "the deleted VirtualService's routes are gone");
  for (const node of [INGRESS_NODE, GRPC_NODE]) {
    assert.deepEqual(compileWithIndex(incremental.index, node, { serverListeners: false }), compileWithIndex(compileFreshIndex(state), node, { serverListeners: false }));
  }
  // The swept sidecar compiles again, correctly.
  assert.deepEqual(compileWithIndex(incremental.index, SIDECAR), compileProxy(state, SIDECAR, OPTIONS));
});

// ---------------------------------------------------------------- focused: credentials, egress and policy

const tlsServer = (port: number, name: string, mode: string, credentialName: string) => ({ port: { number: port, name, protocol: 'HTTPS' }, hosts: ['*.example.com'], tls: { mode, credentialName } });

/**
 * bigMesh, its gateway also serving HTTPS with two credentials (cert-a SIMPLE, cert-b MUTUAL with
 * its CA in cert-b-cacert), ServiceEntries (STATIC and DNS), a DestinationRule and Istio's mesh
 * config; every node compiled once, the rebuilds counted from then on.
 */
function trafficMesh(): { state: MeshState; incremental: IncrementalIndex; built: string[]; next: () => number } {
  const { state } = bigMesh();
  const docs: unknown[] = [
    gateway('istio-system', 'public', [httpServer(80, ['*.example.com']), tlsServer(443, 'https-a', 'SIMPLE', 'cert-a'), tlsServer(8443, 'https-b', 'MUTUAL', 'cert-b')]),
    secret('istio-system', 'cert-a', ['tls.crt', 'tls.key']),
    secret('istio-system', 'cert-b', ['tls.crt', 'tls.key']),
    secret('istio-system', 'cert-b-cacert', ['ca.crt'], { type: 'Opaque' }),
    serviceEntry('ext', { hosts: ['ext.example.org'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'STATIC', endpoints: [{ address: '192.0.2.1' }] }),
    serviceEntry('db', { hosts: ['db.example.org'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], addresses: ['203.0.113.0/24'], resolution: 'DNS' }),
    { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'svc-1', namespace: 'apps' }, spec: { host: 'svc-1', trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } } },
    meshConfigMap('istio', 'ALLOW_ANY'),
  ];
  let sequence = 500;
  docs.forEach((doc) => fold(state, sequence++, { apply: doc }));
  const incremental = new IncrementalIndex(state, OPTIONS);
  for (const node of NODES) compileWithIndex(incremental.index, node);
  return { state, incremental, built: counting(incremental), next: () => sequence++ };
}

function serviceEntry(name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: 'apps' }, spec };
}

function meshConfigMap(name: string, mode: string): unknown {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'istio-system' }, data: { mesh: `outboundTrafficPolicy:\n  mode: ${mode}\n` } };
}

/** Applies documents as one batch; every node's incremental result must equal a full compile. */
function applyBatch(mesh: ReturnType<typeof trafficMesh>, docs: unknown[]): Set<string> {
  const changed = docs.map((doc) => fold(mesh.state, mesh.next(), { apply: doc })).filter((ref) => ref !== undefined);
  const dirty = mesh.incremental.apply(changed);
  for (const node of NODES) assert.deepEqual(compileWithIndex(mesh.incremental.index, node), compileProxy(mesh.state, node, OPTIONS), node.id);
  return dirty;
}

test("a Secret rotation re-resolves only the credential (its listeners stay: SDS alone carries it); a Secret no one names rebuilds nothing", () => {
  const mesh = trafficMesh();
  const before = compileWithIndex(mesh.incremental.index, INGRESS_NODE);
  const rotated = { ...secret('istio-system', 'cert-a', ['tls.crt', 'tls.key']), data: { 'tls.crt': { sha256: '1'.repeat(64), bytes: 2 }, 'tls.key': { sha256: '2'.repeat(64), bytes: 2 } } };
  const dirty = applyBatch(mesh, [rotated]);
  const gatewayKey = compileIndexKey(INGRESS_NODE);
  const nodeKey = gatewayNodeKey(INGRESS_NODE);
  assert.deepEqual(mesh.built, [`credential|istio-system|cert-a|false`], 'the credential, resolving to the same SDS names: no listener, route, cluster or other proxy');
  assert.equal(compileWithIndex(mesh.incremental.index, INGRESS_NODE), before, 'the same result object');
  assert.ok([...dirty].every((key) => key.includes(gatewayKey) || key.includes(nodeKey) || key === 'credential|istio-system|cert-a|false'), [...dirty].join(', '));

  mesh.built.length = 0;
  const untouched = applyBatch(mesh, [secret('istio-system', 'unused', ['tls.crt', 'tls.key']), secret('a', 'cert-a', ['tls.crt', 'tls.key'])]);
  assert.equal(untouched.size, 0, [...untouched].join(', '));
  assert.equal(mesh.built.length, 0, mesh.built.join(', '));

  // The MUTUAL server's CA half is read too: deleting it rebuilds that port's listener (the server is dropped), not its routes nor the other ports.
  mesh.built.length = 0;
  evolve(mesh.state, mesh.next(), { type: 'ResourceDeleted', data: { ref: { kind: 'Secret', namespace: 'istio-system', name: 'cert-b-cacert' } as never, source: 'test' } });
  mesh.incremental.apply([{ kind: 'Secret', namespace: 'istio-system', name: 'cert-b-cacert' }]);
  assert.deepEqual(compileWithIndex(mesh.incremental.index, INGRESS_NODE), compileProxy(mesh.state, INGRESS_NODE, OPTIONS));
  assert.deepEqual(mesh.built.sort(), [`compile|${gatewayKey}|true`, `credential|istio-system|cert-b|true`, `gw-tls|${nodeKey}|8443`, `listeners|${gatewayKey}|true`, `requests|${gatewayKey}|true`]);
});

test('a Secret made unusable rebuilds the listener of the port serving it; its RouteConfiguration and the other ports stay the same objects', () => {
  const mesh = trafficMesh();
  const before = compileWithIndex(mesh.incremental.index, INGRESS_NODE).resources;
  applyBatch(mesh, [secret('istio-system', 'cert-a', ['tls.crt'])]);
  const after = compileWithIndex(mesh.incremental.index, INGRESS_NODE).resources;
  const byName = (resources: typeof before, type: string) => new Map(resources[type as keyof typeof resources].map((r) => [r.name, r.resource]));
  const [listenersBefore, listenersAfter] = [byName(before, TYPE_URL.listener), byName(after, TYPE_URL.listener)];
  assert.ok(!listenersAfter.has('0.0.0.0_443'), 'the SIMPLE server is not served without its key');
  assert.equal(listenersAfter.get('0.0.0.0_80'), listenersBefore.get('0.0.0.0_80'));
  assert.equal(listenersAfter.get('0.0.0.0_8443'), listenersBefore.get('0.0.0.0_8443'));
  const [routesBefore, routesAfter] = [byName(before, TYPE_URL.route), byName(after, TYPE_URL.route)];
  assert.ok(!mesh.built.some((key) => key.startsWith('gw-vh|') || key.startsWith('gw-https-routes|') || key.startsWith('gw-http|')), mesh.built.join(', '));
  for (const [name, route] of routesAfter) assert.equal(route, routesBefore.get(name), name);
  assert.ok(!mesh.built.some((key) => key.startsWith('gw-vh|') || key.startsWith('gw-https-routes|') || key.startsWith('gw-http|')), mesh.built.join(', '));
});

test('with ServiceEntries, DestinationRules and a mesh config present, an endpoint change still rebuilds only its assignment', () => {
  const mesh = trafficMesh();
  applyBatch(mesh, [endpointSlice('apps', 'svc-7', ['10.9.9.9'])]);
  assert.deepEqual(mesh.built.filter((key) => !key.startsWith('compile|') && !key.startsWith('endpoint-list|') && !key.startsWith('endpoint-group|')).sort(), ['endpoint|outbound|80||svc-7.apps.svc.cluster.local']);
});

test('a ConfigMap that is not the mesh config, or one that does not change the policy, rebuilds nothing; a policy change no route or assignment', () => {
  const mesh = trafficMesh();
  const other = applyBatch(mesh, [meshConfigMap('other', 'REGISTRY_ONLY'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: 'accessLogFile: /dev/stdout\noutboundTrafficPolicy:\n  mode: ALLOW_ANY\n' } }]);
  assert.equal(other.size, 0, [...other].join(', '));
  assert.equal(mesh.built.length, 0, mesh.built.join(', '));

  applyBatch(mesh, [meshConfigMap('istio', 'REGISTRY_ONLY')]);
  assert.ok(mesh.built.some((key) => key.startsWith('listeners|') && key.includes('envoy-sidecar')), `the sidecar's listeners: ${mesh.built.join(', ')}`);
  assert.ok(!mesh.built.some((key) => key.startsWith('vs-routes|') || key.startsWith('endpoint|')), mesh.built.join(', '));
});

test('a mesh VirtualService for one host reaches a sidecar compiled for a wildcard ServiceEntry overlapping it', () => {
  const mesh = trafficMesh();
  applyBatch(mesh, [serviceEntry('wild', { hosts: ['*.example.net'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'NONE' })]);
  applyBatch(mesh, [virtualService('apps', 'one', { hosts: ['one.example.net'], gateways: ['mesh'], http: [{ route: [{ destination: { host: 'svc-2' } }] }] })]);
});

test("a Pod change reaches a proxyless client's TLS cluster naming the server identities", () => {
  const mesh = trafficMesh();
  const ingressBackend = {
    apiVersion: 'policy.openservicemesh.io/v1alpha1',
    kind: 'IngressBackend',
    metadata: { name: 'tls', namespace: 'apps' },
    spec: { backends: [{ name: 'svc-3', port: { number: 80, protocol: 'https' }, tls: { skipClientCertValidation: true } }], sources: [{ kind: 'IPRange', name: '10.0.0.0/8' }] },
  };
  applyBatch(mesh, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', labels: { 'openservicemesh.io/monitored-by': 'osm' } } }, ingressBackend]);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'svc-3-0', namespace: 'apps', labels: { app: 'svc-3' } }, spec: { serviceAccountName: 'svc-3-sa', containers: [{ name: 'c' }] }, status: { podIP: '10.7.0.1' } };
  applyBatch(mesh, [pod]);
  const clusters = JSON.stringify(compileWithIndex(mesh.incremental.index, GRPC_NODE).resources);
  assert.ok(clusters.includes('spiffe://cluster.local/ns/apps/sa/svc-3-sa'), 'the new Pod is the server identity');
});

test('DestinationRules of one host: the oldest applies, and deleting and re-creating it makes it the newest', () => {
  const mesh = trafficMesh();
  const rule = (namespace: string, simple: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'svc-5', namespace }, spec: { host: 'svc-5.apps.svc.cluster.local', trafficPolicy: { loadBalancer: { simple } } } });
  const lbOfSvc5 = () => {
    const clusters = compileWithIndex(mesh.incremental.index, SIDECAR).resources['type.googleapis.com/envoy.config.cluster.v3.Cluster'];
    return clusters.find((cluster) => cluster.name === 'outbound|80||svc-5.apps.svc.cluster.local')?.resource.lb_policy;
  };
  applyBatch(mesh, [rule('b', 'RANDOM')]);
  applyBatch(mesh, [rule('apps', 'LEAST_REQUEST')]);
  assert.equal(lbOfSvc5(), 'RANDOM', 'b/svc-5 is older');
  // Deleted and applied again in one batch: its creation sequence is the newest now.
  const ref = { kind: 'DestinationRule', namespace: 'b', name: 'svc-5' };
  evolve(mesh.state, mesh.next(), { type: 'ResourceDeleted', data: { ref: ref as never, source: 'test' } });
  const changed = [ref, fold(mesh.state, mesh.next(), { apply: rule('b', 'RANDOM') })].filter((r) => r !== undefined);
  mesh.incremental.apply(changed);
  for (const node of NODES) assert.deepEqual(compileWithIndex(mesh.incremental.index, node), compileProxy(mesh.state, node, OPTIONS), node.id);
  assert.equal(lbOfSvc5(), 'LEAST_REQUEST', 'apps/svc-5 is the older now');
});

test("a unit reading an object's creation sequence depends on that object only", () => {
  const mesh = trafficMesh();
  const { memo, index } = mesh.incremental;
  memo.unit('probe', [], {}, () => index.state.createdSequence.get('ServiceEntry/apps/ext'));
  applyBatch(mesh, [serviceEntry('other', { hosts: ['other.example.org'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS' })]);
  assert.ok(memo.isClean('probe'), 'another ServiceEntry created');
  const ref = { kind: 'ServiceEntry', namespace: 'apps', name: 'ext' };
  evolve(mesh.state, mesh.next(), { type: 'ResourceDeleted', data: { ref: ref as never, source: 'test' } });
  mesh.incremental.apply([ref]);
  assert.ok(!memo.isClean('probe'), 'its ServiceEntry deleted');
});

test('a wildcard DYNAMIC_DNS ServiceEntry: its private-destinations opt-in reaches the sidecar guard incrementally', () => {
  const mesh = trafficMesh();
  const entry = (annotations: Record<string, string>) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'any-org', namespace: 'apps', annotations },
    spec: { hosts: ['*.example.org'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }, { number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DYNAMIC_DNS' },
  });
  const policies = () => {
    const listeners = compileWithIndex(mesh.incremental.index, SIDECAR).resources['type.googleapis.com/envoy.config.listener.v3.Listener'];
    const chain = (listeners.find((l) => l.name === '0.0.0.0_443')?.resource.filter_chains as { name: string; filters: { name: string; typed_config: { rules?: { policies: object } } }[] }[]).find((c) => c.name === '443|*.example.org');
    return Object.keys(chain?.filters.find((f) => f.name === 'envoy.filters.network.rbac')?.typed_config.rules?.policies ?? {});
  };
  applyBatch(mesh, [entry({})]);
  assert.deepEqual(policies(), ['public-destinations']);
  applyBatch(mesh, [entry({ 'meshgate.io/allow-private-destinations': 'true' })]);
  assert.deepEqual(policies(), ['resolved-destinations']);
  const clusters = compileWithIndex(mesh.incremental.index, SIDECAR).resources['type.googleapis.com/envoy.config.cluster.v3.Cluster'];
  assert.equal(clusters.find((c) => c.name === 'outbound|80||*.example.org')?.resource.lb_policy, 'CLUSTER_PROVIDED');
});
