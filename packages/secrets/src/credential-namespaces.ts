/**
 * Where a Gateway's credentials are read — Istio's rule, kept in one place for the analysis
 * (IST0161 says where it looked) and the Kubernetes watcher (which cluster Secrets to take):
 *
 * - a server's `credentialName` resolves in the namespace of the GATEWAY WORKLOAD (the proxy that
 *   serves it), not of the Gateway object. The workloads are what the Gateway's selector matches:
 *   Pods, and Deployments by their pod template's labels. When none is known, the Gateway's own
 *   namespace stands in (a proxy outside the cluster's view, or a state read from files);
 * - `credentialName` is `NAME`, `kubernetes://NAME`, or `[kubernetes://]NS/NAME` where NS must be
 *   the workload's namespace (a gateway is never sent another namespace's credential);
 * - MUTUAL's client CA may sit in a second Secret `NAME-cacert` beside it.
 */
import { selectorMatches } from '@meshgate/model';
import { CA_CERT_SUFFIX, CREDENTIAL_SDS_PREFIX, type SecretLocation } from './credentials.js';

/** Something a Gateway's selector may pick: a Pod, or a Deployment by its pod template. */
export interface GatewayWorkload {
  kind: string;
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface WorkloadNamespace {
  namespace: string;
  /** How it was found, for messages: `workload Pod istio-system/ingress-1`, or the fallback. */
  how: string;
}

function selectorText(selector: Readonly<Record<string, string>>): string {
  const text = Object.keys(selector)
    .sort()
    .map((key) => `${key}=${selector[key]}`)
    .join(',');
  return text || '(empty)';
}

/**
 * The namespaces a Gateway's workloads run in, sorted, each with the first workload (in the
 * order given) that put it there; the Gateway's own namespace when none is known. An empty
 * selector picks nothing here (Istio would select every proxy: no namespace is singled out).
 */
export function gatewayWorkloadNamespaces(
  gateway: { namespace: string; selector: Readonly<Record<string, string>> },
  workloads: Iterable<GatewayWorkload>,
): WorkloadNamespace[] {
  const found = new Map<string, string>();
  if (Object.keys(gateway.selector).length > 0) {
    for (const workload of workloads) {
      if (!found.has(workload.namespace) && selectorMatches(gateway.selector as Record<string, string>, workload.labels as Record<string, string>)) {
        found.set(workload.namespace, `workload ${workload.kind} ${workload.namespace}/${workload.name}`);
      }
    }
  }
  if (found.size === 0) return [{ namespace: gateway.namespace, how: `no workload known for selector ${selectorText(gateway.selector)}; the Gateway's namespace` }];
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([namespace, how]) => ({ namespace, how }));
}

/**
 * The Secrets credential `written` may be read from by a gateway workload in `namespace`: NAME,
 * and with `mutual` NAME-cacert too; none when it names another namespace or is not a name.
 */
export function credentialSecrets(written: string, namespace: string, options: { mutual: boolean }): SecretLocation[] {
  const rest = written.startsWith(CREDENTIAL_SDS_PREFIX) ? written.slice(CREDENTIAL_SDS_PREFIX.length) : written;
  const parts = rest.split('/');
  if (parts.some((part) => part === '') || parts.length > 2 || (parts.length === 2 && parts[0] !== namespace)) return [];
  const name = parts[parts.length - 1];
  return [{ namespace, name }, ...(options.mutual ? [{ namespace, name: `${name}${CA_CERT_SUFFIX}` }] : [])];
}
