/**
 * Seed 003's egress gateway chain beyond the golden files: that the sidecar's side and the
 * gateway's side of each step meet (the sidecar's cluster goes to a gateway port that has a
 * filter chain for the SNI it sends, with mesh TLS on both ends or on neither), the routing
 * rules of mesh tcp/tls routes at a sidecar, and what is reported rather than done.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import { compileProxy, TYPE_URL, type CompileResult, type ProxyNode } from '../src/index.js';
import { loadCase, objectsFrom, OPTIONS, secret, stateOf } from './support.js';

type Chain = { name?: string; filter_chain_match?: { server_names?: string[]; prefix_ranges?: { address_prefix: string; prefix_len: { value: number } }[] }; filters: { name: string; typed_config: Record<string, unknown> }[]; transport_socket?: { typed_config: Record<string, unknown> } };
type Listener = { name: string; filter_chains: Chain[] };

const SIDECAR: ProxyNode = { id: 'ratings', role: 'sidecar', namespace: 'default', serviceAccount: 'ratings', labels: { app: 'ratings' }, client: 'envoy', ips: [] };
const EGRESS: ProxyNode = { id: 'egress', role: 'egress-gateway', namespace: 'istio-system', serviceAccount: 'istio-egressgateway', labels: { istio: 'egressgateway' }, client: 'envoy', ips: [] };

function compile(objects: ReturnType<typeof objectsFrom>, node: ProxyNode): CompileResult {
  const result = compileProxy(stateOf(objects), node, OPTIONS);
  for (const [typeUrl, resources] of Object.entries(result.resources)) {
    for (const { name, resource } of resources) assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${name}`);
  }
  return result;
}

function listener(result: CompileResult, name: string): Listener {
  const found = result.resources[TYPE_URL.listener].find((l) => l.name === name);
  assert.ok(found, `listener ${name}`);
  return found.resource as unknown as Listener;
}

function cluster(result: CompileResult, name: string): Record<string, unknown> {
  const found = result.resources[TYPE_URL.cluster].find((c) => c.name === name);
  assert.ok(found, `cluster ${name}`);
  return found.resource;
}

function tcpProxyCluster(chain: Chain): string {
  const tcp = chain.filters.find((filter) => filter.name === 'envoy.filters.network.tcp_proxy');
  assert.ok(tcp, `chain ${chain.name} ends in tcp_proxy`);
  return tcp.typed_config.cluster as string;
}

/** `outbound|443|mongo|istio-egressgateway…` → 443. */
function portOf(clusterName: string): number {
  return Number(clusterName.split('|')[1]);
}

const STEPS = [
  { step: 'tcp', port: 27017, mtls: false },
  { step: 'tcp-mtls', port: 27017, mtls: true },
  { step: 'tls-mtls', port: 27017, mtls: true },
  { step: 'tls-passthrough', port: 27017, mtls: false },
  { step: 'tls-origination', port: 27017, mtls: true },
];

