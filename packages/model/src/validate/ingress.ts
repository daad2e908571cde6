/**
 * Kubernetes Ingress, in `networking.k8s.io/v1` and the older `networking.k8s.io/v1beta1` and
 * `extensions/v1beta1` that the seeds still use. All three are read into v1's shape (v1beta1's
 * `serviceName`/`servicePort` become `service: {name, port}`, its `backend` becomes
 * `defaultBackend`) while the apiVersion is kept as written. Path rules follow the API server's.
 */
import { checkHostname } from '../hosts.js';
import { isIP } from '../ip.js';
import { checkDns1035Label, checkDns1123Subdomain, checkPortName } from '../names.js';
import type { IngressObject, IngressPath, IngressPathType, IngressRule, IngressServiceBackend, IngressVersion } from '../types.js';
import { readMetadata } from './metadata.js';
import { PORT_RANGE, type ObjectReader } from './reader.js';

export const INGRESS_VERSIONS: readonly IngressVersion[] = ['networking.k8s.io/v1', 'networking.k8s.io/v1beta1', 'extensions/v1beta1'];
export const INGRESS_PATH_TYPES: readonly IngressPathType[] = ['Exact', 'Prefix', 'ImplementationSpecific'];

/** Sequences the API server refuses in Exact and Prefix paths (they would mean something else after normalisation). */
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function ingressVersion(apiVersion: string): IngressVersion {
  return INGRESS_VERSIONS.find((version) => version === apiVersion) ?? 'networking.k8s.io/v1';
}

function isV1(version: IngressVersion): boolean {
  return version === 'networking.k8s.io/v1';
}

/** Rule and TLS hosts: DNS names, optionally `*.`-prefixed; not IPs and not a bare `*` (as the API server checks). */
function checkIngressHost(host: string): string | undefined {
  if (host === '*') return 'a bare "*" is not a host; leave host out to match every host';
  if (isIP(host)) return `must be a DNS name, not an IP address (got ${JSON.stringify(host)})`;
  return checkHostname(host);
}

function readServicePort(port: ObjectReader): { number: number } | { name: string } {
  const hasNumber = port.has('number');
  const hasName = port.has('name');
  if (hasNumber === hasName) {
    port.errorHere('exactly one of number or name is required');
    return { number: 0 };
  }
  if (hasNumber) return { number: port.requireInt('number', PORT_RANGE) ?? 0 };
  return { name: port.requireString('name', checkPortName) ?? '' };
}

/** v1: `{service: {name, port: {number | name}}}`; resource backends are refused (meshgate routes to Services). */
function readBackendV1(backend: ObjectReader): IngressServiceBackend {
  if (backend.has('resource')) backend.error('resource', 'resource backends are not supported: meshgate routes Ingress traffic to Services');
  const service = backend.has('resource') ? undefined : backend.object('service', { required: true });
  if (!service) return { service: { name: '', port: { number: 0 } } };
  const port = service.object('port', { required: true });
  return { service: { name: service.requireString('name', checkDns1035Label) ?? '', port: port ? readServicePort(port) : { number: 0 } } };
}

/** v1beta1: `{serviceName, servicePort}` where servicePort is a number or a port name. */
function readBackendV1beta1(backend: ObjectReader): IngressServiceBackend {
  if (backend.has('resource')) {
    backend.error('resource', 'resource backends are not supported: meshgate routes Ingress traffic to Services');
    return { service: { name: '', port: { number: 0 } } };
  }
  const name = backend.requireString('serviceName', checkDns1035Label) ?? '';
  const written = backend.get('servicePort');
  if (written === undefined) {
    backend.error('servicePort', 'required');
    return { service: { name, port: { number: 0 } } };
  }
  if (typeof written === 'string') return { service: { name, port: { name: backend.optionalString('servicePort', checkPortName) ?? '' } } };
  return { service: { name, port: { number: backend.optionalInt('servicePort', PORT_RANGE) ?? 0 } } };
}

/**
 * A backend in the document's version. The normalised form of a v1beta1 Ingress is v1's shape
 * under the v1beta1 apiVersion, so v1beta1 takes v1's `service` too (re-applying what GET
 * returns must work).
 */
