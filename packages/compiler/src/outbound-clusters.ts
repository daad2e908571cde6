/**
 * The cluster and endpoints of a ClusterRequest, whatever its host is: a Kubernetes Service (an
 * EDS cluster, `clusters.ts`), or a ServiceEntry, by its resolution:
 *
 * | resolution       | Envoy                                        | proxyless gRPC                                 |
 * | ---------------- | -------------------------------------------- | ---------------------------------------------- |
 * | STATIC           | EDS, endpoints from `spec.endpoints`         | EDS, the same endpoints                        |
 * | DNS              | STRICT_DNS, endpoints (or the host) inline   | LOGICAL_DNS of the first endpoint (or the host) |
 * | DNS_ROUND_ROBIN  | LOGICAL_DNS                                  | LOGICAL_DNS                                    |
 * | NONE             | ORIGINAL_DST (the address the caller dialled) | not possible: no listener (`proxyless-egress.ts`) |
 * | DYNAMIC_DNS      | dynamic forward proxy (`dynamic-forward-proxy.ts`) | not possible: wildcard hosts name no target |
 *
 * A wildcard host on a TLS/HTTPS port with resolution NONE also gets the dynamic forward proxy
 * cluster at Envoy (the SNI is resolved, and guarded, rather than the dialled address trusted).
 *
 * grpc-js-xds 1.14 takes EDS, LOGICAL_DNS (one endpoint) and AGGREGATE clusters only: no
 * STATIC, no STRICT_DNS. Then the DestinationRule's cluster fields are added
 * (`destination-rules.ts`), and a subset's endpoints are those whose labels (the Pod's, found
 * by IP, or the ServiceEntry endpoint's own) carry the subset's labels.
 */
import { endpointsForService, objectKey, selectorMatches, type ServiceEntryEndpoint, type ServiceEntryObject } from '@meshgate/model';
import { adsConfigSource, buildCluster, http2ProtocolOptions, type ClusterRequest } from './clusters.js';
import type { Diagnostics } from './diagnostics.js';
import { destinationRuleClusterFields, envoyUpstreamTls } from './destination-rules.js';
import { dynamicForwardProxyCluster, usesDynamicForwardProxy } from './dynamic-forward-proxy.js';
import { buildLoadAssignment } from './endpoints.js';
import type { CompileIndex } from './meshIndex.js';
import { destinationRuleFor, subsetOf } from './traffic-lookups.js';

const CONNECT_TIMEOUT = { seconds: 10, nanos: 0 };

/** Whether the cluster takes its endpoints over EDS (and so needs a ClusterLoadAssignment). */
export function usesEds(request: ClusterRequest): boolean {
  const entry = request.serviceEntry;
  return entry === undefined || entry.spec.resolution === 'STATIC';
}

function entryPort(entry: ServiceEntryObject, port: number): ServiceEntryObject['spec']['ports'][number] | undefined {
  return entry.spec.ports.find((candidate) => candidate.number === port);
}

/** The port an endpoint listens on: its own mapping for the port's name, else the port's targetPort, else the port. */
function endpointPort(entry: ServiceEntryObject, endpoint: ServiceEntryEndpoint | undefined, port: number): number {
  const servicePort = entryPort(entry, port);
  const named = servicePort?.name === undefined ? undefined : endpoint?.ports[servicePort.name];
  return named ?? servicePort?.targetPort ?? port;
}

function lbEndpoint(address: string, port: number, weight: number | undefined): Record<string, unknown> {
  return {
    endpoint: { address: { socket_address: { address, port_value: port } } },
    ...(weight !== undefined ? { load_balancing_weight: { value: Math.max(weight, 1) } } : {}),
  };
}

/** The ServiceEntry endpoints of a request, filtered by the subset's labels. */
function entryEndpoints(index: CompileIndex, request: ClusterRequest, entry: ServiceEntryObject): ServiceEntryEndpoint[] {
  const subset = subsetOf(destinationRuleFor(index, request.host, entry.metadata.namespace), request.subset);
  if (request.subset !== '' && !subset) return [];
  return entry.spec.endpoints.filter((endpoint) => !subset || selectorMatches(subset.labels, endpoint.labels));
}

function inlineAssignment(request: ClusterRequest, endpoints: Record<string, unknown>[]): Record<string, unknown> {
  return { cluster_name: request.name, endpoints: endpoints.length === 0 ? [] : [{ locality: {}, lb_endpoints: endpoints, load_balancing_weight: { value: 1 } }] };
}