for (const { step, port, mtls } of STEPS) {
  test(`seed 003 ${step}: the sidecar's chain reaches a gateway filter chain for the SNI it sends, ${mtls ? 'with mesh TLS on both ends' : 'with no TLS of the mesh'}`, () => {
    const sidecarCase = loadCase(`egress-gateway-seed-003-${step}-sidecar`);
    const gatewayCase = loadCase(`egress-gateway-seed-003-${step}-egress`);
    const sidecar = compile(sidecarCase.objects, sidecarCase.node);
    const gateway = compile(gatewayCase.objects, gatewayCase.node);

    const [routed] = listener(sidecar, `0.0.0.0_${port}`).filter_chains.filter((chain) => chain.name?.includes('direct-mongo-through-egress-gateway'));
    assert.ok(routed, 'a chain made by the mesh route');
    const toGateway = tcpProxyCluster(routed);
    assert.match(toGateway, /^outbound\|\d+\|mongo\|istio-egressgateway\.istio-system\.svc\.cluster\.local$/);
    const upstream = cluster(sidecar, toGateway).transport_socket as { typed_config: { sni?: string; common_tls_context: { tls_certificate_sds_secret_configs: { name: string }[] } } } | undefined;
    assert.equal(upstream !== undefined, mtls, 'the sidecar originates mesh TLS exactly when the step says so');
    if (upstream) {
      assert.deepEqual(upstream.typed_config.common_tls_context.tls_certificate_sds_secret_configs.map((s) => s.name), ['default']);
      // No subjectAltNames in the rule: the gateway's own identity (its Pod's service account) is checked, as Istio does.
      assert.match(JSON.stringify(upstream), /"san_type":"URI","matcher":\{"exact":"spiffe:\/\/cluster\.local\/ns\/istio-system\/sa\/istio-egressgateway-service-account"\}/);
    }

    // The SNI the gateway sees: the subset's `sni` under mesh TLS, else the application's own (passthrough), else none (TCP).
    const appSni = routed.filter_chain_match?.server_names?.[0];
    const sni = upstream?.typed_config.sni ?? appSni;
    const gatewayChains = listener(gateway, `0.0.0.0_${portOf(toGateway)}`).filter_chains;
    const taking = gatewayChains.find((chain) => chain.filter_chain_match?.server_names === undefined || (sni !== undefined && chain.filter_chain_match.server_names.includes(sni)));
    assert.ok(taking, `a gateway chain on ${portOf(toGateway)} takes SNI ${sni ?? '(none)'}`);
    const terminates = taking.transport_socket?.typed_config as { require_client_certificate?: { value: boolean }; common_tls_context?: { tls_certificate_sds_secret_configs: { name: string }[] } } | undefined;
    assert.equal(terminates !== undefined, mtls, 'the gateway terminates mesh TLS exactly when the sidecar originates it');
    if (terminates) {
      assert.deepEqual(terminates.require_client_certificate, { value: true });
      assert.deepEqual(terminates.common_tls_context?.tls_certificate_sds_secret_configs.map((s) => s.name), ['default']);
    }
    // …and forwards to the external host's own cluster, which the gateway has.
    const external = taking.filters.some((filter) => filter.name === 'envoy.filters.network.tcp_proxy') ? tcpProxyCluster(taking) : undefined;
    if (external !== undefined) {
      assert.match(external, /^outbound\|27017\|\|(my-mongo\.tcp\.svc|mongo\.example\.com)$/);
      cluster(gateway, external);
    }
  });
}

test('seed 003 tls-origination: the gateway originates MUTUAL TLS with the credential of its own namespace, and the HTTP variant routes by the gateway match', () => {
  const gatewayCase = loadCase('egress-gateway-seed-003-tls-origination-egress');
  const result = compile(gatewayCase.objects, gatewayCase.node);
  const tls = cluster(result, 'outbound|27017||mongo.example.com').transport_socket as { typed_config: { sni: string; common_tls_context: Record<string, { name: string }[] | { validation_context_sds_secret_config: { name: string } }> } };
  assert.equal(tls.typed_config.sni, 'mongo.example.com');
  assert.deepEqual((tls.typed_config.common_tls_context.tls_certificate_sds_secret_configs as { name: string }[]).map((s) => s.name), ['kubernetes://client-credential']);
  assert.equal((tls.typed_config.common_tls_context.combined_validation_context as { validation_context_sds_secret_config: { name: string } }).validation_context_sds_secret_config.name, 'kubernetes://client-credential-cacert');
  assert.deepEqual(result.diagnostics, []);
  const route = result.resources[TYPE_URL.route].find((r) => r.name === 'https.443.https.istio-egressgateway.default');
  assert.ok(route);
  assert.equal(JSON.stringify(route.resource).includes('outbound|443||edition.cnn.com'), true);
});

// ---------------------------------------------------------------- sidecar tcp/tls routing rules

