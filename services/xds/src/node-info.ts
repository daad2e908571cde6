/**
 * Reads who a proxy is from its xDS `Node` (DESIGN.md "proxy node metadata"): `node.id` and the
 * metadata keys ROLE, NAMESPACE, SERVICE_ACCOUNT, LABELS, CLIENT, INSTANCE_IPS, CERTIFICATE_PROVIDERS. The node arrives as
 * @grpc/proto-loader decodes it (keepCase, oneofs), where a Struct is `{ fields: { KEY: Value } }`
 * and a Value is `{ kind: 'stringValue', stringValue: '…' }`: protobufjs defines the well-known
 * Struct types itself with camelCase field names, so keepCase does not apply to them. The
 * snake_case spelling is accepted too, for decoders that use the .proto's names.
 */
import { isIP } from 'node:net';
import type { ProxyNode } from '@meshgate/compiler';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts a decoded google.protobuf.Value into plain JSON. */
export function valueToJson(value: unknown): Json {
  if (!isRecord(value)) return null;
  const field = (camel: string, snake: string): unknown => value[camel] ?? value[snake];
  const kind = typeof value.kind === 'string' ? value.kind.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) : undefined;
  switch (kind) {
    case 'stringValue':
      return String(field('stringValue', 'string_value') ?? '');
    case 'numberValue':
      return Number(field('numberValue', 'number_value') ?? 0);
    case 'boolValue':
      return Boolean(field('boolValue', 'bool_value'));
    case 'structValue':
      return structToJson(field('structValue', 'struct_value'));
    case 'listValue': {
      const list = field('listValue', 'list_value');
      return isRecord(list) && Array.isArray(list.values) ? list.values.map(valueToJson) : [];
    }
    default:
      return null;
  }
}

/** Converts a decoded google.protobuf.Struct into a plain JSON object. */
export function structToJson(struct: unknown): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (!isRecord(struct) || !isRecord(struct.fields)) return out;
  for (const [key, value] of Object.entries(struct.fields)) out[key] = valueToJson(value);
  return out;
}

export interface NodeParseResult {
  node: ProxyNode;
  /** Things that were wrong with the metadata; the proxy is still served with defaults. */
  warnings: string[];
  /** NAMESPACE and SERVICE_ACCOUNT as the metadata spelt them (absent: not claimed), for the check against the client certificate. */
  claimed: { namespace?: string; serviceAccount?: string };
  /** `user_agent_name/user_agent_version` (e.g. `envoy/1.31.0`, `grpc-node-js/1.14.7`), when the node names them. */
  userAgent?: string;
}

/** Envoy sends its version as `user_agent_build_version.version` (major, minor, patch); gRPC as `user_agent_version`. */
function userAgentOf(raw: Record<string, unknown>): string | undefined {
  const name = typeof raw.user_agent_name === 'string' && raw.user_agent_name !== '' ? raw.user_agent_name : undefined;
  if (name === undefined) return undefined;
  if (typeof raw.user_agent_version === 'string' && raw.user_agent_version !== '') return `${name}/${raw.user_agent_version}`;
  const build = isRecord(raw.user_agent_build_version) && isRecord(raw.user_agent_build_version.version) ? raw.user_agent_build_version.version : undefined;
  if (build && [build.major_number, build.minor_number, build.patch].every((part) => typeof part === 'number')) {
    return `${name}/${String(build.major_number)}.${String(build.minor_number)}.${String(build.patch)}`;
  }
  return name;
}

const ROLES: ReadonlySet<string> = new Set(['sidecar', 'ingress-gateway', 'egress-gateway']);

function isRole(value: string): value is ProxyNode['role'] {
  return ROLES.has(value);
}

function stringMap(value: Json | undefined, warnings: string[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    warnings.push('metadata.LABELS: expected a map of strings');
    return {};
  }
  const labels: Record<string, string> = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (typeof v === 'string') labels[key] = v;
    else warnings.push(`metadata.LABELS.${key}: expected a string`);
  }
  return labels;
}

/**
 * `INSTANCE_IPS` as Istio's agent sends it: the workload's addresses, comma-separated. Kept as
 * written (trimmed), because a proxyless server's listener name must spell its bound address
 * exactly; entries that are not IP addresses are dropped with a warning.
 */
function instanceIps(value: string | undefined, warnings: string[]): string[] {
  if (value === undefined) return [];
  const ips: string[] = [];
  for (const entry of value.split(',')) {
    const ip = entry.trim();
    if (ip === '') continue;
    if (isIP(ip) === 0) warnings.push(`metadata.INSTANCE_IPS: "${ip}" is not an IP address; ignored`);
    else if (!ips.includes(ip)) ips.push(ip);
  }
  return ips;
}

/**
 * `CERTIFICATE_PROVIDERS`: the certificate provider instance names a proxyless client's bootstrap
 * defines, as a list of strings (names may hold commas: they spell file paths). Absent: unstated
 * (the compiler assumes `default`).
 */
function optionalProviders(names: string[] | undefined): { certificateProviders?: string[] } {
  return names === undefined ? {} : { certificateProviders: names };
}

function certificateProviders(value: Json | undefined, warnings: string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    warnings.push('metadata.CERTIFICATE_PROVIDERS: expected a list of strings; ignored');
    return undefined;
  }
  const names: string[] = [];
  for (const entry of value) {
    if (typeof entry === 'string' && entry !== '') names.push(entry);
    else warnings.push(`metadata.CERTIFICATE_PROVIDERS: ${JSON.stringify(entry)} is not an instance name; ignored`);
  }
  return [...new Set(names)].sort();
}

export function parseNode(raw: unknown): NodeParseResult | { error: string } {
  if (!isRecord(raw)) return { error: 'the first DiscoveryRequest carries no node' };
  const id = typeof raw.id === 'string' ? raw.id : '';
  if (id === '') return { error: 'node.id is required and must be unique per proxy' };
  const meta = structToJson(raw.metadata);
  const warnings: string[] = [];
  const text = (key: string): string | undefined => {
    const v = meta[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    warnings.push(`metadata.${key}: expected a string`);
    return undefined;
  };
  const client = text('CLIENT') === 'grpc' ? 'grpc' : 'envoy';
  const claimed = { namespace: text('NAMESPACE'), serviceAccount: text('SERVICE_ACCOUNT') };
  const roleText = text('ROLE');
  let role: ProxyNode['role'] = 'sidecar';
  if (roleText !== undefined) {
    if (isRole(roleText)) role = roleText;
    else warnings.push(`metadata.ROLE: unknown role "${roleText}", using sidecar`);
  }
  return {
    node: {
      id,
      role,
      client,
      namespace: claimed.namespace ?? 'default',
      serviceAccount: claimed.serviceAccount ?? 'default',
      labels: stringMap(meta.LABELS, warnings),
      ips: instanceIps(text('INSTANCE_IPS'), warnings),
      ...optionalProviders(client === 'grpc' ? certificateProviders(meta.CERTIFICATE_PROVIDERS, warnings) : undefined),
    },
    warnings,
    claimed,
    userAgent: userAgentOf(raw),
  };
}