function serviceEntryCluster(index: CompileIndex, request: ClusterRequest, entry: ServiceEntryObject, client: 'envoy' | 'grpc', diagnostics: Diagnostics): Record<string, unknown> {
  const base = { name: request.name, connect_timeout: CONNECT_TIMEOUT, lb_policy: 'ROUND_ROBIN' };
  const object = objectKey(entry);
  if (client === 'envoy' && usesDynamicForwardProxy(entry, request.host, request.port)) return dynamicForwardProxyCluster(request);
  switch (entry.spec.resolution) {
    case 'STATIC':
      return { ...base, type: 'EDS', eds_cluster_config: { eds_config: adsConfigSource(), service_name: request.name } };
    case 'DYNAMIC_DNS':
      diagnostics.warn(object, `${request.name}: resolution DYNAMIC_DNS resolves the name each connection carries, which a proxyless gRPC client does not give; the cluster has no endpoints`);
      return { ...base, type: 'EDS', eds_cluster_config: { eds_config: adsConfigSource(), service_name: request.name } };
    case 'NONE':
      if (client === 'grpc') diagnostics.warn(object, `${request.name}: resolution NONE has no address for a proxyless gRPC client to dial; the cluster has no endpoints`);
      if (client === 'grpc') return { ...base, type: 'EDS', eds_cluster_config: { eds_config: adsConfigSource(), service_name: request.name } };
      return { ...base, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' };
    case 'DNS':
    case 'DNS_ROUND_ROBIN': {
      const endpoints = entryEndpoints(index, request, entry);
      const targets = entry.spec.endpoints.length === 0 ? [{ address: request.host, port: endpointPort(entry, undefined, request.port), weight: undefined }] : endpoints.map((endpoint) => ({ address: endpoint.address, port: endpointPort(entry, endpoint, request.port), weight: endpoint.weight }));
      if (client === 'grpc' || entry.spec.resolution === 'DNS_ROUND_ROBIN') {
        if (targets.length > 1) diagnostics.warn(object, `${request.name}: a LOGICAL_DNS cluster resolves one name; ${targets[0].address} is used, the other endpoints are not`);
        const first = targets.slice(0, 1).map((target) => lbEndpoint(target.address, target.port, undefined));
        return { ...base, type: 'LOGICAL_DNS', load_assignment: inlineAssignment(request, first), dns_lookup_family: 'V4_PREFERRED' };
      }
      return { ...base, type: 'STRICT_DNS', load_assignment: inlineAssignment(request, targets.map((target) => lbEndpoint(target.address, target.port, target.weight))), dns_lookup_family: 'V4_PREFERRED' };
    }
  }
}

/** The Cluster for a request: its base by host kind, then the DestinationRule's fields. */
export function buildOutboundCluster(
  index: CompileIndex,
  request: ClusterRequest,
  client: 'envoy' | 'grpc',
  diagnostics: Diagnostics,
  transportSocket?: Record<string, unknown>,
): Record<string, unknown> {
  const entry = request.serviceEntry;
  const cluster = entry ? serviceEntryCluster(index, request, entry, client, diagnostics) : buildCluster(request, client, transportSocket);
  if (client === 'envoy') {
    const upstreamTls = envoyUpstreamTls(index, request);
    if (upstreamTls) cluster.transport_socket = upstreamTls;
    const protocol = entry?.spec.ports.find((port) => port.number === request.port)?.protocol;
    if (protocol === 'GRPC' || protocol === 'HTTP2') cluster.typed_extension_protocol_options = http2ProtocolOptions();
  } else if (entry && transportSocket) {
    cluster.transport_socket = transportSocket;
  }
  return { ...cluster, ...destinationRuleClusterFields(index, request, client, diagnostics) };
}

/** The ClusterLoadAssignment of an EDS cluster: a ServiceEntry's endpoints, or a Service's (a subset's by Pod labels). */
export function buildOutboundAssignment(index: CompileIndex, request: ClusterRequest): Record<string, unknown> {
  const entry = request.serviceEntry;
  if (entry) {
    if (entry.spec.resolution !== 'STATIC') return inlineAssignment(request, []);
    return inlineAssignment(request, entryEndpoints(index, request, entry).map((endpoint) => lbEndpoint(endpoint.address, endpointPort(entry, endpoint, request.port), endpoint.weight)));
  }
  if (request.subset === '' || !request.service) return buildLoadAssignment(index, request);
  const subset = subsetOf(destinationRuleFor(index, request.host), request.subset);
  if (!subset) return { cluster_name: request.name, endpoints: [] };
  const addresses = endpointsForService(index.state, request.service, request.port, index.slicesByService).filter(({ ip }) => {
    const pod = index.podsByIp.get(ip);
    return pod !== undefined && selectorMatches(subset.labels, pod.metadata.labels);
  });
  return inlineAssignment(request, addresses.map(({ ip, port }) => lbEndpoint(ip, port, undefined)));
}
