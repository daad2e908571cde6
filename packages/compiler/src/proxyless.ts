/**
 * Proxyless gRPC clients (`@grpc/grpc-js-xds`): for every TCP Service port an API listener
 * named like the client's target (`xds:///<svc>.<ns>.svc.<domain>:<port>`), and a
 * RouteConfiguration of the same name with one virtual host.
 *
 * By default the virtual host sends everything to the Service's own cluster. Mesh-bound
 * VirtualServices for the host (`gateways` includes `mesh`) replace that default with their
 * routes; a method no route matches then fails with UNAVAILABLE in the client, as it should —
 * no 404 catch-all is added (a gRPC client cannot take a direct_response anyway).
 */
import { findServiceByHost, hostOfService, MESH_GATEWAY, objectKey, qualifyDestinationHost, type ServiceObject, type ServicePort, type VirtualServiceObject } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import type { Diagnostics } from './diagnostics.js';
import { httpConnectionManager } from './hcm.js';
import { isWildcardHost } from './hosts.js';
import { meshVirtualServicesFor, type CompileIndex } from './meshIndex.js';
import { proxylessListenerName } from './naming.js';
import { defaultRoute } from './proxyless-egress.js';
import { translateVirtualService, type EnvoyRoute, type RouteScope } from './routes.js';
import { grouped, serviceUnit, serviceUnitScope, virtualServiceRoutes } from './units.js';
import type { ProxyNode, XdsResource } from './types.js';

const MESH_ONLY: ReadonlySet<string> = new Set([MESH_GATEWAY]);

export interface ProxylessOutput {
  listeners: XdsResource[];
  routes: XdsResource[];
}

/** TCP ports by number, one per number (gRPC runs over TCP only). */
function grpcPorts(service: ServiceObject): ServicePort[] {
  const byNumber = new Map<number, ServicePort>();
  for (const port of service.spec.ports) {
    if (port.protocol === 'TCP' && !byNumber.has(port.port)) byNumber.set(port.port, port);
  }
  return [...byNumber.values()].sort((a, b) => a.port - b.port);
}

export function compileProxyless(index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics, clusters: ClusterRequests): ProxylessOutput {
  const scope = serviceUnitScope(node.labels, 'grpc');
  // One memoised unit per Service (units.ts), in groups: a change rebuilds only the Services it reaches, and walks their group.
  const outputs = grouped(index.memo, `service-group|${scope}`, index.services, (service, inputs) => inputs.push(service), { diagnostics, clusters }, (service, sinks) =>
    serviceUnit(index, service, scope, sinks, (unit) => compileProxylessService(index, node, service, unit.diagnostics, unit.clusters)),
  );
  // Sized once: these lists hold a resource per Service port and are remade on every change.
  let listenerCount = 0;
  let routeCount = 0;
  for (const own of outputs) {
    listenerCount += own.listeners.length;
    routeCount += own.routes.length;
  }
  const listeners: XdsResource[] = new Array<XdsResource>(listenerCount);
  const routes: XdsResource[] = new Array<XdsResource>(routeCount);
  let l = 0;
  let r = 0;
  for (const own of outputs) {
    for (const listener of own.listeners) listeners[l++] = listener;
    for (const route of own.routes) routes[r++] = route;
  }
  reportHostsWithoutService(index, diagnostics);
  return { listeners, routes };
}

/** One Service's listeners and route configurations for a proxyless client. */
function compileProxylessService(index: CompileIndex, node: ProxyNode, service: ServiceObject, diagnostics: Diagnostics, clusters: ClusterRequests): ProxylessOutput {
  const listeners: XdsResource[] = [];
  const routes: XdsResource[] = [];
  {
    const fqdn = hostOfService(service, index.options.clusterDomain);
    const virtualServices = meshVirtualServicesFor(index, fqdn);
    for (const vs of virtualServices) {
      if (vs.spec.tcp || vs.spec.tls) diagnostics.warn(objectKey(vs), 'tcp and tls routes are compiled at gateways only; proxyless gRPC clients use the http routes');
    }
    for (const { port } of grpcPorts(service)) {
      const name = proxylessListenerName(fqdn, port);
      const scope: RouteScope = { port, gateways: MESH_ONLY, proxyLabels: node.labels, client: 'grpc', index, diagnostics, clusters };
      let serviceRoutes: EnvoyRoute[] = virtualServices.flatMap((vs) => virtualServiceRoutes(vs, scope, translateVirtualService));
      // A VirtualService replaces the default only where it routes something on this port.
      if (serviceRoutes.length === 0) {
        serviceRoutes = [defaultRoute(index, clusters, clusters.request(fqdn, port, '', service))];
      }
      routes.push({
        name,
        resource: {
          name,
          // grpc-js matches the target with its port (`host:port`); the bare host is for targets without one.
          virtual_hosts: [{ name, domains: [name, fqdn], routes: serviceRoutes }],
        },
      });
      listeners.push({
        name,
        resource: { name, api_listener: { api_listener: httpConnectionManager(name, name) } },
      });
    }
  }
  return { listeners, routes };
}

const meshHostsUnitKeys = new WeakMap<VirtualServiceObject, string>();

/** The key of a VirtualService's host check, kept with the (immutable) object: asked for each one on every proxyless compile. */
function meshHostsUnitKey(vs: VirtualServiceObject): string {
  let key = meshHostsUnitKeys.get(vs);
  if (key === undefined) meshHostsUnitKeys.set(vs, (key = `mesh-vs-hosts|${objectKey(vs)}`));
  return key;
}

/**
 * A mesh VirtualService none of whose hosts is a Service routes nothing a proxyless client can
 * ask for (listeners exist only for Services). One external host beside a Service host is the
 * common "gateway + mesh" pattern and is not reported.
 */
function reportHostsWithoutService(index: CompileIndex, diagnostics: Diagnostics): void {
  // A unit per VirtualService, in groups: a change to one does not re-check the others' hosts.
  grouped(index.memo, 'mesh-vs-hosts-group', index.virtualServicesByGateway.get(MESH_GATEWAY) ?? [], (vs, inputs) => inputs.push(vs), { diagnostics }, (vs, sinks) =>
    index.memo.unit(meshHostsUnitKey(vs), [vs], sinks, (own) => {
      const hosts = vs.spec.hosts.map((host) => qualifyDestinationHost(host, vs.metadata.namespace, index.options.clusterDomain));
      const reachesAService = hosts.some((host) => isWildcardHost(host) || findServiceByHost(index.state, host, index.options.clusterDomain));
      if (!reachesAService) {
        own.diagnostics.warn(objectKey(vs), `no host of ${hosts.join(', ')} is a known Service; proxyless gRPC clients have no listener for it`);
      }
    }),
  );
}
