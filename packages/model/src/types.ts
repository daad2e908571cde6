/**
 * The normalised shapes meshgate stores and compiles.
 *
 * Contract: every object that passes `validateDocument` comes out in one of these shapes,
 * with defaults filled in, maps sorted by key and host names fully qualified, so that two
 * inputs that mean the same thing normalise to the same JSON (and so write no event).
 * The shapes mirror the Kubernetes / Istio objects users write, so that what `GET` returns
 * is recognisable.
 */

export interface ObjectMeta {
  name: string;
  /** "" for cluster-scoped kinds (Namespace). Namespaced kinds default to "default". */
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Where a validation problem is: a JSON-path-like string such as `spec.http[0].route[0].destination.port.number`. */
export interface FieldError {
  path: string;
  message: string;
  /** 0-based index of the document in a multi-document input, when known. */
  document?: number;
}

/** `warnings`: accepted, but something in it is not applied (an Istio field meshgate does not implement yet). */
export type Validated<T> = { valid: true; value: T; warnings?: FieldError[] } | { valid: false; errors: FieldError[] };

// ---------------------------------------------------------------- core Kubernetes kinds

export interface NamespaceObject {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
}

export interface ServicePort {
  name: string; // "" when unnamed
  port: number;
  targetPort: number | string; // defaults to port
  protocol: 'TCP' | 'UDP' | 'SCTP'; // default TCP
  appProtocol?: string;
}

export interface ServiceObject {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    ports: ServicePort[];
    selector: Record<string, string>;
    clusterIP?: string;
    type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; name: string; namespace: string };
}

export interface EndpointPort {
  name: string; // "" when unnamed
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
}

export interface EndpointsObject {
  apiVersion: 'v1';
  kind: 'Endpoints';
  metadata: ObjectMeta;
  subsets: { addresses: EndpointAddress[]; notReadyAddresses: EndpointAddress[]; ports: EndpointPort[] }[];
}

export interface EndpointSliceObject {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: ObjectMeta; // labels["kubernetes.io/service-name"] names the Service
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: {
    addresses: string[];
    conditions: { ready: boolean };
    hostname?: string;
    nodeName?: string;
    zone?: string;
    targetRef?: { kind: string; name: string; namespace: string };
  }[];
  ports: EndpointPort[];
}

export interface PodObject {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: { serviceAccountName: string; nodeName?: string; containers: { name: string; ports: { name?: string; containerPort: number; protocol: string }[] }[] };
  status: { podIP?: string; podIPs: string[]; phase?: string };
}

/** The digest of one key of a Secret; the value itself lives only in the encrypted secret store. */
export interface SecretKeyDigest {
  /** SHA-256 (hex) of the value's bytes. */
  sha256: string;
  bytes: number;
}

export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  /** `kubernetes.io/tls`, `Opaque`, … */
  type: string;
  /** Key name → digest, sorted by key; never the bytes. */
  data: Record<string, SecretKeyDigest>;
  /**
   * What is wrong with the payload as a TLS credential, found at apply (unparseable PEM, private
   * key not matching the certificate, expired, …); empty when fine or when it holds no TLS keys.
   */
  problems: string[];
}

// ---------------------------------------------------------------- Istio networking

export type IstioVersion = 'networking.istio.io/v1alpha3' | 'networking.istio.io/v1beta1' | 'networking.istio.io/v1';

export interface GatewayServer {
  port: { number: number; name: string; protocol: string; targetPort?: number };
  /** As written: `host`, `*`, `ns/host`, `./host`, `*.example.com`. */
  hosts: string[];
  name?: string;
  bind?: string;
  tls?: {
    mode: 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';
    credentialName?: string;
    httpsRedirect?: boolean;
    serverCertificate?: string;
    privateKey?: string;
    caCertificates?: string;
    subjectAltNames?: string[];
    minProtocolVersion?: string;
    maxProtocolVersion?: string;
    /** OpenSSL-style cipher names (`ECDHE-RSA-AES256-GCM-SHA384`), deduplicated, order kept. */
    cipherSuites?: string[];
  };
}

export interface GatewayObject {
  apiVersion: IstioVersion;
  kind: 'Gateway';
  metadata: ObjectMeta;
  spec: { selector: Record<string, string>; servers: GatewayServer[] };
}

export type StringMatch = { exact: string } | { prefix: string } | { regex: string };

export interface HTTPMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers: Record<string, StringMatch>;
  queryParams: Record<string, StringMatch>;
  ignoreUriCase: boolean;
  port?: number;
  sourceLabels: Record<string, string>;
  /** Normalised like VirtualService.gateways. */
  gateways: string[];
  withoutHeaders: Record<string, StringMatch>;
}

