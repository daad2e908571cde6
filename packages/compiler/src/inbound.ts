/**
 * Envoy sidecars: the inbound side of the workload, as OSM's IngressBackend asks for it. For
 * every workload port an IngressBackend opens (`ingress-backends.ts`), a listener on
 * `0.0.0.0:<port>` whose one filter chain
 * - terminates TLS for `https` backends (own certificate over SDS, client certificate required
 *   and validated against the mesh roots unless `skipClientCertValidation`), and
 * - runs the RBAC filter on the source addresses and principals (denied requests get 403),
 * then sends everything to the workload itself: STATIC cluster `inbound|<port>||` at
 * `127.0.0.1:<port>`.
 *
 * The route is inline in the listener (no RDS): it never changes apart from the listener, and a
 * policy change is then one resource to push. The route has no timeout (Istio's inbound
 * default), so long gRPC streams pass.
 */
import { type ServiceObject } from '@meshgate/model';
import { http2ProtocolOptions, speaksHttp2 } from './clusters.js';
import type { Diagnostics } from './diagnostics.js';
import { HCM_FILTER_NAME, inlineHttpConnectionManager } from './hcm.js';
import { inboundPolicy, type InboundPort } from './ingress-backends.js';
import type { CompileIndex } from './meshIndex.js';
import {
  inboundClusterName,
  inboundListenerName,
  inboundRouteConfigName,
  inboundVirtualHostName,
  INBOUND_LISTEN_ADDRESS,
  LOCAL_WORKLOAD_ADDRESS,
} from './naming.js';
import { rbacFilter } from './rbac.js';
import { envoyMeshTlsSocket, tlsInspector } from './tls.js';
import type { ProxyNode, XdsResource } from './types.js';

export interface InboundOutput {
  listeners: XdsResource[];
  /** STATIC clusters to the workload (no EDS). */
  clusters: XdsResource[];
}

export function compileInbound(index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics): InboundOutput {
  const { ports } = inboundPolicy(index, node, diagnostics);
  return {
    listeners: ports.map((port) => ({ name: inboundListenerName(port.port), resource: inboundListener(port) })),
    clusters: ports.map((port) => ({ name: inboundClusterName(port.port), resource: localCluster(port) })),
  };
}

/** The one route of an inbound listener: everything to the workload, no timeout. */
export function inboundRouteConfig(port: number, route: Record<string, unknown>): Record<string, unknown> {
  return {
    name: inboundRouteConfigName(port),
    virtual_hosts: [{ name: inboundVirtualHostName(port), domains: ['*'], routes: [{ match: { prefix: '/' }, ...route }] }],
  };
}

function inboundListener(port: InboundPort): Record<string, unknown> {
  const name = inboundListenerName(port.port);
  const rbac = rbacFilter(port.policies);
  const routeConfig = inboundRouteConfig(port.port, { route: { cluster: inboundClusterName(port.port), timeout: { seconds: 0, nanos: 0 } } });
  const chain: Record<string, unknown> = {
    name: port.protocol,
    filters: [{ name: HCM_FILTER_NAME, typed_config: inlineHttpConnectionManager(name, routeConfig, rbac ? [rbac] : []) }],
  };
  const sni = port.sniHosts.length > 0;
  if (port.protocol === 'https') {
    if (sni) chain.filter_chain_match = { server_names: port.sniHosts };
    chain.transport_socket = envoyMeshTlsSocket(port.requireClientCertificate);
  }
  return {
    name,
    address: { socket_address: { address: INBOUND_LISTEN_ADDRESS, port_value: port.port } },
    traffic_direction: 'INBOUND',
    // SNI must be read before a filter chain can be chosen by server name.
    ...(sni ? { listener_filters: [tlsInspector()] } : {}),
    filter_chains: [chain],
  };
}

/** The backend Service's port for a workload port: the one targeting it, else the one numbered like it. */
function servicePortFor(service: ServiceObject, port: number) {
  return service.spec.ports.find((p) => p.targetPort === port) ?? service.spec.ports.find((p) => p.port === port);
}

function localCluster(port: InboundPort): Record<string, unknown> {
  const name = inboundClusterName(port.port);
  const servicePort = servicePortFor(port.service, port.port);
  return {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: 10, nanos: 0 },
    lb_policy: 'ROUND_ROBIN',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: LOCAL_WORKLOAD_ADDRESS, port_value: port.port } } } }] }],
    },
    // A gRPC workload is spoken to in HTTP/2, whatever the client spoke to the listener.
    ...(servicePort && speaksHttp2(servicePort) ? { typed_extension_protocol_options: http2ProtocolOptions() } : {}),
  };
}
