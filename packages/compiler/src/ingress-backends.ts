/**
 * OSM IngressBackends → the inbound policy of the workload behind a backend Service: which of its
 * ports take ingress traffic, over HTTP or HTTPS, and from whom. Shared by the Envoy sidecar
 * (`inbound.ts`) and the proxyless gRPC server (`proxyless-server.ts`), which only shape it.
 *
 * Read as OSM reads it (its docs and `pkg/catalog/ingress.go`):
 * - `backends[].port.number` is the workload's port — the Service's **targetPort**, not the
 *   Service port ("must correspond to the targetPort of a Kubernetes service");
 * - a backend applies to the proxies its Service selects, in the IngressBackend's namespace,
 *   and only when that namespace is monitored by the mesh;
 * - `Service` sources admit their endpoints' addresses, `IPRange` sources their CIDR; for an
 *   `https` backend those address rules are ANDed with the `AuthenticatedPrincipal`s ("implies
 *   that the client must match the source in addition to its AuthenticatedPrincipal");
 * - with `skipClientCertValidation: true` the principal is not enforced (OSM wildcards it).
 * Unlike OSM, a Service source without endpoints admits nobody (OSM would admit everyone): an
 * address rule that resolves to no address fails closed.
 */
import {
  isIPv4,
  objectKey,
  parseCidr,
  selectorMatches,
  stateKey,
  type Cidr,
  type IngressBackendObject,
  type IngressBackendProtocol,
  type IngressBackendTarget,
  type ServiceObject,
} from '@meshgate/model';
import { compare, type Diagnostics } from './diagnostics.js';
import { namespaceMonitored, type CompileIndex } from './meshIndex.js';
import type { ProxyNode } from './types.js';

/** Who one IngressBackend admits to a port. */
export interface SourcePolicy {
  /** `namespace/name` of the IngressBackend; the RBAC policy's name. */
  name: string;
  /** The source addresses admitted; `undefined` when the IngressBackend names no Service or IPRange source. [] admits nobody. */
  cidrs: Cidr[] | undefined;
  /** The client certificate SANs admitted; `undefined` when no principal is enforced (http, or validation skipped). */
  principals: string[] | undefined;
}

/** One workload port that takes ingress traffic. */
export interface InboundPort {
  port: number;
  protocol: IngressBackendProtocol;
  /** https only: whether a client certificate is required and validated (not `skipClientCertValidation`). */
  requireClientCertificate: boolean;
  /** https only: SNI names a client must ask for (`tls.sniHosts`); [] for any. */
  sniHosts: string[];
  /** The backend Service (the first one claiming the port), for its port's protocol. */
  service: ServiceObject;
  /** One per IngressBackend admitting traffic to the port; a request passing any of them is allowed. */
  policies: SourcePolicy[];
}

export interface InboundPolicy {
  /** Sorted by port. */
  ports: InboundPort[];
  /**
   * Ports IngressBackends claim but that cannot be enforced here (the namespace is not
   * monitored): they must get no listener at all rather than an open one.
   */
  unenforced: ReadonlySet<number>;
}

/** Whether the Service's selector picks the node (a Service without a selector selects nothing, as in Kubernetes). */
export function serviceSelects(service: ServiceObject, node: ProxyNode): boolean {
  return (
    service.metadata.namespace === node.namespace &&
    hasOwnKeys(service.spec.selector) &&
    selectorMatches(service.spec.selector, node.labels)
  );
}

/** Whether an object has an own key (without listing them: this runs for every Service of a compile). */
function hasOwnKeys(value: Record<string, string>): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

function backendService(index: CompileIndex, ingressBackend: IngressBackendObject, backend: IngressBackendTarget): ServiceObject | undefined {
  return index.state.byKind.Service.get(stateKey(ingressBackend.metadata.namespace, backend.name));
}

/** The IngressBackend policy of the workload `node` runs beside (or, for proxyless gRPC, is). */
export function inboundPolicy(index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics): InboundPolicy {
  reportRejected(index, node, diagnostics);
  const committed = index.ingressBackendsByNamespace.get(node.namespace) ?? [];
  const ports = new Map<number, { entry: InboundPort; owner: string }>();
  const unenforced = new Set<number>();
  const monitored = namespaceMonitored(index, node.namespace);

  for (const ingressBackend of committed) {
    const object = objectKey(ingressBackend);
    for (const backend of ingressBackend.spec.backends) {
      const service = backendService(index, ingressBackend, backend);
      const where = `backend ${backend.name}:${backend.port.number}`;
      if (!service) {
        diagnostics.warn(object, `${where}: Service ${node.namespace}/${backend.name} does not exist; nothing admits traffic for it`);
        continue;
      }
      if (!serviceSelects(service, node)) continue;
      if (!monitored) {
        diagnostics.warn(
          object,
          `${where}: namespace ${node.namespace} is not monitored by mesh ${index.meshName} (label openservicemesh.io/monitored-by=${index.meshName}); not enforced, and port ${backend.port.number} gets no listener`,
        );
        unenforced.add(backend.port.number);
        continue;
      }
      checkTargetPort(service, backend, object, where, diagnostics);
      const candidate = inboundPort(service, backend, sourcePolicy(index, ingressBackend, backend, diagnostics));
      const existing = ports.get(candidate.port);
      if (!existing) {
        ports.set(candidate.port, { entry: candidate, owner: object });
      } else if (!compatible(existing.entry, candidate)) {
        diagnostics.warn(
          object,
          `${where}: port ${candidate.port} of this workload already takes ${describe(existing.entry)} traffic for ${existing.owner}; this ${describe(candidate)} backend is not enforced here`,
        );
      } else if (!existing.entry.policies.some((policy) => policy.name === candidate.policies[0].name)) {
        existing.entry.policies.push(candidate.policies[0]);
      }
    }
  }
  return { ports: [...ports.values()].map(({ entry }) => entry).sort((a, b) => a.port - b.port), unenforced };
}

