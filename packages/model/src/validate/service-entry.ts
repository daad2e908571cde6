/**
 * Istio's ServiceEntry (`networking.istio.io` v1alpha3, v1beta1, v1): hosts outside (or inside)
 * the mesh that proxies may reach, with their ports, addresses and endpoints. The rules are
 * Istio's (`pkg/config/validation` ValidateServiceEntry), stated where they are checked.
 * Fields meshgate does not implement are refused by name (`known-fields.ts`).
 */
import { checkHostname } from '../hosts.js';
import { canonicalCidr, isIP, parseCidr } from '../ip.js';
import { checkDns1123Subdomain } from '../names.js';
import { ALLOW_PRIVATE_DESTINATIONS_ANNOTATION, MESHGATE_ANNOTATION_PREFIX, SERVICE_ENTRY_ANNOTATIONS } from '../service-entry-annotations.js';
import type { FieldError, ServiceEntryEndpoint, ServiceEntryObject, ServiceEntryPort, ServiceEntryProtocol } from '../types.js';
import { reportDuplicates } from './common.js';
import { istioVersion, readExportTo } from './istio.js';
import { refuseUnknownFields } from './known-fields.js';
import { readLabels, readMetadata } from './metadata.js';
import { PORT_RANGE, type ObjectReader } from './reader.js';

export const SERVICE_ENTRY_PROTOCOLS: readonly ServiceEntryProtocol[] = ['HTTP', 'HTTPS', 'HTTP2', 'GRPC', 'TCP', 'TLS', 'MONGO'];
/** Istio's enum; DYNAMIC_DNS (wildcard hosts resolved per connection by Envoy's dynamic forward proxy) included. */
export const SERVICE_ENTRY_RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'] as const;
const LOCATIONS = ['MESH_EXTERNAL', 'MESH_INTERNAL'] as const;
/** Istio protocols meshgate does not compile yet. */
const UNSUPPORTED_PROTOCOLS = ['GRPC-WEB', 'MYSQL', 'REDIS', 'UDP'];

const WEIGHT_RANGE = { min: 0, max: 4294967295 };

/** Whether traffic on the port is matched by destination address alone (no Host, no SNI): Istio's "TCP or unknown". */
export function isOpaqueTcpProtocol(protocol: ServiceEntryProtocol): boolean {
  return protocol === 'TCP' || protocol === 'MONGO';
}

function checkServiceEntryHost(host: string): string | undefined {
  if (host === '*') return 'the wildcard host "*" is not allowed in a ServiceEntry';
  if (isIP(host)) return 'IP addresses are not allowed in hosts; put them in addresses';
  return checkHostname(host);
}

function checkAddress(value: string): string | undefined {
  if (isIP(value) || parseCidr(value) !== undefined) return undefined;
  return `must be an IP address or a CIDR such as "203.0.113.0/24" (got ${JSON.stringify(value)})`;
}

/** `203.0.113.7` → `203.0.113.7/32`, `10.1.2.3/8` → `10.0.0.0/8`. */
function asCidr(value: string): string {
  if (isIP(value)) return canonicalCidr(`${value}/${value.includes(':') ? 128 : 32}`) ?? value;
  return canonicalCidr(value) ?? value;
}

function readPort(port: ObjectReader): ServiceEntryPort | undefined {
  refuseUnknownFields(port, ['number', 'protocol', 'name', 'targetPort']);
  const number = port.requireInt('number', PORT_RANGE);
  const written = port.requireString('protocol');
  const protocol = written?.toUpperCase();
  let known: ServiceEntryProtocol | undefined = SERVICE_ENTRY_PROTOCOLS.find((candidate) => candidate === protocol);
  if (written !== undefined && known === undefined) {
    const why = UNSUPPORTED_PROTOCOLS.includes(protocol ?? '') ? 'is not supported by meshgate' : 'is not a protocol Istio knows';
    port.error('protocol', `${JSON.stringify(written)} ${why}; use one of ${SERVICE_ENTRY_PROTOCOLS.join(', ')}`);
    known = undefined;
  }
  const name = port.optionalString('name');
  const targetPort = port.optionalInt('targetPort', PORT_RANGE);
  if (number === undefined || known === undefined) return undefined;
  return { number, protocol: known, name, targetPort };
}

