/**
 * The compiler's contract with the xds service.
 *
 * The compiler is pure: (MeshState, ProxyNode, CompileOptions) → CompileResult, no I/O, no
 * clock, no randomness; the same input gives the same output, resources sorted by name.
 */
import type { MeshState } from '@meshgate/model';

export const TYPE_URL = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;
export type TypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];

/** Who is asking, read from the xDS node (see DESIGN.md "proxy node metadata"). */
export interface ProxyNode {
  id: string;
  role: 'sidecar' | 'ingress-gateway' | 'egress-gateway';
  namespace: string;
  serviceAccount: string;
  labels: Record<string, string>;
  client: 'envoy' | 'grpc';
  /**
   * The workload's own addresses (node metadata `INSTANCE_IPS`, comma-separated, as Istio's
   * agent sends it); `[]` when not stated. A proxyless gRPC server gets one server listener per
   * address and port (`grpc/server?xds.resource.listening_address=<ip>:<port>`).
   */
  ips: string[];
  /**
   * The certificate provider instances the proxyless client's bootstrap defines (node metadata
   * `CERTIFICATE_PROVIDERS`); absent: `default` only, what every meshgate bootstrap defines. A
   * DestinationRule's certificate files reach a proxyless client only through instances listed
   * here (`proxyless-tls.ts`).
   */
  certificateProviders?: string[];
}

export interface CompileOptions {
  /** DNS suffix of services, default `cluster.local`. */
  clusterDomain: string;
  trustDomain: string;
  /**
   * The mesh whose namespaces this control plane serves: a namespace belongs to it when labelled
   * `openservicemesh.io/monitored-by=<meshName>`. Default `osm` (OSM's default mesh name).
   */
  meshName?: string;
}

/** The mesh name used when `CompileOptions.meshName` is not given. */
export const DEFAULT_MESH_NAME = 'osm';

/**
 * One xDS resource as a proto3-JSON-shaped object using the .proto field names (snake_case),
 * e.g. `{ name, address: { socket_address: { address, port_value } } }`.
 * Nested `google.protobuf.Any` values are written `{ '@type': 'type.googleapis.com/…', …fields }`.
 * Durations are `{ seconds, nanos }` objects, wrappers `{ value }`, enums their string names.
 */
export interface XdsResource {
  name: string;
  resource: Record<string, unknown>;
}

export interface Diagnostic {
  severity: 'warning' | 'error';
  /** The object the diagnostic is about, `Kind/namespace/name`. */
  object: string;
  message: string;
}

export type ResourcesByType = Record<TypeUrl, XdsResource[]>;

export interface CompileResult {
  resources: ResourcesByType;
  diagnostics: Diagnostic[];
}

/** The compiler's entry point, as the xds service calls it (implemented by `compileProxy`). */
export type CompileProxy = (state: MeshState, node: ProxyNode, options: CompileOptions) => CompileResult;
