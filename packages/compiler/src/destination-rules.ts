/**
 * DestinationRule traffic policy → Cluster fields, per client.
 *
 * | DestinationRule                         | Envoy                                   | proxyless gRPC (grpc-js-xds 1.14)      |
 * | --------------------------------------- | --------------------------------------- | -------------------------------------- |
 * | loadBalancer.simple ROUND_ROBIN         | ROUND_ROBIN                             | ROUND_ROBIN                            |
 * | LEAST_REQUEST / LEAST_CONN, RANDOM       | LEAST_REQUEST, RANDOM                   | not supported: ROUND_ROBIN + warning   |
 * | PASSTHROUGH                             | ORIGINAL_DST cluster (`outbound-clusters.ts`) | not supported: warning            |
 * | consistentHash                          | RING_HASH + route hash_policy           | RING_HASH (XX_HASH) + header hash_policy |
 * | connectionPool                          | circuit_breakers, connect_timeout, …    | circuit_breakers.max_requests only     |
 * | outlierDetection                        | outlier_detection                       | outlier_detection                      |
 */
import { objectKey, type DestinationRuleObject } from '@meshgate/model';
import type { ClusterRequest } from './clusters.js';
import type { Diagnostics } from './diagnostics.js';
import { parseGoDuration, type ProtoDuration } from './duration.js';
import { destinationIdentities } from './destination-identities.js';
import type { CompileIndex } from './meshIndex.js';
import { destinationRuleFor, effectivePolicy, type EffectivePolicy } from './traffic-lookups.js';

/** Envoy's default minimum ring size; Istio's default is 1024 too. */
const DEFAULT_RING_SIZE = 1024;

function duration(text: string | undefined): ProtoDuration | undefined {
  return text === undefined ? undefined : parseGoDuration(text);
}

function lbFields(policy: EffectivePolicy, client: 'envoy' | 'grpc', warn: (message: string) => void): Record<string, unknown> {
  const lb = policy.loadBalancer;
  if (!lb) return {};
  if (lb.consistentHash) {
    const ringSize = lb.consistentHash.minimumRingSize ?? DEFAULT_RING_SIZE;
    return { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: ringSize }, hash_function: 'XX_HASH' } };
  }
  switch (lb.simple) {
    case 'LEAST_CONN':
    case 'LEAST_REQUEST':
      if (client === 'grpc') warn('loadBalancer LEAST_REQUEST is not supported by proxyless gRPC; ROUND_ROBIN is used');
      return client === 'grpc' ? {} : { lb_policy: 'LEAST_REQUEST' };
    case 'RANDOM':
      if (client === 'grpc') warn('loadBalancer RANDOM is not supported by proxyless gRPC; ROUND_ROBIN is used');
      return client === 'grpc' ? {} : { lb_policy: 'RANDOM' };
    case 'PASSTHROUGH':
      warn('loadBalancer PASSTHROUGH is only honoured for ServiceEntries with resolution NONE; ROUND_ROBIN is used');
      return {};
    default:
      return {};
  }
}