export interface Destination {
  /** Fully qualified when it was a short name: `httpbin` in namespace `default` → `httpbin.default.svc.cluster.local`. */
  host: string;
  subset?: string;
  port?: { number: number };
}

export interface HTTPRouteDestination {
  destination: Destination;
  /** Percent; when a route has one destination and no weight, 100. */
  weight: number;
}

export interface HTTPRoute {
  name?: string;
  match: HTTPMatchRequest[]; // [] means match everything
  route: HTTPRouteDestination[];
  redirect?: { uri?: string; authority?: string; redirectCode?: number; port?: number; scheme?: string };
  rewrite?: { uri?: string; authority?: string };
  timeout?: string; // Go duration as written, e.g. "5s"
  retries?: { attempts: number; perTryTimeout?: string; retryOn?: string };
  fault?: { abort?: { httpStatus: number; percentage: number }; delay?: { fixedDelay: string; percentage: number } };
  directResponse?: { status: number; body?: string };
  headers?: unknown;
}

/**
 * What an L4 route (`tcp`) entry matches. On a gateway only `port` and `gateways` choose the
 * server (as in Istio); `destinationSubnets` narrows by the address the client dialled.
 */
export interface L4MatchAttributes {
  /** CIDRs in canonical form; a plain IP is stored as `/32` or `/128`. */
  destinationSubnets: string[];
  port?: number;
  sourceLabels: Record<string, string>;
  /** Normalised like VirtualService.gateways; empty means "the VirtualService's gateways". */
  gateways: string[];
}

/** A `tls` entry's match: the SNI the client sent (exact or `*.domain`), plus the L4 fields. */
export interface TLSMatchAttributes extends L4MatchAttributes {
  /** Lower-cased; each within one of the VirtualService's hosts. */
  sniHosts: string[];
}

/** A `tcp` route: matches (OR; [] matches every connection) and weighted destinations. */
export interface TCPRoute {
  match: L4MatchAttributes[];
  route: HTTPRouteDestination[];
}

/** A `tls` route (TLS passthrough by SNI): at least one match. */
export interface TLSRoute {
  match: TLSMatchAttributes[];
  route: HTTPRouteDestination[];
}

export interface VirtualServiceObject {
  apiVersion: IstioVersion;
  kind: 'VirtualService';
  metadata: ObjectMeta;
  spec: {
    /** As written (short names are left: they match the request's Host as given). */
    hosts: string[];
    /**
     * Normalised to `namespace/name` (a bare `name` is resolved against the VirtualService's
     * namespace); `mesh` stays `mesh`. Empty input means `["mesh"]`, as in Istio.
     */
    gateways: string[];
    http: HTTPRoute[];
    exportTo: string[];
    /** Present only when written non-empty, so that a VirtualService of `http` alone stores as before. */
    tls?: TLSRoute[];
    tcp?: TCPRoute[];
  };
}

// ---------------------------------------------------------------- Istio traffic: ServiceEntry and DestinationRule

/** The ServiceEntry port protocols meshgate compiles (others are refused at apply). */
export type ServiceEntryProtocol = 'HTTP' | 'HTTPS' | 'HTTP2' | 'GRPC' | 'TCP' | 'TLS' | 'MONGO';

export interface ServiceEntryPort {
  number: number;
  /** Upper-cased as Istio reads it. */
  protocol: ServiceEntryProtocol;
  /** As written; Istio makes it optional, endpoints' `ports` refer to it. */
  name?: string;
  targetPort?: number;
}

/** An inline WorkloadEntry (`spec.endpoints[]`). */
export interface ServiceEntryEndpoint {
  /** An IP for STATIC, an IP or a DNS name for DNS resolutions. */
  address: string;
  /** Port name → number on this endpoint (overrides the service port). */
  ports: Record<string, number>;
  labels: Record<string, string>;
  /** Absent means 1, as in Istio. */
  weight?: number;
}

export type ServiceEntryResolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'DYNAMIC_DNS';
export type ServiceEntryLocation = 'MESH_EXTERNAL' | 'MESH_INTERNAL';

export interface ServiceEntryObject {
  apiVersion: IstioVersion;
  kind: 'ServiceEntry';
  metadata: ObjectMeta;
  spec: {
    /** Lower-cased; `*.example.com` wildcards allowed, never `*` alone nor an IP. */
    hosts: string[];
    /** IPs and CIDRs, each as a canonical CIDR (`203.0.113.7` → `203.0.113.7/32`). */
    addresses: string[];
    ports: ServiceEntryPort[];
    /** Default MESH_EXTERNAL. */
    location: ServiceEntryLocation;
    /** Default NONE, as in Istio. */
    resolution: ServiceEntryResolution;
    endpoints: ServiceEntryEndpoint[];
    exportTo: string[];
    /** SANs an upstream's certificate must carry (Istio: for ISTIO_MUTUAL to MESH_INTERNAL entries). */
    subjectAltNames: string[];
  };
  /** Set only on an object stored before meshgate compiled the kind and refused by today's rules (`stored-shape.ts`). */
  refusedOnLoad?: string[];
}

