import { checkGatewayServerHost } from '../hosts.js';
import { checkDns1123Subdomain } from '../names.js';
import type { GatewayObject, GatewayServer } from '../types.js';
import { istioVersion } from './istio.js';
import { readLabels, readMetadata } from './metadata.js';
import { indexPath, PORT_RANGE, type ObjectReader } from './reader.js';

/** Server protocols meshgate serves on a gateway (Istio also has MYSQL, REDIS…, which we do not). */
export const GATEWAY_PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'HTTP2', 'MONGO', 'TCP', 'TLS'] as const;

const TLS_MODES = ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'] as const;
const TLS_VERSIONS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'] as const;

type ServerTls = NonNullable<GatewayServer['tls']>;

function readPort(server: ObjectReader): GatewayServer['port'] {
  const port = server.object('port', { required: true });
  if (!port) return { number: 0, name: '', protocol: '' };
  // Istio reads protocols case-insensitively; they are stored upper-case so `http` and `HTTP` normalise alike.
  const protocol = port.requireString('protocol', (value) =>
    GATEWAY_PROTOCOLS.some((known) => known === value.toUpperCase()) ? undefined : `must be one of ${GATEWAY_PROTOCOLS.join(', ')} (got ${JSON.stringify(value)})`,
  );
  return {
    number: port.requireInt('number', PORT_RANGE) ?? 0,
    name: port.optionalString('name') ?? '',
    protocol: protocol?.toUpperCase() ?? '',
    targetPort: port.optionalInt('targetPort', PORT_RANGE),
  };
}

/** Istio's rule: terminating TLS needs a certificate, from a Secret (`credentialName`) or from files. */
function checkCertificateSource(tls: ObjectReader, value: ServerTls): void {
  if (value.mode !== 'SIMPLE' && value.mode !== 'MUTUAL' && value.mode !== 'OPTIONAL_MUTUAL') return;
  if (value.credentialName !== undefined) return;
  if (value.serverCertificate === undefined || value.privateKey === undefined) {
    tls.errorHere(`${value.mode} TLS requires credentialName, or serverCertificate and privateKey`);
  } else if (value.mode !== 'SIMPLE' && value.caCertificates === undefined) {
    tls.errorHere(`${value.mode} TLS with certificate files requires caCertificates`);
  }
}

/** An OpenSSL/BoringSSL cipher name or `[A|B]` equal-preference group, as Envoy takes them. */
function checkCipherSuite(value: string): string | undefined {
  return /^[A-Za-z0-9_\-[\]|+!]+$/.test(value) ? undefined : `not a cipher suite name (got ${JSON.stringify(value)})`;
}

/** Istio's rule: ISTIO_MUTUAL serves the mesh identity, so certificates and credentials would go unused. */
function checkIstioMutual(tls: ObjectReader, value: ServerTls): void {
  if (value.mode !== 'ISTIO_MUTUAL') return;
  for (const key of ['credentialName', 'serverCertificate', 'privateKey', 'caCertificates'] as const) {
    if (value[key] !== undefined) tls.error(key, "cannot be set with mode ISTIO_MUTUAL (the gateway's mesh identity is used)");
  }
}

const VERSION_ORDER: Record<string, number> = { TLSV1_0: 0, TLSV1_1: 1, TLSV1_2: 2, TLSV1_3: 3 };

/** Istio's rule: the minimum may not exceed the maximum. */
function checkProtocolVersions(tls: ObjectReader, value: ServerTls): void {
  const min = value.minProtocolVersion === undefined ? undefined : VERSION_ORDER[value.minProtocolVersion];
  const max = value.maxProtocolVersion === undefined ? undefined : VERSION_ORDER[value.maxProtocolVersion];
  if (min !== undefined && max !== undefined && min > max) tls.error('maxProtocolVersion', `must not be lower than minProtocolVersion (${value.minProtocolVersion})`);
}

function readTls(server: ObjectReader): ServerTls | undefined {
  const tls = server.object('tls');
  if (!tls) return undefined;
  // `mode` matters only on HTTPS and TLS servers; an HTTP server's `tls` carries httpsRedirect.
  const value: ServerTls = {
    // PASSTHROUGH is the zero value of Istio's TLS mode enum, so it is what an absent mode means.
    mode: tls.optionalEnum('mode', TLS_MODES) ?? 'PASSTHROUGH',
    credentialName: tls.optionalString('credentialName'),
    httpsRedirect: tls.optionalBool('httpsRedirect'),
    serverCertificate: tls.optionalString('serverCertificate'),
    privateKey: tls.optionalString('privateKey'),
    caCertificates: tls.optionalString('caCertificates'),
    subjectAltNames: tls.has('subjectAltNames') ? tls.stringArray('subjectAltNames') : undefined,
    minProtocolVersion: tls.optionalEnum('minProtocolVersion', TLS_VERSIONS),
    maxProtocolVersion: tls.optionalEnum('maxProtocolVersion', TLS_VERSIONS),
    cipherSuites: tls.has('cipherSuites') ? [...new Set(tls.stringArray('cipherSuites', checkCipherSuite))] : undefined,
  };
  checkProtocolVersions(tls, value);
  checkCertificateSource(tls, value);
  checkIstioMutual(tls, value);
  return value;
}

function readServer(server: ObjectReader): GatewayServer {
  const port = readPort(server);
  const hosts = server
    .stringArray('hosts', checkGatewayServerHost, { required: true, message: 'at least one host is required' })
    .map((host) => host.toLowerCase());
  const tls = readTls(server);
  if (tls === undefined && (port.protocol === 'HTTPS' || port.protocol === 'TLS')) {
    server.error('tls', `required when the port protocol is ${port.protocol}`);
  }
  return { port, hosts, name: server.optionalString('name'), bind: server.optionalString('bind'), tls };
}

/**
 * Istio's rule: port names are unique among a Gateway's servers — an HTTPS server's route
 * configuration is named after its port name (`https.<port>.<portName>.<gateway>.<namespace>`).
 */
function checkUniquePortNames(spec: ObjectReader, servers: readonly { index: number; server: GatewayServer }[]): void {
  const seen = new Set<string>();
  for (const { index, server } of servers) {
    const name = server.port.name;
    if (name === '') continue;
    if (seen.has(name)) spec.sink.add(`${indexPath(spec.pathOf('servers'), index)}.port.name`, `duplicate port name ${JSON.stringify(name)}: port names must be unique among a Gateway's servers`);
    seen.add(name);
  }
}

export function readGatewayObject(document: ObjectReader, apiVersion: string): GatewayObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const spec = document.object('spec', { required: true });
  const read = spec?.objects('servers', (server, index) => ({ index, server: readServer(server) }), { required: true, message: 'a Gateway needs at least one server' }) ?? [];
  if (spec) checkUniquePortNames(spec, read);
  const servers = read.map(({ server }) => server);
  return {
    apiVersion: istioVersion(apiVersion),
    kind: 'Gateway',
    metadata,
    spec: {
      selector: spec ? readLabels(spec, 'selector') : {},
      servers,
    },
  };
}
