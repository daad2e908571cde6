/**
 * A very small ingress-nginx controller for the seed 000 e2e story: it turns an Ingress of class
 * `nginx`, as meshgate stores it, into an nginx server (`nginx.ts`), reading the annotations the
 * seed sets. gRPC is what this renderer speaks (the e2e peers are gRPC), so the seed's
 * `backend-protocol: HTTPS` is written `GRPCS` (and `HTTP` `GRPC`):
 *
 * | annotation (`nginx.ingress.kubernetes.io/…`) | rendered |
 * | --- | --- |
 * | `backend-protocol: GRPC` / `GRPCS` | `grpc_pass grpc://` / `grpcs://` |
 * | `proxy-ssl-secret: ns/name` | `grpc_ssl_certificate`, `_key`, `grpc_ssl_trusted_certificate` from the secret's `tls.crt`, `tls.key`, `ca.crt` |
 * | `proxy-ssl-verify: "on"` | `grpc_ssl_verify on` |
 * | `proxy-ssl-name`, or `proxy_ssl_name "…";` in `configuration-snippet` | `grpc_ssl_name` and `grpc_ssl_server_name on` |
 *
 * The seed sets the upstream name with a snippet spelt for `proxy_pass` (`proxy_ssl_name`); for
 * `grpc_pass` nginx's directive is `grpc_ssl_name`, so the snippet is translated. Any other
 * snippet line is refused rather than silently dropped. Like ingress-nginx, upstreams are the
 * Service's endpoints (the caller resolves them), and `grpc_bind` is the controller pod's address.
 */
import type { NginxLocation, NginxServer, UpstreamTls } from './nginx.js';

const ANNOTATION = 'nginx.ingress.kubernetes.io/';

export interface SecretFiles {
  /** `tls.crt` */
  certificateFile: string;
  /** `tls.key` */
  certificateKeyFile: string;
  /** `ca.crt` */
  trustedCertificateFile: string;
}

export interface IngressNginxOptions {
  name: string;
  listen: { host: string; port: number };
  /** The controller pod's address: the source of upstream connections. */
  bind: string;
  /** `ip:port` of an endpoint of the Service port (ingress-nginx sends to endpoints, not to the Service). */
  upstream(serviceName: string, servicePort: number): string;
  /** The files of the secret `namespace/name` that `proxy-ssl-secret` names. */
  secretFiles?(ref: { namespace: string; name: string }): SecretFiles;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string, where: string): unknown {
  if (!isRecord(value)) throw new Error(`Ingress ${where}: expected an object`);
  return value[key];
}

function stringField(value: unknown, key: string, where: string): string {
  const found = field(value, key, where);
  if (typeof found !== 'string') throw new Error(`Ingress ${where}.${key}: expected a string, got ${JSON.stringify(found)}`);
  return found;
}

function arrayField(value: unknown, key: string, where: string): unknown[] {
  const found = field(value, key, where) ?? [];
  if (!Array.isArray(found)) throw new Error(`Ingress ${where}.${key}: expected a list`);
  return found;
}

function annotationsOf(ingress: unknown): Record<string, string> {
  const annotations = field(field(ingress, 'metadata', '') ?? {}, 'annotations', 'metadata') ?? {};
  if (!isRecord(annotations)) throw new Error('Ingress metadata.annotations: expected an object');
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) if (typeof value === 'string') result[key] = value;
  return result;
}

function schemeOf(annotations: Record<string, string>): NginxLocation['scheme'] {
  const protocol = annotations[`${ANNOTATION}backend-protocol`];
  if (protocol === 'GRPC') return 'grpc';
  if (protocol === 'GRPCS') return 'grpcs';
  throw new Error(`${ANNOTATION}backend-protocol must be GRPC or GRPCS for this gRPC-only renderer, got ${JSON.stringify(protocol)}`);
}

/** The upstream TLS name: the `proxy-ssl-name` annotation, or the seed's `proxy_ssl_name` snippet. */
function sslNameOf(annotations: Record<string, string>): string | undefined {
  let name = annotations[`${ANNOTATION}proxy-ssl-name`];
  const snippet = annotations[`${ANNOTATION}configuration-snippet`] ?? '';
  for (const line of snippet.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^proxy_ssl_name\s+"?([^"\s;]+)"?\s*;$/.exec(line);
    if (!match) throw new Error(`configuration-snippet line ${JSON.stringify(line)} is not rendered by this test's controller`);
    name = match[1];
  }
  return name;
}

function upstreamTlsOf(annotations: Record<string, string>, options: IngressNginxOptions): UpstreamTls {
  const secret = annotations[`${ANNOTATION}proxy-ssl-secret`];
  const ref = /^([^/\s]+)\/([^/\s]+)$/.exec(secret ?? '');
  if (!ref) throw new Error(`${ANNOTATION}proxy-ssl-secret must be namespace/name for GRPCS, got ${JSON.stringify(secret)}`);
  if (!options.secretFiles) throw new Error(`no secret files were given for ${secret}`);
  const files = options.secretFiles({ namespace: ref[1], name: ref[2] });
  return { ...files, verify: annotations[`${ANNOTATION}proxy-ssl-verify`] === 'on', serverName: sslNameOf(annotations) };
}

/** The nginx server ingress-nginx would render for `ingress` (an Ingress as meshgate's API returns it). */
export function ingressNginxServer(ingress: unknown, options: IngressNginxOptions): NginxServer {
  const annotations = annotationsOf(ingress);
  const scheme = schemeOf(annotations);
  const tls = scheme === 'grpcs' ? upstreamTlsOf(annotations, options) : undefined;
  const spec = field(ingress, 'spec', '');
  const locations: NginxLocation[] = [];
  arrayField(spec, 'rules', 'spec').forEach((rule, r) => {
    arrayField(field(rule, 'http', `spec.rules[${r}]`), 'paths', `spec.rules[${r}].http`).forEach((entry, p) => {
      const where = `spec.rules[${r}].http.paths[${p}]`;
      const service = field(field(entry, 'backend', where), 'service', `${where}.backend`);
      const port = field(field(service, 'port', `${where}.backend.service`), 'number', `${where}.backend.service.port`);
      if (typeof port !== 'number') throw new Error(`Ingress ${where}.backend.service.port.number: this renderer needs a port number`);
      locations.push({
        path: stringField(entry, 'path', where),
        exact: stringField(entry, 'pathType', where) === 'Exact',
        scheme,
        upstream: options.upstream(stringField(service, 'name', `${where}.backend.service`), port),
        bind: options.bind,
        ...(tls ? { tls } : {}),
      });
    });
  });
  if (locations.length === 0) throw new Error('the Ingress has no paths to render');
  return { name: options.name, listen: options.listen, locations };
}
