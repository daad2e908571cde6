/**
 * The DownstreamTlsContext of a gateway server that terminates TLS, shaped as Istio's
 * `BuildListenerTLSContext` builds it for the same server:
 * - SIMPLE: the credential's certificate over SDS (`kubernetes://NAME`), no client certificate;
 * - MUTUAL: plus a combined validation context whose CA comes over SDS (`kubernetes://NAME-cacert`)
 *   and whose default part checks `subjectAltNames`; a client certificate is required;
 * - ISTIO_MUTUAL: the gateway's mesh identity (`default`) and the mesh roots (`ROOTCA`).
 * `subjectAltNames` check client certificates under MUTUAL and ISTIO_MUTUAL only.
 * `minProtocolVersion`, `maxProtocolVersion` and `cipherSuites` become `tls_params` for SIMPLE
 * and MUTUAL (Istio ignores them for ISTIO_MUTUAL, whose parameters are the mesh's).
 */
import type { GatewayServer } from '@meshgate/model';
import { adsConfigSource } from './clusters.js';
import type { ResolvedCredential } from './credentials.js';
import { IDENTITY_SECRET_NAME, ROOT_CA_SECRET_NAME } from './naming.js';
import { DOWNSTREAM_TLS_CONTEXT_TYPE, TLS_TRANSPORT_SOCKET_NAME } from './tls.js';

export type ServerTls = NonNullable<GatewayServer['tls']>;

/** Istio's ALPN for gateway TLS servers (`util.ALPNHttp`), HTTPS and terminated TCP alike. */
const GATEWAY_ALPN = ['h2', 'http/1.1'];

/** Istio's `TLSV1_2` → Envoy's `TLSv1_2`. */
const ENVOY_TLS_VERSIONS: Record<string, string> = {
  TLS_AUTO: 'TLS_AUTO',
  TLSV1_0: 'TLSv1_0',
  TLSV1_1: 'TLSv1_1',
  TLSV1_2: 'TLSv1_2',
  TLSV1_3: 'TLSv1_3',
};

function sdsSecret(name: string): Record<string, unknown> {
  return { name, sds_config: adsConfigSource() };
}

function exactSans(names: readonly string[] | undefined): Record<string, unknown> {
  return names && names.length > 0 ? { match_subject_alt_names: names.map((exact) => ({ exact })) } : {};
}

function tlsParams(tls: ServerTls): Record<string, unknown> | undefined {
  const params: Record<string, unknown> = {};
  if (tls.minProtocolVersion !== undefined && tls.minProtocolVersion !== 'TLS_AUTO') params.tls_minimum_protocol_version = ENVOY_TLS_VERSIONS[tls.minProtocolVersion];
  if (tls.cipherSuites && tls.cipherSuites.length > 0) params.cipher_suites = [...tls.cipherSuites];
  if (tls.maxProtocolVersion !== undefined && tls.maxProtocolVersion !== 'TLS_AUTO') params.tls_maximum_protocol_version = ENVOY_TLS_VERSIONS[tls.maxProtocolVersion];
  return Object.keys(params).length > 0 ? params : undefined;
}

/**
 * Istio 1.0's mesh certificate files, as its egress gateway examples (seed 003) write a server
 * that takes the sidecars' mutual TLS: `mode: MUTUAL` with the workload certificate, key and
 * mesh root that Istio mounted under `/etc/certs`. That is the mesh identity, which meshgate
 * serves over SDS (`default`, `ROOTCA`), so such a server is ISTIO_MUTUAL (with a warning);
 * other certificate files are not readable by the gateway and stay refused.
 */
const LEGACY_MESH_CERTIFICATE_FILES = { serverCertificate: '/etc/certs/cert-chain.pem', privateKey: '/etc/certs/key.pem', caCertificates: '/etc/certs/root-cert.pem' };

export function isLegacyMeshCertificateFiles(tls: ServerTls): boolean {
  return (
    tls.mode === 'MUTUAL' &&
    tls.credentialName === undefined &&
    tls.serverCertificate === LEGACY_MESH_CERTIFICATE_FILES.serverCertificate &&
    tls.privateKey === LEGACY_MESH_CERTIFICATE_FILES.privateKey &&
    tls.caCertificates === LEGACY_MESH_CERTIFICATE_FILES.caCertificates
  );
}

/**
 * The transport socket for a server in mode SIMPLE, MUTUAL or ISTIO_MUTUAL; `credential` is the
 * resolved `credentialName` (absent for ISTIO_MUTUAL).
 */
export function gatewayServerTlsSocket(tls: ServerTls, credential: ResolvedCredential | undefined): Record<string, unknown> {
  const common: Record<string, unknown> = {};
  let requireClientCertificate = false;
  if (tls.mode === 'ISTIO_MUTUAL') {
    requireClientCertificate = true;
    common.alpn_protocols = GATEWAY_ALPN;
    common.tls_certificate_sds_secret_configs = [sdsSecret(IDENTITY_SECRET_NAME)];
    common.combined_validation_context = {
      default_validation_context: exactSans(tls.subjectAltNames),
      validation_context_sds_secret_config: sdsSecret(ROOT_CA_SECRET_NAME),
    };
  } else {
    const params = tlsParams(tls);
    if (params) common.tls_params = params;
    common.alpn_protocols = GATEWAY_ALPN;
    common.tls_certificate_sds_secret_configs = credential ? [sdsSecret(credential.certificate)] : [];
    if (tls.mode === 'MUTUAL' && credential?.validation !== undefined) {
      requireClientCertificate = true;
      common.combined_validation_context = {
        default_validation_context: exactSans(tls.subjectAltNames),
        validation_context_sds_secret_config: sdsSecret(credential.validation),
      };
    }
    // SIMPLE with subjectAltNames: Istio writes a validation context of SANs alone, which Envoy
    // refuses ("SAN-based verification … without trusted CA is insecure"); the compiler reports
    // the field instead (see gateway-tls-port.ts) and leaves it out.
  }
  return {
    name: TLS_TRANSPORT_SOCKET_NAME,
    typed_config: { '@type': DOWNSTREAM_TLS_CONTEXT_TYPE, common_tls_context: common, require_client_certificate: { value: requireClientCertificate } },
  };
}
