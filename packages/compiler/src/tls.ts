/**
 * Downstream TLS (`envoy.transport_sockets.tls` with a `DownstreamTlsContext`), in the two ways
 * meshgate's peers take certificates:
 * - Envoy over SDS on its ADS stream: its own certificate as secret `default`, the trust bundle
 *   as `ROOTCA` (docs/sds.md); gateway credentials are gateway-tls.ts's;
 * - proxyless gRPC through the bootstrap's certificate provider instance `default` (the
 *   `file_watcher` provider `bootstrapCertificateProviders` writes).
 *
 * When client certificates are not required, `require_client_certificate` is left out rather
 * than set to false, and so is the validation context: grpc-js NACKs `{value: false}` without a
 * validation context (it checks presence, not value), and without a validation context neither
 * peer asks the client for a certificate at all — "skip client certificate validation" taken
 * literally.
 */
import { adsConfigSource } from './clusters.js';
import { GRPC_CERTIFICATE_PROVIDER_INSTANCE, IDENTITY_SECRET_NAME, ROOT_CA_SECRET_NAME } from './naming.js';

export const TLS_TRANSPORT_SOCKET_NAME = 'envoy.transport_sockets.tls';
export const DOWNSTREAM_TLS_CONTEXT_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
export const TLS_INSPECTOR_FILTER_NAME = 'envoy.filters.listener.tls_inspector';
export const TLS_INSPECTOR_TYPE = 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';

/** HTTP/2 first, so that gRPC clients (nginx `grpc_pass grpcs://`) negotiate it; HTTP/1.1 for the rest. */
const ENVOY_ALPN = ['h2', 'http/1.1'];

function sdsSecret(name: string): Record<string, unknown> {
  return { name, sds_config: adsConfigSource() };
}

function transportSocket(downstreamTlsContext: Record<string, unknown>): Record<string, unknown> {
  return { name: TLS_TRANSPORT_SOCKET_NAME, typed_config: { '@type': DOWNSTREAM_TLS_CONTEXT_TYPE, ...downstreamTlsContext } };
}

/** Envoy terminating mesh mTLS (or TLS only): its own certificate; the mesh roots validate a required client certificate. */
export function envoyMeshTlsSocket(requireClientCertificate: boolean): Record<string, unknown> {
  return transportSocket({
    common_tls_context: {
      alpn_protocols: ENVOY_ALPN,
      tls_certificate_sds_secret_configs: [sdsSecret(IDENTITY_SECRET_NAME)],
      ...(requireClientCertificate ? { validation_context_sds_secret_config: sdsSecret(ROOT_CA_SECRET_NAME) } : {}),
    },
    ...(requireClientCertificate ? { require_client_certificate: { value: true } } : {}),
  });
}

/** A proxyless gRPC server terminating TLS with the bootstrap's certificate provider. */
export function grpcServerTlsSocket(requireClientCertificate: boolean): Record<string, unknown> {
  const provider = { instance_name: GRPC_CERTIFICATE_PROVIDER_INSTANCE };
  return transportSocket({
    common_tls_context: {
      tls_certificate_provider_instance: provider,
      ...(requireClientCertificate ? { validation_context: { ca_certificate_provider_instance: provider } } : {}),
    },
    ...(requireClientCertificate ? { require_client_certificate: { value: true } } : {}),
  });
}

/** The listener filter Envoy needs to read SNI before choosing a filter chain by `server_names`. */
export function tlsInspector(): Record<string, unknown> {
  return { name: TLS_INSPECTOR_FILTER_NAME, typed_config: { '@type': TLS_INSPECTOR_TYPE } };
}
