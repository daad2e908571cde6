/**
 * DestinationRule `tls` for proxyless gRPC clients (`proxyless-tls.ts`), held to what grpc-js-xds
 * itself makes of each cluster: its cluster validator (with a bootstrap defining exactly the
 * node's instances) and its SAN matcher. Every cluster also passes the strict proto walk and
 * validate.rules. The e2e test `proxyless-tls` dials real TLS servers with the same clusters.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { checkResource, encodeResource } from '@meshgate/envoy-proto';
import { caFileProviderInstance, compileProxy, identityFileProviderInstance, TYPE_URL, type CompileResult, type Diagnostic, type ProxyNode } from '../src/index.js';
import { resourceTypes } from './grpc-xds.js';
import { GRPC_NODE, objectsFrom, OPTIONS, stateOf } from './support.js';

const require = createRequire(import.meta.url);
const { SanMatcher } = require('@grpc/grpc-js-xds/build/src/load-balancer-cds.js') as {
  SanMatcher: new (matchers: unknown[]) => { apply(subjectAltName: string): boolean };
};

const CA = '/etc/ext/ca.pem';
const CERT = '/etc/ext/client.pem';
const KEY = '/etc/ext/client-key.pem';
const CLUSTER = 'outbound|7443||billing.external.example';
const NODE: ProxyNode = { ...GRPC_NODE, namespace: 'egress', certificateProviders: ['default', caFileProviderInstance(CA), identityFileProviderInstance(CERT, KEY)] };

interface SecurityUpdate {
  caCertificateProviderInstance: string;
  identityCertificateProviderInstance?: string;
  subjectAltNameMatchers: unknown[];
}

/** grpc-js-xds's view of a cluster, its bootstrap defining the node's instances. */
function decodeCluster(cluster: Record<string, unknown>, node: ProxyNode): { error?: string; security?: SecurityUpdate; maxConcurrentRequests?: number } {
  const type = resourceTypes[TYPE_URL.cluster];
  assert.ok(type);
  const certificateProviders = Object.fromEntries((node.certificateProviders ?? ['default']).map((name) => [name, { plugin_name: 'file_watcher', config: {} }]));
  const decoded = type.decode({ bootstrap: { certificateProviders } }, { type_url: TYPE_URL.cluster, value: encodeResource(TYPE_URL.cluster, cluster) });
  if (decoded.error !== undefined) return { error: decoded.error };
  const value = decoded.value as { securityUpdate?: SecurityUpdate; maxConcurrentRequests?: number };
  return { security: value.securityUpdate, maxConcurrentRequests: value.maxConcurrentRequests };
}

const entry = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'billing', namespace: 'egress' },
  spec: {
    hosts: ['billing.external.example'],
    ports: [{ number: 7443, name: 'grpc', protocol: 'GRPC' }],
    resolution: 'STATIC',
    endpoints: [{ address: '127.0.0.61', labels: { version: 'v1' } }, { address: '127.0.0.62', labels: { version: 'v2' } }],
    ...extra,
  },
});

const rule = (trafficPolicy: Record<string, unknown>, subsets: unknown[] = []) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'billing', namespace: 'egress' },
  spec: { host: 'billing.external.example', trafficPolicy, ...(subsets.length > 0 ? { subsets } : {}) },
});

function compile(documents: unknown[], node: ProxyNode = NODE): CompileResult {
  const result = compileProxy(stateOf(objectsFrom(documents)), node, OPTIONS);
  for (const { name, resource } of result.resources[TYPE_URL.cluster]) {
    assert.deepEqual(checkResource(TYPE_URL.cluster, resource), [], name);
    assert.equal(decodeCluster(resource, node).error, undefined, `grpc-js-xds must not NACK ${name}`);
  }
  return result;
}

function cluster(result: CompileResult, name = CLUSTER): Record<string, unknown> {
  const found = result.resources[TYPE_URL.cluster].find((candidate) => candidate.name === name);
  assert.ok(found, `cluster ${name}`);
  return found.resource;
}

function warnings(result: CompileResult): string[] {
  return result.diagnostics.filter((d: Diagnostic) => d.object === 'DestinationRule/egress/billing').map((d) => d.message);
}

test('SIMPLE with caCertificates: the trust bundle from the file instance, no client certificate, the host as the server name', () => {
  const result = compile([entry(), rule({ tls: { mode: 'SIMPLE', caCertificates: CA } })]);
  const { security } = decodeCluster(cluster(result), NODE);
  assert.ok(security);
  assert.equal(security.caCertificateProviderInstance, 'file:ca=/etc/ext/ca.pem');
  assert.equal(security.identityCertificateProviderInstance, undefined);
  const matcher = new SanMatcher(security.subjectAltNameMatchers);
  assert.equal(matcher.apply('DNS:billing.external.example'), true);
  assert.equal(matcher.apply('DNS:*.external.example'), true, 'a wildcard certificate covers the host');
  assert.equal(matcher.apply('DNS:other.example'), false);
  assert.deepEqual(warnings(result), []);
});

