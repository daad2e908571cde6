/**
 * What `meshgate proxy bootstrap` writes, as pure functions:
 * - Envoy: a v3 bootstrap whose only static cluster is meshgate's mTLS xDS port, with the
 *   workload's certificate files as its client certificate and meshgate's SPIFFE ID as the only
 *   server name accepted. It uses no Duration or wrapper field, so its object form (what
 *   @meshgate/envoy-proto checks) and Envoy's proto3 JSON are the same text.
 * - proxyless gRPC: the agent's config, and the grpc-js-xds bootstrap that points at the agent
 *   (insecure, loopback) with the `file_watcher` provider over the agent's files.
 */
import { bootstrapCertificateProviders, certificateFilePaths, upstreamTlsCertificateProviders, type UpstreamTlsFiles } from '@meshgate/xds';
import type { AgentConfig } from './config.js';

export const XDS_CLUSTER = 'meshgate-xds';
export const UPSTREAM_TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
export const HTTP_PROTOCOL_OPTIONS = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
export const SERVER_LISTENER_TEMPLATE = 'grpc/server?xds.resource.listening_address=%s';

export interface ProxyIdentity {
  nodeId: string;
  namespace: string;
  serviceAccount: string;
  trustDomain: string;
  role?: 'sidecar' | 'ingress-gateway' | 'egress-gateway';
  labels?: Record<string, string>;
}

/** `host:port` → its parts (IPv6 in brackets). */
export function splitHostPort(address: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (!match || Number(match[2]) > 65535) throw new Error(`expected host:port, got "${address}"`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export function envoyBootstrap(proxy: ProxyIdentity, xds: { address: string; serverSpiffeId: string; serverName: string }, certificateDir: string): Record<string, unknown> {
  const files = certificateFilePaths(certificateDir);
  const { host, port } = splitHostPort(xds.address);
  const metadata: Record<string, unknown> = { CLIENT: 'envoy', ROLE: proxy.role ?? 'sidecar', NAMESPACE: proxy.namespace, SERVICE_ACCOUNT: proxy.serviceAccount };
  if (proxy.labels) metadata.LABELS = proxy.labels;
  return {
    node: { id: proxy.nodeId, cluster: `${proxy.serviceAccount}.${proxy.namespace}`, metadata },
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }], set_node_on_first_message_only: true },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: XDS_CLUSTER,
          type: 'STRICT_DNS',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': HTTP_PROTOCOL_OPTIONS, explicit_http_config: { http2_protocol_options: {} } },
          },
          load_assignment: {
            cluster_name: XDS_CLUSTER,
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }],
          },
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': UPSTREAM_TLS_CONTEXT,
              sni: xds.serverName,
              common_tls_context: {
                tls_certificates: [{ certificate_chain: { filename: files.certificateFile }, private_key: { filename: files.privateKeyFile } }],
                validation_context: {
                  trusted_ca: { filename: files.caCertificateFile },
                  match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: xds.serverSpiffeId } }],
                },
              },
            },
          },
        },
      ],
    },
  };
}

/**
 * The grpc-js-xds bootstrap of an application behind `meshgate agent` listening on `agentAddress`.
 * `upstreamTls` adds `file_watcher` instances over DestinationRule certificate files (SIMPLE and
 * MUTUAL `caCertificates`, `clientCertificate`, `privateKey`) and lists every instance in the
 * node metadata `CERTIFICATE_PROVIDERS`, so that meshgate only names instances the client has.
 */
export function grpcBootstrap(proxy: ProxyIdentity, agentAddress: string, certificateDir: string, upstreamTls: UpstreamTlsFiles[] = []): Record<string, unknown> {
  const metadata: Record<string, unknown> = { CLIENT: 'grpc', ROLE: proxy.role ?? 'sidecar', NAMESPACE: proxy.namespace, SERVICE_ACCOUNT: proxy.serviceAccount, LABELS: proxy.labels ?? {} };
  const own = bootstrapCertificateProviders(certificateDir);
  const files = upstreamTlsCertificateProviders(upstreamTls);
  if (upstreamTls.length > 0) metadata.CERTIFICATE_PROVIDERS = files.names;
  return {
    xds_servers: [{ server_uri: agentAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: proxy.nodeId, locality: {}, metadata },
    server_listener_resource_name_template: SERVER_LISTENER_TEMPLATE,
    certificate_providers: { ...own.certificate_providers, ...files.providers },
  };
}

/** The agent's config for that application (the join token file beside it). */
export function agentConfig(proxy: ProxyIdentity, options: { xdsAddress: string; xdsServerName: string; caUrl: string; certificateDir: string; listen: string; joinTokenFile: string }): AgentConfig {
  return {
    nodeId: proxy.nodeId,
    namespace: proxy.namespace,
    serviceAccount: proxy.serviceAccount,
    trustDomain: proxy.trustDomain,
    xdsAddress: options.xdsAddress,
    xdsServerName: options.xdsServerName,
    caUrl: options.caUrl,
    certificateDir: options.certificateDir,
    listen: options.listen,
    joinTokenFile: options.joinTokenFile,
  };
}
