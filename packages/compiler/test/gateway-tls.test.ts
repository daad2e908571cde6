/**
 * Gateway servers that speak TLS or TCP: HTTPS (SIMPLE, MUTUAL, ISTIO_MUTUAL), TLS (PASSTHROUGH
 * and terminated), TCP, SNI on a shared port, and credentials that are missing or malformed.
 * Every resource is held to the Envoy protos; every result to the consistency check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import { buildIndex, compileProxy, consistencyProblems, sdsAvailability, TYPE_URL, type CompileResult, type ProxyNode } from '../src/index.js';
import { gateway, httpServer, INGRESS_NODE, objectsFrom, OPTIONS, secret, service, stateOf, virtualService } from './support.js';

function compile(documents: unknown[], node: ProxyNode = INGRESS_NODE): CompileResult {
  const state = stateOf(objectsFrom(documents));
  const result = compileProxy(state, node, OPTIONS);
  for (const [typeUrl, resources] of Object.entries(result.resources)) {
    for (const { name, resource } of resources) assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${name}`);
  }
  assert.deepEqual(consistencyProblems(result.resources, sdsAvailability(buildIndex(state, OPTIONS), node)), []);
  return result;
}

type Chain = {
  filter_chain_match?: { server_names?: string[]; prefix_ranges?: { address_prefix: string; prefix_len: { value: number } }[] };
  filters: { name: string; typed_config: Record<string, unknown> }[];
  transport_socket?: { typed_config: { common_tls_context: Record<string, unknown>; require_client_certificate: { value: boolean } } };
};

function listener(result: CompileResult, port: number): { listener_filters?: unknown[]; filter_chains: Chain[] } {
  const found = result.resources[TYPE_URL.listener].find((l) => l.name === `0.0.0.0_${port}`);
  assert.ok(found, `listener 0.0.0.0_${port}`);
  return found.resource as { listener_filters?: unknown[]; filter_chains: Chain[] };
}

function sdsNames(chain: Chain): string[] {
  const names: string[] = [];
  JSON.stringify(chain.transport_socket, (key, value: unknown) => {
    if (key === 'name' && typeof value === 'string') names.push(value);
    return value;
  });
  return names;
}

function https(name: string, hosts: string[], tls: Record<string, unknown>, port = 443): unknown {
  return { port: { number: port, name, protocol: 'HTTPS' }, hosts, tls };
}

const tlsPair = ['tls.crt', 'tls.key'];
const web = service('default', 'web', [{ name: 'http', port: 80 }]);
const db = service('default', 'db', [{ name: 'tcp', port: 5432 }]);
const dbCanary = service('default', 'db-canary', [{ name: 'tcp', port: 5432 }]);
const webVs = virtualService('default', 'web', { hosts: ['a.example.com', 'b.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'web' } }] }] });

test('SIMPLE: one SNI chain, the certificate over SDS, the server\'s own route configuration', () => {
  const result = compile([web, webVs, gateway('default', 'gw', [https('https-a', ['a.example.com'], { mode: 'SIMPLE', credentialName: 'a-cert', minProtocolVersion: 'TLSV1_2', maxProtocolVersion: 'TLSV1_3', cipherSuites: ['ECDHE-RSA-AES256-GCM-SHA384'] })]), secret('istio-system', 'a-cert', tlsPair)]);
  const { listener_filters, filter_chains } = listener(result, 443);
  assert.equal(listener_filters?.length, 1);
  assert.equal(filter_chains.length, 1);
  const [chain] = filter_chains;
  assert.deepEqual(chain.filter_chain_match, { server_names: ['a.example.com'] });
  assert.deepEqual(sdsNames(chain), ['envoy.transport_sockets.tls', 'kubernetes://a-cert']);
  const context = chain.transport_socket?.typed_config;
  assert.deepEqual(context?.require_client_certificate, { value: false });
  assert.deepEqual(context?.common_tls_context.tls_params, { tls_minimum_protocol_version: 'TLSv1_2', cipher_suites: ['ECDHE-RSA-AES256-GCM-SHA384'], tls_maximum_protocol_version: 'TLSv1_3' });
  assert.deepEqual(result.resources[TYPE_URL.route].map((r) => r.name), ['https.443.https-a.gw.default']);
  const [route] = result.resources[TYPE_URL.route];
  assert.deepEqual((route.resource.virtual_hosts as { name: string }[]).map((vh) => vh.name), ['a.example.com:443', 'blackhole:443']);
});

test('MUTUAL takes the client CA as NAME-cacert from any of the three layouts, with subjectAltNames', () => {
  const gw = gateway('default', 'gw', [https('https', ['a.example.com'], { mode: 'MUTUAL', credentialName: 'a-cert', subjectAltNames: ['client.example.com'] })]);
  const layouts = [
    [secret('istio-system', 'a-cert', ['ca.crt', 'tls.crt', 'tls.key'])],
    [secret('istio-system', 'a-cert', ['cacert', 'cert', 'key'], { type: 'Opaque' })],
    [secret('istio-system', 'a-cert', ['cert', 'key'], { type: 'Opaque' }), secret('istio-system', 'a-cert-cacert', ['cacert'], { type: 'Opaque' })],
  ];
  for (const secrets of layouts) {
    const [chain] = listener(compile([web, webVs, gw, ...secrets]), 443).filter_chains;
    const common = chain.transport_socket?.typed_config.common_tls_context;
    assert.deepEqual(sdsNames(chain), ['envoy.transport_sockets.tls', 'kubernetes://a-cert', 'kubernetes://a-cert-cacert']);
    assert.deepEqual((common?.combined_validation_context as Record<string, unknown>).default_validation_context, { match_subject_alt_names: [{ exact: 'client.example.com' }] });
    assert.deepEqual(chain.transport_socket?.typed_config.require_client_certificate, { value: true });
  }
});

test('ISTIO_MUTUAL terminates with the gateway\'s mesh identity and roots', () => {
  const result = compile([web, webVs, gateway('default', 'gw', [https('https', ['a.example.com'], { mode: 'ISTIO_MUTUAL' })])]);
  const [chain] = listener(result, 443).filter_chains;
  assert.deepEqual(sdsNames(chain), ['envoy.transport_sockets.tls', 'default', 'ROOTCA']);
  assert.deepEqual(result.diagnostics, []);
});

test('several servers on one port: one listener, chains by SNI, wildcards as Envoy matches them, "*" as the default chain', () => {
  const result = compile([
    web,
    virtualService('default', 'all', { hosts: ['*'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
    gateway('default', 'gw', [
      https('https-a', ['a.example.com', 'ns1/a.example.com'], { mode: 'SIMPLE', credentialName: 'a-cert' }),
      https('https-wild', ['*.example.com'], { mode: 'SIMPLE', credentialName: 'wild-cert' }),
      https('https-any', ['*'], { mode: 'SIMPLE', credentialName: 'any-cert' }),
    ]),
    secret('istio-system', 'a-cert', tlsPair),
    secret('istio-system', 'wild-cert', tlsPair),
    secret('istio-system', 'any-cert', tlsPair),
  ]);
  assert.deepEqual(result.resources[TYPE_URL.listener].map((l) => l.name), ['0.0.0.0_443']);
  const chains = listener(result, 443).filter_chains;
  assert.deepEqual(chains.map((c) => c.filter_chain_match), [{ server_names: ['a.example.com'] }, { server_names: ['*.example.com'] }, undefined]);
  assert.deepEqual(chains.map((c) => sdsNames(c)[1]), ['kubernetes://a-cert', 'kubernetes://wild-cert', 'kubernetes://any-cert']);
  assert.deepEqual(result.resources[TYPE_URL.route].map((r) => r.name), ['https.443.https-a.gw.default', 'https.443.https-any.gw.default', 'https.443.https-wild.gw.default']);
});

test('a missing or malformed credential drops its server only, says why, and never leaves a listener waiting', () => {
  const result = compile([
    web,
    webVs,
    gateway('default', 'gw', [
      https('https-a', ['a.example.com'], { mode: 'SIMPLE', credentialName: 'a-cert' }),
      https('https-b', ['b.example.com'], { mode: 'SIMPLE', credentialName: 'b-cert' }),
      https('https-c', ['c.example.com'], { mode: 'SIMPLE', credentialName: 'c-cert' }),
      https('https-d', ['d.example.com'], { mode: 'MUTUAL', credentialName: 'd-cert' }),
      https('https-e', ['e.example.com'], { mode: 'SIMPLE', credentialName: 'e-cert' }),
    ]),
    secret('istio-system', 'a-cert', tlsPair),
    secret('istio-system', 'c-cert', tlsPair, { problems: ['tls.crt: certificate expired at 2020-05-22T09:03:01Z'] }),
    secret('istio-system', 'd-cert', tlsPair), // MUTUAL without a CA anywhere
    secret('istio-system', 'e-cert', ['token'], { type: 'kubernetes.io/service-account-token' }),
    secret('default', 'b-cert', tlsPair), // the Gateway's namespace, not the workload's
  ]);
  const chains = listener(result, 443).filter_chains;
  assert.deepEqual(chains.map((c) => c.filter_chain_match?.server_names), [['a.example.com']]);
  assert.deepEqual(result.resources[TYPE_URL.route].map((r) => r.name), ['https.443.https-a.gw.default']);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => d.object), Array(4).fill('Gateway/default/gw'));
  const text = errors.map((d) => d.message).join('\n');
  assert.match(text, /server https-b \(port 443, HTTPS\): credential b-cert: Secret istio-system\/b-cert does not exist .*; server not served/);
  assert.match(text, /credential c-cert: Secret istio-system\/c-cert is not a usable credential: tls\.crt: certificate expired/);
  assert.match(text, /credential d-cert: Secret istio-system\/d-cert has no ca\.crt or cacert key, and there is no Secret istio-system\/d-cert-cacert/);
  assert.match(text, /credential e-cert: Secret istio-system\/e-cert has type kubernetes\.io\/service-account-token/);
});

test('with every credential missing the port has no listener at all', () => {
  const result = compile([web, webVs, gateway('default', 'gw', [https('https', ['a.example.com'], { mode: 'SIMPLE', credentialName: 'gone' })])]);
  assert.deepEqual(result.resources[TYPE_URL.listener], []);
  assert.deepEqual(result.resources[TYPE_URL.route], []);
});

test('a second server claiming the same SNI host on the port is turned away (Envoy refuses duplicate matches)', () => {
  const result = compile([
    web,
    webVs,
    gateway('default', 'gw', [https('https-a', ['a.example.com'], { mode: 'SIMPLE', credentialName: 'a-cert' })]),
    gateway('default', 'zz', [https('https-a2', ['a.example.com'], { mode: 'SIMPLE', credentialName: 'a-cert' })]),
    secret('istio-system', 'a-cert', tlsPair),
  ]);
  assert.equal(listener(result, 443).filter_chains.length, 1);
  assert.match(result.diagnostics.map((d) => `${d.object}: ${d.message}`).join('\n'), /Gateway\/default\/zz: server https-a2 .*already served by server https-a \(port 443, HTTPS\) of Gateway default\/gw/);
});

test('PASSTHROUGH: tls routes by SNI to tcp_proxy; http routes there are reported, not used', () => {
  const result = compile([
    db,
    dbCanary,
    gateway('default', 'gw', [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['*.example.com'], tls: { mode: 'PASSTHROUGH' } }]),
    virtualService('default', 'pg', {
      hosts: ['*.example.com'],
      gateways: ['gw'],
      tls: [
        { match: [{ sniHosts: ['pg.example.com'], port: 443 }], route: [{ destination: { host: 'db', port: { number: 5432 } }, weight: 90 }, { destination: { host: 'db-canary', port: { number: 5432 } }, weight: 10 }] },
        { match: [{ sniHosts: ['other.example.com'], port: 8443 }], route: [{ destination: { host: 'db' } }] },
        { match: [{ sniHosts: ['pg.example.com'] }], route: [{ destination: { host: 'db' } }] },
      ],
    }),
    virtualService('default', 'web', { hosts: ['web.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
  ]);
  const chains = listener(result, 443).filter_chains;
  assert.equal(chains.length, 1, 'the other port is left out, the duplicate SNI turned away');
  assert.deepEqual(chains[0].filter_chain_match, { server_names: ['pg.example.com'] });
  assert.equal(chains[0].transport_socket, undefined);
  assert.deepEqual(chains[0].filters[0].typed_config.weighted_clusters, {
    clusters: [
      { name: 'outbound|5432||db.default.svc.cluster.local', weight: 90 },
      { name: 'outbound|5432||db-canary.default.svc.cluster.local', weight: 10 },
    ],
  });
  const text = result.diagnostics.map((d) => `${d.object}: ${d.message}`).join('\n');
  assert.match(text, /VirtualService\/default\/pg: spec\.tls\[2\]\.match\[0\]: SNI pg\.example\.com on port 443 is already taken/);
  assert.match(text, /VirtualService\/default\/web: http routes cannot serve server tls \(port 443, TLS\) of Gateway default\/gw: it passes TLS through/);
});

test('TCP: the first tcp route that applies; destinationSubnets narrow by address and leave the rest to later routes', () => {
  const result = compile([
    db,
    dbCanary,
    gateway('default', 'gw', [{ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }]),
    virtualService('default', 'pg', {
      hosts: ['*'],
      gateways: ['gw'],
      tcp: [
        { match: [{ port: 9999 }], route: [{ destination: { host: 'db-canary', port: { number: 5432 } } }] },
        { match: [{ port: 31400, destinationSubnets: ['192.168.0.0/16'] }], route: [{ destination: { host: 'db-canary', port: { number: 5432 } } }] },
        { match: [{ port: 31400 }], route: [{ destination: { host: 'db', port: { number: 5432 } } }] },
        { route: [{ destination: { host: 'db-canary', port: { number: 5432 } } }] },
      ],
    }),
  ]);
  const { listener_filters, filter_chains } = listener(result, 31400);
  assert.equal(listener_filters, undefined, 'no SNI, no tls_inspector');
  assert.deepEqual(
    filter_chains.map((c) => [c.filter_chain_match, c.filters[0].typed_config.cluster]),
    [
      [{ prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: { value: 16 } }] }, 'outbound|5432||db-canary.default.svc.cluster.local'],
      [undefined, 'outbound|5432||db.default.svc.cluster.local'],
    ],
  );
});

test('TLS terminated (SIMPLE) then TCP: SNI chain with the certificate and tcp_proxy', () => {
  const result = compile([
    db,
    gateway('default', 'gw', [{ port: { number: 5433, name: 'tls-pg', protocol: 'TLS' }, hosts: ['pg.example.com'], tls: { mode: 'SIMPLE', credentialName: 'pg-cert' } }]),
    virtualService('default', 'pg', { hosts: ['pg.example.com'], gateways: ['gw'], tcp: [{ route: [{ destination: { host: 'db', port: { number: 5432 } } }] }] }),
    secret('istio-system', 'pg-cert', tlsPair),
  ]);
  const [chain] = listener(result, 5433).filter_chains;
  assert.deepEqual(chain.filter_chain_match, { server_names: ['pg.example.com'] });
  assert.equal(chain.filters[0].name, 'envoy.filters.network.tcp_proxy');
  assert.deepEqual(sdsNames(chain), ['envoy.transport_sockets.tls', 'kubernetes://pg-cert']);
});

test('a TCP server no tcp route reaches serves nothing and says so', () => {
  const result = compile([gateway('default', 'gw', [{ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }])]);
  assert.deepEqual(result.resources[TYPE_URL.listener], []);
  assert.match(result.diagnostics.map((d) => d.message).join('\n'), /server tcp \(port 31400, TCP\): no VirtualService tcp route applies/);
});

test('plain HTTP and TLS servers on one port: HTTP keeps the port, the TLS server is reported', () => {
  const result = compile([
    web,
    webVs,
    gateway('default', 'gw', [httpServer(8443, ['a.example.com']), https('https', ['b.example.com'], { mode: 'SIMPLE', credentialName: 'b-cert' }, 8443)]),
    secret('istio-system', 'b-cert', tlsPair),
  ]);
  assert.deepEqual(result.resources[TYPE_URL.listener].map((l) => l.name), ['0.0.0.0_8443']);
  assert.equal(listener(result, 8443).filter_chains[0].transport_socket, undefined);
  assert.match(result.diagnostics.map((d) => d.message).join('\n'), /server https \(port 8443, HTTPS\): port 8443 already serves plain HTTP on this gateway; server skipped/);
});

test('modes and sources not supported are reported by server, not half-served', () => {
  const result = compile([
    web,
    webVs,
    gateway('default', 'gw', [
      https('https-files', ['a.example.com'], { mode: 'SIMPLE', serverCertificate: '/etc/certs/a.pem', privateKey: '/etc/certs/a.key' }),
      https('https-opt', ['b.example.com'], { mode: 'OPTIONAL_MUTUAL', credentialName: 'b-cert' }),
    ]),
    secret('istio-system', 'b-cert', tlsPair),
  ]);
  assert.deepEqual(result.resources[TYPE_URL.listener], []);
  const text = result.diagnostics.map((d) => d.message).join('\n');
  assert.match(text, /server https-files .*certificates from files \(serverCertificate\/privateKey\) are not supported/);
  assert.match(text, /server https-opt .*TLS mode OPTIONAL_MUTUAL is not supported yet/);
});

test('subjectAltNames under SIMPLE are reported, not written as a CA-less validation context Envoy would refuse', () => {
  const result = compile([web, webVs, gateway('default', 'gw', [https('https', ['a.example.com'], { mode: 'SIMPLE', credentialName: 'a-cert', subjectAltNames: ['client.example.com'] })]), secret('istio-system', 'a-cert', tlsPair)]);
  const [chain] = listener(result, 443).filter_chains;
  const common = chain.transport_socket?.typed_config.common_tls_context ?? {};
  assert.equal('validation_context' in common || 'combined_validation_context' in common, false);
  assert.match(result.diagnostics.map((d) => d.message).join('\n'), /subjectAltNames check client certificates, which SIMPLE does not ask for/);
});

test('credentialName as Istio reads it: NAME, kubernetes://NAME, or the gateway\'s own NAMESPACE/NAME — never another namespace', () => {
  const servers = [
    https('https-a', ['a.example.com'], { mode: 'SIMPLE', credentialName: 'kubernetes://a-cert' }),
    https('https-b', ['b.example.com'], { mode: 'SIMPLE', credentialName: 'istio-system/a-cert' }),
    https('https-c', ['c.example.com'], { mode: 'SIMPLE', credentialName: 'default/a-cert' }),
  ];
  const result = compile([web, webVs, gateway('default', 'gw', servers), secret('istio-system', 'a-cert', tlsPair), secret('default', 'a-cert', tlsPair)]);
  const chains = listener(result, 443).filter_chains;
  assert.deepEqual(chains.map((c) => [c.filter_chain_match?.server_names, sdsNames(c)[1]]), [
    [['a.example.com'], 'kubernetes://a-cert'],
    [['b.example.com'], 'kubernetes://a-cert'],
  ]);
  assert.match(result.diagnostics.map((d) => d.message).join('\n'), /server https-c .*credentialName default\/a-cert names namespace default; a gateway reads credentials of its own namespace \(istio-system\) only/);
});

test('a rotated credential (new bytes, same keys) compiles to the very same resources: no listener change, no drain', () => {
  const gw = gateway('default', 'gw', [https('https', ['a.example.com'], { mode: 'MUTUAL', credentialName: 'a-cert' })]);
  const before = secret('istio-system', 'a-cert', ['ca.crt', 'tls.crt', 'tls.key']);
  const rotated = { ...before, data: Object.fromEntries(Object.keys(before.data).map((key) => [key, { sha256: 'f'.repeat(64), bytes: 2048 }])) };
  assert.deepStrictEqual(compile([web, webVs, gw, rotated]).resources, compile([web, webVs, gw, before]).resources);
});

test('a VirtualService whose tls routes reach no server of its Gateway is told so', () => {
  const result = compile([
    db,
    gateway('default', 'gw', [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['pg.example.com'], tls: { mode: 'PASSTHROUGH' } }]),
    virtualService('default', 'pg', { hosts: ['pg.example.com'], gateways: ['gw'], tls: [{ match: [{ sniHosts: ['pg.example.com'], port: 8443 }], route: [{ destination: { host: 'db', port: { number: 5432 } } }] }] }),
  ]);
  assert.deepEqual(result.resources[TYPE_URL.listener], []);
  assert.match(result.diagnostics.map((d) => `${d.object}: ${d.message}`).join('\n'), /VirtualService\/default\/pg: hosts pg\.example\.com: no route of this VirtualService reaches a server of Gateway default\/gw/);
});