function readBackend(parent: ObjectReader, key: string, version: IngressVersion, options: { required: boolean }): IngressServiceBackend | undefined {
  const backend = parent.object(key, options);
  if (!backend) return undefined;
  return isV1(version) || (backend.has('service') && !backend.has('serviceName')) ? readBackendV1(backend) : readBackendV1beta1(backend);
}

/** The default backend: v1's `defaultBackend`; v1beta1's `backend` (or `defaultBackend`, its normalised spelling). */
function defaultBackendKey(spec: ObjectReader, version: IngressVersion): string {
  if (isV1(version)) return 'defaultBackend';
  return spec.has('defaultBackend') && !spec.has('backend') ? 'defaultBackend' : 'backend';
}

function checkPath(path: string | undefined, pathType: IngressPathType): string | undefined {
  if (pathType === 'ImplementationSpecific') {
    return path === undefined || path.startsWith('/') ? undefined : `must start with "/" (got ${JSON.stringify(path)})`;
  }
  if (path === undefined) return `required for pathType ${pathType}`;
  if (!path.startsWith('/')) return `must start with "/" for pathType ${pathType} (got ${JSON.stringify(path)})`;
  const sequence = INVALID_PATH_SEQUENCES.find((invalid) => path.includes(invalid));
  if (sequence !== undefined) return `must not contain ${JSON.stringify(sequence)} for pathType ${pathType}`;
  // Envoy matches the path without query or fragment, and refuses them in a path-separated prefix.
  if (pathType === 'Prefix' && /[?#]/.test(path)) return `must not contain "?" or "#" for pathType Prefix (the query and fragment are not part of the path matched)`;
  const suffix = INVALID_PATH_SUFFIXES.find((invalid) => path.endsWith(invalid));
  if (suffix !== undefined) return `must not end with ${JSON.stringify(suffix)} for pathType ${pathType}`;
  return undefined;
}

function readPath(path: ObjectReader, version: IngressVersion): IngressPath {
  // v1 requires pathType; older manifests leave it out, and the API server defaults it so.
  const pathType = path.optionalEnum('pathType', INGRESS_PATH_TYPES) ?? 'ImplementationSpecific';
  const written = path.get('path') === '' ? undefined : path.optionalString('path');
  const problem = checkPath(written, pathType);
  if (problem !== undefined) path.error('path', problem);
  return {
    path: written,
    pathType,
    backend: readBackend(path, 'backend', version, { required: true }) ?? { service: { name: '', port: { number: 0 } } },
  };
}

function readRule(rule: ObjectReader, version: IngressVersion): IngressRule {
  const host = rule.optionalString('host', checkIngressHost)?.toLowerCase();
  const http = rule.object('http');
  return {
    host,
    http: http && { paths: http.objects('paths', (path) => readPath(path, version), { required: true, message: 'at least one path is required' }) },
  };
}

function readTls(tls: ObjectReader): IngressObject['spec']['tls'][number] {
  return {
    hosts: tls.stringArray('hosts', checkIngressHost).map((host) => host.toLowerCase()),
    secretName: tls.optionalString('secretName', checkDns1123Subdomain),
  };
}

export function readIngressObject(document: ObjectReader, apiVersion: string): IngressObject {
  const version = ingressVersion(apiVersion);
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const spec = document.object('spec', { required: true });
  const base = { apiVersion: version, kind: 'Ingress', metadata } as const;
  if (!spec) return { ...base, spec: { rules: [], tls: [] } };
  const backendKey = defaultBackendKey(spec, version);
  const rules = spec.objects('rules', (rule) => readRule(rule, version));
  const defaultBackend = readBackend(spec, backendKey, version, { required: false });
  if (rules.length === 0 && !spec.has(backendKey)) spec.error('rules', `either rules or ${backendKey} is required`);
  return {
    ...base,
    spec: {
      ingressClassName: spec.optionalString('ingressClassName', checkDns1123Subdomain),
      defaultBackend,
      rules,
      tls: spec.objects('tls', readTls),
    },
  };
}