/** A rejected IngressBackend is not enforced; say so on the proxies it would have applied to. */
function reportRejected(index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics): void {
  for (const { ingressBackend, reason } of index.rejectedIngressBackendsByNamespace.get(node.namespace) ?? []) {
    const applies = ingressBackend.spec.backends.some((backend) => {
      const service = backendService(index, ingressBackend, backend);
      return service !== undefined && serviceSelects(service, node);
    });
    if (applies) diagnostics.warn(objectKey(ingressBackend), `rejected (${reason}); not enforced`);
  }
}

/** OSM reads `port.number` as the Service's targetPort; a number no targetPort has is most likely the Service port. */
function checkTargetPort(service: ServiceObject, backend: IngressBackendTarget, object: string, where: string, diagnostics: Diagnostics): void {
  const ports = service.spec.ports;
  const named = ports.some((port) => typeof port.targetPort === 'string');
  if (named || ports.some((port) => port.targetPort === backend.port.number)) return;
  diagnostics.warn(
    object,
    `${where}: ${backend.port.number} is no targetPort of Service ${service.metadata.namespace}/${service.metadata.name} (${ports.map((port) => port.targetPort).join(', ')}); port.number is the workload's port (the Service's targetPort), which is what is listened on`,
  );
}

function inboundPort(service: ServiceObject, backend: IngressBackendTarget, policy: SourcePolicy): InboundPort {
  const https = backend.port.protocol === 'https';
  return {
    port: backend.port.number,
    protocol: backend.port.protocol,
    requireClientCertificate: https && !backend.tls.skipClientCertValidation,
    sniHosts: https ? [...(backend.tls.sniHosts ?? [])] : [],
    service,
    policies: [policy],
  };
}

/** Two backends can share a workload port only when they terminate it alike. */
function compatible(a: InboundPort, b: InboundPort): boolean {
  return a.protocol === b.protocol && a.requireClientCertificate === b.requireClientCertificate && a.sniHosts.join(',') === b.sniHosts.join(',');
}

function describe(port: InboundPort): string {
  if (port.protocol === 'http') return 'http';
  return port.requireClientCertificate ? 'https (client certificate required)' : 'https (client certificate not validated)';
}

function sourcePolicy(index: CompileIndex, ingressBackend: IngressBackendObject, backend: IngressBackendTarget, diagnostics: Diagnostics): SourcePolicy {
  const object = objectKey(ingressBackend);
  const { namespace, name } = ingressBackend.metadata;
  let cidrs: Map<string, Cidr> | undefined;
  const principals = new Set<string>();
  for (const source of ingressBackend.spec.sources) {
    if (source.kind === 'AuthenticatedPrincipal') {
      principals.add(source.name);
      continue;
    }
    cidrs ??= new Map();
    const found = source.kind === 'IPRange' ? cidrsOfRange(source.name) : sourceServiceCidrs(index, source.namespace, source.name, object, diagnostics);
    for (const cidr of found) cidrs.set(`${cidr.address}/${cidr.prefixLength}`, cidr);
  }
  if (cidrs?.size === 0) diagnostics.warn(object, `backend ${backend.name}:${backend.port.number}: no source address is admitted, so every request is denied`);
  const enforcePrincipals = backend.port.protocol === 'https' && !backend.tls.skipClientCertValidation;
  return {
    name: stateKey(namespace, name),
    cidrs: cidrs && [...cidrs.values()],
    principals: enforcePrincipals ? [...principals] : undefined,
  };
}

function cidrsOfRange(text: string): Cidr[] {
  // The model stores IPRanges as canonical CIDRs; parsing cannot fail for a stored object.
  const cidr = parseCidr(text);
  return cidr ? [cidr] : [];
}

/** The ready endpoint addresses of a source Service, each as a host CIDR (/32, /128). */
function sourceServiceCidrs(index: CompileIndex, namespace: string, name: string, object: string, diagnostics: Diagnostics): Cidr[] {
  const where = `source Service ${namespace}/${name}`;
  if (!namespaceMonitored(index, namespace)) {
    // OSM discovers a source Service's endpoints only in monitored namespaces.
    diagnostics.warn(object, `${where}: namespace ${namespace} is not monitored by mesh ${index.meshName}, so its endpoints are not known; it admits nobody`);
    return [];
  }
  const service = index.state.byKind.Service.get(stateKey(namespace, name));
  if (!service) {
    diagnostics.warn(object, `${where} does not exist; it admits nobody`);
    return [];
  }
  const addresses = readyAddresses(index, service);
  if (addresses.length === 0) diagnostics.warn(object, `${where} has no ready endpoints; it admits nobody`);
  return addresses.map((ip) => (isIPv4(ip) ? { address: ip, prefixLength: 32, family: 4 } : { address: ip, prefixLength: 128, family: 6 }));
}

/** Every ready address of a Service, from its Endpoints and EndpointSlices, whatever the port. */
function readyAddresses(index: CompileIndex, service: ServiceObject): string[] {
  const key = stateKey(service.metadata.namespace, service.metadata.name);
  const ips = new Set<string>();
  for (const subset of index.state.byKind.Endpoints.get(key)?.subsets ?? []) for (const address of subset.addresses) ips.add(address.ip);
  for (const slice of index.slicesByService.get(key) ?? []) {
    if (slice.addressType === 'FQDN') continue;
    for (const endpoint of slice.endpoints) if (endpoint.conditions.ready) for (const ip of endpoint.addresses) ips.add(ip);
  }
  return [...ips].sort(compare);
}
