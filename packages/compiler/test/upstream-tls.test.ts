/**
 * Upstream mTLS of proxyless gRPC clients (`upstream-tls.ts`): which clusters get it, what
 * grpc-js-xds makes of it (its cluster validator and its own SAN matcher), and the edges of the
 * rule. The golden case `proxyless-mtls` holds the full resources.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { checkResource, encodeResource } from '@meshgate/envoy-proto';
import { compileProxy, TYPE_URL, type CompileOptions, type CompileResult, type ProxyNode } from '../src/index.js';
import { decodeContext, resourceTypes } from './grpc-xds.js';
import { GRPC_NODE, INGRESS_NODE, loadCase, objectsFrom, OPTIONS, stateOf } from './support.js';

const require = createRequire(import.meta.url);
const { SanMatcher } = require('@grpc/grpc-js-xds/build/src/load-balancer-cds.js') as {
  SanMatcher: new (matchers: unknown[]) => { apply(subjectAltName: string): boolean };
};

interface SecurityUpdate {
  caCertificateProviderInstance: string;
  identityCertificateProviderInstance?: string;
  subjectAltNameMatchers: unknown[];
}

/** What grpc-js-xds's cluster validator makes of a Cluster: its error, or the security settings its XdsChannelCredentials will use. */
function decodeCluster(cluster: Record<string, unknown>): { error?: string; security?: SecurityUpdate } {
  const type = resourceTypes[TYPE_URL.cluster];
  assert.ok(type);
  const decoded = type.decode(decodeContext, { type_url: TYPE_URL.cluster, value: encodeResource(TYPE_URL.cluster, cluster) });
  if (decoded.error !== undefined) return { error: decoded.error };
  const value = decoded.value;
  assert.ok(typeof value === 'object' && value !== null);
  const security = (value as { securityUpdate?: SecurityUpdate }).securityUpdate;
  return { security };
}

function clusterOf(result: CompileResult, name: string): Record<string, unknown> {
  const found = result.resources[TYPE_URL.cluster].find((cluster) => cluster.name === name);
  assert.ok(found, `cluster ${name} among ${result.resources[TYPE_URL.cluster].map((c) => c.name).join(', ')}`);
  return found.resource;
}

