/**
 * One entry of a VirtualService's `http` list: matches, weighted destinations and the
 * per-route actions (redirect, rewrite, timeout, retries, fault, directResponse, headers).
 * Istio's rules are kept: a route needs exactly one action, weights are integers 0–100 that
 * add up to 100 when there is more than one destination.
 */
import { checkGatewayRef, checkHostname, qualifyDestinationHost, qualifyGatewayRef } from '../hosts.js';
import type { Destination, HTTPMatchRequest, HTTPRoute, HTTPRouteDestination } from '../types.js';
import { checkDuration } from './common.js';
import { readLabels } from './metadata.js';
import { PERCENT_RANGE, PORT_RANGE, type IntRange, type ObjectReader } from './reader.js';
import { checkHeaderName, checkQueryParameterName, readStringMatch, readStringMatchMap } from './string-match.js';

/** What a route needs to resolve names: the VirtualService's namespace and the cluster's DNS domain. */
export interface RouteContext {
  namespace: string;
  clusterDomain: string;
}

const HTTP_STATUS: IntRange = { min: 200, max: 599 };
const REDIRECT_STATUS: IntRange = { min: 300, max: 399 };
const RETRY_ATTEMPTS: IntRange = { min: 0, max: 2 ** 31 - 1 };

/** Paths and authorities end up in HTTP headers; Envoy refuses NUL, CR and LF there (HTTP_HEADER_VALUE). */
function checkHeaderSafe(value: string): string | undefined {
  return /[\0\r\n]/.test(value) ? 'must not contain NUL, CR or LF (it goes into an HTTP header)' : undefined;
}

/** Gateway references of a VirtualService or a match, as sorted `namespace/name` (or `mesh`). */
export function readGatewayRefs(reader: ObjectReader, namespace: string): string[] {
  const refs = reader.stringArray('gateways', checkGatewayRef).map((ref) => qualifyGatewayRef(ref, namespace));
  return [...new Set(refs)].sort();
}

function readMatchRequest(match: ObjectReader, context: RouteContext): HTTPMatchRequest {
  return {
    name: match.optionalString('name'),
    uri: readStringMatch(match, 'uri'),
    scheme: readStringMatch(match, 'scheme'),
    method: readStringMatch(match, 'method'),
    authority: readStringMatch(match, 'authority'),
    headers: readStringMatchMap(match, 'headers', { caseInsensitiveKeys: true, checkName: checkHeaderName }),
    queryParams: readStringMatchMap(match, 'queryParams', { caseInsensitiveKeys: false, checkName: checkQueryParameterName }),
    withoutHeaders: readStringMatchMap(match, 'withoutHeaders', { caseInsensitiveKeys: true, checkName: checkHeaderName }),
    ignoreUriCase: match.optionalBool('ignoreUriCase') ?? false,
    port: match.optionalInt('port', PORT_RANGE),
    sourceLabels: readLabels(match, 'sourceLabels'),
    // Unlike the VirtualService's own list, an empty list here means "the VirtualService's gateways".
    gateways: readGatewayRefs(match, context.namespace),
  };
}

function readDestination(entry: ObjectReader, context: RouteContext): Destination {
  const destination = entry.object('destination', { required: true });
  if (!destination) return { host: '' };
  const host = destination.requireString('host', checkHostname);
  const port = destination.object('port');
  const portNumber = port?.requireInt('number', PORT_RANGE);
  return {
    host: host === undefined ? '' : qualifyDestinationHost(host.toLowerCase(), context.namespace, context.clusterDomain),
    subset: destination.optionalString('subset'),
    port: portNumber === undefined ? undefined : { number: portNumber },
  };
}

/** Destinations with their weights: one destination takes all traffic (100); several must add up to 100. */
export function readRouteDestinations(http: ObjectReader, context: RouteContext): HTTPRouteDestination[] {
  const entries = http.objects('route', (entry) => {
    const weight = entry.optionalInt('weight', PERCENT_RANGE);
    return { destination: readDestination(entry, context), weight, weightIsValid: !entry.has('weight') || weight !== undefined };
  });
  if (entries.length === 1) return [{ destination: entries[0].destination, weight: 100 }];
  const routes = entries.map(({ destination, weight }) => ({ destination, weight: weight ?? 0 }));
  const total = routes.reduce((sum, { weight }) => sum + weight, 0);
  if (entries.length > 1 && entries.every(({ weightIsValid }) => weightIsValid) && total !== 100) {
    http.error('route', `weights must add up to 100 when there are several destinations (got ${total})`);
  }
  return routes;
}

function readRedirect(http: ObjectReader): HTTPRoute['redirect'] {
  const redirect = http.object('redirect');
  if (!redirect) return undefined;
  const value = {
    uri: redirect.optionalString('uri', checkHeaderSafe),
    authority: redirect.optionalString('authority', checkHeaderSafe),
    redirectCode: redirect.optionalInt('redirectCode', REDIRECT_STATUS),
    port: redirect.optionalInt('port', PORT_RANGE),
    scheme: redirect.optionalString('scheme'),
  };
  if (value.uri === undefined && value.authority === undefined && value.port === undefined && value.scheme === undefined) {
    redirect.errorHere('must set at least one of uri, authority, port or scheme');
  }
  return value;
}

