/**
 * A VirtualService's `tcp` and `tls` entries (Istio's TCPRoute and TLSRoute): L4 matches and
 * weighted destinations. Istio's rules are kept: a `tls` entry needs at least one match, each
 * match needs `sniHosts`, and every SNI host must lie within one of the VirtualService's hosts;
 * destinations follow the `http` rules (weights adding up to 100 when there are several).
 */
import { checkHostname } from '../hosts.js';
import { canonicalCidr, checkCidr, isIP, isIPv4 } from '../ip.js';
import type { L4MatchAttributes, TCPRoute, TLSMatchAttributes, TLSRoute } from '../types.js';
import { readGatewayRefs, readRouteDestinations, type RouteContext } from './http-route.js';
import { refuseUnknownFields } from './known-fields.js';
import { readLabels } from './metadata.js';
import { indexPath, isPlainObject, ObjectReader, PORT_RANGE } from './reader.js';

/** Istio's `host.Name(sub).SubsetOf(host.Name(of))`: every name `sub` covers, `of` covers too. */
function hostsWithin(sub: string, of: string): boolean {
  if (of === '*' || sub === of) return true;
  if (!of.startsWith('*.')) return false;
  const suffix = of.slice(1); // `.example.com`
  return sub.startsWith('*.') ? sub.slice(1).endsWith(suffix) : sub.endsWith(suffix);
}

/** A plain IP is a one-address subnet, as Istio reads it. */
function checkSubnet(value: string): string | undefined {
  return isIP(value) ? undefined : checkCidr(value);
}

function canonicalSubnet(value: string): string {
  const cidr = isIP(value) ? `${value}/${isIPv4(value) ? 32 : 128}` : value;
  return canonicalCidr(cidr) ?? value;
}

/** Fields Istio has on L4 matches that meshgate does not implement: refused by path, never dropped. */
const UNSUPPORTED_L4_FIELDS = ['sourceNamespace', 'sourceSubnet', 'source_namespace', 'source_subnet'] as const;

/**
 * Istio reads a match's fields by their JSON names and by their protobuf names too
 * (`sni_hosts`, as seed 003 writes it): the written key, the protobuf spelling when only that one
 * is given; both at once is an error.
 */
const PROTO_NAMES: Readonly<Record<string, string>> = { sniHosts: 'sni_hosts', destinationSubnets: 'destination_subnets', sourceLabels: 'source_labels' };

function keyOf(match: ObjectReader, field: string): string {
  const proto = PROTO_NAMES[field];
  if (proto === undefined || !match.has(proto)) return field;
  if (match.has(field)) match.error(proto, `the same field as ${field}; give one of them`);
  return match.has(field) ? field : proto;
}

const L4_MATCH_FIELDS = ['destinationSubnets', 'port', 'sourceLabels', 'gateways', ...UNSUPPORTED_L4_FIELDS, 'destination_subnets', 'source_labels'];
const TLS_MATCH_FIELDS = [...L4_MATCH_FIELDS, 'sniHosts', 'sni_hosts'];

function readL4Match(match: ObjectReader, context: RouteContext, known = L4_MATCH_FIELDS): L4MatchAttributes {
  // `tcp` and `tls` are read here, not by the field table (istio-fields.ts): a misspelt key must not vanish.
  refuseUnknownFields(match, known);
  for (const field of UNSUPPORTED_L4_FIELDS) if (match.has(field)) match.error(field, 'not supported by meshgate yet');
  return {
    destinationSubnets: [...new Set(match.stringArray(keyOf(match, 'destinationSubnets'), checkSubnet).map(canonicalSubnet))].sort(),
    port: match.optionalInt('port', PORT_RANGE),
    sourceLabels: readLabels(match, keyOf(match, 'sourceLabels')),
    gateways: readGatewayRefs(match, context.namespace),
  };
}

/** Istio's RouteDestination and Destination have no other fields; `http` destinations are checked by the field table. */
function refuseUnknownDestinationFields(entry: ObjectReader): void {
  refuseUnknownFields(entry, ['match', 'route']);
  const route = entry.get('route');
  if (!Array.isArray(route)) return; // reported by readRouteDestinations
  route.forEach((item: unknown, index) => {
    if (!isPlainObject(item)) return; // reported by readRouteDestinations
    const destination = new ObjectReader(entry.sink, indexPath(entry.pathOf('route'), index), item);
    refuseUnknownFields(destination, ['destination', 'weight']);
    const target = destination.get('destination');
    if (!isPlainObject(target)) return;
    const targetReader = new ObjectReader(entry.sink, destination.pathOf('destination'), target);
    refuseUnknownFields(targetReader, ['host', 'subset', 'port']);
    const port = targetReader.get('port');
    if (isPlainObject(port)) refuseUnknownFields(new ObjectReader(entry.sink, targetReader.pathOf('port'), port), ['number']);
  });
}

function readTlsMatch(match: ObjectReader, context: RouteContext, vsHosts: readonly string[]): TLSMatchAttributes {
  const checkSni = (value: string): string | undefined => {
    const sni = value.toLowerCase();
    const problem = checkHostname(value);
    if (problem !== undefined || vsHosts.length === 0 || vsHosts.some((host) => hostsWithin(sni, host))) return problem;
    return `${sni} is not within any of the VirtualService's hosts (${vsHosts.join(', ')})`;
  };
  const sniHosts = match.stringArray(keyOf(match, 'sniHosts'), checkSni, { required: true, message: 'at least one SNI host is required' }).map((host) => host.toLowerCase());
  return { ...readL4Match(match, context, TLS_MATCH_FIELDS), sniHosts: [...new Set(sniHosts)] };
}

function requireRoute(entry: ObjectReader): void {
  const route = entry.get('route');
  if (!Array.isArray(route) || route.length === 0) entry.error('route', 'at least one destination is required');
}

export function readTcpRoute(entry: ObjectReader, context: RouteContext): TCPRoute {
  requireRoute(entry);
  refuseUnknownDestinationFields(entry);
  return { match: entry.objects('match', (match) => readL4Match(match, context)), route: readRouteDestinations(entry, context) };
}

export function readTlsRoute(entry: ObjectReader, context: RouteContext, vsHosts: readonly string[]): TLSRoute {
  requireRoute(entry);
  refuseUnknownDestinationFields(entry);
  return {
    match: entry.objects('match', (match) => readTlsMatch(match, context, vsHosts), { required: true, message: 'a tls route needs at least one match with sniHosts' }),
    route: readRouteDestinations(entry, context),
  };
}