/** The certificate SAN string Node gives grpc-js for a meshgate workload certificate. */
function workloadSans(namespace: string, serviceAccount: string, trustDomain = 'cluster.local'): string {
  return `DNS:${serviceAccount}.${namespace}.${trustDomain}, URI:spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

test('grpc-js-xds reads the golden mTLS cluster: providers from the bootstrap, and a SAN matcher that admits only the servers behind the Service', () => {
  const golden = loadCase('proxyless-mtls');
  const result = compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
  const { error, security } = decodeCluster(clusterOf(result, 'outbound|7070||echo.echo.svc.cluster.local'));
  assert.equal(error, undefined);
  assert.ok(security, 'the cluster carries a security update, so XdsChannelCredentials dial with TLS');
  assert.equal(security.caCertificateProviderInstance, 'default');
  assert.equal(security.identityCertificateProviderInstance, 'default', 'the client presents its own certificate');

  const matcher = new SanMatcher(security.subjectAltNameMatchers);
  assert.equal(matcher.apply(workloadSans('echo', 'echo-server')), true, 'the selected Pod');
  assert.equal(matcher.apply(workloadSans('echo', 'echo-canary')), true, 'the Pod at an endpoint address');
  assert.equal(matcher.apply(workloadSans('echo', 'impostor')), false, 'another identity of the namespace');
  assert.equal(matcher.apply(workloadSans('other', 'echo-server')), false, 'the same account name in another namespace');
  assert.equal(matcher.apply(workloadSans('echo', 'echo-server', 'other.domain')), false, 'another trust domain');
  // The DNS SAN alone does not pass: the matcher names the SPIFFE ID.
  assert.equal(matcher.apply('DNS:echo-server.echo.cluster.local'), false);

  const plain = decodeCluster(clusterOf(result, 'outbound|7070||plain.echo.svc.cluster.local'));
  assert.deepEqual(plain, { security: undefined }, 'a plaintext destination gets no security update (the fallback credentials are used)');
});

test('grpc-js-xds: the cluster validator has teeth (an unknown provider instance or SDS validation is refused)', () => {
  const golden = loadCase('proxyless-mtls');
  const cluster = clusterOf(compileProxy(stateOf(golden.objects), golden.node, OPTIONS), 'outbound|7070||echo.echo.svc.cluster.local');
  const withContext = (commonTlsContext: Record<string, unknown>) => ({
    ...cluster,
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', common_tls_context: commonTlsContext },
    },
  });
  const provider = { instance_name: 'default' };
  assert.match(decodeCluster(withContext({ tls_certificate_provider_instance: { instance_name: 'other' }, validation_context: { ca_certificate_provider_instance: provider } })).error ?? '', /Unmatched/);
  assert.match(decodeCluster(withContext({ tls_certificate_provider_instance: provider })).error ?? '', /validation_context_type/);
  assert.match(
    decodeCluster(withContext({ tls_certificate_provider_instance: provider, validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: { ads: {} } } })).error ?? '',
    /validation_context_sds_secret_config/,
  );
});

// ---------------------------------------------------------------- the rule, case by case

const MONITORED = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo', labels: { 'openservicemesh.io/monitored-by': 'osm' } } };
const CLIENT: ProxyNode = { ...GRPC_NODE, namespace: 'web' };
const ECHO_CLUSTER = 'outbound|7070||echo.echo.svc.cluster.local';

function echoService(selector: Record<string, string> = { app: 'echo' }): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'echo' }, spec: { selector, ports: [{ name: 'grpc', port: 7070, targetPort: 50051 }] } };
}

function echoPod(serviceAccountName: string, ip = '10.4.0.8', labels: Record<string, string> = { app: 'echo' }): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `echo-${ip.replaceAll('.', '-')}`, namespace: 'echo', labels },
    spec: { serviceAccountName, containers: [{ name: 'echo', ports: [{ name: 'grpc', containerPort: 50051 }] }] },
    status: { podIP: ip },
  };
}

function ingressBackend(name: string, backendName: string, port: number, protocol: 'http' | 'https'): unknown {
  const sources = protocol === 'https' ? [{ kind: 'AuthenticatedPrincipal', name: 'spiffe://cluster.local/ns/web/sa/client' }] : [{ kind: 'IPRange', name: '10.0.0.0/8' }];
  return {
    apiVersion: 'policy.openservicemesh.io/v1alpha1',
    kind: 'IngressBackend',
    metadata: { name, namespace: 'echo' },
    spec: { backends: [{ name: backendName, port: { number: port, protocol } }], sources },
  };
}

function compile(documents: unknown[], node: ProxyNode = CLIENT, options: CompileOptions = OPTIONS): CompileResult {
  const result = compileProxy(stateOf(objectsFrom(documents)), node, options);
  for (const { name, resource } of result.resources[TYPE_URL.cluster]) assert.deepEqual(checkResource(TYPE_URL.cluster, resource), [], name);
  return result;
}

/** The exact SANs the echo cluster asks for, or `undefined` when it is plaintext. */
function expectedSans(result: CompileResult): string[] | undefined {
  const socket = clusterOf(result, ECHO_CLUSTER).transport_socket as
    | { typed_config: { common_tls_context: { validation_context: { match_subject_alt_names?: { exact: string }[] } } } }
    | undefined;
  return socket && (socket.typed_config.common_tls_context.validation_context.match_subject_alt_names ?? []).map((san) => san.exact);
}

test('mTLS exactly where an https IngressBackend of the Service claims its targetPort', () => {
  const pod = echoPod('echo-server');
  assert.deepEqual(expectedSans(compile([MONITORED, echoService(), pod, ingressBackend('echo', 'echo', 50051, 'https')])), ['spiffe://cluster.local/ns/echo/sa/echo-server']);
  assert.equal(expectedSans(compile([MONITORED, echoService(), pod])), undefined, 'no IngressBackend');
  assert.equal(expectedSans(compile([MONITORED, echoService(), pod, ingressBackend('echo', 'echo', 50051, 'http')])), undefined, 'an http IngressBackend');
  assert.equal(expectedSans(compile([MONITORED, echoService(), pod, ingressBackend('echo', 'echo', 7070, 'https')])), undefined, 'the Service port is not the workload port');
  assert.equal(expectedSans(compile([MONITORED, echoService(), pod, ingressBackend('other', 'other', 50051, 'https')])), undefined, "another Service's IngressBackend");
  const unmonitored = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } };
  assert.equal(expectedSans(compile([unmonitored, echoService(), pod, ingressBackend('echo', 'echo', 50051, 'https')])), undefined, 'not enforced outside the mesh, so not dialled with TLS');
});

test("the server identities follow the Pods: a changed service account changes the SAN; the trust domain is the compile's", () => {
  const documents = (serviceAccount: string) => [MONITORED, echoService(), echoPod(serviceAccount), ingressBackend('echo', 'echo', 50051, 'https')];
  assert.deepEqual(expectedSans(compile(documents('impostor'))), ['spiffe://cluster.local/ns/echo/sa/impostor']);
  assert.deepEqual(expectedSans(compile(documents('echo-server'), CLIENT, { ...OPTIONS, trustDomain: 'mesh.example' })), ['spiffe://mesh.example/ns/echo/sa/echo-server']);
});

test('a Service without selector takes the identities of the Pods at its endpoint addresses', () => {
  const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'echo', namespace: 'echo' }, subsets: [{ addresses: [{ ip: '10.4.0.9' }], ports: [{ name: 'grpc', port: 50051 }] }] };
  const result = compile([MONITORED, echoService({}), endpoints, echoPod('echo-server', '10.4.0.8'), echoPod('echo-b', '10.4.0.9', { app: 'b' }), ingressBackend('echo', 'echo', 50051, 'https')]);
  assert.deepEqual(expectedSans(result), ['spiffe://cluster.local/ns/echo/sa/echo-b']);
  assert.deepEqual(result.diagnostics, []);
});

test('no Pod behind the Service: no identity to check, so the cluster admits no calls (grpc-js would accept any mesh workload), and a warning', () => {
  const result = compile([MONITORED, echoService(), ingressBackend('echo', 'echo', 50051, 'https')]);
  assert.equal(expectedSans(result), undefined, 'no TLS settings without a SAN matcher');
  assert.equal(decodeCluster(clusterOf(result, ECHO_CLUSTER)).error, undefined);
  assert.deepEqual(clusterOf(result, ECHO_CLUSTER).circuit_breakers, { thresholds: [{ priority: 'DEFAULT', max_requests: { value: 0 } }] });
  assert.equal(new SanMatcher([]).apply(workloadSans('echo', 'impostor')), true, 'why: grpc-js-xds with no matcher accepts any certificate');
  assert.deepEqual(
    result.diagnostics.map((d) => [d.severity, d.object]),
    [['warning', 'Service/echo/echo']],
  );
  assert.match(result.diagnostics[0].message, /no Pod behind the Service is known/);
});

test('Envoy proxies do not get this TLS: certificate provider instances are a gRPC bootstrap notion (Envoy would need SDS upstream, not built yet)', () => {
  const documents = [
    MONITORED,
    echoService(),
    echoPod('echo-server'),
    ingressBackend('echo', 'echo', 50051, 'https'),
    { apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'echo' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } },
    { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'echo' }, spec: { hosts: ['*'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'echo', port: { number: 7070 } } }] }] } },
  ];
  assert.equal(clusterOf(compile(documents, INGRESS_NODE), ECHO_CLUSTER).transport_socket, undefined);
});
