/**
 * Kubernetes Ingresses of class `istio` (an IngressClass of controller
 * `istio.io/ingress-controller`, or the legacy annotation `kubernetes.io/ingress.class: istio`)
 * for the ingress gateway Istio gives them to: the proxy labelled `istio: ingressgateway`.
 *
 * - Rules become routes by host (`*` when a rule names none); Ingresses are read by namespace
 *   and name, and their routes for one host merged.
 * - Paths follow the Kubernetes spec: `Exact` → `path`; `Prefix` matches by path element
 *   (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`; a trailing `/` is ignored) →
 *   Envoy's `path_separated_prefix`, and `Prefix /` → `prefix: /`; `ImplementationSpecific`
 *   as Istio reads it — exact, unless it ends in `/*` (or `.*`), which is a plain prefix without
 *   the `*`; no path matches everything.
 * - Precedence as the spec asks (the longest matching path wins, Exact before Prefix on a tie):
 *   exact paths first, then prefixes longest first, then catch-alls; ties keep their order.
 * - `defaultBackend` is a last catch-all on each host of its Ingress and on `*` (the first
 *   Ingress's wins where several have one).
 * - Backends: `outbound|<port>||<svc>.<ns>.svc.<domain>` (EDS), the Service port by number or
 *   by name.
 * - `tls`: an HTTPS listener on 443, one filter chain per entry chosen by SNI (`hosts`), with
 *   the certificate from SDS secret `kubernetes://<secretName>` (Istio's credentialName
 *   convention). The secret store does not serve such secrets yet: a warning says the secret
 *   must be provided.
 */
import { objectKey, selectorMatches, serviceHost, stateKey, type IngressObject, type IngressPath, type IngressServiceBackend } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import type { Diagnostics } from './diagnostics.js';
import type { EnvoyRouteMatch } from './match.js';
import type { CompileIndex } from './meshIndex.js';
import { credentialSecretName } from './naming.js';
import type { EnvoyRoute } from './routes.js';
import type { ProxyNode } from './types.js';

/** The labels of the gateway Istio gives Ingresses to (its default `ingressSelector`). */
export const INGRESS_GATEWAY_LABELS: Readonly<Record<string, string>> = { istio: 'ingressgateway' };
export const INGRESS_HTTP_PORT = 80;
export const INGRESS_HTTPS_PORT = 443;

/** One TLS filter chain: an SDS credential for SNI `serverNames` ([] for any). */
export interface IngressTlsChain {
  /** `Ingress/ns/name` the entry comes from. */
  object: string;
  secretName: string;
  /** The Secret's name as written (`tls.secretName`), resolved in the gateway workload's namespace. */
  credentialName: string;
  serverNames: string[];
}

export interface IngressOutput {
  /** Host → its routes, in match order. */
  hosts: Map<string, EnvoyRoute[]>;
  tls: IngressTlsChain[];
}

/** Match kinds in precedence order. */
const Rank = { Exact: 0, Prefix: 1, CatchAll: 2, DefaultBackend: 3 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];

interface PendingRoute {
  rank: Rank;
  /** Length of the matched path; longer prefixes go first. */
  length: number;
  route: EnvoyRoute;
  /** `Ingress/ns/name`, to say whose defaultBackend lost. */
  object: string;
}

/** Whether this gateway serves Istio's Kubernetes Ingresses: chosen by labels alone, as Istio's `ingressSelector` does. */
export function servesIngresses(node: ProxyNode): boolean {
  return selectorMatches(INGRESS_GATEWAY_LABELS, node.labels);
}

export function compileIngresses(index: CompileIndex, diagnostics: Diagnostics, clusters: ClusterRequests): IngressOutput {
  const pending = new Map<string, PendingRoute[]>();
  const add = (host: string, route: PendingRoute) => {
    const list = pending.get(host);
    if (list) list.push(route);
    else pending.set(host, [route]);
  };
  const tls: IngressTlsChain[] = [];
  const claimedServerNames = new Map<string, string>();

  for (const ingress of index.istioIngresses) {
    const object = objectKey(ingress);
    const hosts = new Set<string>();
    ingress.spec.rules.forEach((rule, ruleIndex) => {
      const host = rule.host ?? '*';
      hosts.add(host);
      rule.http?.paths.forEach((path, pathIndex) => {
        const where = `spec.rules[${ruleIndex}].http.paths[${pathIndex}]`;
        const cluster = backendCluster(index, ingress, path.backend, where, diagnostics, clusters);
        if (cluster === undefined) return;
        const { rank, match } = pathMatch(path);
        add(host, { rank, length: matchedLength(match), route: { name: routeName(ingress), match, route: { cluster } }, object });
      });
    });
    if (ingress.spec.defaultBackend) {
      const cluster = backendCluster(index, ingress, ingress.spec.defaultBackend, 'spec.defaultBackend', diagnostics, clusters);
      if (cluster !== undefined) {
        for (const host of new Set([...hosts, '*'])) {
          add(host, { rank: Rank.DefaultBackend, length: 0, route: { name: routeName(ingress), match: { prefix: '/' }, route: { cluster } }, object });
        }
      }
    }
    ingress.spec.tls.forEach((entry, tlsIndex) => {
      const where = `spec.tls[${tlsIndex}]`;
      if (entry.secretName === undefined) {
        diagnostics.warn(object, `${where}: no secretName; TLS entry skipped`);
        return;
      }
      const serverNames = [...entry.hosts].sort();
      const key = serverNames.join(',');
      const owner = claimedServerNames.get(key);
      if (owner !== undefined) {
        diagnostics.warn(object, `${where}: hosts ${serverNames.join(', ') || '(any)'} already take their certificate from ${owner}; entry skipped`);
        return;
      }
      const secret = credentialSecretName(entry.secretName);
      claimedServerNames.set(key, `${object} (${secret})`);
      tls.push({ object, secretName: secret, credentialName: entry.secretName, serverNames });
    });
  }

  const hosts = new Map<string, EnvoyRoute[]>();
  for (const [host, routes] of pending) hosts.set(host, ordered(routes, host, diagnostics));
  return { hosts, tls };
}

