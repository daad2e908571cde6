/**
 * IngressBackends beyond the golden cases: what the policy admits, judged by grpc-js's own RBAC
 * engine (the same proto semantics Envoy implements), and the edges — namespaces outside the
 * mesh, sources without endpoints, ports shared by two IngressBackends, nodes without addresses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import { compileIndexKey, compileProxy, TYPE_URL, type CompileOptions, type CompileResult, type ProxyNode } from '../src/index.js';
import { callFrom, grpcRbacPolicy } from './grpc-xds.js';
import { loadCase, objectsFrom, OPTIONS, stateOf } from './support.js';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first object under `value` (depth first) whose `name` is `name`. */
function findNamed(value: unknown, name: string): Json | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findNamed(item, name);
      if (found) return found;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if (value.name === name) return value;
  for (const child of Object.values(value)) {
    const found = findNamed(child, name);
    if (found) return found;
  }
  return undefined;
}

function listener(result: CompileResult, name: string): Json {
  const found = result.resources[TYPE_URL.listener].find((l) => l.name === name);
  assert.ok(found, `listener ${name} in ${result.resources[TYPE_URL.listener].map((l) => l.name).join(', ')}`);
  return found.resource;
}

/** grpc-js's reading of the RBAC filter in a listener. */
function policyOf(listenerResource: Json) {
  const filter = findNamed(listenerResource, 'envoy.filters.http.rbac');
  assert.ok(filter, 'the listener has an RBAC filter');
  const policy = grpcRbacPolicy(filter);
  assert.ok(policy, 'grpc-js parses the RBAC filter');
  return policy;
}

const NGINX = '127.0.0.2';
const TRUSTED = 'ingress-nginx.ingress-nginx.cluster.local';

test('http: only the source Service endpoints and the IPRanges are admitted (grpc-js RBAC engine)', () => {
  const golden = loadCase('proxyless-server-http');
  const result = compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
  const policy = policyOf(listener(result, 'grpc/server?xds.resource.listening_address=127.0.0.10:14001'));
  assert.equal(policy.apply(callFrom(NGINX)), true, 'nginx');
  assert.equal(policy.apply(callFrom('192.168.40.1')), true, 'the IPRange');
  assert.equal(policy.apply(callFrom('127.0.0.3')), false, 'another loopback address');
  assert.equal(policy.apply(callFrom('10.0.0.1')), false, "another IngressBackend's range");
});

test('https: the trusted principal from the source address, nothing else', () => {
  const golden = loadCase('proxyless-server-https');
  const result = compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
  const policy = policyOf(listener(result, 'grpc/server?xds.resource.listening_address=127.0.0.10:14001'));
  assert.equal(policy.apply(callFrom(NGINX, [TRUSTED])), true, 'nginx with its certificate');
  assert.equal(policy.apply(callFrom(NGINX, ['untrusted-client.cluster.local'])), false, 'another SAN');
  assert.equal(policy.apply(callFrom('127.0.0.3', [TRUSTED])), false, 'the right SAN from another address (sources are ANDed)');
  assert.equal(policy.apply(callFrom(NGINX)), false, 'no client certificate');
  const plain = listener(result, 'grpc/server?xds.resource.listening_address=127.0.0.10:15090');
  assert.equal(findNamed(plain, 'envoy.filters.http.rbac'), undefined, 'an unclaimed port is plain');
  assert.equal(findNamed(plain, 'envoy.transport_sockets.tls'), undefined);
});

