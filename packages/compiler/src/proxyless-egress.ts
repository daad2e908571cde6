/**
 * Proxyless gRPC clients and ServiceEntries: for every exact host of a ServiceEntry visible from
 * the client's namespace (`exportTo`), and every port of it that can carry gRPC (GRPC, HTTP2,
 * HTTP, TCP — gRPC is HTTP/2 over TCP; not TLS, HTTPS or MONGO), an API listener and a route
 * configuration named `<host>:<port>`, as for a Service: the client dials
 * `xds:///<host>:<port>`. Mesh VirtualServices for the host replace the default route, as for
 * Services. Resolution NONE is skipped (a gRPC client has no original destination to pass
 * through to), with a warning; wildcard hosts name no target and are skipped silently.
 *
 * Once the ServiceEntry is gone, the listener is gone: the client's call fails (UNAVAILABLE),
 * which is REGISTRY_ONLY in effect — a proxyless client only ever reaches what xDS names.
 */
import { MESH_GATEWAY, objectKey, type ServiceEntryObject } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import type { Diagnostics } from './diagnostics.js';
import { hashPolicyFor } from './destination-rules.js';
import { httpConnectionManager } from './hcm.js';
import { isWildcardHost } from './hosts.js';
import type { CompileIndex } from './meshIndex.js';
import { proxylessListenerName } from './naming.js';
import { translateVirtualService, type EnvoyRoute, type RouteScope } from './routes.js';
import { exportedTo } from './traffic-index.js';
import { virtualServicesForEntryHost } from './traffic-lookups.js';
import type { ProxyNode, XdsResource } from './types.js';

const GRPC_CAPABLE: ReadonlySet<string> = new Set(['GRPC', 'HTTP2', 'HTTP', 'TCP']);
const MESH_ONLY: ReadonlySet<string> = new Set([MESH_GATEWAY]);

/** The route to a cluster when no VirtualService routes the host: everything, hashed when its DestinationRule says so. */
export function defaultRoute(index: CompileIndex, clusters: ClusterRequests, cluster: string): EnvoyRoute {
  const request = clusters.get(cluster);
  const hashPolicy = request && hashPolicyFor(index, request, 'grpc');
  return { match: { prefix: '/' }, route: { cluster, ...(hashPolicy ? { hash_policy: hashPolicy } : {}) } };
}

export function compileProxylessServiceEntries(index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics, clusters: ClusterRequests): { listeners: XdsResource[]; routes: XdsResource[] } {
  const listeners: XdsResource[] = [];
  const routes: XdsResource[] = [];
  const seen = new Set<string>();
  const entries = new Set<ServiceEntryObject>();
  for (const list of [index.serviceEntryHosts]) for (const hit of list.overlapping('*')) entries.add(hit.value);
  for (const entry of entries) {
    if (!exportedTo(entry.spec.exportTo, entry.metadata.namespace, node.namespace)) continue;
    if (entry.spec.resolution === 'NONE') {
      diagnostics.warn(objectKey(entry), 'resolution NONE: proxyless gRPC clients get no listener for it (there is no original destination to pass through to)');
      continue;
    }
    for (const host of entry.spec.hosts) {
      if (isWildcardHost(host)) continue;
      for (const port of entry.spec.ports) {
        if (!GRPC_CAPABLE.has(port.protocol)) continue;
        const name = proxylessListenerName(host, port.number);
        // The oldest entry claiming a host:port serves it (entries are indexed oldest first).
        if (seen.has(name)) continue;
        seen.add(name);
        const scope: RouteScope = { port: port.number, gateways: MESH_ONLY, proxyLabels: node.labels, client: 'grpc', index, diagnostics, clusters };
        let entryRoutes: EnvoyRoute[] = virtualServicesForEntryHost(index, entry, host).flatMap((vs) => translateVirtualService(vs, scope));
        if (entryRoutes.length === 0) entryRoutes = [defaultRoute(index, clusters, clusters.request(host, port.number, '', undefined, entry))];
        routes.push({ name, resource: { name, virtual_hosts: [{ name, domains: [name, host], routes: entryRoutes }] } });
        listeners.push({ name, resource: { name, api_listener: { api_listener: httpConnectionManager(name, name) } } });
      }
    }
  }
  return { listeners, routes };
}
