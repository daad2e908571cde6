/**
 * DestinationRule `trafficPolicy.tls` for proxyless gRPC clients: what grpc-js-xds 1.14 can do
 * with it, through certificate provider instances of its bootstrap (it speaks no SDS and reads
 * no file paths from a cluster).
 *
 * | DestinationRule tls              | proxyless cluster                                                        |
 * | -------------------------------- | ------------------------------------------------------------------------ |
 * | (none)                           | mesh mTLS when an `https` IngressBackend claims the port (`upstream-tls.ts`) |
 * |                                  | (no Pod known behind the Service: admits no calls)                       |
 * | DISABLE                          | plaintext                                                                |
 * | ISTIO_MUTUAL                     | identity and trust bundle from instance `default` (the agent's files)     |
 * | SIMPLE + caCertificates          | trust bundle from instance `file:ca=<path>`                              |
 * | MUTUAL + files                   | that, and identity from `file:cert=<path>;key=<path>`                    |
 * | credentialName                   | cannot be delivered: the cluster admits no call, with a warning          |
 * | SIMPLE/MUTUAL without caCertificates | grpc-js cannot verify without a provider: admits no call, with a warning |
 * | subjectAltNames                  | `match_subject_alt_names` exact (grpc-js matches DNS, URI, email, IP SANs) |
 * | sni                              | ignored by grpc-js (it sends the target's host): warning when it differs  |
 * | insecureSkipVerify               | grpc-js always verifies: warning                                         |
 *
 * **Server identity.** grpc-js-xds replaces the host name check with the SAN matchers, and with
 * none it accepts any certificate its trust bundle signs. So a SAN list is always written: the
 * rule's `subjectAltNames`, else the ServiceEntry's `subjectAltNames`, else for ISTIO_MUTUAL the
 * SPIFFE IDs of the Pods behind a Service, else for SIMPLE/MUTUAL the `sni` or the host itself
 * (what Istio's VERIFY_CERTIFICATE_AT_CLIENT checks). An ISTIO_MUTUAL cluster with no identity
 * to check admits no call rather than trusting every workload of the mesh.
 *
 * **Instances the client has.** grpc-js NACKs a cluster naming an instance its bootstrap lacks.
 * The node lists its instances in the metadata `CERTIFICATE_PROVIDERS` (`ProxyNode
 * .certificateProviders`; `default` only when absent); a rule needing another one gets a
 * cluster that admits no call (`circuit_breakers` `max_requests: 0`, which gRPC honours by
 * failing every call UNAVAILABLE — gRFC A32) and a warning naming the missing instance. Closed,
 * never plaintext, never a NACK.
 */
import { objectKey, type ClientTlsSettings } from '@meshgate/model';
import type { ClusterRequest } from './clusters.js';
import { compare, type Diagnostics } from './diagnostics.js';
import { policyForRequest } from './destination-rules.js';
import type { CompileIndex } from './meshIndex.js';
import { caFileProviderInstance, GRPC_CERTIFICATE_PROVIDER_INSTANCE, identityFileProviderInstance } from './naming.js';
import { buildOutboundCluster } from './outbound-clusters.js';
import { TLS_TRANSPORT_SOCKET_NAME } from './tls.js';
import type { ProxyNode } from './types.js';
import { proxylessUpstreamTls, serviceIdentitySans, UPSTREAM_TLS_CONTEXT_TYPE } from './upstream-tls.js';

/** The instances a proxyless node's bootstrap defines, sorted and unique (`default` when it does not say). */
export function certificateProvidersOf(node: ProxyNode): string[] {
  return [...new Set(node.certificateProviders ?? [GRPC_CERTIFICATE_PROVIDER_INSTANCE])].sort(compare);
}

/** What a cluster gets: a transport socket, or nothing (plaintext), or no calls at all. */
type ClusterTls = { kind: 'plaintext' } | { kind: 'tls'; transportSocket: Record<string, unknown> } | { kind: 'closed' };

const PLAINTEXT: ClusterTls = { kind: 'plaintext' };
const CLOSED: ClusterTls = { kind: 'closed' };

/** A proxyless client's cluster for a request, its TLS decided by the DestinationRule (or the IngressBackends without one). */
export function proxylessCluster(index: CompileIndex, request: ClusterRequest, providers: readonly string[], diagnostics: Diagnostics): Record<string, unknown> {
  const tls = clusterTls(index, request, new Set(providers), diagnostics);
  const cluster = buildOutboundCluster(index, request, 'grpc', diagnostics, tls.kind === 'tls' ? tls.transportSocket : undefined);
  if (tls.kind === 'closed') return { ...cluster, circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_requests: { value: 0 } }] } };
  return cluster;
}