test('seed 000: the untrusted principal is refused, and with skipClientCertValidation admitted again', () => {
  const verdict = (name: string, sans: string[]) => {
    const golden = loadCase(name);
    const result = compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
    return policyOf(listener(result, 'inbound_0.0.0.0_14001')).apply(callFrom('10.244.1.7', sans));
  };
  assert.equal(verdict('seed-000-https', [TRUSTED]), true);
  assert.equal(verdict('seed-000-https-untrusted', [TRUSTED]), false, "nginx's certificate does not carry the principal: 403");
  assert.equal(verdict('seed-000-https-skip-validation', [TRUSTED]), true, 'the principal is no longer enforced');

  const golden = loadCase('seed-000-https-skip-validation');
  const skipped = listener(compileProxy(stateOf(golden.objects), golden.node, OPTIONS), 'inbound_0.0.0.0_14001');
  assert.equal(policyOf(skipped).apply(callFrom('10.244.9.9', [TRUSTED])), false, 'the Service source still restricts the address');
  const tls = findNamed(skipped, 'envoy.transport_sockets.tls');
  assert.ok(tls && isRecord(tls.typed_config));
  assert.equal(tls.typed_config.require_client_certificate, undefined);
  assert.ok(isRecord(tls.typed_config.common_tls_context));
  assert.equal(tls.typed_config.common_tls_context.validation_context_sds_secret_config, undefined, 'no client certificate is asked for');
});

// ---------------------------------------------------------------- inline cases

function namespace(name: string, labels: Record<string, string> = { 'openservicemesh.io/monitored-by': 'osm' }, annotations: Record<string, string> = {}): unknown {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, annotations } };
}

function service(ns: string, name: string, ports: unknown[], selector: Record<string, string> = { app: name }): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector, ports } };
}

function endpoints(ns: string, name: string, ips: string[]): unknown {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'http', port: 80 }] }] };
}

function ingressBackend(ns: string, name: string, backends: unknown[], sources: unknown[]): unknown {
  return { apiVersion: 'policy.openservicemesh.io/v1alpha1', kind: 'IngressBackend', metadata: { name, namespace: ns }, spec: { backends, sources } };
}

function node(client: 'envoy' | 'grpc', labels: Record<string, string> = { app: 'web' }, extra: Partial<ProxyNode> = {}): ProxyNode {
  return { id: `web-${client}`, role: 'sidecar', namespace: 'shop', serviceAccount: 'web', labels, client, ips: client === 'grpc' ? ['127.0.0.10'] : [], ...extra };
}