function readRewrite(http: ObjectReader): HTTPRoute['rewrite'] {
  const rewrite = http.object('rewrite');
  if (!rewrite) return undefined;
  const value = { uri: rewrite.optionalString('uri', checkHeaderSafe), authority: rewrite.optionalString('authority', checkHeaderSafe) };
  if (value.uri === undefined && value.authority === undefined) rewrite.errorHere('must set uri or authority');
  return value;
}

function readRetries(http: ObjectReader): HTTPRoute['retries'] {
  const retries = http.object('retries');
  if (!retries) return undefined;
  return {
    // Istio: a retry policy without attempts retries nothing.
    attempts: retries.optionalInt('attempts', RETRY_ATTEMPTS) ?? 0,
    perTryTimeout: retries.optionalString('perTryTimeout', checkDuration),
    retryOn: retries.optionalString('retryOn'),
  };
}

/**
 * `percentage: {value: 12.5}` as Istio writes it, the older integer `percent: 12`, or the plain
 * number meshgate stores (so a stored object validates again); absent means every request.
 */
function readPercentage(fault: ObjectReader): number {
  if (typeof fault.get('percentage') === 'number') return fault.optionalNumber('percentage', PERCENT_RANGE) ?? 0;
  const percentage = fault.object('percentage');
  if (percentage) return percentage.optionalNumber('value', PERCENT_RANGE) ?? 0;
  return fault.optionalInt('percent', PERCENT_RANGE) ?? 100;
}

function readFault(http: ObjectReader): HTTPRoute['fault'] {
  const fault = http.object('fault');
  if (!fault) return undefined;
  const abort = fault.object('abort');
  const delay = fault.object('delay');
  if (!abort && !delay) fault.errorHere('must set abort or delay');
  return {
    abort: abort && { httpStatus: abort.requireInt('httpStatus', HTTP_STATUS) ?? 0, percentage: readPercentage(abort) },
    delay: delay && { fixedDelay: delay.requireString('fixedDelay', checkDuration) ?? '', percentage: readPercentage(delay) },
  };
}

function readDirectResponse(http: ObjectReader): HTTPRoute['directResponse'] {
  const response = http.object('directResponse');
  if (!response) return undefined;
  const status = response.requireInt('status', HTTP_STATUS) ?? 0;
  // Istio writes the body as `{string: "…"}` (or `{bytes}`); a plain string is accepted too.
  if (typeof response.get('body') === 'string') return { status, body: response.optionalString('body') };
  const body = response.object('body');
  if (body && !body.has('string')) body.errorHere('must set string (bytes bodies are not supported)');
  return { status, body: body?.optionalString('string') };
}

type HeaderOperations = { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] };

function readHeaderOperations(headers: ObjectReader, key: 'request' | 'response'): HeaderOperations | undefined {
  const operations = headers.object(key);
  if (!operations) return undefined;
  return {
    set: operations.has('set') ? operations.stringMap('set') : undefined,
    add: operations.has('add') ? operations.stringMap('add') : undefined,
    remove: operations.has('remove') ? [...new Set(operations.stringArray('remove'))].sort() : undefined,
  };
}

function readHeaders(http: ObjectReader): { request?: HeaderOperations; response?: HeaderOperations } | undefined {
  const headers = http.object('headers');
  if (!headers) return undefined;
  return { request: readHeaderOperations(headers, 'request'), response: readHeaderOperations(headers, 'response') };
}

/** Istio's rule: a route forwards (`route`), redirects, or answers itself (`directResponse`) — exactly one. */
function checkActions(http: ObjectReader): void {
  const route = http.get('route');
  const forwards = Array.isArray(route) && route.length > 0;
  const redirects = http.has('redirect');
  const responds = http.has('directResponse');
  if (!forwards && !redirects && !responds) http.errorHere('one of route, redirect or directResponse is required');
  if (forwards && redirects) http.error('redirect', 'cannot be set together with route');
  if (responds && (forwards || redirects)) http.error('directResponse', 'cannot be set together with route or redirect');
  if (redirects && http.has('rewrite')) http.error('rewrite', 'cannot be set together with redirect');
}

export function readHttpRoute(http: ObjectReader, context: RouteContext): HTTPRoute {
  checkActions(http);
  return {
    name: http.optionalString('name'),
    match: http.objects('match', (match) => readMatchRequest(match, context)),
    route: readRouteDestinations(http, context),
    redirect: readRedirect(http),
    rewrite: readRewrite(http),
    timeout: http.optionalString('timeout', checkDuration),
    retries: readRetries(http),
    fault: readFault(http),
    directResponse: readDirectResponse(http),
    headers: readHeaders(http),
  };
}
