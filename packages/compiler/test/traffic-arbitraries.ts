/**
 * Random documents for the incremental cross-check (incremental.test.ts) beyond Services and
 * HTTP routes: gateway credentials (stored Secrets in every layout, with and without problems,
 * `NAME-cacert`), Gateways with HTTPS/TLS/TCP servers naming them, VirtualServices with `tls`
 * and `tcp` routes, ServiceEntries, DestinationRules and the two objects that set the outbound
 * policy, and seed 003's egress gateway chain (the gateway's Service, its DestinationRule subset
 * with ISTIO_MUTUAL and `sni`, mesh + gateway VirtualServices, the egress Gateway's servers, TLS
 * origination with `credentialName` or files). Every document is valid by construction (the test fails on an invalid one), and the
 * names come from small pools so that updates, conflicts and deletes happen often.
 */
import fc from 'fast-check';
import type { ProxyNode } from '../src/index.js';
import { gateway, secret, virtualService } from './support.js';

/** Where the gateway proxy runs: the namespace its credentials are read from. */
export const GATEWAY_NAMESPACE = 'istio-system';

const CREDENTIALS = ['cert-a', 'cert-b', 'cert-c'];
const NAMESPACES = ['a', 'b'];

/** Key sets of the three layouts Istio takes, and a CA alone (for `NAME-cacert`). */
const LAYOUTS: Record<string, readonly string[]> = {
  tls: ['tls.crt', 'tls.key'],
  'tls+ca': ['tls.crt', 'tls.key', 'ca.crt'],
  generic: ['cert', 'key'],
  'generic+ca': ['cert', 'key', 'cacert'],
  ca: ['ca.crt'],
  cacert: ['cacert'],
};

const secrets = fc
  .record({
    namespace: fc.constantFrom(GATEWAY_NAMESPACE, GATEWAY_NAMESPACE, 'a'),
    name: fc.constantFrom(...CREDENTIALS, ...CREDENTIALS.map((name) => `${name}-cacert`)),
    layout: fc.constantFrom(...Object.keys(LAYOUTS)),
    type: fc.constantFrom('kubernetes.io/tls', 'Opaque', 'Opaque', 'kubernetes.io/dockerconfigjson'),
    broken: fc.boolean(),
    // A rotation: same keys, another digest (the compiler reads key names and problems only).
    digest: fc.constantFrom('1', '2'),
  })
  .map(({ namespace, name, layout, type, broken, digest }) => {
    const stored = secret(namespace, name, LAYOUTS[layout], { type, problems: broken ? ['tls.key does not match tls.crt'] : [] });
    return { ...stored, data: Object.fromEntries(Object.keys(stored.data).map((key) => [key, { sha256: digest.repeat(64), bytes: 1 }])) };
  });

const credentialName = fc.constantFrom(...CREDENTIALS, 'kubernetes://cert-a', `${GATEWAY_NAMESPACE}/cert-b`, 'a/cert-c');

/** Servers keyed by a unique port name (a Gateway's port names must be unique). */
const serverArbitraries: fc.Arbitrary<unknown>[] = [
  fc.constantFrom(['*.example.com'], ['x.example.com'], ['*']).map((hosts) => ({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts })),
  fc.record({ credential: credentialName, hosts: fc.constantFrom(['*.example.com'], ['x.example.com', 'a/y.example.com']) }).map(({ credential, hosts }) => ({
    port: { number: 443, name: 'https-simple', protocol: 'HTTPS' },
    hosts,
    tls: { mode: 'SIMPLE', credentialName: credential },
  })),
  fc.record({ credential: credentialName, hosts: fc.constantFrom(['x.example.com'], ['*']) }).map(({ credential, hosts }) => ({
    port: { number: 443, name: 'https-mutual', protocol: 'HTTPS' },
    hosts,
    tls: { mode: 'MUTUAL', credentialName: credential },
  })),
  fc.record({ credential: credentialName, port: fc.constantFrom(8443, 443) }).map(({ credential, port }) => ({
    port: { number: port, name: 'https-alt', protocol: 'HTTPS' },
    hosts: ['db.example.com'],
    tls: { mode: 'SIMPLE', credentialName: credential },
  })),
  fc.constantFrom(443, 9443).map((port) => ({ port: { number: port, name: 'tls-passthrough', protocol: 'TLS' }, hosts: ['*.example.com'], tls: { mode: 'PASSTHROUGH' } })),
  fc.record({ credential: credentialName, mode: fc.constantFrom('SIMPLE', 'MUTUAL') }).map(({ credential, mode }) => ({
    port: { number: 5433, name: 'tls-terminated', protocol: 'TLS' },
    hosts: ['db.example.com'],
    tls: { mode, credentialName: credential },
  })),
  fc.constant({ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }),
];

