/** Sample resources in the resource object format, as the compiler would emit them. */
import { TYPE_URLS } from '../src/index.js';

// A function, not a shared constant: structuredClone keeps shared references shared, and the tests
// mutate copies of these fixtures one place at a time.
const adsConfigSource = () => ({ ads: {}, resource_api_version: 'V3' });

/** An Envoy listener: HTTP connection manager over RDS, with the router filter. */
export function sidecarListener(): Record<string, unknown> {
  return {
    name: 'inbound_0.0.0.0_15003',
    address: { socket_address: { address: '0.0.0.0', port_value: 15003 } },
    traffic_direction: 'INBOUND',
    listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TYPE_URLS.tlsInspector } }],
    filter_chains: [
      {
        name: 'inbound-http',
        filter_chain_match: { destination_port: { value: 14001 }, transport_protocol: 'tls' },
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': TYPE_URLS.httpConnectionManager,
              stat_prefix: 'inbound_http',
              codec_type: 'AUTO',
              rds: { route_config_name: 'rds-inbound-14001', config_source: adsConfigSource() },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URLS.router } }],
              common_http_protocol_options: { idle_timeout: { seconds: 3600 } },
              stream_idle_timeout: { seconds: 300, nanos: 500_000_000 },
            },
          },
        ],
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': TYPE_URLS.downstreamTlsContext,
            require_client_certificate: { value: true },
            common_tls_context: {
              alpn_protocols: ['h2', 'http/1.1'],
              tls_certificate_sds_secret_configs: [{ name: 'service-cert:httpbin/httpbin', sds_config: adsConfigSource() }],
              validation_context_sds_secret_config: { name: 'root-cert-for-mtls-inbound:httpbin/httpbin', sds_config: adsConfigSource() },
            },
          },
        },
      },
    ],
    metadata: { filter_metadata: { meshgate: { source: 'IngressBackend/httpbin/httpbin', generation: 3, tags: ['a', null, true] } } },
  };
}

/** A proxyless gRPC server listener: inline routes with non_forwarding_action, RBAC, certificate providers. */
export function grpcServerListener(): Record<string, unknown> {
  return {
    name: 'grpc/server?xds.resource.listening_address=127.0.0.1:50051',
    address: { socket_address: { address: '127.0.0.1', port_value: 50051 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': TYPE_URLS.httpConnectionManager,
              stat_prefix: 'grpc-server',
              route_config: {
                name: 'inbound',
                virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '' }, non_forwarding_action: {} }] }],
              },
              http_filters: [
                {
                  name: 'envoy.filters.http.rbac',
                  typed_config: {
                    '@type': TYPE_URLS.httpRbac,
                    rules: {
                      action: 'ALLOW',
                      policies: {
                        'allow-ingress-gateway': {
                          permissions: [{ any: true }],
                          principals: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/osm-system/sa/ingress' } } }],
                        },
                      },
                    },
                  },
                },
                { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URLS.router } },
              ],
            },
          },
        ],
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': TYPE_URLS.downstreamTlsContext,
            common_tls_context: {
              tls_certificate_provider_instance: { instance_name: 'default', certificate_name: 'identity' },
              validation_context: { ca_certificate_provider_instance: { instance_name: 'default', certificate_name: 'root' } },
            },
          },
        },
      },
    ],
  };
}

export function routeConfiguration(): Record<string, unknown> {
  return {
    name: 'rds-outbound-80',
    virtual_hosts: [
      {
        name: 'httpbin.httpbin.svc.cluster.local',
        domains: ['httpbin.httpbin.svc.cluster.local', 'httpbin.httpbin.svc.cluster.local:80', 'httpbin'],
        routes: [
          {
            name: 'canary-by-header',
            match: { prefix: '/api', headers: [{ name: 'x-canary', string_match: { exact: 'yes' } }], case_sensitive: { value: false } },
            route: {
              weighted_clusters: {
                clusters: [
                  { name: 'httpbin/httpbin-v1|80', weight: { value: 90 } },
                  { name: 'httpbin/httpbin-v2|80', weight: { value: 10 } },
                ],
              },
              timeout: { seconds: 15 },
              retry_policy: { retry_on: '5xx,connect-failure', num_retries: { value: 3 }, per_try_timeout: { seconds: 2 } },
            },
          },
          {
            name: 'versioned',
            match: { safe_regex: { regex: '^/v[0-9]+/.*' } },
            route: { cluster: 'httpbin/httpbin|80', prefix_rewrite: '/', cluster_not_found_response_code: 'NOT_FOUND' },
            request_headers_to_add: [{ header: { key: 'x-mesh', value: 'meshgate' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
          },
          { name: 'health', match: { path: '/healthz' }, direct_response: { status: 200, body: { inline_string: 'ok' } } },
          {
            name: 'default',
            match: { prefix: '' },
            route: { cluster: 'httpbin/httpbin|80' },
            typed_per_filter_config: {
              'envoy.filters.http.rbac': {
                '@type': TYPE_URLS.httpRbacPerRoute,
                rbac: { rules: { action: 'DENY', policies: { 'deny-admin': { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: [{ any: true }] } } } },
              },
            },
          },
        ],
      },
    ],
  };
}

export function edsCluster(): Record<string, unknown> {
  return {
    name: 'httpbin/httpbin|80',
    type: 'EDS',
    eds_cluster_config: { eds_config: adsConfigSource(), service_name: 'httpbin/httpbin|80' },
    lb_policy: 'LEAST_REQUEST',
    connect_timeout: { seconds: 1, nanos: 500_000_000 },
    circuit_breakers: { thresholds: [{ priority: 'HIGH', max_connections: { value: 1024 }, max_requests: { value: 4096 } }] },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': TYPE_URLS.httpProtocolOptions,
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': TYPE_URLS.upstreamTlsContext,
        sni: 'httpbin.httpbin.svc.cluster.local',
        common_tls_context: {
          tls_certificate_sds_secret_configs: [{ name: 'service-cert:osm-system/ingress', sds_config: adsConfigSource() }],
        },
      },
    },
  };
}

export function clusterLoadAssignment(): Record<string, unknown> {
  const endpoint = (address: string, weight: number) => ({
    endpoint: { address: { socket_address: { address, port_value: 14001 } } },
    health_status: 'HEALTHY',
    load_balancing_weight: { value: weight },
  });
  return {
    cluster_name: 'httpbin/httpbin|80',
    endpoints: [
      { locality: { zone: 'zone-a' }, load_balancing_weight: { value: 2 }, lb_endpoints: [endpoint('10.0.0.1', 1), endpoint('10.0.0.2', 3)] },
      { locality: { zone: 'zone-b', sub_zone: 'rack-7' }, load_balancing_weight: { value: 1 }, priority: 1, lb_endpoints: [endpoint('10.0.1.1', 1)] },
    ],
    policy: { overprovisioning_factor: { value: 140 } },
  };
}

export const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

export function tlsCertificateSecret(): Record<string, unknown> {
  return {
    name: 'service-cert:httpbin/httpbin',
    tls_certificate: {
      certificate_chain: { inline_string: CA_PEM },
      private_key: { inline_bytes: Buffer.from('not a real key').toString('base64') },
    },
  };
}

export function validationContextSecret(): Record<string, unknown> {
  return {
    name: 'root-cert-for-mtls-inbound:httpbin/httpbin',
    validation_context: {
      trusted_ca: { inline_string: CA_PEM },
      match_typed_subject_alt_names: [
        { san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/osm-system/sa/ingress' } },
        { san_type: 'DNS', matcher: { suffix: '.cluster.local' } },
      ],
    },
  };
}
