/**
 * Type URLs of the xDS resources and of the extensions meshgate puts in `typed_config`.
 * The first five match TYPE_URL in @meshgate/compiler (which may not import this package).
 */
const PREFIX = 'type.googleapis.com/';

export const TYPE_URLS = {
  // xDS resources.
  listener: `${PREFIX}envoy.config.listener.v3.Listener`,
  route: `${PREFIX}envoy.config.route.v3.RouteConfiguration`,
  cluster: `${PREFIX}envoy.config.cluster.v3.Cluster`,
  endpoint: `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  secret: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`,
  // Not a resource: Envoy's bootstrap (checked, never sent).
  bootstrap: `${PREFIX}envoy.config.bootstrap.v3.Bootstrap`,
  // Network filters.
  httpConnectionManager: `${PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  tcpProxy: `${PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  networkRbac: `${PREFIX}envoy.extensions.filters.network.rbac.v3.RBAC`,
  directResponse: `${PREFIX}envoy.extensions.filters.network.direct_response.v3.Config`,
  mongoProxy: `${PREFIX}envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy`,
  sniDynamicForwardProxy: `${PREFIX}envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig`,
  // HTTP filters and their per-route configs.
  router: `${PREFIX}envoy.extensions.filters.http.router.v3.Router`,
  httpRbac: `${PREFIX}envoy.extensions.filters.http.rbac.v3.RBAC`,
  httpRbacPerRoute: `${PREFIX}envoy.extensions.filters.http.rbac.v3.RBACPerRoute`,
  fault: `${PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  cors: `${PREFIX}envoy.extensions.filters.http.cors.v3.Cors`,
  corsPolicy: `${PREFIX}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  healthCheck: `${PREFIX}envoy.extensions.filters.http.health_check.v3.HealthCheck`,
  localRateLimit: `${PREFIX}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`,
  httpDynamicForwardProxy: `${PREFIX}envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig`,
  // RBAC matcher extensions.
  upstreamIpPortMatcher: `${PREFIX}envoy.extensions.rbac.matchers.upstream_ip_port.v3.UpstreamIpPortMatcher`,
  // Listener filters.
  tlsInspector: `${PREFIX}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  originalDst: `${PREFIX}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`,
  httpInspector: `${PREFIX}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`,
  // Transport sockets, cluster extensions and upstream options.
  upstreamTlsContext: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  downstreamTlsContext: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  rawBuffer: `${PREFIX}envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer`,
  aggregateCluster: `${PREFIX}envoy.extensions.clusters.aggregate.v3.ClusterConfig`,
  dynamicForwardProxyCluster: `${PREFIX}envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig`,
  httpProtocolOptions: `${PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  // Load-balancing policies.
  roundRobin: `${PREFIX}envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin`,
  ringHash: `${PREFIX}envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash`,
  leastRequest: `${PREFIX}envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest`,
  pickFirst: `${PREFIX}envoy.extensions.load_balancing_policies.pick_first.v3.PickFirst`,
  wrrLocality: `${PREFIX}envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality`,
  // Access logs and generic typed configs.
  stdoutAccessLog: `${PREFIX}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog`,
  fileAccessLog: `${PREFIX}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
  typedStruct: `${PREFIX}xds.type.v3.TypedStruct`,
  // The discovery protocol itself.
  discoveryRequest: `${PREFIX}envoy.service.discovery.v3.DiscoveryRequest`,
  discoveryResponse: `${PREFIX}envoy.service.discovery.v3.DiscoveryResponse`,
} as const;

export type KnownTypeUrl = (typeof TYPE_URLS)[keyof typeof TYPE_URLS];