function readEndpoint(endpoint: ObjectReader, portNames: ReadonlySet<string>): ServiceEntryEndpoint | undefined {
  refuseUnknownFields(endpoint, ['address', 'ports', 'labels', 'weight'], {
    network: 'multi-network meshes are not implemented',
    locality: 'locality-aware load balancing is not implemented',
    serviceAccount: 'endpoint identities are not implemented',
  });
  const address = endpoint.requireString('address');
  const ports: Record<string, number> = {};
  const portMap = endpoint.object('ports');
  for (const [name] of Object.entries(portMap?.value ?? {})) {
    const number = portMap?.requireInt(name, PORT_RANGE);
    if (!portNames.has(name)) portMap?.error(name, `no port of the ServiceEntry is named ${JSON.stringify(name)}`);
    else if (number !== undefined) ports[name] = number;
  }
  const weight = endpoint.optionalInt('weight', WEIGHT_RANGE);
  if (address === undefined) return undefined;
  return { address: address.toLowerCase(), ports: Object.fromEntries(Object.entries(ports).sort(([a], [b]) => (a < b ? -1 : 1))), labels: readLabels(endpoint, 'labels'), weight };
}

export function readServiceEntryObject(document: ObjectReader, apiVersion: string): ServiceEntryObject {
  refuseUnknownFields(document, ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const spec = document.object('spec', { required: true });
  const object: ServiceEntryObject = {
    apiVersion: istioVersion(apiVersion),
    kind: 'ServiceEntry',
    metadata,
    spec: { hosts: [], addresses: [], ports: [], location: 'MESH_EXTERNAL', resolution: 'NONE', endpoints: [], exportTo: [], subjectAltNames: [] },
  };
  if (!spec) return object;
  refuseUnknownFields(spec, ['hosts', 'addresses', 'ports', 'location', 'resolution', 'endpoints', 'exportTo', 'subjectAltNames'], {
    workloadSelector: 'endpoints selected from WorkloadEntries are not implemented; list them in endpoints',
  });

  const hosts = spec.stringArray('hosts', checkServiceEntryHost, { required: true, message: 'at least one host is required' }).map((host) => host.toLowerCase());
  const addresses = [...new Set(spec.stringArray('addresses', checkAddress).map(asCidr))].sort();
  const portItems: { item: ServiceEntryPort; reader: ObjectReader }[] = [];
  const ports = spec.objects(
    'ports',
    (reader) => {
      const port = readPort(reader);
      if (port) portItems.push({ item: port, reader });
      return port;
    },
    { required: true, message: 'at least one port is required' },
  );
  reportDuplicates(portItems, (port) => String(port.number), 'number', 'port number');
  reportDuplicates(portItems, (port) => port.name, 'name', 'port name');
  const portNames = new Set(ports.flatMap((port) => (port.name === undefined ? [] : [port.name])));

  const location = spec.optionalEnum('location', LOCATIONS) ?? 'MESH_EXTERNAL';
  const resolution = spec.optionalEnum('resolution', SERVICE_ENTRY_RESOLUTIONS) ?? 'NONE';
  const endpoints = spec.objects('endpoints', (endpoint) => readEndpoint(endpoint, portNames));
  object.spec = {
    hosts,
    addresses,
    ports,
    location,
    resolution,
    endpoints,
    exportTo: readExportTo(spec),
    subjectAltNames: spec.stringArray('subjectAltNames'),
  };
  checkResolution(spec, object.spec);
  checkAnnotations(document, object);
  return object;
}

function checkAnnotations(document: ObjectReader, entry: ServiceEntryObject): void {
  const value = entry.metadata.annotations[ALLOW_PRIVATE_DESTINATIONS_ANNOTATION];
  if (value !== undefined && value !== 'true' && value !== 'false') {
    document.sink.add(`metadata.annotations["${ALLOW_PRIVATE_DESTINATIONS_ANNOTATION}"]`, `must be "true" or "false" (got ${JSON.stringify(value)})`);
  }
}

/** What `apply` warns about a ServiceEntry it accepts: `meshgate.io/` annotations meshgate does not know. */
export function serviceEntryWarnings(entry: ServiceEntryObject): FieldError[] {
  return Object.keys(entry.metadata.annotations)
    .filter((key) => key.startsWith(MESHGATE_ANNOTATION_PREFIX) && !SERVICE_ENTRY_ANNOTATIONS.includes(key))
    .sort()
    .map((key) => ({ path: `metadata.annotations["${key}"]`, message: `meshgate does not know this annotation; it has no effect (known on a ServiceEntry: ${SERVICE_ENTRY_ANNOTATIONS.join(', ')})` }));
}

/** Istio's rules that tie resolution, endpoints, addresses, hosts and ports together. */
function checkResolution(spec: ObjectReader, entry: ServiceEntryObject['spec']): void {
  const { resolution, endpoints, addresses, ports, hosts } = entry;
  const endpointPath = (index: number) => `${spec.pathOf('endpoints')}[${index}].address`;
  switch (resolution) {
    case 'NONE':
      if (endpoints.length > 0) spec.error('endpoints', 'no endpoints may be given with resolution NONE (traffic goes to the address the caller dialled)');
      if (addresses.length === 0 && ports.some((port) => isOpaqueTcpProtocol(port.protocol))) {
        spec.error('addresses', 'addresses are required for ports serving TCP (or MONGO) when resolution is NONE: without them the port is matched on 0.0.0.0 and takes every destination');
      }
      break;
    case 'STATIC':
      if (endpoints.length === 0) spec.error('endpoints', 'resolution STATIC needs at least one endpoint');
      endpoints.forEach((endpoint, index) => {
        if (!isIP(endpoint.address)) spec.sink.add(endpointPath(index), `resolution STATIC needs an IP address (got ${JSON.stringify(endpoint.address)})`);
      });
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (endpoints.length === 0) {
        hosts.forEach((host, index) => {
          if (host.startsWith('*')) spec.sink.add(`${spec.pathOf('hosts')}[${index}]`, `hosts must be DNS names, not wildcards, when resolution is ${resolution} without endpoints`);
        });
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) spec.error('endpoints', 'resolution DNS_ROUND_ROBIN takes at most one endpoint');
      endpoints.forEach((endpoint, index) => {
        const problem = isIP(endpoint.address) ? undefined : checkHostname(endpoint.address);
        if (problem !== undefined || endpoint.address.startsWith('*')) spec.sink.add(endpointPath(index), `must be an IP address or a DNS name (got ${JSON.stringify(endpoint.address)})`);
      });
      break;
    case 'DYNAMIC_DNS':
      // The name to resolve is the one each connection carries (SNI or Host): nothing else may be given.
      hosts.forEach((host, index) => {
        if (!host.startsWith('*.')) spec.sink.add(`${spec.pathOf('hosts')}[${index}]`, `resolution DYNAMIC_DNS is for wildcard hosts such as "*.example.com" (got ${JSON.stringify(host)}); use DNS for a single name`);
      });
      if (endpoints.length > 0) spec.error('endpoints', 'no endpoints may be given with resolution DYNAMIC_DNS (each connection is sent to the name it asks for)');
      if (addresses.length > 0) spec.error('addresses', 'no addresses may be given with resolution DYNAMIC_DNS (connections are told apart by SNI or Host, never by address)');
      ports.forEach((port, index) => {
        if (isOpaqueTcpProtocol(port.protocol)) spec.sink.add(`${spec.pathOf('ports')}[${index}].protocol`, `resolution DYNAMIC_DNS needs a name on each connection: use TLS (SNI) or HTTP (Host), not ${port.protocol}`);
      });
      break;
  }
  // Istio: several hosts on a TCP port without addresses cannot be told apart by the proxy.
  if (addresses.length === 0 && hosts.length > 1 && ports.some((port) => isOpaqueTcpProtocol(port.protocol))) {
    spec.error('hosts', 'several hosts with a TCP (or MONGO) port need addresses: without them the proxy cannot tell the hosts apart');
  }
}