const gateways = fc
  .record({
    namespace: fc.constantFrom(GATEWAY_NAMESPACE, 'a'),
    name: fc.constantFrom('public', 'edge'),
    servers: fc.array(fc.nat(serverArbitraries.length - 1), { minLength: 1, maxLength: 4 }).chain((picks) => fc.tuple(...[...new Set(picks)].map((i) => serverArbitraries[i]))),
  })
  .map(({ namespace, name, servers }) => gateway(namespace, name, servers));

const GATEWAY_REFS = ['istio-system/public', 'istio-system/edge', 'a/edge', 'mesh'];
/** Destinations of L4 routes: Services (short and qualified) and ServiceEntry hosts. */
const L4_DESTINATIONS = ['s1', 's2.b.svc.cluster.local', 'ext.example.com', 'db.example.com', '*.example.com'];

const l4VirtualServices = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom('l4a', 'l4b'),
    hosts: fc.subarray(['*.example.com', 'x.example.com', 'db.example.com'], { minLength: 1 }),
    gateways: fc.subarray(GATEWAY_REFS, { minLength: 1 }),
    tls: fc.boolean(),
    tcp: fc.option(fc.constantFrom(31400, 27017, undefined)),
    destination: fc.constantFrom(...L4_DESTINATIONS),
    port: fc.constantFrom(80, 443, 27017),
  })
  .filter(({ tls, tcp }) => tls || tcp !== null)
  .map(({ namespace, name, hosts, gateways: refs, tls, tcp, destination, port }) =>
    virtualService(namespace, name, {
      hosts,
      gateways: refs,
      ...(tls ? { tls: [{ match: [{ sniHosts: hosts }], route: [{ destination: { host: destination, port: { number: port } } }] }] } : {}),
      ...(tcp !== null ? { tcp: [{ ...(tcp === undefined ? {} : { match: [{ port: tcp }] }), route: [{ destination: { host: destination } }] }] } : {}),
    }),
  );

const SE_PORTS = [
  { number: 80, name: 'http', protocol: 'HTTP' },
  { number: 443, name: 'tls', protocol: 'TLS' },
  { number: 7070, name: 'grpc', protocol: 'GRPC' },
  { number: 27017, name: 'tcp', protocol: 'TCP' },
  { number: 8443, name: 'https', protocol: 'HTTPS', targetPort: 9443 },
];

