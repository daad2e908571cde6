/**
 * Memoised units inside the route compiles (memo.ts): one VirtualService's routes for one
 * scope. A gateway with 1,000 VirtualServices rebuilds only the routes of the one that changed;
 * the rest are reused while what they read (the Services their destinations name, …) holds.
 */
import { objectKey, type ServiceObject, type VirtualServiceObject } from '@meshgate/model';
import { compare } from './diagnostics.js';
import type { CompileIndex } from './meshIndex.js';
import type { UnitOwn, UnitSinks } from './memo.js';
import type { EnvoyRoute, RouteScope } from './routes.js';

const labelKeys = new WeakMap<Record<string, string>, string>();

/** The proxy labels as a key (`sourceLabels` matching reads them), computed once per labels object. */
function labelsKey(labels: Record<string, string>): string {
  let key = labelKeys.get(labels);
  if (key === undefined) {
    key = JSON.stringify(Object.keys(labels).sort(compare).map((name) => [name, labels[name]]));
    labelKeys.set(labels, key);
  }
  return key;
}

/**
 * `translate(vs, scope)` as a unit keyed by everything of the scope it reads: the
 * VirtualService, the port, the gateways it came through, the proxy labels and the client.
 */
export function virtualServiceRoutes(vs: VirtualServiceObject, scope: RouteScope, translate: (vs: VirtualServiceObject, scope: RouteScope) => EnvoyRoute[]): EnvoyRoute[] {
  const gateways = scope.gateways.size === 1 ? scope.gateways.values().next().value : [...scope.gateways].sort(compare).join(',');
  const key = `vs-routes|${scope.client}|${objectKey(vs)}|${scope.port}|${gateways}|${labelsKey(scope.proxyLabels)}`;
  return scope.index.memo.unit(key, [vs], scope, (own) => translate(vs, { ...scope, diagnostics: own.diagnostics, clusters: own.clusters }));
}

/**
 * What one Service contributes to a proxy's compile (its listeners and routes), as a unit keyed by
 * the Service, the proxy labels and the client; `build` reads everything else through the index.
 */
export function serviceUnit<T>(index: CompileIndex, service: ServiceObject, labels: Record<string, string>, client: 'envoy' | 'grpc', sinks: UnitSinks, build: (own: UnitOwn) => T): T {
  const key = `service|${client}|${service.metadata.namespace}/${service.metadata.name}|${labelsKey(labels)}`;
  return index.memo.unit(key, [service], sinks, build);
}