function compile(documents: unknown[], proxy: ProxyNode, options: CompileOptions = OPTIONS): CompileResult {
  const result = compileProxy(stateOf(objectsFrom(documents)), proxy, options);
  for (const [typeUrl, resources] of Object.entries(result.resources)) {
    for (const { name, resource } of resources) assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${name}`);
  }
  return result;
}

/** Resource names, the sidecar's outbound side (`outbound.ts`: virtualOutbound, `0.0.0.0_<port>`, its clusters) left out: these tests are about the inbound side. */
function names(result: CompileResult, typeUrl: string = TYPE_URL.listener): string[] {
  const outbound = (name: string) => name === 'virtualOutbound' || name.startsWith('0.0.0.0_') || name === 'PassthroughCluster' || name === 'BlackHoleCluster' || name.startsWith('outbound|');
  return result.resources[typeUrl as keyof CompileResult['resources']].map((r) => r.name).filter((name) => !outbound(name));
}

const web = service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'grpc-admin', port: 9000 }]);
const webBackend = { name: 'web', port: { number: 8080, protocol: 'http' } };
const fromLb = [{ kind: 'IPRange', name: '10.0.0.0/8' }];

test('a namespace outside the mesh: not enforced, and the claimed port gets no listener (not an open one)', () => {
  const documents = [namespace('shop', {}), web, ingressBackend('shop', 'web', [webBackend], fromLb)];
  const envoy = compile(documents, node('envoy'));
  assert.deepEqual(names(envoy), []);
  assert.match(envoy.diagnostics.map((d) => d.message).join('\n'), /namespace shop is not monitored by mesh osm/);

  const grpc = compile(documents, node('grpc'));
  const serverListeners = names(grpc).filter((name) => name.startsWith('grpc/server'));
  assert.deepEqual(serverListeners, ['grpc/server?xds.resource.listening_address=127.0.0.10:9000'], 'only the unclaimed port, plain');
});

test('meshName decides which namespaces are monitored', () => {
  const documents = [namespace('shop', { 'openservicemesh.io/monitored-by': 'edge-mesh' }), web, ingressBackend('shop', 'web', [webBackend], fromLb)];
  assert.deepEqual(names(compile(documents, node('envoy'))), []);
  assert.deepEqual(names(compile(documents, node('envoy'), { ...OPTIONS, meshName: 'edge-mesh' })), ['inbound_0.0.0.0_8080']);
});

test('a proxy the backend Service does not select gets nothing, nor does a Service without a selector select anyone', () => {
  const documents = [namespace('shop'), web, service('shop', 'headless', [{ port: 7000 }], {}), ingressBackend('shop', 'web', [webBackend, { name: 'headless', port: { number: 7000, protocol: 'http' } }], fromLb)];
  assert.deepEqual(names(compile(documents, node('envoy', { app: 'other' }))), []);
  assert.deepEqual(names(compile(documents, node('envoy', { app: 'web' }, { namespace: 'elsewhere' }))), []);
  assert.deepEqual(names(compile(documents, node('envoy'))), ['inbound_0.0.0.0_8080']);
});

test('a source Service without endpoints, or outside the mesh, admits nobody (fail closed) and says so', () => {
  const documents = [
    namespace('shop'),
    namespace('edge'),
    namespace('outside', {}),
    web,
    service('edge', 'lb', [{ name: 'http', port: 80 }]),
    service('outside', 'proxy', [{ name: 'http', port: 80 }]),
    endpoints('outside', 'proxy', ['10.1.1.1']),
    ingressBackend('shop', 'web', [webBackend], [
      { kind: 'Service', namespace: 'edge', name: 'lb' },
      { kind: 'Service', namespace: 'outside', name: 'proxy' },
    ]),
  ];
  const result = compile(documents, node('envoy'));
  const policy = policyOf(listener(result, 'inbound_0.0.0.0_8080'));
  assert.equal(policy.apply(callFrom('10.1.1.1')), false, 'the endpoints of a Service outside the mesh are not known');
  assert.equal(policy.apply(callFrom('10.2.2.2')), false);
  const messages = result.diagnostics.map((d) => d.message);
  assert.ok(messages.includes('source Service edge/lb has no ready endpoints; it admits nobody'), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('source Service outside/proxy: namespace outside is not monitored')), messages.join('\n'));
  assert.ok(messages.some((m) => m.includes('no source address is admitted')));
});

test('two IngressBackends on one workload port: alike they are both admitted, unlike the first one wins', () => {
  const webAlias = service('shop', 'web-alias', [{ name: 'http', port: 8081, targetPort: 8080 }], { app: 'web' });
  const alike = compile(
    [namespace('shop'), web, webAlias, ingressBackend('shop', 'a-web', [webBackend], fromLb), ingressBackend('shop', 'b-alias', [{ name: 'web-alias', port: { number: 8080, protocol: 'http' } }], [{ kind: 'IPRange', name: '192.168.0.0/16' }])],
    node('envoy'),
  );
  const policy = policyOf(listener(alike, 'inbound_0.0.0.0_8080'));
  assert.equal(policy.apply(callFrom('10.3.3.3')), true);
  assert.equal(policy.apply(callFrom('192.168.3.3')), true);
  assert.equal(policy.apply(callFrom('172.16.0.1')), false);

  const unlike = compile(
    [namespace('shop'), web, webAlias, ingressBackend('shop', 'a-web', [webBackend], fromLb), ingressBackend('shop', 'b-alias', [{ name: 'web-alias', port: { number: 8080, protocol: 'https' } }], [{ kind: 'AuthenticatedPrincipal', name: 'edge.edge.cluster.local' }])],
    node('envoy'),
  );
  assert.equal(findNamed(listener(unlike, 'inbound_0.0.0.0_8080'), 'envoy.transport_sockets.tls'), undefined, 'the first (http) wins');
  assert.match(unlike.diagnostics.map((d) => `${d.object}: ${d.message}`).join('\n'), /IngressBackend\/shop\/b-alias: .*already takes http traffic for IngressBackend\/shop\/a-web/);
});

test('https without address sources and with validation skipped enforces nothing: no RBAC filter', () => {
  const result = compile(
    [namespace('shop'), web, ingressBackend('shop', 'web', [{ name: 'web', port: { number: 8080, protocol: 'https' }, tls: { skipClientCertValidation: true } }], [{ kind: 'AuthenticatedPrincipal', name: 'x.y.cluster.local' }])],
    node('grpc'),
  );
  const server = listener(result, 'grpc/server?xds.resource.listening_address=127.0.0.10:8080');
  assert.equal(findNamed(server, 'envoy.filters.http.rbac'), undefined);
  const tls = findNamed(server, 'envoy.transport_sockets.tls');
  assert.ok(tls && isRecord(tls.typed_config) && isRecord(tls.typed_config.common_tls_context));
  assert.deepEqual(tls.typed_config.common_tls_context, { tls_certificate_provider_instance: { instance_name: 'default' } });
  assert.equal('require_client_certificate' in tls.typed_config, false);
});

test('sniHosts: Envoy chooses the filter chain by SNI (with the TLS inspector); proxyless servers cannot and say so', () => {
  const documents = [
    namespace('shop'),
    web,
    ingressBackend('shop', 'web', [{ name: 'web', port: { number: 8080, protocol: 'https' }, tls: { sniHosts: ['web.shop.cluster.local'] } }], [{ kind: 'AuthenticatedPrincipal', name: 'edge.edge.cluster.local' }]),
  ];
  const envoy = listener(compile(documents, node('envoy')), 'inbound_0.0.0.0_8080');
  assert.deepEqual(findNamed(envoy, 'envoy.filters.listener.tls_inspector')?.typed_config, { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' });
  assert.ok(Array.isArray(envoy.filter_chains) && isRecord(envoy.filter_chains[0]));
  assert.deepEqual(envoy.filter_chains[0].filter_chain_match, { server_names: ['web.shop.cluster.local'] });
  const grpc = compile(documents, node('grpc'));
  assert.match(grpc.diagnostics.map((d) => d.message).join('\n'), /sniHosts is not supported by proxyless gRPC servers/);
});

test('a proxyless server that states no addresses gets no server listener, and an enforced port says why', () => {
  const result = compile([namespace('shop'), web, ingressBackend('shop', 'web', [webBackend], fromLb)], node('grpc', { app: 'web' }, { ips: [] }));
  assert.deepEqual(names(result).filter((name) => name.startsWith('grpc/server')), []);
  assert.match(result.diagnostics.map((d) => d.message).join('\n'), /states no INSTANCE_IPS; no server listener for port 8080/);
});

test('port.number that is no targetPort is listened on as written, with a warning (OSM reads it as the targetPort)', () => {
  const result = compile([namespace('shop'), web, ingressBackend('shop', 'web', [{ name: 'web', port: { number: 80, protocol: 'http' } }], fromLb)], node('envoy'));
  assert.deepEqual(names(result), ['inbound_0.0.0.0_80']);
  assert.match(result.diagnostics.map((d) => d.message).join('\n'), /80 is no targetPort of Service shop\/web \(8080, 9000\)/);
});

test('the compile key holds the namespace of sidecars and the addresses of proxyless nodes', () => {
  const sidecar = node('envoy');
  assert.notEqual(compileIndexKey({ ...sidecar, namespace: 'other' }), compileIndexKey(sidecar));
  const grpc = node('grpc');
  assert.notEqual(compileIndexKey({ ...grpc, ips: ['127.0.0.11'] }), compileIndexKey(grpc));
  assert.equal(compileIndexKey({ ...grpc, ips: ['127.0.0.10', '127.0.0.10'] }), compileIndexKey(grpc), 'repeated addresses are one');
  assert.equal(compileIndexKey({ ...sidecar, ips: ['10.0.0.1'] }), compileIndexKey(sidecar), 'an Envoy sidecar does not read its addresses');
});
