/**
 * Istio HTTPMatchRequest → Envoy RouteMatch, and whether a match entry applies to the listener
 * being built at all (its `port`, `gateways` and `sourceLabels` narrow where it is used).
 */
import { selectorMatches, type HTTPMatchRequest, type StringMatch } from '@meshgate/model';

export type EnvoyStringMatcher = { exact: string } | { prefix: string } | { safe_regex: { regex: string } };

/** A header or query parameter test: a string match, or mere presence (what Istio's `prefix: ""` means). */
export type EnvoyPresenceOrMatch = { string_match: EnvoyStringMatcher } | { present_match: true };

export type EnvoyHeaderMatcher = { name: string; invert_match?: boolean } & EnvoyPresenceOrMatch;

export type EnvoyRouteMatch = {
  prefix?: string;
  path?: string;
  /** Kubernetes Ingress `Prefix`: `/foo` matches `/foo` and `/foo/…`, not `/foobar`. */
  path_separated_prefix?: string;
  safe_regex?: { regex: string };
  case_sensitive?: { value: boolean };
  headers?: EnvoyHeaderMatcher[];
  query_parameters?: ({ name: string } & EnvoyPresenceOrMatch)[];
};

/** Where the routes being translated will serve. */
export interface MatchScope {
  /** The port of the listener (gateway server port, or Service port for proxyless). */
  port: number;
  /** The gateways the VirtualService is bound through here: `namespace/name` values, or `mesh`. */
  gateways: ReadonlySet<string>;
  /** Labels of the proxy, for `sourceLabels`. */
  proxyLabels: Record<string, string>;
}

/** Whether a match entry can apply on this listener; one that cannot is left out. */
export function matchApplies(match: HTTPMatchRequest, scope: MatchScope): boolean {
  if (match.port !== undefined && match.port !== scope.port) return false;
  if (match.gateways.length > 0 && !match.gateways.some((gateway) => scope.gateways.has(gateway))) return false;
  return selectorMatches(match.sourceLabels, scope.proxyLabels);
}

export function stringMatcher(match: StringMatch): EnvoyStringMatcher {
  if ('exact' in match) return { exact: match.exact };
  if ('prefix' in match) return { prefix: match.prefix };
  return { safe_regex: { regex: match.regex } };
}

/**
 * Istio reads an empty prefix as "any value" and matches on presence (its IsCatchAllStringMatch);
 * Envoy refuses an empty `string_match.prefix` (`min_len: 1`), so presence is what is sent.
 */
function presenceOrMatch(match: StringMatch): EnvoyPresenceOrMatch {
  if ('prefix' in match && match.prefix === '') return { present_match: true };
  return { string_match: stringMatcher(match) };
}

function headerMatchers(matches: Readonly<Record<string, StringMatch>>, invert: boolean): EnvoyHeaderMatcher[] {
  return Object.keys(matches)
    .sort()
    .map((name) => ({ name, ...presenceOrMatch(matches[name]), ...(invert ? { invert_match: true } : {}) }));
}

/** The Envoy match for one Istio match entry; `undefined` (no entry) matches every request. */
export function translateMatch(match: HTTPMatchRequest | undefined): EnvoyRouteMatch {
  if (match === undefined) return { prefix: '/' };
  const result: EnvoyRouteMatch = {};
  const uri = match.uri;
  if (uri === undefined) result.prefix = '/';
  else if ('exact' in uri) result.path = uri.exact;
  else if ('prefix' in uri) result.prefix = uri.prefix;
  else result.safe_regex = { regex: uri.regex };
  if (match.ignoreUriCase) result.case_sensitive = { value: false };

  // Istio matches authority, method and scheme as the HTTP/2 pseudo-headers Envoy sees.
  const headers = headerMatchers(match.headers, false);
  if (match.authority) headers.push({ name: ':authority', ...presenceOrMatch(match.authority) });
  if (match.method) headers.push({ name: ':method', ...presenceOrMatch(match.method) });
  if (match.scheme) headers.push({ name: ':scheme', ...presenceOrMatch(match.scheme) });
  headers.push(...headerMatchers(match.withoutHeaders, true));
  if (headers.length > 0) result.headers = headers;

  const query = Object.keys(match.queryParams)
    .sort()
    .map((name) => ({ name, ...presenceOrMatch(match.queryParams[name]) }));
  if (query.length > 0) result.query_parameters = query;
  return result;
}

/** Whether a route with this match takes every request (so nothing after it is reachable). */
export function isCatchAll(match: EnvoyRouteMatch): boolean {
  const everyPath = match.prefix === '/' || match.prefix === '';
  return everyPath && !match.headers?.length && !match.query_parameters?.length;
}