test('MUTUAL with files presents the client pair; subjectAltNames replace the host', () => {
  const result = compile([entry(), rule({ tls: { mode: 'MUTUAL', caCertificates: CA, clientCertificate: CERT, privateKey: KEY, subjectAltNames: ['billing.internal'] } })]);
  const { security } = decodeCluster(cluster(result), NODE);
  assert.ok(security);
  assert.equal(security.identityCertificateProviderInstance, 'file:cert=/etc/ext/client.pem;key=/etc/ext/client-key.pem');
  const matcher = new SanMatcher(security.subjectAltNameMatchers);
  assert.equal(matcher.apply('DNS:billing.internal'), true);
  assert.equal(matcher.apply('DNS:billing.external.example'), false);
});

test('a file the bootstrap has no instance for: the cluster admits no calls (gRPC max_requests 0), never plaintext, never a NACK', () => {
  const bare: ProxyNode = { ...NODE, certificateProviders: undefined };
  const result = compile([entry(), rule({ tls: { mode: 'SIMPLE', caCertificates: '/etc/other/ca.pem' } })], bare);
  const decoded = decodeCluster(cluster(result), bare);
  assert.equal(decoded.security, undefined);
  assert.equal(decoded.maxConcurrentRequests, 0);
  assert.equal(cluster(result).transport_socket, undefined);
  assert.match(warnings(result).join('\n'), /defines no certificate provider "file:ca=\/etc\/other\/ca.pem".*admits no calls/);
});

test('what proxyless gRPC cannot do is warned, and fails closed where it would weaken the check', () => {
  const closed = (result: CompileResult) => decodeCluster(cluster(result), NODE).maxConcurrentRequests === 0;
  const credential = compile([entry(), rule({ tls: { mode: 'SIMPLE', credentialName: 'billing-ca' } })]);
  assert.ok(closed(credential));
  assert.match(warnings(credential).join('\n'), /credentialName "billing-ca" cannot reach a proxyless gRPC client/);

  const noCa = compile([entry(), rule({ tls: { mode: 'SIMPLE' } })]);
  assert.ok(closed(noCa));
  assert.match(warnings(noCa).join('\n'), /SIMPLE without caCertificates/);

  const sni = compile([entry(), rule({ tls: { mode: 'SIMPLE', caCertificates: CA, sni: 'billing.example.com', insecureSkipVerify: true } })]);
  const matcher = new SanMatcher(decodeCluster(cluster(sni), NODE).security?.subjectAltNameMatchers ?? []);
  assert.equal(matcher.apply('DNS:billing.example.com'), true, 'the sni is checked as the server name');
  assert.equal(matcher.apply('DNS:billing.external.example'), false);
  assert.match(warnings(sni).join('\n'), /tls.sni "billing.example.com" is not sent/);
  assert.match(warnings(sni).join('\n'), /insecureSkipVerify is not possible/);

  const mesh = compile([entry(), rule({ tls: { mode: 'ISTIO_MUTUAL' } })]);
  assert.ok(closed(mesh), 'no identity to check: any mesh workload would pass');
  assert.match(warnings(mesh).join('\n'), /ISTIO_MUTUAL: no server identity is known/);
});

test('ISTIO_MUTUAL uses the mesh instance and the ServiceEntry subjectAltNames; portLevelSettings and subsets pick their own tls', () => {
  const mesh = compile([entry({ subjectAltNames: ['spiffe://cluster.local/ns/billing/sa/billing'] }), rule({ tls: { mode: 'ISTIO_MUTUAL' } })]);
  const security = decodeCluster(cluster(mesh), NODE).security;
  assert.equal(security?.caCertificateProviderInstance, 'default');
  assert.equal(security?.identityCertificateProviderInstance, 'default');
  assert.equal(new SanMatcher(security?.subjectAltNameMatchers ?? []).apply('URI:spiffe://cluster.local/ns/billing/sa/billing'), true);

  const layered = compile([
    entry(),
    rule({ tls: { mode: 'DISABLE' }, portLevelSettings: [{ port: { number: 7443 }, tls: { mode: 'SIMPLE', caCertificates: CA } }] }, [
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: CA, subjectAltNames: ['v2.billing'] } } },
    ]),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'billing', namespace: 'egress' },
      spec: { hosts: ['billing.external.example'], http: [{ match: [{ headers: { x: { exact: '2' } } }], route: [{ destination: { host: 'billing.external.example', subset: 'v2' } }] }, { route: [{ destination: { host: 'billing.external.example' } }] }] },
    },
  ]);
  const portLevel = decodeCluster(cluster(layered), NODE).security;
  assert.equal(portLevel?.caCertificateProviderInstance, 'file:ca=/etc/ext/ca.pem', 'portLevelSettings replace the rule-wide DISABLE');
  const subset = decodeCluster(cluster(layered, 'outbound|7443|v2|billing.external.example'), NODE).security;
  assert.equal(new SanMatcher(subset?.subjectAltNameMatchers ?? []).apply('DNS:v2.billing'), true, "the subset's own tls");

  const disabled = compile([entry(), rule({ tls: { mode: 'DISABLE' } })]);
  assert.equal(cluster(disabled).transport_socket, undefined);
  assert.equal(decodeCluster(cluster(disabled), NODE).maxConcurrentRequests, undefined);
});

