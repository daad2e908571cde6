/**
 * What meshgate writes back to the cluster for one MeshState (pure, so the rules are testable
 * without an apiserver):
 *
 * - the Secret each MeshConfig's `spec.certificate.ingressGateway.secret` names (the client
 *   certificate the CA issued, copied as published), and the trust bundle as `osm-ca-bundle`
 *   (`ca.crt` only: the CA's key stays in the CA) in the MeshConfig's namespace, where OSM keeps it;
 * - each IngressBackend's `status` as OSM writes it: `{currentStatus: committed|rejected, reason}`;
 * - each Istio Gateway's and VirtualService's `status.conditions`: one `Reconciled` condition
 *   carrying the diagnostics meshgate's compiler reports about the object when it compiles the
 *   gateway proxies each Gateway's selector picks, in their workloads' namespaces (False with the
 *   errors, True otherwise, the warnings in the message);
 * - each Istio object's `status.validationMessages` as istiod's in-cluster analysis writes them
 *   (`istioctl analyze`'s messages as `{documentationUrl, level, type: {code, name}}`): what
 *   `@meshgate/analysis` reports about it — the same analyzers, over the same state, as
 *   `meshgate analyze` and `GET /v1/analyze`. Without messages the field is left out, which a
 *   server-side apply turns into removing the entries meshgate wrote before.
 */
import { analyzeState, gatewayWorkloadNamespaces, validationMessagesByObject, type ValidationMessage } from '@meshgate/analysis';
import { buildIndex, compileWithIndex, type CompileOptions, type Diagnostic } from '@meshgate/compiler';
import { ingressBackendStatuses, objectKey, type MeshState } from '@meshgate/model';

export const CA_BUNDLE_SECRET_NAME = 'osm-ca-bundle';

export interface SecretRef {
  namespace: string;
  name: string;
}

/** The Istio kinds whose status is an IstioStatus (conditions, validationMessages). */
export const ISTIO_STATUS_KINDS = ['Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry'] as const;
/** The kinds that also carry meshgate's `Reconciled` condition (the ones a gateway compile reports on). */
const RECONCILED_KINDS: ReadonlySet<string> = new Set(['Gateway', 'VirtualService']);

export interface StatusWrite {
  kind: 'IngressBackend' | (typeof ISTIO_STATUS_KINDS)[number];
  namespace: string;
  name: string;
  status: Record<string, unknown>;
}

export interface WriteBackPlan {
  /** Published by the CA, copied as they are. */
  issuedSecrets: SecretRef[];
  /** Trust bundles (`ca.crt`) to write. */
  bundleSecrets: SecretRef[];
  statuses: StatusWrite[];
}

/** The IngressBackend status exactly as OSM's controller writes it. */
function ingressBackendWrites(state: MeshState): StatusWrite[] {
  const statuses = ingressBackendStatuses(state);
  return [...state.byKind.IngressBackend.entries()].map(([key, ingressBackend]) => {
    const status = statuses.get(key) ?? { status: 'rejected' as const, reason: 'no status computed' };
    return {
      kind: 'IngressBackend',
      namespace: ingressBackend.metadata.namespace,
      name: ingressBackend.metadata.name,
      status: { currentStatus: status.status, reason: status.reason },
    };
  });
}

/**
 * Every diagnostic about a Gateway or VirtualService, from compiling the proxies each Gateway's
 * selector picks, in each namespace its workloads run in (where its credentials are read: the
 * analysis's rule, `gatewayWorkloadNamespaces`).
 */
function gatewayDiagnostics(state: MeshState, options: CompileOptions): Map<string, Diagnostic[]> {
  const byObject = new Map<string, Diagnostic[]>();
  if (state.byKind.Gateway.size === 0) return byObject;
  const index = buildIndex(state, options);
  const seen = new Set<string>();
  for (const gateway of state.byKind.Gateway.values()) {
    const labels = gateway.spec.selector;
    for (const { namespace } of gatewayWorkloadNamespaces(state, gateway)) {
      const proxy = `${namespace}~${JSON.stringify(Object.entries(labels).sort())}`;
      // Gateways with one selector pick the same proxies: one compile per namespace serves them all.
      if (seen.has(proxy)) continue;
      seen.add(proxy);
      const node = { id: `write-back~${proxy}`, role: 'ingress-gateway' as const, namespace, serviceAccount: '', labels, client: 'envoy' as const, ips: [] };
      for (const diagnostic of compileWithIndex(index, node).diagnostics) {
        const list = byObject.get(diagnostic.object) ?? [];
        if (!list.some((known) => known.message === diagnostic.message && known.severity === diagnostic.severity)) list.push(diagnostic);
        byObject.set(diagnostic.object, list);
      }
    }
  }
  return byObject;
}

/** Istio's `Reconciled` condition, False with the errors, True otherwise (warnings in the message). */
export function reconciledCondition(diagnostics: readonly Diagnostic[]): Record<string, unknown> {
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  const warnings = diagnostics.filter((diagnostic) => diagnostic.severity === 'warning');
  const message = [...errors, ...warnings].map((diagnostic) => `${diagnostic.severity}: ${diagnostic.message}`).join('; ');
  if (errors.length > 0) return { type: 'Reconciled', status: 'False', reason: 'CompileError', message };
  if (warnings.length > 0) return { type: 'Reconciled', status: 'True', reason: 'CompiledWithWarnings', message };
  return { type: 'Reconciled', status: 'True', reason: 'Compiled', message: 'compiled by meshgate' };
}

/** The IstioStatus fields meshgate owns; each one left out when empty, so that an apply removes it. */
function istioStatus(reconciled: Record<string, unknown> | undefined, validationMessages: ValidationMessage[]): Record<string, unknown> {
  return { ...(reconciled ? { conditions: [reconciled] } : {}), ...(validationMessages.length > 0 ? { validationMessages } : {}) };
}

export function planWriteBack(state: MeshState, options: CompileOptions): WriteBackPlan {
  const issuedSecrets: SecretRef[] = [];
  const bundleNamespaces = new Set<string>();
  for (const meshConfig of state.byKind.MeshConfig.values()) {
    bundleNamespaces.add(meshConfig.metadata.namespace);
    const ingressGateway = meshConfig.spec.certificate.ingressGateway;
    if (ingressGateway) issuedSecrets.push({ namespace: ingressGateway.secret.namespace, name: ingressGateway.secret.name });
  }
  const diagnostics = gatewayDiagnostics(state, options);
  const analysis = validationMessagesByObject(analyzeState(state, { clusterDomain: options.clusterDomain }));
  const istio: StatusWrite[] = [];
  for (const kind of ISTIO_STATUS_KINDS) {
    for (const object of state.byKind[kind].values()) {
      const { name } = object.metadata;
      const namespace = object.metadata.namespace ?? 'default';
      const key = objectKey({ kind, namespace, name });
      const status = istioStatus(RECONCILED_KINDS.has(kind) ? reconciledCondition(diagnostics.get(key) ?? []) : undefined, analysis.get(key) ?? []);
      istio.push({ kind, namespace, name, status });
    }
  }
  return {
    issuedSecrets,
    bundleSecrets: [...bundleNamespaces].sort().map((namespace) => ({ namespace, name: CA_BUNDLE_SECRET_NAME })),
    statuses: [...ingressBackendWrites(state), ...istio],
  };
}