const serviceEntries = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom('se1', 'se2', 'se3'),
    hosts: fc.constantFrom(['ext.example.com'], ['x.example.com'], ['db.example.com'], ['*.example.com'], ['ext.example.com', 'db.example.com']),
    ports: fc.subarray(SE_PORTS, { minLength: 1 }),
    resolution: fc.constantFrom('STATIC', 'DNS', 'NONE'),
    addresses: fc.boolean(),
    dnsEndpoints: fc.boolean(),
    exportTo: fc.constantFrom([], ['.'], ['*'], ['b']),
    location: fc.constantFrom('MESH_EXTERNAL', 'MESH_INTERNAL'),
  })
  .map(({ namespace, name, hosts, ports, resolution, addresses, dnsEndpoints, exportTo, location }) => {
    const tcp = ports.some((port) => port.protocol === 'TCP');
    const wildcard = hosts.some((host) => host.startsWith('*'));
    let endpoints: unknown[] = [];
    if (resolution === 'STATIC') {
      endpoints = [
        { address: '192.0.2.1', labels: { version: 'v1' } },
        { address: '192.0.2.2', labels: { version: 'v2' }, weight: 2, ports: { [ports[0].name]: 9000 } },
      ];
    } else if (resolution === 'DNS' && (dnsEndpoints || wildcard)) endpoints = [{ address: 'backend.example.net', labels: { version: 'v1' } }];
    return {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name, namespace },
      spec: {
        hosts,
        // TCP ports and several hosts (or resolution NONE) need addresses to be told apart.
        ...(addresses || tcp ? { addresses: ['203.0.113.0/24'] } : {}),
        ports,
        resolution,
        location,
        ...(endpoints.length > 0 ? { endpoints } : {}),
        ...(exportTo.length > 0 ? { exportTo } : {}),
      },
    };
  });

/** Wildcard entries resolved per connection (the dynamic forward proxy), with and without the private-destinations opt-in. */
const dynamicServiceEntries = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom('se1', 'dyn'),
    hosts: fc.constantFrom(['*.example.com'], ['*.example.com', '*.corp.example']),
    ports: fc.subarray(SE_PORTS.filter((port) => port.protocol !== 'TCP'), { minLength: 1 }),
    allowPrivate: fc.constantFrom(undefined, 'true', 'false'),
    exportTo: fc.constantFrom([], ['.'], ['*']),
  })
  .map(({ namespace, name, hosts, ports, allowPrivate, exportTo }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, namespace, ...(allowPrivate ? { annotations: { 'meshgate.io/allow-private-destinations': allowPrivate } } : {}) },
    spec: { hosts, ports, resolution: 'DYNAMIC_DNS', ...(exportTo.length > 0 ? { exportTo } : {}) },
  }));

const loadBalancers = fc.constantFrom<unknown>(undefined, { simple: 'LEAST_REQUEST' }, { simple: 'RANDOM' }, { consistentHash: { httpHeaderName: 'x-user' } });
const clientTls = fc.constantFrom<unknown>(
  undefined,
  { mode: 'DISABLE' },
  { mode: 'ISTIO_MUTUAL' },
  { mode: 'SIMPLE', sni: 'ext.example.com' },
  { mode: 'SIMPLE', credentialName: 'cert-a' },
  { mode: 'MUTUAL', credentialName: 'cert-b', sni: 'db.example.com', subjectAltNames: ['db.example.com'] },
  { mode: 'MUTUAL', clientCertificate: '/etc/certs/client.pem', privateKey: '/etc/certs/client-key.pem', caCertificates: '/etc/certs/ca.pem' },
  // Files: one a proxyless client of the property test has an instance for, one it has not.
  { mode: 'SIMPLE', caCertificates: '/etc/ext/ca.pem' },
  { mode: 'SIMPLE', caCertificates: '/etc/other/ca.pem', subjectAltNames: ['ext.example.com'] },
  { mode: 'MUTUAL', caCertificates: '/etc/ext/ca.pem', clientCertificate: '/etc/ext/client.pem', privateKey: '/etc/ext/client-key.pem' },
);

