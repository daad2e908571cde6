/**
 * Clusters: one per distinct (host, port, subset) that some route sends traffic to, all EDS
 * over ADS, named by `clusterName`.
 */
import type { ServiceEntryObject, ServiceObject, ServicePort } from '@meshgate/model';
import { compare } from './diagnostics.js';
import { clusterName } from './naming.js';

export interface ClusterRequest {
  name: string;
  host: string;
  port: number;
  subset: string;
  /** The Service the host names, when known; without it the cluster has no endpoints. */
  service: ServiceObject | undefined;
  /** The ServiceEntry the host names, when no Service does (`outbound-clusters.ts`). */
  serviceEntry?: ServiceEntryObject;
}

/**
 * The clusters routes refer to, collected while translating them. A collector that took one
 * unit's list whole (`adoptAll`, the usual case of a unit over one port) keeps that list as it is
 * until something else is added: no copy, no re-sort.
 */
export class ClusterRequests {
  private byName?: Map<string, ClusterRequest>;
  /** `list()` as last made, while nothing was added since; or the one list adopted whole. */
  private sorted?: readonly ClusterRequest[];

  private names(): Map<string, ClusterRequest> {
    if (!this.byName) {
      this.byName = new Map();
      for (const request of this.sorted ?? []) this.byName.set(request.name, request);
    }
    return this.byName;
  }

  /** Records that traffic goes to (host, port, subset) and returns the cluster's name. */
  request(host: string, port: number, subset: string, service: ServiceObject | undefined, serviceEntry?: ServiceEntryObject): string {
    const name = clusterName(host, port, subset);
    const byName = this.names();
    if (!byName.has(name)) {
      byName.set(name, { name, host, port, subset, service, ...(serviceEntry ? { serviceEntry } : {}) });
      this.sorted = undefined;
    }
    return name;
  }

  get(name: string): ClusterRequest | undefined {
    return this.names().get(name);
  }

  /** By name; the same array while nothing is added (read-only: it may be a unit's). */
  list(): readonly ClusterRequest[] {
    this.sorted ??= [...(this.byName?.values() ?? [])].sort((a, b) => compare(a.name, b.name));
    return this.sorted;
  }

  /** Whether some request satisfies `test`, in no particular order and without sorting. */
  some(test: (request: ClusterRequest) => boolean): boolean {
    for (const request of this.byName?.values() ?? this.sorted ?? []) if (test(request)) return true;
    return false;
  }

  /** Takes a request made elsewhere (a memoised unit's), keeping the object: the first of a name wins, as in `request`. */
  adopt(request: ClusterRequest): void {
    const byName = this.names();
    if (!byName.has(request.name)) {
      byName.set(request.name, request);
      this.sorted = undefined;
    }
  }

  /** `adopt` for each of a unit's requests (a `list()`: sorted, one per name). */
  adoptAll(requests: readonly ClusterRequest[]): void {
    if (requests.length === 0) return;
    if (!this.byName && !this.sorted) {
      this.sorted = requests;
      return;
    }
    for (let i = 0; i < requests.length; i++) this.adopt(requests[i]);
  }
}

export function adsConfigSource(): Record<string, unknown> {
  return { ads: {}, resource_api_version: 'V3' };
}

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/**
 * Whether the Service port speaks HTTP/2 (gRPC included), read as Istio does: `appProtocol`
 * first, else the port name as `<protocol>[-<suffix>]` (`grpc`, `grpc-api`, `http2-x`).
 * `grpc-web` is HTTP/1.1 on the wire.
 */
export function speaksHttp2(port: ServicePort): boolean {
  const written = (port.appProtocol ?? port.name).toLowerCase();
  if (written === 'kubernetes.io/h2c') return true;
  if (written === 'grpc-web' || written.startsWith('grpc-web-')) return false;
  const protocol = written.split('-')[0];
  return protocol === 'grpc' || protocol === 'http2' || protocol === 'h2c';
}

/**
 * The Cluster for a request. `client` decides the extras: Envoy needs to be told to speak
 * HTTP/2 to gRPC backends; a proxyless gRPC client always does and ignores the option.
 * `transportSocket` is the upstream TLS, when the destination takes it (`upstream-tls.ts`).
 */
export function buildCluster(request: ClusterRequest, client: 'envoy' | 'grpc', transportSocket?: Record<string, unknown>): Record<string, unknown> {
  const cluster: Record<string, unknown> = {
    name: request.name,
    type: 'EDS',
    eds_cluster_config: { eds_config: adsConfigSource(), service_name: request.name },
    connect_timeout: { seconds: 10, nanos: 0 },
    lb_policy: 'ROUND_ROBIN',
  };
  const servicePort = request.service?.spec.ports.find((port) => port.port === request.port);
  if (client === 'envoy' && servicePort && speaksHttp2(servicePort)) cluster.typed_extension_protocol_options = http2ProtocolOptions();
  if (transportSocket) cluster.transport_socket = transportSocket;
  return cluster;
}

/** Cluster `typed_extension_protocol_options` telling Envoy to speak HTTP/2 upstream. */
export function http2ProtocolOptions(): Record<string, unknown> {
  return {
    [HTTP_PROTOCOL_OPTIONS]: {
      '@type': `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`,
      explicit_http_config: { http2_protocol_options: {} },
    },
  };
}