test('ISTIO_MUTUAL on a Service names the identities of its Pods', () => {
  const result = compile(
    [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'egress' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'grpc', port: 7070 }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echo-1', namespace: 'egress', labels: { app: 'echo' } }, spec: { serviceAccountName: 'echo-sa', containers: [{ name: 'c' }] }, status: { podIP: '10.1.0.5' } },
      { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'echo', namespace: 'egress' }, spec: { host: 'echo', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } } },
    ],
    NODE,
  );
  const security = decodeCluster(cluster(result, 'outbound|7070||echo.egress.svc.cluster.local'), NODE).security;
  const matcher = new SanMatcher(security?.subjectAltNameMatchers ?? []);
  assert.equal(matcher.apply('URI:spiffe://cluster.local/ns/egress/sa/echo-sa'), true);
  assert.equal(matcher.apply('URI:spiffe://cluster.local/ns/egress/sa/other'), false);
});

/** What a proxyless client cannot do with a rule's `tls`: each row's warning, and whether the cluster is closed (admits no calls) or still TLS. */
const WARNING_ROWS: { name: string; tls: Record<string, unknown>; node?: ProxyNode; warning: RegExp; outcome: 'closed' | 'tls' }[] = [
  { name: 'credentialName (SIMPLE)', tls: { mode: 'SIMPLE', credentialName: 'billing-ca' }, warning: /credentialName "billing-ca" cannot reach a proxyless gRPC client/, outcome: 'closed' },
  { name: 'credentialName (MUTUAL)', tls: { mode: 'MUTUAL', credentialName: 'billing-cred' }, warning: /credentialName "billing-cred" cannot reach/, outcome: 'closed' },
  { name: 'SIMPLE without caCertificates', tls: { mode: 'SIMPLE' }, warning: /SIMPLE without caCertificates/, outcome: 'closed' },
  { name: 'MUTUAL without caCertificates', tls: { mode: 'MUTUAL', clientCertificate: CERT, privateKey: KEY }, warning: /MUTUAL without caCertificates/, outcome: 'closed' },
  { name: 'a CA file the bootstrap lacks', tls: { mode: 'SIMPLE', caCertificates: '/etc/x/ca.pem' }, warning: /defines no certificate provider "file:ca=\/etc\/x\/ca.pem"/, outcome: 'closed' },
  { name: 'a client pair the bootstrap lacks', tls: { mode: 'MUTUAL', caCertificates: CA, clientCertificate: '/etc/x/c.pem', privateKey: KEY }, warning: /defines no certificate provider "file:cert=\/etc\/x\/c.pem;key=\/etc\/ext\/client-key.pem"/, outcome: 'closed' },
  { name: 'an unstated bootstrap (default only)', tls: { mode: 'SIMPLE', caCertificates: CA }, node: { ...NODE, certificateProviders: undefined }, warning: /CERTIFICATE_PROVIDERS lists default\)/, outcome: 'closed' },
  { name: 'ISTIO_MUTUAL with no identity to check', tls: { mode: 'ISTIO_MUTUAL' }, warning: /no server identity is known/, outcome: 'closed' },
  { name: 'sni other than the host', tls: { mode: 'SIMPLE', caCertificates: CA, sni: 'b.example.com' }, warning: /tls.sni "b.example.com" is not sent/, outcome: 'tls' },
  { name: 'insecureSkipVerify', tls: { mode: 'SIMPLE', caCertificates: CA, insecureSkipVerify: true }, warning: /insecureSkipVerify is not possible/, outcome: 'tls' },
  { name: 'ISTIO_MUTUAL sni', tls: { mode: 'ISTIO_MUTUAL', sni: 'outbound_.7443_._.billing', subjectAltNames: ['spiffe://cluster.local/ns/billing/sa/billing'] }, warning: /is not sent by proxyless gRPC clients/, outcome: 'tls' },
];

for (const row of WARNING_ROWS) {
  test(`proxyless tls, warned: ${row.name}`, () => {
    const node = row.node ?? NODE;
    const result = compile([entry(), rule({ tls: row.tls })], node);
    assert.match(warnings(result).join('\n'), row.warning);
    const decoded = decodeCluster(cluster(result), node);
    if (row.outcome === 'closed') {
      assert.equal(decoded.maxConcurrentRequests, 0, 'admits no calls');
      assert.equal(decoded.security, undefined, 'and is never plaintext-with-a-promise: no TLS settings to half-apply');
    } else {
      assert.ok(decoded.security, 'still TLS');
      assert.equal(decoded.maxConcurrentRequests, undefined);
    }
  });
}