function circuitBreakers(policy: EffectivePolicy, client: 'envoy' | 'grpc', warn: (message: string) => void): Record<string, unknown> {
  const pool = policy.connectionPool;
  if (!pool) return {};
  const threshold: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {};
  if (client === 'grpc') {
    // gRFC A32: gRPC reads max_requests only, as its limit of concurrent calls.
    if (pool.http?.http2MaxRequests !== undefined) threshold.max_requests = { value: pool.http.http2MaxRequests };
    if (pool.tcp !== undefined || Object.keys(pool.http ?? {}).some((key) => key !== 'http2MaxRequests')) {
      warn('connectionPool: proxyless gRPC honours http.http2MaxRequests only; the other settings are ignored');
    }
  } else {
    if (pool.tcp?.maxConnections !== undefined) threshold.max_connections = { value: pool.tcp.maxConnections };
    if (pool.http?.http1MaxPendingRequests !== undefined) threshold.max_pending_requests = { value: pool.http.http1MaxPendingRequests };
    if (pool.http?.http2MaxRequests !== undefined) threshold.max_requests = { value: pool.http.http2MaxRequests };
    if (pool.http?.maxRetries !== undefined) threshold.max_retries = { value: pool.http.maxRetries };
    const connectTimeout = duration(pool.tcp?.connectTimeout);
    if (connectTimeout) fields.connect_timeout = connectTimeout;
    const keepalive = pool.tcp?.tcpKeepalive;
    if (keepalive) {
      const time = duration(keepalive.time);
      const interval = duration(keepalive.interval);
      fields.upstream_connection_options = {
        tcp_keepalive: {
          ...(keepalive.probes !== undefined ? { keepalive_probes: { value: keepalive.probes } } : {}),
          ...(time ? { keepalive_time: { value: time.seconds } } : {}),
          ...(interval ? { keepalive_interval: { value: interval.seconds } } : {}),
        },
      };
    }
    const idle = duration(pool.http?.idleTimeout);
    const maxDuration = duration(pool.tcp?.maxConnectionDuration);
    const perConnection = pool.http?.maxRequestsPerConnection;
    if (idle || maxDuration || perConnection !== undefined) {
      fields.common_http_protocol_options = {
        ...(idle ? { idle_timeout: idle } : {}),
        ...(maxDuration ? { max_connection_duration: maxDuration } : {}),
        ...(perConnection !== undefined ? { max_requests_per_connection: { value: perConnection } } : {}),
      };
    }
    if (pool.http?.maxConcurrentStreams !== undefined) warn('connectionPool.http.maxConcurrentStreams is not applied yet');
  }
  if (Object.keys(threshold).length > 0) fields.circuit_breakers = { thresholds: [{ priority: 'DEFAULT', ...threshold }] };
  return fields;
}

function outlierDetection(policy: EffectivePolicy): Record<string, unknown> {
  const outlier = policy.outlierDetection;
  if (!outlier) return {};
  const interval = duration(outlier.interval);
  const baseEjection = duration(outlier.baseEjectionTime);
  return {
    outlier_detection: {
      ...(outlier.consecutive5xxErrors !== undefined ? { consecutive_5xx: { value: outlier.consecutive5xxErrors } } : {}),
      ...(outlier.consecutiveGatewayErrors !== undefined ? { consecutive_gateway_failure: { value: outlier.consecutiveGatewayErrors }, enforcing_consecutive_gateway_failure: { value: 100 } } : {}),
      ...(interval ? { interval } : {}),
      ...(baseEjection ? { base_ejection_time: baseEjection } : {}),
      ...(outlier.maxEjectionPercent !== undefined ? { max_ejection_percent: { value: outlier.maxEjectionPercent } } : {}),
    },
  };
}

/** The DestinationRule (if any) and its policy for one cluster request. */
export function policyForRequest(index: CompileIndex, request: ClusterRequest): { rule: DestinationRuleObject | undefined; policy: EffectivePolicy } {
  const rule = destinationRuleFor(index, request.host, request.serviceEntry?.metadata.namespace);
  return { rule, policy: effectivePolicy(rule, request.port, request.subset) };
}

/** Cluster fields from the DestinationRule of the request's host (none when it has no rule). */
export function destinationRuleClusterFields(index: CompileIndex, request: ClusterRequest, client: 'envoy' | 'grpc', diagnostics: Diagnostics): Record<string, unknown> {
  const { rule, policy } = policyForRequest(index, request);
  if (!rule) return {};
  const warn = (message: string) => diagnostics.warn(objectKey(rule), `${request.name}: ${message}`);
  if (policy.outlierDetection?.minHealthPercent !== undefined) warn('outlierDetection.minHealthPercent is not applied yet');
  return { ...lbFields(policy, client, warn), ...circuitBreakers(policy, client, warn), ...outlierDetection(policy) };
}

