/** Field readers shared by several kinds: protocols, IPs, endpoint ports, object references, durations. */
import { parseGoDuration } from '../duration.js';
import { canonicalIP } from '../ip.js';
import { checkDns1123Label } from '../names.js';
import type { EndpointPort } from '../types.js';
import { PORT_RANGE, type Check, type ObjectReader } from './reader.js';

export const L4_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type L4Protocol = (typeof L4_PROTOCOLS)[number];

/** `protocol` of a Service, Endpoints or container port; TCP when absent, as in Kubernetes. */
export function readL4Protocol(reader: ObjectReader): L4Protocol {
  return reader.optionalEnum('protocol', L4_PROTOCOLS) ?? 'TCP';
}

/** An IP address field, written back in canonical form (IPv6 compressed and lowercase). */
export function readIP(reader: ObjectReader, key: string, options: { required: boolean }): string | undefined {
  const check = (value: string) => (canonicalIP(value) === undefined ? 'must be a valid IPv4 or IPv6 address' : undefined);
  const value = options.required ? reader.requireString(key, check) : reader.optionalString(key, check);
  return value === undefined ? undefined : canonicalIP(value);
}

/** A port's `name`; "" and absent both mean an unnamed port (the only kind a single-port Service needs). */
export function readPortName(port: ObjectReader, check: Check<string>): string {
  if (port.get('name') === '') return '';
  return port.optionalString('name', check) ?? '';
}

/** A port of an Endpoints subset or an EndpointSlice. */
export function readEndpointPort(port: ObjectReader): EndpointPort {
  return {
    name: readPortName(port, checkDns1123Label),
    port: port.requireInt('port', PORT_RANGE) ?? 0,
    protocol: readL4Protocol(port),
    appProtocol: port.optionalString('appProtocol'),
  };
}

/** `targetRef` of an endpoint address; its namespace defaults to the owning object's. */
export function readTargetRef(reader: ObjectReader, namespace: string): { kind: string; name: string; namespace: string } | undefined {
  const ref = reader.object('targetRef');
  if (!ref) return undefined;
  return {
    kind: ref.optionalString('kind') ?? 'Pod',
    name: ref.requireString('name') ?? '',
    namespace: ref.optionalString('namespace', checkDns1123Label) ?? namespace,
  };
}

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** Durations as Istio takes them in YAML: Go syntax such as `5s`, `1.5s`, `1m30s`, `250ms`. */
export function checkDuration(value: string): string | undefined {
  if (!GO_DURATION.test(value)) return `must be a duration such as "5s", "250ms" or "1m30s" (got ${JSON.stringify(value)})`;
  // Go's time.ParseDuration (what Istio uses) refuses more than 2^63-1 ns; Envoy a Duration beyond 10,000 years.
  const milliseconds = parseGoDuration(value);
  if (milliseconds !== undefined && milliseconds > MAX_GO_DURATION_MS) return `is longer than the longest duration, 2562047h47m16.854775807s (got ${JSON.stringify(value)})`;
  return undefined;
}

const MAX_GO_DURATION_MS = 9_223_372_036_854.775;

/** A duration of at least 1ms, as Istio requires of a connect timeout (Envoy refuses a zero one). */
export function checkConnectTimeout(value: string): string | undefined {
  const problem = checkDuration(value);
  if (problem !== undefined) return problem;
  const milliseconds = parseGoDuration(value);
  return milliseconds !== undefined && milliseconds < 1 ? `must be at least 1ms (got ${JSON.stringify(value)})` : undefined;
}

/** Reports duplicates of a key among items, at each repeated item's field. */
export function reportDuplicates<T>(items: { item: T; reader: ObjectReader }[], keyOf: (item: T) => string | undefined, field: string, what: string): void {
  const seen = new Set<string>();
  for (const { item, reader } of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    if (seen.has(key)) reader.error(field, `duplicate ${what} ${JSON.stringify(key)}`);
    seen.add(key);
  }
}