/** Precedence order; nothing after the first catch-all (it could never match). */
function ordered(routes: PendingRoute[], host: string, diagnostics: Diagnostics): EnvoyRoute[] {
  const sorted = routes
    .map((route, position) => ({ route, position }))
    .sort((a, b) => a.route.rank - b.route.rank || b.route.length - a.route.length || a.position - b.position)
    .map(({ route }) => route);
  const firstCatchAll = sorted.findIndex((route) => route.rank >= Rank.CatchAll);
  if (firstCatchAll < 0) return sorted.map((route) => route.route);
  const winner = sorted[firstCatchAll];
  for (const loser of sorted.slice(firstCatchAll + 1)) {
    if (loser.rank === Rank.DefaultBackend && winner.rank === Rank.DefaultBackend && loser.object !== winner.object) {
      diagnostics.warn(loser.object, `spec.defaultBackend: host ${host} already falls back to the defaultBackend of ${winner.object}; not used there`);
    }
  }
  return sorted.slice(0, firstCatchAll + 1).map((route) => route.route);
}

function routeName(ingress: IngressObject): string {
  return stateKey(ingress.metadata.namespace, ingress.metadata.name);
}

/** The Envoy match of an Ingress path, and its precedence rank. */
export function pathMatch(path: IngressPath): { rank: Rank; match: EnvoyRouteMatch } {
  const written = path.path;
  if (written === undefined || written === '') return { rank: Rank.CatchAll, match: { prefix: '/' } };
  switch (path.pathType) {
    case 'Exact':
      return { rank: Rank.Exact, match: { path: written } };
    case 'Prefix': {
      // Element-wise: `/foo` and `/foo/` match `/foo`, `/foo/` and `/foo/bar`, never `/foobar`.
      const trimmed = written.replace(/\/+$/, '');
      return trimmed === '' ? { rank: Rank.CatchAll, match: { prefix: '/' } } : { rank: Rank.Prefix, match: { path_separated_prefix: trimmed } };
    }
    case 'ImplementationSpecific':
      return implementationSpecific(written);
  }
}

/** Istio's reading: exact, unless the path ends in `/*` or `.*` (a plain string prefix without the `*`). */
function implementationSpecific(written: string): { rank: Rank; match: EnvoyRouteMatch } {
  let prefix: string | undefined;
  if (written.endsWith('/*')) prefix = written.slice(0, -1);
  else if (written.endsWith('.*')) prefix = written.slice(0, -2);
  if (prefix === undefined) return { rank: Rank.Exact, match: { path: written } };
  if (prefix === '/' || prefix === '') return { rank: Rank.CatchAll, match: { prefix: '/' } };
  return { rank: Rank.Prefix, match: { prefix } };
}

function matchedLength(match: EnvoyRouteMatch): number {
  return (match.path ?? match.path_separated_prefix ?? match.prefix ?? '').length;
}

/** The cluster of an Ingress backend, or undefined (route skipped) when its port cannot be decided. */
function backendCluster(
  index: CompileIndex,
  ingress: IngressObject,
  backend: IngressServiceBackend,
  where: string,
  diagnostics: Diagnostics,
  clusters: ClusterRequests,
): string | undefined {
  const object = objectKey(ingress);
  const { namespace } = ingress.metadata;
  const { name, port: wanted } = backend.service;
  const service = index.state.byKind.Service.get(stateKey(namespace, name));
  const host = serviceHost(name, namespace, index.options.clusterDomain);
  let port: number | undefined;
  if ('number' in wanted) {
    port = wanted.number;
    if (service && !service.spec.ports.some((p) => p.port === port)) {
      diagnostics.warn(object, `${where}: Service ${namespace}/${name} has no port ${port}; its cluster has no endpoints (503)`);
    }
  } else {
    port = service?.spec.ports.find((p) => p.name === wanted.name)?.port;
    if (port === undefined) {
      const why = service ? `Service ${namespace}/${name} has no port named ${wanted.name}` : `Service ${namespace}/${name} does not exist`;
      diagnostics.error(object, `${where}: ${why}, so the port cannot be decided; path skipped`);
      return undefined;
    }
  }
  if (!service) diagnostics.warn(object, `${where}: Service ${namespace}/${name} does not exist; its cluster has no endpoints (503)`);
  return clusters.request(host, port, '', service);
}