/** A route's `hash_policy` for a consistentHash rule, or undefined. gRPC hashes on headers only. */
export function hashPolicyFor(index: CompileIndex, request: ClusterRequest, client: 'envoy' | 'grpc'): Record<string, unknown>[] | undefined {
  const hash = policyForRequest(index, request).policy.loadBalancer?.consistentHash;
  if (!hash) return undefined;
  if (hash.httpHeaderName !== undefined) return [{ header: { header_name: hash.httpHeaderName } }];
  if (client === 'grpc') return undefined;
  if (hash.httpCookie) {
    const ttl = duration(hash.httpCookie.ttl);
    return [{ cookie: { name: hash.httpCookie.name, ...(hash.httpCookie.path !== undefined ? { path: hash.httpCookie.path } : {}), ...(ttl ? { ttl } : {}) } }];
  }
  if (hash.useSourceIp) return [{ connection_properties: { source_ip: true } }];
  if (hash.httpQueryParameterName !== undefined) return [{ query_parameter: { name: hash.httpQueryParameterName } }];
  return undefined;
}

const UPSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

function sds(name: string): Record<string, unknown> {
  return { name, sds_config: { ads: {}, resource_api_version: 'V3' } };
}

/**
 * Envoy's upstream TLS for a DestinationRule `tls` (none for DISABLE or no rule):
 * ISTIO_MUTUAL presents the sidecar's own certificate (SDS `default`) and validates with the
 * mesh roots (`ROOTCA`); SIMPLE and MUTUAL use the files or, with `credentialName`, the SDS
 * secrets `kubernetes://<name>` (client certificate) and `kubernetes://<name>-cacert` (CA), Istio's
 * convention. `subjectAltNames` become exact SAN matchers; `sni` is sent as written.
 */
export function envoyUpstreamTls(index: CompileIndex, request: ClusterRequest): Record<string, unknown> | undefined {
  const tls = policyForRequest(index, request).policy.tls;
  if (!tls || tls.mode === 'DISABLE') return undefined;
  const sanMatchers = tls.subjectAltNames.length > 0 ? { match_typed_subject_alt_names: tls.subjectAltNames.flatMap((san) => ['DNS', 'URI'].map((sanType) => ({ san_type: sanType, matcher: { exact: san } }))) } : {};
  const common: Record<string, unknown> = {};
  if (tls.mode === 'ISTIO_MUTUAL') {
    // No subjectAltNames: the destination's own identities, as Istio does (`destination-identities.ts`).
    const identities = tls.subjectAltNames.length > 0 ? [] : destinationIdentities(index, request);
    const meshSans = identities.length > 0 ? { match_typed_subject_alt_names: identities.map((san) => ({ san_type: 'URI', matcher: { exact: san } })) } : sanMatchers;
    common.tls_certificate_sds_secret_configs = [sds('default')];
    common.combined_validation_context = { default_validation_context: meshSans, validation_context_sds_secret_config: sds('ROOTCA') };
    common.alpn_protocols = ['istio'];
  } else {
    if (tls.mode === 'MUTUAL') {
      if (tls.credentialName !== undefined) common.tls_certificate_sds_secret_configs = [sds(`kubernetes://${tls.credentialName}`)];
      else common.tls_certificates = [{ certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } }];
    }
    if (tls.insecureSkipVerify !== true) {
      if (tls.credentialName !== undefined) common.combined_validation_context = { default_validation_context: sanMatchers, validation_context_sds_secret_config: sds(`kubernetes://${tls.credentialName}-cacert`) };
      else if (tls.caCertificates !== undefined) common.validation_context = { trusted_ca: { filename: tls.caCertificates }, ...sanMatchers };
    }
  }
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': UPSTREAM_TLS_TYPE, common_tls_context: common, ...(tls.sni !== undefined ? { sni: tls.sni } : {}) },
  };
}
