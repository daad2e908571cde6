/**
 * Which cluster Secrets meshgate takes: those in a monitored Namespace (the Namespaces the
 * label-filtered informer holds) and those something meshgate follows names — never the rest.
 *
 * References, read from the raw objects as the cluster serves them:
 * - Istio Gateway `spec.servers[].tls.credentialName` → NAME and NAME-cacert (MUTUAL's CA), in
 *   the Gateway's namespace;
 * - Istio DestinationRule `tls.credentialName` (traffic policy, its port-level settings, and the
 *   subsets') → NAME and NAME-cacert, in the DestinationRule's namespace;
 * - Ingress `spec.tls[].secretName`, in the Ingress's namespace;
 * - OSM MeshConfig `spec.certificate.ingressGateway.secret` ({name, namespace}, namespace
 *   defaulting to the MeshConfig's).
 * Istio resolves a Gateway's credential in the gateway workload's namespace, which the watcher
 * cannot know from the Gateway alone; a workload namespace that is monitored is covered anyway.
 */
import { CA_CERT_SUFFIX } from '@meshgate/secrets';

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

/** `namespace/name` of every Secret the object names (empty for kinds that name none). */
export function secretReferences(kind: string, object: Raw): string[] {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const namespace = text(metadata.namespace) ?? 'default';
  const spec = isRecord(object.spec) ? object.spec : {};
  const withCaCert = (names: string[]) => names.flatMap((name) => [`${namespace}/${name}`, `${namespace}/${name}${CA_CERT_SUFFIX}`]);
  switch (kind) {
    case 'Gateway':
      return withCaCert(records(spec.servers).flatMap((server) => (isRecord(server.tls) && text(server.tls.credentialName) ? [String(server.tls.credentialName)] : [])));
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

  /** Records a change of a Namespace (monitored while present) or a referencing object; true when interest may have changed. */
  observe(op: 'apply' | 'delete', kind: string, namespace: string, name: string, object: Raw | undefined): boolean {
    if (kind === 'Namespace') {
      const had = this.monitored.has(name);
      if (op === 'apply') this.monitored.add(name);
      else this.monitored.delete(name);
      return had !== (op === 'apply');
    }
    if (!REFERENCING_KINDS.has(kind)) return false;
    const key = `${kind}/${namespace}/${name}`;
    const before = JSON.stringify(this.references.get(key) ?? []);
    const now = op === 'apply' && object ? secretReferences(kind, object) : [];
    if (now.length > 0) this.references.set(key, now);
    else this.references.delete(key);
    return before !== JSON.stringify(now);
  }

  isMonitored(namespace: string): boolean {
    return this.monitored.has(namespace);
  }

  isReferenced(namespace: string, name: string): boolean {
    const ref = `${namespace}/${name}`;
    for (const names of this.references.values()) if (names.includes(ref)) return true;
    return false;
  }
}
