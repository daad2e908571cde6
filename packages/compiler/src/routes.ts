/**
 * Istio HTTPRoutes → Envoy routes. Shared by gateways (Envoy) and proxyless gRPC clients; the
 * differences (what a gRPC client cannot do) are spelt out where they apply.
 *
 * One Envoy route per match entry, because Istio's `match` list means OR while an Envoy route
 * has a single match; the entries keep their order so the first match wins as in Istio.
 */
import { findServiceByHost, objectKey, type Destination, type HTTPRoute, type VirtualServiceObject } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import type { Diagnostics } from './diagnostics.js';
import { parseGoDuration, type ProtoDuration } from './duration.js';
import { matchApplies, translateMatch, type EnvoyRouteMatch, type MatchScope } from './match.js';
import { hashPolicyFor } from './destination-rules.js';
import type { CompileIndex } from './meshIndex.js';
import { destinationRuleFor, serviceEntryFor, subsetOf, writtenEntryHost } from './traffic-lookups.js';

export type EnvoyRoute = { name?: string; match: EnvoyRouteMatch } & Record<string, unknown>;

export interface RouteScope extends MatchScope {
  client: 'envoy' | 'grpc';
  index: CompileIndex;
  diagnostics: Diagnostics;
  clusters: ClusterRequests;
}

/** Envoy's RedirectResponseCode names; Istio's default redirect is 301. */
const REDIRECT_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** The routes a VirtualService contributes on this listener, in its order. */
export function translateVirtualService(vs: VirtualServiceObject, scope: RouteScope): EnvoyRoute[] {
  const routes: EnvoyRoute[] = [];
  vs.spec.http.forEach((route, position) => routes.push(...translateHttpRoute(vs, route, position, scope)));
  return routes;
}

function describe(route: HTTPRoute, position: number): string {
  return route.name ? `http[${position}] (${route.name})` : `http[${position}]`;
}

function translateHttpRoute(vs: VirtualServiceObject, route: HTTPRoute, position: number, scope: RouteScope): EnvoyRoute[] {
  // An empty match list matches everything; a non-empty one whose entries all belong to other
  // ports, gateways or workloads contributes nothing here (it must not become match-all).
  const matches = route.match.length === 0 ? [undefined] : route.match.filter((match) => matchApplies(match, scope));
  if (matches.length === 0) return [];

  const action = routeAction(vs, route, describe(route, position), scope);
  if (action === undefined) return [];
  return matches.map((match, i) => {
    const name = routeName(route.name, match?.name);
    // Each Envoy route owns its objects, so that a consumer editing one cannot change another.
    const envoyRoute: EnvoyRoute = name ? { name, match: translateMatch(match) } : { match: translateMatch(match) };
    return Object.assign(envoyRoute, i === 0 ? action : structuredClone(action));
  });
}

/** `route.match.name` joined by a dot, either part left out when empty. */
function routeName(routeName: string | undefined, matchName: string | undefined): string {
  if (!routeName) return matchName ?? '';
  return matchName ? `${routeName}.${matchName}` : routeName;
}

/** The action part of the routes (`route`, `redirect` or `direct_response`), or undefined when the route is skipped. */
function routeAction(vs: VirtualServiceObject, route: HTTPRoute, where: string, scope: RouteScope): Record<string, unknown> | undefined {
  const object = objectKey(vs);
  const { diagnostics, client } = scope;
  if (route.fault) diagnostics.warn(object, `${where}: fault injection is not supported yet; ignored`);
  if (route.headers !== undefined) diagnostics.warn(object, `${where}: header manipulation is not supported yet; ignored`);

  if (route.directResponse || route.redirect) {
    if (client === 'grpc') {
      // grpc-js rejects (NACKs) a whole RouteConfiguration holding any action but `route`.
      diagnostics.warn(object, `${where}: redirect and directResponse do not apply to proxyless gRPC clients; route skipped`);
      return undefined;
    }
    if (route.directResponse) {
      const { status, body } = route.directResponse;
      return { direct_response: { status, ...(body !== undefined ? { body: { inline_string: body } } : {}) } };
    }
    return redirectAction(route.redirect ?? {}, object, where, diagnostics);
  }

  const destinations = route.route.length > 1 ? route.route.filter((d) => d.weight > 0) : route.route;
  if (destinations.length === 0) {
    diagnostics.error(object, `${where}: no destination with a weight above 0; route skipped`);
    return undefined;
  }
  const clusters: { name: string; weight: number }[] = [];
  for (const { destination, weight } of destinations) {
    const cluster = resolveCluster(destination, object, where, scope);
    if (cluster === undefined) return undefined;
    clusters.push({ name: cluster, weight });
  }

  const action: Record<string, unknown> =
    clusters.length === 1
      ? { cluster: clusters[0].name }
      : { weighted_clusters: { clusters: clusters.map((c) => ({ name: c.name, weight: { value: c.weight } })) } };
  Object.assign(action, routeOptions(route, object, where, scope));
  const hashPolicy = clusters.length === 1 ? hashPolicyOf(scope, clusters[0].name) : undefined;
  if (hashPolicy) action.hash_policy = hashPolicy;
  return { route: action };
}