const entry = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'mongo', namespace: 'default' }, spec });
const vs = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'route-mongo', namespace: 'default' }, spec });
const other = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'other', namespace: 'default' }, spec: { hosts: ['other.example.com'], ports: [{ number: 9000, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS' } };

test('a tcp route by destinationSubnets narrower than the host\'s addresses leaves the rest to the host\'s own chain', () => {
  const result = compile(
    objectsFrom([
      other,
      entry({ hosts: ['db.example.com'], addresses: ['203.0.113.0/24'], ports: [{ number: 27017, name: 'mongo', protocol: 'MONGO' }], resolution: 'STATIC', endpoints: [{ address: '203.0.113.7' }] }),
      vs({
        hosts: ['db.example.com'],
        tcp: [
          { match: [{ destinationSubnets: ['203.0.113.7/32'], port: 27017 }], route: [{ destination: { host: 'other.example.com', port: { number: 9000 } }, weight: 40 }, { destination: { host: 'db.example.com', port: { number: 27017 } }, weight: 60 }] },
        ],
      }),
    ]),
    SIDECAR,
  );
  const chains = listener(result, '0.0.0.0_27017').filter_chains;
  assert.deepEqual(
    chains.map((chain) => [chain.name, chain.filter_chain_match?.prefix_ranges?.map((r) => `${r.address_prefix}/${r.prefix_len.value}`)]),
    [
      ['27017|db.example.com|default/route-mongo|tcp[0]', ['203.0.113.7/32']],
      ['27017|db.example.com', ['203.0.113.0/24']],
    ],
  );
  // Several destinations: weighted clusters with Istio's `<vs>.<namespace>` stat prefix, after mongo_proxy with the same prefix.
  assert.deepEqual(chains[0].filters.map((f) => [f.name, f.typed_config.stat_prefix]), [
    ['envoy.filters.network.mongo_proxy', 'route-mongo.default'],
    ['envoy.filters.network.tcp_proxy', 'route-mongo.default'],
  ]);
  assert.deepEqual(chains[0].filters[1].typed_config.weighted_clusters, {
    clusters: [
      { name: 'outbound|9000||other.example.com', weight: 40 },
      { name: 'outbound|27017||db.example.com', weight: 60 },
    ],
  });
});

test('a tcp route for another port, another gateway or other workloads leaves the host\'s own chain alone', () => {
  for (const match of [{ port: 27018 }, { gateways: ['istio-system/egress'] }, { sourceLabels: { app: 'reviews' } }]) {
    const result = compile(
      objectsFrom([
        other,
        entry({ hosts: ['db.example.com'], addresses: ['203.0.113.7'], ports: [{ number: 27017, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS' }),
        vs({ hosts: ['db.example.com'], gateways: ['mesh', 'istio-system/egress'], tcp: [{ match: [match], route: [{ destination: { host: 'other.example.com', port: { number: 9000 } } }] }] }),
      ]),
      SIDECAR,
    );
    assert.deepEqual(listener(result, '0.0.0.0_27017').filter_chains.map((chain) => chain.name), ['27017|db.example.com'], JSON.stringify(match));
  }
});

test('routes of the other kind for this very port are reported as unused at sidecars (Istio drops them without a word)', () => {
  const result = compile(
    objectsFrom([
      other,
      entry({ hosts: ['db.example.com'], addresses: ['203.0.113.7'], ports: [{ number: 27017, name: 'tls', protocol: 'TLS' }, { number: 5432, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS' }),
      vs({
        hosts: ['db.example.com'],
        tcp: [{ match: [{ port: 27017 }], route: [{ destination: { host: 'other.example.com', port: { number: 9000 } } }] }],
        tls: [{ match: [{ port: 5432, sniHosts: ['db.example.com'] }], route: [{ destination: { host: 'other.example.com', port: { number: 9000 } } }] }],
      }),
    ]),
    SIDECAR,
  );
  const messages = result.diagnostics.filter((d) => d.object === 'VirtualService/default/route-mongo').map((d) => d.message);
  assert.deepEqual(messages.sort(), [
    'spec.tcp[0]: port 27017 of db.example.com carries TLS, matched by SNI: sidecars apply tls routes there, not tcp routes; route not used at sidecars',
    'spec.tls[0]: port 5432 of db.example.com carries TCP: sidecars apply tcp routes there, not tls routes; route not used at sidecars',
  ]);
  // The hosts keep their own chains.
  assert.deepEqual(listener(result, '0.0.0.0_27017').filter_chains.map((chain) => chain.name), ['27017|db.example.com']);
});

test('two hosts of one VirtualService do not make two chains with the same SNI (Envoy refuses the listener)', () => {
  const result = compile(
    objectsFrom([
      other,
      entry({ hosts: ['a.example.com', 'b.example.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'DNS' }),
      vs({ hosts: ['a.example.com', 'b.example.com'], tls: [{ match: [{ sniHosts: ['a.example.com', 'b.example.com'] }], route: [{ destination: { host: 'other.example.com', port: { number: 9000 } } }] }] }),
    ]),
    SIDECAR,
  );
  const chains = listener(result, '0.0.0.0_443').filter_chains;
  assert.deepEqual(chains.map((chain) => chain.filter_chain_match?.server_names), [['a.example.com', 'b.example.com']]);
  assert.match(result.diagnostics.map((d) => d.message).join('\n'), /SNI a\.example\.com, b\.example\.com is already matched by another chain/);
});

// ---------------------------------------------------------------- what is reported rather than done

const ORIGINATION = [
  entry({ hosts: ['mongo.example.com'], addresses: ['203.0.113.7'], ports: [{ number: 27017, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS' }),
  { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'egress', namespace: 'istio-system' }, spec: { selector: { istio: 'egressgateway' }, servers: [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['mongo.example.com'], tls: { mode: 'ISTIO_MUTUAL' } }] } },
  vs({ hosts: ['mongo.example.com'], gateways: ['mesh', 'istio-system/egress'], tcp: [{ route: [{ destination: { host: 'mongo.example.com', port: { number: 27017 } } }] }] }),
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'originate', namespace: 'default' },
    spec: { host: 'mongo.example.com', trafficPolicy: { portLevelSettings: [{ port: { number: 27017 }, tls: { mode: 'MUTUAL', credentialName: 'client-credential' } }] } },
  },
];

test('a credential that does not resolve in the gateway\'s namespace is an error on the DestinationRule with its field path; the cluster still names it (closed until it resolves)', () => {
  const withoutSecret = compile(objectsFrom(ORIGINATION), EGRESS);
  const errors = withoutSecret.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(withoutSecret.diagnostics));
  assert.equal(errors[0].object, 'DestinationRule/default/originate');
  assert.match(errors[0].message, /^spec\.trafficPolicy\.portLevelSettings\[0\]\.tls\.credentialName: outbound\|27017\|\|mongo\.example\.com: credential client-credential cannot be served to gateways of namespace istio-system \(kubernetes:\/\/client-credential: Secret istio-system\/client-credential not found/);
  assert.match(JSON.stringify(cluster(withoutSecret, 'outbound|27017||mongo.example.com')), /kubernetes:\/\/client-credential/);

  // In another namespace (the application's) it still does not count: the gateway reads its own.
  const elsewhere = compile(objectsFrom([...ORIGINATION, secret('default', 'client-credential', ['tls.crt', 'tls.key', 'ca.crt'])]), EGRESS);
  assert.equal(elsewhere.diagnostics.filter((d) => d.severity === 'error').length, 1);

  const withSecret = compile(objectsFrom([...ORIGINATION, secret('istio-system', 'client-credential', ['tls.crt', 'tls.key', 'ca.crt'])]), EGRESS);
  assert.deepEqual(withSecret.diagnostics, []);

  // A CA-less Secret: the certificate resolves, the -cacert half does not.
  const noCa = compile(objectsFrom([...ORIGINATION, secret('istio-system', 'client-credential', ['tls.crt', 'tls.key'])]), EGRESS);
  assert.match(noCa.diagnostics.map((d) => d.message).join('\n'), /kubernetes:\/\/client-credential-cacert: no CA certificate/);
});

test('a sidecar is sent no credentials, so credentialName origination there is reported, not left to fail unexplained', () => {
  const rule = ORIGINATION[3];
  const result = compile(objectsFrom([ORIGINATION[0], rule, secret('default', 'client-credential', ['tls.crt', 'tls.key', 'ca.crt'])]), SIDECAR);
  const warnings = result.diagnostics.filter((d) => d.object === 'DestinationRule/default/originate');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].severity, 'warning');
  assert.match(warnings[0].message, /credentialName: outbound\|27017\|\|mongo\.example\.com: credential client-credential is served to gateway proxies only/);
});

test('Istio 1.0 mesh certificate files become ISTIO_MUTUAL only as that exact set; other certificate files stay refused', () => {
  const server = (tls: Record<string, unknown>) => ({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'egress', namespace: 'istio-system' }, spec: { selector: { istio: 'egressgateway' }, servers: [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['mongo.example.com'], tls }] } });
  const files = { mode: 'MUTUAL', serverCertificate: '/etc/certs/cert-chain.pem', privateKey: '/etc/certs/key.pem', caCertificates: '/etc/certs/root-cert.pem' };
  const objects = (tls: Record<string, unknown>) => objectsFrom([ORIGINATION[0], ORIGINATION[2], server(tls)]);
  const legacy = compile(objects(files), EGRESS);
  assert.match(legacy.diagnostics.map((d) => d.message).join('\n'), /Istio 1\.0's mesh certificate files \(\/etc\/certs\); served as mode ISTIO_MUTUAL/);
  assert.equal(legacy.resources[TYPE_URL.listener].length, 1);
  for (const changed of [{ ...files, caCertificates: '/etc/other/root.pem' }, { ...files, mode: 'SIMPLE', caCertificates: undefined }]) {
    const result = compile(objects(JSON.parse(JSON.stringify(changed)) as Record<string, unknown>), EGRESS);
    assert.equal(result.resources[TYPE_URL.listener].length, 0, JSON.stringify(changed));
    assert.match(result.diagnostics.map((d) => d.message).join('\n'), /certificates from files \(serverCertificate\/privateKey\) are not supported/);
  }
});