export type LoadBalancerSimple = 'UNSPECIFIED' | 'ROUND_ROBIN' | 'LEAST_CONN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH';

/** Exactly one key is set (validation sees to it); `ringHash.minimumRingSize` is read into `minimumRingSize`. */
export interface ConsistentHashSettings {
  httpHeaderName?: string;
  httpCookie?: { name: string; path?: string; ttl?: string };
  useSourceIp?: true;
  httpQueryParameterName?: string;
  minimumRingSize?: number;
}

export interface LoadBalancerSettings {
  simple?: LoadBalancerSimple;
  consistentHash?: ConsistentHashSettings;
}

export interface ConnectionPoolSettings {
  tcp?: { maxConnections?: number; connectTimeout?: string; maxConnectionDuration?: string; tcpKeepalive?: { probes?: number; time?: string; interval?: string } };
  http?: {
    http1MaxPendingRequests?: number;
    http2MaxRequests?: number;
    maxRequestsPerConnection?: number;
    maxRetries?: number;
    idleTimeout?: string;
    maxConcurrentStreams?: number;
  };
}

export interface OutlierDetectionSettings {
  /** `consecutiveErrors` (deprecated) is read into this. */
  consecutive5xxErrors?: number;
  consecutiveGatewayErrors?: number;
  interval?: string;
  baseEjectionTime?: string;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
}

export type ClientTlsMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';

export interface ClientTlsSettings {
  mode: ClientTlsMode;
  credentialName?: string;
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  subjectAltNames: string[];
  sni?: string;
  insecureSkipVerify?: boolean;
}

export interface PortTrafficPolicy {
  port: { number: number };
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetectionSettings;
  tls?: ClientTlsSettings;
}

export interface TrafficPolicy {
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetectionSettings;
  tls?: ClientTlsSettings;
  portLevelSettings: PortTrafficPolicy[];
}

export interface DestinationSubset {
  name: string;
  labels: Record<string, string>;
  trafficPolicy?: TrafficPolicy;
}

export interface DestinationRuleObject {
  apiVersion: IstioVersion;
  kind: 'DestinationRule';
  metadata: ObjectMeta;
  spec: {
    /** Fully qualified like a VirtualService destination (`reviews` → `reviews.<ns>.svc.cluster.local`); wildcards kept. */
    host: string;
    trafficPolicy?: TrafficPolicy;
    subsets: DestinationSubset[];
    exportTo: string[];
  };
  /** As on ServiceEntryObject. */
  refusedOnLoad?: string[];
}

// ---------------------------------------------------------------- OSM: IngressBackend and MeshConfig

export type IngressBackendProtocol = 'http' | 'https';

export interface IngressBackendTarget {
  /** The backend Service's name, in the IngressBackend's namespace. */
  name: string;
  port: { number: number; protocol: IngressBackendProtocol; targetPort?: number };
  /** Always present: `skipClientCertValidation` defaults to false (validation on). */
  tls: { skipClientCertValidation: boolean; sniHosts?: string[] };
}

export type IngressBackendSource =
  | { kind: 'Service'; name: string; namespace: string }
  /** `name` is the SAN the client certificate must carry, e.g. `ingress-nginx.ingress-nginx.cluster.local`. */
  | { kind: 'AuthenticatedPrincipal'; name: string }
  /** `name` is a CIDR, normalised to its network address (`10.0.0.7/24` → `10.0.0.0/24`). */
  | { kind: 'IPRange'; name: string };

export interface IngressBackendObject {
  apiVersion: 'policy.openservicemesh.io/v1alpha1';
  kind: 'IngressBackend';
  metadata: ObjectMeta;
  spec: {
    backends: IngressBackendTarget[];
    sources: IngressBackendSource[];
    matches?: { apiGroup: string; kind: string; name: string }[];
  };
}

/** Whether an IngressBackend is in effect; derived from the state (never stored), OSM's status vocabulary. */
export interface IngressBackendStatus {
  status: 'committed' | 'rejected';
  reason: string;
}

export type MeshConfigVersion = 'config.openservicemesh.io/v1alpha1' | 'config.openservicemesh.io/v1alpha2';

export interface IngressGatewayCertificateSpec {
  /** Where the issued client certificate is published; namespace defaults to the MeshConfig's. */
  secret: { name: string; namespace: string };
  /** DNS names, lower-cased, e.g. `ingress-nginx.ingress-nginx.cluster.local`. */
  subjectAltNames: string[];
  /** Go duration as written, e.g. `24h`. */
  validityDuration: string;
}