const destinationRules = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom('d1', 'd2'),
    host: fc.constantFrom('s1', 's2.b.svc.cluster.local', 'ext.example.com', 'x.example.com', 'db.example.com', '*.example.com'),
    subsets: fc.subarray([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } },
    ]),
    loadBalancer: loadBalancers,
    tls: clientTls,
    portLevel: fc.constantFrom(false, 'loadBalancer', 'tls'),
    exportTo: fc.constantFrom([], ['.'], ['*']),
  })
  .map(({ namespace, name, host, subsets, loadBalancer, tls, portLevel, exportTo }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace },
    spec: {
      host,
      trafficPolicy: {
        ...(loadBalancer === undefined ? {} : { loadBalancer }),
        ...(tls === undefined ? {} : { tls }),
        ...(portLevel === 'loadBalancer' ? { portLevelSettings: [{ port: { number: 80 }, loadBalancer: { simple: 'LEAST_CONN' } }] } : {}),
        ...(portLevel === 'tls' ? { portLevelSettings: [{ port: { number: 7070 }, tls: { mode: 'SIMPLE', caCertificates: '/etc/ext/ca.pem', sni: 'x.example.com' } }] } : {}),
      },
      ...(subsets.length > 0 ? { subsets } : {}),
      ...(exportTo.length > 0 ? { exportTo } : {}),
    },
  }));

/** Istio's mesh config: the policy, a mode Istio does not know, text that is not a YAML object, another key; and a ConfigMap no one reads. */
const meshConfigMaps = fc
  .record({
    name: fc.constantFrom('istio', 'istio', 'other'),
    mesh: fc.constantFrom('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n', 'outboundTrafficPolicy:\n  mode: ALLOW_ANY\n', 'outboundTrafficPolicy:\n  mode: CLOSED\n', '[1, 2]', 'accessLogFile: /dev/stdout\n', undefined),
  })
  .map(({ name, mesh }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: GATEWAY_NAMESPACE }, data: mesh === undefined ? { other: 'x' } : { mesh } }));

const osmMeshConfigs = fc.record({ namespace: fc.constantFrom('osm-system', 'a'), enableEgress: fc.option(fc.boolean()) }).map(({ namespace, enableEgress }) => ({
  apiVersion: 'config.openservicemesh.io/v1alpha2',
  kind: 'MeshConfig',
  metadata: { name: 'osm-mesh-config', namespace },
  spec: { traffic: enableEgress === null ? {} : { enableEgress } },
}));

// ---------------------------------------------------------------- seed 003's egress gateway chain

/** The egress gateway proxy: the Gateway `istio-system/egress` selects it. */
export const EGRESS_NODE: ProxyNode = {
  id: 'egress-1',
  role: 'egress-gateway',
  namespace: GATEWAY_NAMESPACE,
  serviceAccount: 'istio-egressgateway',
  labels: { istio: 'egressgateway' },
  client: 'envoy',
  ips: [],
};

const EGRESS_HOST = 'istio-egressgateway.istio-system.svc.cluster.local';
const EXTERNAL_HOSTS = ['ext.example.com', 'db.example.com'];

const egressService = fc.constantFrom([443], [443, 7777], [7777]).map((ports) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'istio-egressgateway', namespace: GATEWAY_NAMESPACE },
  spec: { clusterIP: '10.96.20.4', selector: { istio: 'egressgateway' }, ports: ports.map((port) => ({ name: port === 443 ? 'https' : 'tcp-mongo', port })) },
}));

/** The subset the sidecars route to; ISTIO_MUTUAL with the external host's SNI on 443, or nothing (plain TCP). */
const egressSubsets = fc.record({ name: fc.constantFrom('d1', 'egressgateway-for-mongo'), sni: fc.option(fc.constantFrom(...EXTERNAL_HOSTS)) }).map(({ name, sni }) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name, namespace: 'a' },
  spec: {
    host: EGRESS_HOST,
    subsets: [{ name: 'mongo', ...(sni === null ? {} : { trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'ISTIO_MUTUAL', sni } }] } }) }],
  },
}));

