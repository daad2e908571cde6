/**
 * xDS-enabled gRPC servers (`XdsServer` of @grpc/grpc-js-xds): the server listeners they ask
 * for, one per workload address (node `ips`) and port, named
 * `grpc/server?xds.resource.listening_address=<ip>:<port>`, with `socket_address` equal to that
 * address exactly (grpc-js refuses to serve on a mismatch).
 *
 * - A port an IngressBackend opens gets its policy (`ingress-backends.ts`): TLS from the
 *   bootstrap's certificate provider for `https`, and the RBAC filter on source addresses and
 *   principals (a denied call gets PERMISSION_DENIED).
 * - Every other port a Service selecting the workload targets gets a plain listener — no TLS,
 *   no RBAC — so that the server can start at all (an XdsServer serves nothing until its
 *   listener arrives).
 * - A port claimed by an IngressBackend that cannot be enforced (namespace not monitored) gets
 *   no listener: the server stays closed there rather than open.
 *
 * The route is inline and uses `non_forwarding_action` (a server-side route with a `route`
 * action makes grpc-js fail the call with "Routing error").
 *
 * Address families: grpc-js compares the peer address as the socket reports it. On a listener
 * bound to an IPv4 address only IPv4 CIDRs are kept, on an IPv6 address only IPv6 ones. (A
 * server whose socket is dual-stack sees IPv4 peers as `::ffff:a.b.c.d`, which no IPv4 CIDR
 * matches, and grpc-js cannot parse IPv4-mapped CIDRs; such servers must listen IPv4-only for
 * source-address rules to admit anyone.)
 */
import { isIPv4, objectKey, type ServiceObject, type ServicePort } from '@meshgate/model';
import type { Diagnostics } from './diagnostics.js';
import { HCM_FILTER_NAME, inlineHttpConnectionManager } from './hcm.js';
import { inboundRouteConfig } from './inbound.js';
import { inboundPolicy, serviceSelects, type InboundPort } from './ingress-backends.js';
import type { CompileIndex } from './meshIndex.js';
import { grpcServerListenerName, hostPort } from './naming.js';
import { cidrsOfOtherFamily, rbacFilter } from './rbac.js';
import { grpcServerTlsSocket } from './tls.js';
import type { ProxyNode, XdsResource } from './types.js';

/** What a server port is given: an IngressBackend's policy, or plain (no TLS, no RBAC). */
type ServerPort = { port: number; policy: InboundPort | undefined };

export function compileProxylessServer(index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics): XdsResource[] {
  const policy = inboundPolicy(index, node, diagnostics);
  const ports = new Map<number, ServerPort>();
  for (const inbound of policy.ports) ports.set(inbound.port, { port: inbound.port, policy: inbound });
  for (const service of index.services) {
    if (!serviceSelects(service, node)) continue;
    for (const servicePort of service.spec.ports) {
      if (servicePort.protocol !== 'TCP') continue;
      const port = workloadPort(index, node, service, servicePort, diagnostics);
      if (port === undefined || ports.has(port) || policy.unenforced.has(port)) continue;
      ports.set(port, { port, policy: undefined });
    }
  }
  if (ports.size === 0) return [];
  const ips = [...new Set(node.ips)];
  if (ips.length === 0) {
    // Without its addresses the server's listener names cannot be spelt; an enforced policy is worth a word.
    for (const inbound of policy.ports) {
      for (const source of inbound.policies) diagnostics.warn(`IngressBackend/${source.name}`, `proxyless server ${node.id} states no INSTANCE_IPS; no server listener for port ${inbound.port}`);
    }
    return [];
  }

  const listeners: XdsResource[] = [];
  for (const ip of ips) {
    for (const serverPort of [...ports.values()].sort((a, b) => a.port - b.port)) {
      const name = grpcServerListenerName(ip, serverPort.port);
      listeners.push({ name, resource: serverListener(name, ip, serverPort, diagnostics) });
    }
  }
  return listeners;
}

/**
 * The port the workload listens on for a Service port: its targetPort, or for a named
 * targetPort the container port of that name in the node's Pod (found by its addresses).
 */
function workloadPort(index: CompileIndex, node: ProxyNode, service: ServiceObject, servicePort: ServicePort, diagnostics: Diagnostics): number | undefined {
  const target = servicePort.targetPort;
  if (typeof target === 'number') return target;
  for (const ip of node.ips) {
    const pod = index.podsByIp.get(ip);
    if (pod === undefined || pod.metadata.namespace !== node.namespace) continue;
    for (const container of pod.spec.containers) {
      const found = container.ports.find((port) => port.name === target);
      if (found) return found.containerPort;
    }
  }
  diagnostics.warn(
    objectKey(service),
    `port ${servicePort.port}: targetPort "${target}" names no container port of a Pod at ${node.ips.join(', ') || '(no INSTANCE_IPS)'}; proxyless server ${node.id} gets no listener for it`,
  );
  return undefined;
}

function serverListener(name: string, ip: string, serverPort: ServerPort, diagnostics: Diagnostics): Record<string, unknown> {
  const { port, policy } = serverPort;
  const family = isIPv4(ip) ? 4 : 6;
  const filters: Record<string, unknown>[] = [];
  if (policy) {
    const rbac = rbacFilter(policy.policies, family);
    if (rbac) filters.push(rbac);
    reportOtherFamily(policy, ip, family, diagnostics);
    if (policy.sniHosts.length > 0) {
      for (const source of policy.policies) diagnostics.warn(`IngressBackend/${source.name}`, `port ${port}: tls.sniHosts is not supported by proxyless gRPC servers; ignored on ${hostPort(ip, port)}`);
    }
  }
  const routeConfig = inboundRouteConfig(port, { non_forwarding_action: {} });
  const chain: Record<string, unknown> = {
    name: policy ? `ingress-backend-${policy.protocol}` : 'plaintext',
    filters: [{ name: HCM_FILTER_NAME, typed_config: inlineHttpConnectionManager(name, routeConfig, filters) }],
  };
  if (policy?.protocol === 'https') chain.transport_socket = grpcServerTlsSocket(policy.requireClientCertificate);
  return {
    name,
    address: { socket_address: { address: ip, port_value: port } },
    filter_chains: [chain],
  };
}

function reportOtherFamily(policy: InboundPort, ip: string, family: 4 | 6, diagnostics: Diagnostics): void {
  for (const source of policy.policies) {
    const dropped = cidrsOfOtherFamily([source], family);
    if (dropped.length === 0) continue;
    diagnostics.warn(
      `IngressBackend/${source.name}`,
      `port ${policy.port}: source ${dropped.join(', ')} cannot reach ${hostPort(ip, policy.port)} (another address family); left out there`,
    );
  }
}