export interface MeshConfigObject {
  apiVersion: MeshConfigVersion;
  kind: 'MeshConfig';
  metadata: ObjectMeta;
  spec: {
    certificate: {
      serviceCertValidityDuration?: string;
      certKeyBitSize?: number;
      ingressGateway?: IngressGatewayCertificateSpec;
    };
    /** The sections meshgate does not read yet, kept as written (keys sorted) so real MeshConfigs round-trip. */
    sidecar?: JsonObject;
    traffic?: JsonObject;
    observability?: JsonObject;
    featureFlags?: JsonObject;
  };
}

// ---------------------------------------------------------------- Kubernetes Ingress

/** The version is kept as written; v1beta1's `serviceName`/`servicePort` are read into v1's shape. */
export type IngressVersion = 'networking.k8s.io/v1' | 'networking.k8s.io/v1beta1' | 'extensions/v1beta1';

export interface IngressServiceBackend {
  service: { name: string; port: { number: number } | { name: string } };
}

export type IngressPathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

export interface IngressPath {
  /** Absent means "any path" (only with ImplementationSpecific). */
  path?: string;
  pathType: IngressPathType;
  backend: IngressServiceBackend;
}

export interface IngressRule {
  /** Lower-cased; absent matches every host. */
  host?: string;
  http?: { paths: IngressPath[] };
}

export interface IngressObject {
  apiVersion: IngressVersion;
  kind: 'Ingress';
  metadata: ObjectMeta; // annotations kept as written (kubernetes.io/ingress.class, nginx.ingress.kubernetes.io/…)
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressServiceBackend;
    rules: IngressRule[];
    tls: { hosts: string[]; secretName?: string }[];
  };
}

export interface IngressClassObject {
  apiVersion: 'networking.k8s.io/v1' | 'networking.k8s.io/v1beta1';
  kind: 'IngressClass';
  metadata: ObjectMeta; // cluster-scoped: namespace ""
  spec: {
    /** e.g. `istio.io/ingress-controller`. */
    controller: string;
    parameters?: { apiGroup?: string; kind: string; name: string; scope?: 'Cluster' | 'Namespace'; namespace?: string };
  };
}

// ---------------------------------------------------------------- foreign kinds

/** Any JSON value; opaque parts of objects are stored as this, keys sorted. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Kinds that share manifests with the ones meshgate compiles (a Deployment next to its Service,
 * Contour's HTTPProxy next to an IngressBackend). meshgate stores them so that an apply or a
 * manifests directory is taken whole, but reads only their envelope: the compiler ignores them.
 */
export type ForeignKind =
  | 'ConfigMap'
  | 'Deployment'
  | 'EnvoyFilter'
  | 'HTTPProxy'
  | 'Policy'
  | 'ServiceAccount'
  | 'TLSCertificateDelegation';

/**
 * A foreign object: apiVersion, kind and metadata are validated like any object's; every other
 * top-level field (`spec`, `data`, …) except `status` is kept as opaque JSON with sorted keys.
 */
export interface ForeignObjectOf<K extends ForeignKind> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  [field: string]: JsonValue | ObjectMeta | undefined;
}

export type ForeignObject = { [K in ForeignKind]: ForeignObjectOf<K> }[ForeignKind];

export type MeshObject =
  | NamespaceObject
  | ServiceObject
  | EndpointsObject
  | EndpointSliceObject
  | PodObject
  | GatewayObject
  | VirtualServiceObject
  | IngressBackendObject
  | IngressObject
  | IngressClassObject
  | MeshConfigObject
  | ServiceEntryObject
  | DestinationRuleObject
  | ForeignObject
  | SecretObject;

export type Kind = MeshObject['kind'];

/** A reference to one stored object. namespace is "" for cluster-scoped kinds. */
export interface ObjectRef {
  kind: Kind;
  namespace: string;
  name: string;
}

// ---------------------------------------------------------------- events and the projection

/** Event types in the log for stored objects (stream id = objectKey of the object). */
export type MeshEvent =
  | { type: 'ResourceApplied'; data: { object: MeshObject; digest: string; source: string } }
  | { type: 'ResourceDeleted'; data: { ref: ObjectRef; source: string } };

/**
 * The in-memory projection of the log that the compiler reads. Objects of each kind keyed by
 * `namespace/name` ("/name" for cluster-scoped kinds). Built with `initialState()` and
 * `evolve(state, event)`; `sequence` is the last event folded in.
 */
export interface MeshState {
  sequence: number;
  byKind: { [K in Kind]: Map<string, Extract<MeshObject, { kind: K }>> };
  /**
   * The sequence at which each stored object was created (first applied since it was last
   * absent), keyed by `objectKey`: the creation order that decides conflicts, as Kubernetes'
   * creationTimestamp does (the earlier IngressBackend claiming a backend wins).
   */
  createdSequence: Map<string, number>;
}