const egressServers = fc.constantFrom<unknown[]>(
  [{ port: { number: 7777, name: 'tcp', protocol: 'TCP' }, hosts: EXTERNAL_HOSTS }],
  [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['db.example.com'], tls: { mode: 'ISTIO_MUTUAL' } }],
  [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['db.example.com'], tls: { mode: 'MUTUAL', serverCertificate: '/etc/certs/cert-chain.pem', privateKey: '/etc/certs/key.pem', caCertificates: '/etc/certs/root-cert.pem' } }],
  [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['*.example.com'], tls: { mode: 'PASSTHROUGH' } }],
  [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['ext.example.com'], tls: { mode: 'ISTIO_MUTUAL' } }],
);

const egressGateways = egressServers.map((servers) => gateway(GATEWAY_NAMESPACE, 'egress', servers, { istio: 'egressgateway' }));

/** The chain's VirtualService: mesh → the gateway's subset, gateway → the external host; TCP (by subnet or port), TLS (by SNI) or HTTP. */
const egressVirtualServices = fc
  .record({
    name: fc.constantFrom('l4a', 'direct-through-egress'),
    host: fc.constantFrom(...EXTERNAL_HOSTS),
    kind: fc.constantFrom('tcp', 'tcp-subnet', 'tls', 'http'),
    gatewayPort: fc.constantFrom(443, 7777),
    externalPort: fc.constantFrom(27017, 443, 80),
  })
  .map(({ name, host, kind, gatewayPort, externalPort }) => {
    const egress = `${GATEWAY_NAMESPACE}/egress`;
    const toGateway = [{ destination: { host: EGRESS_HOST, subset: 'mongo', port: { number: gatewayPort } } }];
    const toExternal = [{ destination: { host, port: { number: externalPort } } }];
    const meshMatch = { gateways: ['mesh'], port: externalPort, ...(kind === 'tcp-subnet' ? { destinationSubnets: ['203.0.113.0/24'] } : {}) };
    const gatewayMatch = { gateways: [egress], port: gatewayPort };
    const spec: Record<string, unknown> = { hosts: [host], gateways: ['mesh', egress] };
    if (kind === 'http') spec.http = [{ match: [meshMatch], route: toGateway }, { match: [gatewayMatch], route: toExternal }];
    else if (kind === 'tls') spec.tls = [{ match: [{ ...meshMatch, sniHosts: [host] }], route: toGateway }, { match: [{ ...gatewayMatch, sniHosts: [host] }], route: toExternal }];
    else spec.tcp = [{ match: [meshMatch], route: toGateway }, { match: [gatewayMatch], route: toExternal }];
    return virtualService('a', name, spec);
  });

/** TLS origination at the gateway: the external host's rule, MUTUAL with a credential (resolved in the gateway's namespace) or files, SIMPLE with a CA. */
const originationRules = fc
  .record({ host: fc.constantFrom(...EXTERNAL_HOSTS), port: fc.constantFrom(27017, 443, 80), tls: fc.constantFrom<unknown>({ mode: 'MUTUAL', credentialName: 'cert-a' }, { mode: 'SIMPLE', credentialName: 'cert-c' }, { mode: 'SIMPLE', caCertificates: '/etc/ssl/certs/ca.pem' }) })
  .map(({ host, port, tls }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'd2', namespace: 'a' },
    spec: { host, trafficPolicy: { portLevelSettings: [{ port: { number: port }, tls }] } },
  }));

const egressChain: fc.Arbitrary<unknown> = fc.oneof(egressService, egressSubsets, egressGateways, egressVirtualServices, originationRules);

/** Everything above, Secrets and Gateways weighted up (they are what the gateway's credentials read). */
export const trafficDocuments: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: secrets },
  { weight: 2, arbitrary: gateways },
  { weight: 1, arbitrary: l4VirtualServices },
  { weight: 2, arbitrary: serviceEntries },
  { weight: 1, arbitrary: dynamicServiceEntries },
  { weight: 2, arbitrary: destinationRules },
  { weight: 1, arbitrary: meshConfigMaps },
  { weight: 1, arbitrary: osmMeshConfigs },
  { weight: 2, arbitrary: egressChain },
);
