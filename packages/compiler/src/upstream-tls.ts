/**
 * Upstream mTLS for proxyless gRPC clients: which clusters are dialled over mesh TLS, and the
 * `UpstreamTlsContext` that tells grpc-js-xds how (its `XdsChannelCredentials` act on it).
 *
 * **When.** A Service port is dialled with TLS exactly when its server takes TLS there: when a
 * committed `https` IngressBackend of that Service, in a monitored namespace, claims the port's
 * workload port (the targetPort; a named targetPort is read from the endpoints' ports). That is
 * the rule that gives an xDS-enabled server its TLS listener (`ingress-backends.ts`,
 * `proxyless-server.ts`), so client and server agree without a second switch to keep in step.
 * Among several IngressBackends of the Service claiming the port, the first by name decides, as
 * it does on the server. An `http` claim, no claim, or an unmonitored namespace (the server gets
 * no listener there at all) leave the cluster plaintext. This rule applies only while no
 * DestinationRule gives the port a `tls` setting; one that does decides instead
 * (`proxyless-tls.ts`), as an explicit DestinationRule overrides Istio's automatic mTLS.
 *
 * **How.** The client's certificate and the trust bundle come from the bootstrap's certificate
 * provider instance `default` (the `file_watcher` files `writeCertificateFiles` writes). The
 * server must present the SPIFFE ID of a service account of a Pod behind the Service (selected
 * by it, or at one of its endpoint addresses): `match_subject_alt_names: [{exact:
 * 'spiffe://<trust-domain>/ns/<ns>/sa/<sa>'}]`. grpc-js compares an exact matcher with DNS and URI
 * SANs alike; the SPIFFE form names one identity and nothing else. grpc-js 1.14 reads only this
 * (deprecated) field, not `match_typed_subject_alt_names`. No `sni`: grpc-js ignores it and sends
 * the target's host name.
 *
 * With no Pod known behind the Service there is no identity to check, and grpc-js-xds with no
 * SAN matcher accepts any certificate its trust bundle signed (it replaces the host name check
 * with the matcher): the cluster admits no calls instead (`proxyless-tls.ts`), with a warning,
 * until the Pods are known.
 */
import { endpointsForService, objectKey, selectorMatches, type PodObject, type ServiceObject, type ServicePort } from '@meshgate/model';
import type { ClusterRequest } from './clusters.js';
import { compare, type Diagnostics } from './diagnostics.js';
import { namespaceMonitored, type CompileIndex } from './meshIndex.js';
import { GRPC_CERTIFICATE_PROVIDER_INSTANCE } from './naming.js';
import { TLS_TRANSPORT_SOCKET_NAME } from './tls.js';

export const UPSTREAM_TLS_CONTEXT_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

/** The SPIFFE ID meshgate's CA writes into a workload certificate (services/ca `identity.ts`). */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * The cluster's `transport_socket` for a proxyless gRPC client, `undefined` when the destination
 * is plaintext, or `'closed'` when it takes TLS but no server identity is known: grpc-js-xds
 * with no SAN matcher accepts any certificate the mesh CA signed, so such a cluster admits no
 * calls (`proxyless-tls.ts`) until the Pods are known.
 */
export function proxylessUpstreamTls(index: CompileIndex, request: ClusterRequest, diagnostics: Diagnostics): Record<string, unknown> | 'closed' | undefined {
  const service = request.service;
  const servicePort = service?.spec.ports.find((port) => port.port === request.port);
  if (!service || !servicePort || !servedWithTls(index, service, servicePort)) return undefined;

  const sans = serverIdentities(index, service, servicePort).map((serviceAccount) => ({
    exact: spiffeId(index.options.trustDomain, service.metadata.namespace, serviceAccount),
  }));
  if (sans.length === 0) {
    diagnostics.warn(
      objectKey(service),
      `port ${request.port} is served with TLS, but no Pod behind the Service is known, so the server's identity cannot be checked (grpc-js would accept any mesh workload); proxyless clients' calls are refused until its Pods are applied`,
    );
    return 'closed';
  }
  const provider = { instance_name: GRPC_CERTIFICATE_PROVIDER_INSTANCE };
  return {
    name: TLS_TRANSPORT_SOCKET_NAME,
    typed_config: {
      '@type': UPSTREAM_TLS_CONTEXT_TYPE,
      common_tls_context: {
        tls_certificate_provider_instance: provider,
        validation_context: { ca_certificate_provider_instance: provider, match_subject_alt_names: sans },
      },
    },
  };
}

/** The SPIFFE IDs of the Pods behind the request's Service port (none for a ServiceEntry or an unknown port). */
export function serviceIdentitySans(index: CompileIndex, request: ClusterRequest): string[] {
  const service = request.service;
  const servicePort = service?.spec.ports.find((port) => port.port === request.port);
  if (!service || !servicePort) return [];
  return serverIdentities(index, service, servicePort).map((serviceAccount) => spiffeId(index.options.trustDomain, service.metadata.namespace, serviceAccount));
}

/** Whether the Service's own IngressBackends make the server behind `servicePort` take TLS (see the module comment). */
function servedWithTls(index: CompileIndex, service: ServiceObject, servicePort: ServicePort): boolean {
  const { namespace, name } = service.metadata;
  if (!namespaceMonitored(index, namespace)) return false;
  const workloadPorts = workloadPortsOf(index, service, servicePort);
  for (const ingressBackend of index.ingressBackendsByNamespace.get(namespace) ?? []) {
    for (const backend of ingressBackend.spec.backends) {
      if (backend.name === name && workloadPorts.has(backend.port.number)) return backend.port.protocol === 'https';
    }
  }
  return false;
}

/** The ports the client dials for a Service port: its numeric targetPort, or for a named one the endpoints' ports. */
function workloadPortsOf(index: CompileIndex, service: ServiceObject, servicePort: ServicePort): Set<number> {
  if (typeof servicePort.targetPort === 'number') return new Set([servicePort.targetPort]);
  return new Set(endpointsForService(index.state, service, servicePort.port, index.slicesByService).map((endpoint) => endpoint.port));
}

/** Service accounts of the Pods behind the Service port: those it selects and those at its endpoint addresses; sorted, unique. */
export function serverIdentities(index: CompileIndex, service: ServiceObject, servicePort: ServicePort): string[] {
  const accounts = new Set<string>();
  for (const pod of podsSelectedBy(index, service)) accounts.add(pod.spec.serviceAccountName);
  for (const endpoint of endpointsForService(index.state, service, servicePort.port, index.slicesByService)) {
    const pod = index.podsByIp.get(endpoint.ip);
    if (pod) accounts.add(pod.spec.serviceAccountName);
  }
  return [...accounts].sort(compare);
}

/** Read through the index (one key per namespace), so a unit depends on that namespace's Pods only. */
function podsSelectedBy(index: CompileIndex, service: ServiceObject): PodObject[] {
  const { selector } = service.spec;
  if (Object.keys(selector).length === 0) return [];
  return (index.podsByNamespace.get(service.metadata.namespace) ?? []).filter((pod) => selectorMatches(selector, pod.metadata.labels));
}
