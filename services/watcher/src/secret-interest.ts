/**
 * Which cluster Secrets meshgate takes: those in a monitored Namespace (the Namespaces the
 * label-filtered informer holds) and those something meshgate follows names — never the rest.
 *
 * References, read from the raw objects as the cluster serves them:
 * - Istio Gateway `spec.servers[].tls.credentialName` → NAME (and NAME-cacert for MUTUAL) in
 *   the namespace of the gateway WORKLOAD, as Istio resolves it: the namespaces of the Pods the
 *   Gateway's selector matches, or the Gateway's own while none is known — the same rule as the
 *   analysis and compiler (`gatewayWorkloadNamespaces`, `credentialSecrets` of
 *   `@meshgate/secrets/credentials`), so a Pod appearing, going or relabelled moves the interest;
 * - Istio DestinationRule `tls.credentialName` (traffic policy, its port-level settings, and the
 *   subsets') → NAME and NAME-cacert, in the DestinationRule's namespace;
 * - Ingress `spec.tls[].secretName`, in the Ingress's namespace;
 * - OSM MeshConfig `spec.certificate.ingressGateway.secret` ({name, namespace}, namespace
 *   defaulting to the MeshConfig's).
 */
import { CA_CERT_SUFFIX, credentialSecrets, gatewayWorkloadNamespaces, type GatewayWorkload } from '@meshgate/secrets/credentials';

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Raw[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `credentialName` of a DestinationRule traffic policy and of its port-level settings. */
function policyCredentials(policy: unknown): string[] {
  if (!isRecord(policy)) return [];
  const tlsOf = (settings: Raw) => (isRecord(settings.tls) ? text(settings.tls.credentialName) : undefined);
  return [policy, ...records(policy.portLevelSettings)].map(tlsOf).filter((name): name is string => name !== undefined);
}

/** String-valued entries of a label map or selector (anything else in it is not a label). */
function labelsIn(value: unknown): Record<string, string> {
  return isRecord(value) ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

/** Whether a non-empty selector picks a workload with these labels. */
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((key) => Object.hasOwn(labels, key) && labels[key] === selector[key]);
}

/** A Gateway's servers' credentials: in the namespaces its workloads run in (see the module comment). */
function gatewayReferences(namespace: string, spec: Raw, workloads: Iterable<GatewayWorkload>): string[] {
  const credentials = records(spec.servers).flatMap((server) => {
    const tls = isRecord(server.tls) ? server.tls : undefined;
    const name = tls ? text(tls.credentialName) : undefined;
    return name ? [{ name, mutual: tls?.mode === 'MUTUAL' }] : [];
  });
  if (credentials.length === 0) return [];
  const namespaces = gatewayWorkloadNamespaces({ namespace, selector: labelsIn(spec.selector) }, workloads);
  const refs = credentials.flatMap(({ name, mutual }) => namespaces.flatMap((where) => credentialSecrets(name, where.namespace, { mutual })));
  return [...new Set(refs.map((ref) => `${ref.namespace}/${ref.name}`))];
}

/**
 * `namespace/name` of every Secret the object names (empty for kinds that name none); a
 * Gateway's depend on the `workloads` (Pods) known.
 */
export function secretReferences(kind: string, object: Raw, workloads: Iterable<GatewayWorkload> = []): string[] {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const namespace = text(metadata.namespace) ?? 'default';
  const spec = isRecord(object.spec) ? object.spec : {};
  const withCaCert = (names: string[]) => names.flatMap((name) => [`${namespace}/${name}`, `${namespace}/${name}${CA_CERT_SUFFIX}`]);
  switch (kind) {
    case 'Gateway':
      return gatewayReferences(namespace, spec, workloads);
    case 'DestinationRule':
      return withCaCert([...policyCredentials(spec.trafficPolicy), ...records(spec.subsets).flatMap((subset) => policyCredentials(subset.trafficPolicy))]);
    case 'Ingress':
      return records(spec.tls).flatMap((tls) => (text(tls.secretName) ? [`${namespace}/${String(tls.secretName)}`] : []));
    case 'MeshConfig': {
      const certificate = isRecord(spec.certificate) ? spec.certificate : {};
      const secret = isRecord(certificate.ingressGateway) && isRecord(certificate.ingressGateway.secret) ? certificate.ingressGateway.secret : undefined;
      const name = secret ? text(secret.name) : undefined;
      return name ? [`${text(secret?.namespace) ?? namespace}/${name}`] : [];
    }
    default:
      return [];
  }
}

/** The kinds whose objects may name Secrets. */
export const REFERENCING_KINDS: ReadonlySet<string> = new Set(['Gateway', 'DestinationRule', 'Ingress', 'MeshConfig']);

export class SecretInterest {
  private readonly monitored = new Set<string>();
  /** `Kind/namespace/name` of a referencing object → the Secrets it names. */
  private readonly references = new Map<string, string[]>();
  /** `namespace/name` of a referenced Secret → how many objects name it. */
  private readonly referenced = new Map<string, number>();
  /** `Gateway/namespace/name` → the Gateway's namespace and spec: its references follow the Pods. */
  private readonly gateways = new Map<string, { namespace: string; spec: Raw }>();
  /** `namespace/name` → each Pod's labels: the gateway workloads a selector may pick. */
  private readonly pods = new Map<string, GatewayWorkload>();

  /**
   * Records a change of a Namespace (monitored while present), a Pod (a gateway workload) or a
   * referencing object; true when interest may have changed.
   */
  observe(op: 'apply' | 'delete', kind: string, namespace: string, name: string, object: Raw | undefined): boolean {
    if (kind === 'Namespace') {
      const had = this.monitored.has(name);
      if (op === 'apply') this.monitored.add(name);
      else this.monitored.delete(name);
      return had !== (op === 'apply');
    }
    if (kind === 'Pod') return this.observePod(namespace, name, op === 'apply' && object ? object : undefined);
    if (!REFERENCING_KINDS.has(kind)) return false;
    const key = `${kind}/${namespace}/${name}`;
    const present = op === 'apply' && object !== undefined;
    if (kind === 'Gateway') {
      if (present) this.gateways.set(key, { namespace, spec: isRecord(object.spec) ? object.spec : {} });
      else this.gateways.delete(key);
    }
    return this.setReferences(key, present ? secretReferences(kind, object, this.pods.values()) : []);
  }

  isMonitored(namespace: string): boolean {
    return this.monitored.has(namespace);
  }

  isReferenced(namespace: string, name: string): boolean {
    return this.referenced.has(`${namespace}/${name}`);
  }

  /** A Pod matters only to the Gateways whose selector picks it, before or after the change. */
  private observePod(namespace: string, name: string, object: Raw | undefined): boolean {
    const key = `${namespace}/${name}`;
    const before = this.pods.get(key);
    const labels = object ? labelsIn(isRecord(object.metadata) ? object.metadata.labels : undefined) : undefined;
    if ((before === undefined && labels === undefined) || (before && labels && sameLabels(before.labels, labels))) return false;
    if (labels) this.pods.set(key, { kind: 'Pod', namespace, name, labels });
    else this.pods.delete(key);
    let changed = false;
    for (const [gatewayKey, gateway] of this.gateways) {
      const selector = labelsIn(gateway.spec.selector);
      if (!(before && selects(selector, before.labels)) && !(labels && selects(selector, labels))) continue;
      changed = this.setReferences(gatewayKey, gatewayReferences(gateway.namespace, gateway.spec, this.pods.values())) || changed;
    }
    return changed;
  }

  /** Replaces what one object names; true when that changed. */
  private setReferences(key: string, now: string[]): boolean {
    const before = this.references.get(key) ?? [];
    if (before.length === now.length && before.every((ref, i) => ref === now[i])) return false;
    for (const ref of before) {
      const count = (this.referenced.get(ref) ?? 0) - 1;
      if (count > 0) this.referenced.set(ref, count);
      else this.referenced.delete(ref);
    }
    for (const ref of now) this.referenced.set(ref, (this.referenced.get(ref) ?? 0) + 1);
    if (now.length > 0) this.references.set(key, now);
    else this.references.delete(key);
    return true;
  }
}
