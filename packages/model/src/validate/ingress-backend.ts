/**
 * OSM's IngressBackend (`policy.openservicemesh.io/v1alpha1`): which sources may reach which
 * backend ports of the mesh. The rules OSM documents are checked here, naming the field;
 * conflicts between IngressBackends are not a property of one document and are reported as
 * status instead (`ingressBackendStatuses`).
 */
import { checkHostname } from '../hosts.js';
import { canonicalCidr, checkCidr } from '../ip.js';
import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain } from '../names.js';
import type { IngressBackendObject, IngressBackendProtocol, IngressBackendSource, IngressBackendTarget } from '../types.js';
import { reportDuplicates } from './common.js';
import { readMetadata } from './metadata.js';
import { PORT_RANGE, type ObjectReader } from './reader.js';

export const INGRESS_BACKEND_PROTOCOLS: readonly IngressBackendProtocol[] = ['http', 'https'];
export const INGRESS_SOURCE_KINDS: readonly IngressBackendSource['kind'][] = ['Service', 'AuthenticatedPrincipal', 'IPRange'];

/** OSM reads the protocol case-insensitively; it is stored lower-case. */
function readProtocol(port: ObjectReader): IngressBackendProtocol {
  const written = port.requireString('protocol', (value) =>
    INGRESS_BACKEND_PROTOCOLS.some((protocol) => protocol === value.toLowerCase()) ? undefined : `must be http or https (got ${JSON.stringify(value)})`,
  );
  return INGRESS_BACKEND_PROTOCOLS.find((protocol) => protocol === written?.toLowerCase()) ?? 'http';
}

/** SNI host names form a set: lower-cased, sorted, deduplicated; left out when empty. */
function readSniHosts(tls: ObjectReader): string[] | undefined {
  const hosts = [...new Set(tls.stringArray('sniHosts', checkHostname).map((host) => host.toLowerCase()))].sort();
  return hosts.length > 0 ? hosts : undefined;
}

function readBackend(backend: ObjectReader): IngressBackendTarget {
  const port = backend.object('port', { required: true });
  const tls = backend.object('tls');
  return {
    name: backend.requireString('name', checkDns1035Label) ?? '',
    port: {
      number: port?.requireInt('number', PORT_RANGE) ?? 0,
      protocol: port ? readProtocol(port) : 'http',
      targetPort: port?.optionalInt('targetPort', PORT_RANGE),
    },
    tls: {
      // Client certificates are validated unless this says otherwise (OSM's default).
      skipClientCertValidation: tls?.optionalBool('skipClientCertValidation') ?? false,
      sniHosts: tls && readSniHosts(tls),
    },
  };
}

/** A principal is the SAN of the client certificate: a DNS name (lower-cased) or a SPIFFE ID. */
function readPrincipal(source: ObjectReader): string {
  const name = source.requireString('name', (value) => {
    if (value.startsWith('spiffe://')) return /\s/.test(value) ? 'a SPIFFE ID must not contain white space' : undefined;
    return checkHostname(value) === undefined ? undefined : `must be the DNS name or SPIFFE ID the client certificate carries (got ${JSON.stringify(value)})`;
  });
  if (name === undefined) return '';
  return name.startsWith('spiffe://') ? name : name.toLowerCase();
}

function readSource(source: ObjectReader): IngressBackendSource | undefined {
  const kind = source.requireString('kind', (value) =>
    INGRESS_SOURCE_KINDS.some((known) => known === value) ? undefined : `must be one of ${INGRESS_SOURCE_KINDS.join(', ')} (got ${JSON.stringify(value)})`,
  );
  switch (kind) {
    case 'Service':
      // OSM requires the namespace: the source is usually the ingress controller's, elsewhere.
      return { kind, name: source.requireString('name', checkDns1035Label) ?? '', namespace: source.requireString('namespace', checkDns1123Label) ?? '' };
    case 'AuthenticatedPrincipal':
      return { kind, name: readPrincipal(source) };
    case 'IPRange': {
      const cidr = source.requireString('name', checkCidr);
      return { kind, name: cidr === undefined ? '' : (canonicalCidr(cidr) ?? cidr) };
    }
    default:
      return undefined;
  }
}

function describeBackends(backends: IngressBackendTarget[]): string {
  return backends.map(({ name, port }) => `${name}:${port.number}`).join(', ');
}

/**
 * OSM's documented rules: an http backend admits the endpoints of a Service or an IP range, so
 * it needs one of those; an https backend authenticates the client certificate's SAN, so it
 * needs an AuthenticatedPrincipal unless client certificate validation is skipped.
 */
function checkSourcesFitBackends(spec: ObjectReader, backends: IngressBackendTarget[], sources: IngressBackendSource[]): void {
  const http = backends.filter(({ port }) => port.protocol === 'http');
  if (http.length > 0 && !sources.some(({ kind }) => kind === 'Service' || kind === 'IPRange')) {
    spec.error('sources', `an http backend needs a Service or IPRange source (http backends: ${describeBackends(http)})`);
  }
  const validating = backends.filter(({ port, tls }) => port.protocol === 'https' && !tls.skipClientCertValidation);
  if (validating.length > 0 && !sources.some(({ kind }) => kind === 'AuthenticatedPrincipal')) {
    spec.error(
      'sources',
      `an https backend needs an AuthenticatedPrincipal source unless tls.skipClientCertValidation is true (https backends validating client certificates: ${describeBackends(validating)})`,
    );
  }
}

function readMatch(match: ObjectReader): { apiGroup: string; kind: string; name: string } {
  return { apiGroup: match.requireString('apiGroup') ?? '', kind: match.requireString('kind') ?? '', name: match.requireString('name', checkDns1123Subdomain) ?? '' };
}

export function readIngressBackendObject(document: ObjectReader): IngressBackendObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const spec = document.object('spec', { required: true });
  const base = { apiVersion: 'policy.openservicemesh.io/v1alpha1', kind: 'IngressBackend', metadata } as const;
  if (!spec) return { ...base, spec: { backends: [], sources: [] } };
  const backends = spec.objects('backends', (reader) => ({ item: readBackend(reader), reader }), { required: true, message: 'at least one backend is required' });
  reportDuplicates(backends, ({ name, port }) => `${name}:${port.number}`, 'name', 'backend (service name and port)');
  const sources = spec.objects('sources', readSource, { required: true, message: 'at least one source is required' });
  checkSourcesFitBackends(
    spec,
    backends.map(({ item }) => item),
    sources,
  );
  return {
    ...base,
    spec: {
      backends: backends.map(({ item }) => item),
      sources,
      matches: spec.has('matches') ? spec.objects('matches', readMatch) : undefined,
    },
  };
}