function redirectAction(
  redirect: NonNullable<HTTPRoute['redirect']>,
  object: string,
  where: string,
  diagnostics: Diagnostics,
): Record<string, unknown> {
  const code = redirect.redirectCode ?? 301;
  const responseCode = REDIRECT_CODES[code];
  if (responseCode === undefined) diagnostics.warn(object, `${where}: redirect code ${code} is not one Envoy supports; using 301`);
  return {
    redirect: {
      ...(redirect.scheme !== undefined ? { scheme_redirect: redirect.scheme } : {}),
      ...(redirect.authority !== undefined ? { host_redirect: redirect.authority } : {}),
      ...(redirect.port !== undefined ? { port_redirect: redirect.port } : {}),
      ...(redirect.uri !== undefined ? { path_redirect: redirect.uri } : {}),
      response_code: responseCode ?? REDIRECT_CODES[301],
    },
  };
}

/** Timeout, retries and rewrites of a forwarding route. */
function routeOptions(route: HTTPRoute, object: string, where: string, scope: RouteScope): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const timeout = route.timeout === undefined ? undefined : duration(route.timeout, `${where}: timeout`, object, scope);
  if (timeout) {
    // gRPC ignores `timeout` (gRFC A31): it reads the per-call limit from max_stream_duration.
    if (scope.client === 'grpc') options.max_stream_duration = { max_stream_duration: timeout };
    else options.timeout = timeout;
  }
  const retries = route.retries;
  if (retries && retries.attempts > 0) {
    const perTry = retries.perTryTimeout === undefined ? undefined : duration(retries.perTryTimeout, `${where}: retries.perTryTimeout`, object, scope);
    options.retry_policy = {
      retry_on: retries.retryOn ?? 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      num_retries: { value: retries.attempts },
      ...(perTry ? { per_try_timeout: perTry } : {}),
    };
  }
  if (route.rewrite) {
    if (scope.client === 'grpc') {
      scope.diagnostics.warn(object, `${where}: rewrite does not apply to proxyless gRPC clients; ignored`);
    } else {
      if (route.rewrite.uri !== undefined) options.prefix_rewrite = route.rewrite.uri;
      if (route.rewrite.authority !== undefined) options.host_rewrite_literal = route.rewrite.authority;
    }
  }
  return options;
}

/** The route's hash_policy when the one cluster it sends to has a consistentHash DestinationRule. */
function hashPolicyOf(scope: RouteScope, clusterName: string): Record<string, unknown>[] | undefined {
  const request = scope.clusters.get(clusterName);
  return request && hashPolicyFor(scope.index, request, scope.client);
}

function duration(text: string, what: string, object: string, scope: RouteScope): ProtoDuration | undefined {
  const parsed = parseGoDuration(text);
  if (parsed === undefined) scope.diagnostics.warn(object, `${what} ${JSON.stringify(text)} is not a duration such as "5s" or "100ms"; ignored`);
  return parsed;
}

/**
 * The cluster a destination names. Its port is the destination's, else the Service's only port;
 * a proxyless client may also fall back to the port it is calling (Istio's sidecar rule).
 * Unknown hosts, missing ports and subsets still get a cluster — empty, so requests fail with
 * 503 as they do in Istio — and a warning; only a port that cannot be decided skips the route.
 */
export function resolveCluster(destination: Destination, object: string, where: string, scope: RouteScope): string | undefined {
  const { subset } = destination;
  const service = findServiceByHost(scope.index.state, destination.host, scope.index.options.clusterDomain);
  const entry = service ? undefined : serviceEntryFor(scope.index, destination.host);
  // A ServiceEntry host keeps its written spelling in the cluster name (`outbound|80||httpbin.org`).
  const host = entry ? writtenEntryHost(scope.index, entry, destination.host) : destination.host;
  const ports = service ? service.spec.ports.map((p) => p.port) : (entry?.spec.ports.map((p) => p.number) ?? []);
  let port = destination.port?.number;
  if (port === undefined && (service || entry)) {
    if (ports.length === 1) port = ports[0];
    else if (scope.client === 'grpc' && ports.includes(scope.port)) port = scope.port;
  }
  if (port === undefined) {
    const owner = service ? `Service ${service.metadata.namespace}/${service.metadata.name}` : entry ? `ServiceEntry ${entry.metadata.namespace}/${entry.metadata.name}` : undefined;
    const why = owner ? `${owner} has several ports (${ports.join(', ')})` : 'no Service or ServiceEntry is known for it';
    scope.diagnostics.error(object, `${where}: destination ${host} has no port and ${why}; route skipped`);
    return undefined;
  }
  if (!service && !entry) {
    scope.diagnostics.warn(object, `${where}: destination ${host} matches no Service or ServiceEntry; its cluster has no endpoints (503)`);
  } else if (!ports.includes(port)) {
    const owner = service ? `Service ${service.metadata.namespace}/${service.metadata.name}` : `ServiceEntry ${entry?.metadata.namespace}/${entry?.metadata.name}`;
    scope.diagnostics.warn(object, `${where}: ${owner} has no port ${port}; its cluster has no endpoints (503)`);
  }
  if (subset && !subsetOf(destinationRuleFor(scope.index, host, entry?.metadata.namespace), subset)) {
    scope.diagnostics.warn(object, `${where}: no DestinationRule for ${host} defines subset ${subset}; its cluster has no endpoints (503)`);
  }
  return scope.clusters.request(host, port, subset ?? '', service, entry);
}