function clusterTls(index: CompileIndex, request: ClusterRequest, providers: ReadonlySet<string>, diagnostics: Diagnostics): ClusterTls {
  const { rule, policy } = policyForRequest(index, request);
  const tls = policy.tls;
  if (!rule || !tls) {
    const socket = proxylessUpstreamTls(index, request, diagnostics);
    if (socket === 'closed') return CLOSED;
    return socket ? { kind: 'tls', transportSocket: socket } : PLAINTEXT;
  }
  if (tls.mode === 'DISABLE') return PLAINTEXT;
  const warn = (message: string) => diagnostics.warn(objectKey(rule), `${request.name}: ${message}`);
  if (tls.sni !== undefined && tls.sni !== request.host) warn(`tls.sni "${tls.sni}" is not sent by proxyless gRPC clients (they send the target's host, ${request.host}); it is checked as the server's name instead`);
  if (tls.insecureSkipVerify === true) warn('tls.insecureSkipVerify is not possible for proxyless gRPC clients (grpc-js always verifies the server); the server is verified');

  if (tls.mode === 'ISTIO_MUTUAL') {
    const sans = serverSans(index, request, tls, []);
    if (sans.length === 0) {
      warn('ISTIO_MUTUAL: no server identity is known (no subjectAltNames and no Pod behind the host), and grpc-js would accept any mesh workload; the cluster admits no calls');
      return CLOSED;
    }
    return tlsSocket(GRPC_CERTIFICATE_PROVIDER_INSTANCE, GRPC_CERTIFICATE_PROVIDER_INSTANCE, sans, providers, warn);
  }

  if (tls.credentialName !== undefined) {
    warn(`tls.credentialName "${tls.credentialName}" cannot reach a proxyless gRPC client (grpc-js-xds takes certificates from its bootstrap's file providers only; give caCertificates/clientCertificate/privateKey); the cluster admits no calls`);
    return CLOSED;
  }
  if (tls.caCertificates === undefined) {
    warn(`${tls.mode} without caCertificates: a proxyless gRPC client verifies servers only through a certificate provider; the cluster admits no calls`);
    return CLOSED;
  }
  const identity = tls.mode === 'MUTUAL' && tls.clientCertificate !== undefined && tls.privateKey !== undefined ? identityFileProviderInstance(tls.clientCertificate, tls.privateKey) : undefined;
  if (tls.mode === 'SIMPLE' && (tls.clientCertificate !== undefined || tls.privateKey !== undefined)) warn('mode SIMPLE presents no client certificate; clientCertificate and privateKey are not used');
  return tlsSocket(caFileProviderInstance(tls.caCertificates), identity, serverSans(index, request, tls, [tls.sni ?? request.host]), providers, warn);
}

/** The rule's SANs, else the ServiceEntry's, else (ISTIO_MUTUAL) the Service's workload identities, else `fallback`. Sorted, unique. */
function serverSans(index: CompileIndex, request: ClusterRequest, tls: ClientTlsSettings, fallback: string[]): string[] {
  for (const candidate of [tls.subjectAltNames, request.serviceEntry?.spec.subjectAltNames ?? [], tls.mode === 'ISTIO_MUTUAL' ? serviceIdentitySans(index, request) : [], fallback]) {
    if (candidate.length > 0) return [...new Set(candidate)].sort(compare);
  }
  return [];
}

function tlsSocket(caInstance: string, identityInstance: string | undefined, sans: string[], providers: ReadonlySet<string>, warn: (message: string) => void): ClusterTls {
  const missing = [caInstance, ...(identityInstance ? [identityInstance] : [])].filter((instance) => !providers.has(instance));
  if (missing.length > 0) {
    warn(`the client's bootstrap defines no certificate provider ${[...new Set(missing)].map((name) => `"${name}"`).join(', ')} (node metadata CERTIFICATE_PROVIDERS lists ${[...providers].join(', ') || 'none'}); the cluster admits no calls until it does`);
    return CLOSED;
  }
  return {
    kind: 'tls',
    transportSocket: {
      name: TLS_TRANSPORT_SOCKET_NAME,
      typed_config: {
        '@type': UPSTREAM_TLS_CONTEXT_TYPE,
        common_tls_context: {
          ...(identityInstance ? { tls_certificate_provider_instance: { instance_name: identityInstance } } : {}),
          validation_context: {
            ca_certificate_provider_instance: { instance_name: caInstance },
            match_subject_alt_names: sans.map((san) => ({ exact: san })),
          },
        },
      },
    },
  };
}
