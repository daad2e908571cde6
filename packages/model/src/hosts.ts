/**
 * Host names and gateway references: how short names are resolved, in one place, because the
 * compiler, the api and the queries must all agree on the spelling of a service's host.
 */
import { checkDns1123Label } from './names.js';
import { isIP } from './ip.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** The reserved gateway name for sidecars (east-west traffic inside the mesh). */
export const MESH_GATEWAY = 'mesh';

/** `httpbin`, `default`, `cluster.local` → `httpbin.default.svc.cluster.local`. */
export function serviceHost(name: string, namespace: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string {
  return `${name}.${namespace}.svc.${clusterDomain}`;
}

/** The Service a `name.namespace.svc.<clusterDomain>` host names, or undefined for any other host. */
export function parseServiceHost(host: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): { name: string; namespace: string } | undefined {
  const suffix = `.svc.${clusterDomain}`;
  const lower = host.toLowerCase().replace(/\.$/, '');
  if (!lower.endsWith(suffix)) return undefined;
  const parts = lower.slice(0, -suffix.length).split('.');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { name: parts[0], namespace: parts[1] };
}

/**
 * A route destination's host as the Kubernetes DNS search path would expand it for a client in
 * `namespace`: `httpbin` → `httpbin.<namespace>.svc.<domain>`, `httpbin.other` →
 * `httpbin.other.svc.<domain>`, `httpbin.other.svc` → `httpbin.other.svc.<domain>`. Anything
 * else (`….svc.<domain>`, external names with two or more dots, wildcards, IPs) is kept.
 * So a two-label external name such as `example.com` reads as Service `example` in namespace
 * `com`, exactly as a pod's resolver (ndots 5) would try it first.
 */
export function qualifyDestinationHost(host: string, namespace: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string {
  if (host.startsWith('*') || isIP(host)) return host;
  const labels = host.split('.');
  if (labels.length === 1) return serviceHost(host, namespace, clusterDomain);
  if (labels.length === 2) return `${host}.svc.${clusterDomain}`;
  if (labels.length === 3 && labels[2] === 'svc') return `${host}.${clusterDomain}`;
  return host;
}

/**
 * A VirtualService's gateway reference as `namespace/name`: `mesh` stays, `ns/name` stays,
 * a bare `name` is in the VirtualService's namespace, and the legacy `name.namespace[.svc…]`
 * form becomes `namespace/name` (as Istio resolves it).
 */
export function qualifyGatewayRef(ref: string, namespace: string): string {
  if (ref === MESH_GATEWAY || ref.includes('/')) return ref;
  const dot = ref.indexOf('.');
  if (dot < 0) return `${namespace}/${ref}`;
  const [name, gatewayNamespace] = ref.split('.');
  return `${gatewayNamespace}/${name}`;
}

/** Accepts `mesh`, `name`, `ns/name` and the legacy `name.ns[.svc.<domain>]`. */
export function checkGatewayRef(ref: string): string | undefined {
  if (ref === MESH_GATEWAY) return undefined;
  const slash = ref.indexOf('/');
  if (slash < 0) {
    const [name, gatewayNamespace] = ref.split('.');
    const problem = checkDns1123Label(name) ?? (gatewayNamespace === undefined ? undefined : checkDns1123Label(gatewayNamespace));
    return problem === undefined ? undefined : `gateway reference ${JSON.stringify(ref)}: ${problem}`;
  }
  const gatewayNamespace = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const problem =
    (gatewayNamespace === '' ? 'namespace must not be empty' : checkDns1123Label(gatewayNamespace)) ??
    (name === '' ? 'name must not be empty' : checkDns1123Label(name));
  return problem === undefined ? undefined : `gateway reference ${JSON.stringify(ref)} (namespace/name): ${problem}`;
}

const HOST_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A host as VirtualServices and Gateways take it: `*`, `*.example.com`, `example.com`, a short
 * name such as `httpbin`, or an IP address. Case-insensitive, as DNS names are.
 */
export function checkHostname(host: string): string | undefined {
  if (host === '*' || isIP(host)) return undefined;
  if (host.length > 253) return 'host must be at most 253 characters';
  const lower = host.toLowerCase();
  const labels = (lower.startsWith('*.') ? lower.slice(2) : lower).split('.');
  if (labels.every((label) => label.length <= 63 && HOST_LABEL.test(label))) return undefined;
  return `invalid host ${JSON.stringify(host)}: expected "*", "*.domain" or a DNS name (letters, digits, '-' and '.')`;
}

/** A Gateway server host: `[namespace/]host` where namespace is a namespace name, `*` or `.`. */
export function checkGatewayServerHost(host: string): string | undefined {
  const slash = host.indexOf('/');
  if (slash < 0) return checkHostname(host);
  const namespace = host.slice(0, slash);
  if (namespace !== '*' && namespace !== '.') {
    const problem = checkDns1123Label(namespace.toLowerCase());
    if (problem !== undefined) return `namespace part of ${JSON.stringify(host)} ${problem}, or "*" or "."`;
  }
  return checkHostname(host.slice(slash + 1));
}
