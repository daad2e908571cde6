/**
 * The cluster's Secrets, as the Kubernetes source publishes them: only those meshgate has a
 * reason to hold (SecretInterest: a monitored namespace, or named by a Gateway, DestinationRule,
 * Ingress or MeshConfig), their values sealed under the deployment key (packages/secrets
 * sealed-secret.ts), never the ones meshgate wrote back itself.
 *
 * Every Secret the informer reports is remembered (the informer's cache holds them anyway), so
 * that one becoming wanted later — a Gateway naming it, its Namespace joining the mesh — is
 * published then, and one no longer wanted is deleted in meshgate.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceChanged } from '@meshgate/bus';
import { sealSecret, type SecretCipher } from '@meshgate/secrets';
import type { Logger } from 'pino';
import { SECRET_RESOURCE } from './kubernetes-resources.js';
import type { SecretInterest } from './secret-interest.js';

/** The Secret types a monitored namespace's Secret is taken of (the ones meshgate stores). */
const STORED_TYPES: ReadonlySet<string> = new Set(['kubernetes.io/tls', 'Opaque']);
/** kubectl's copy of the applied manifest: for a Secret, its values in clear. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const FIELD_MANAGER = 'meshgate';

export interface ClusterSecretsOptions {
  cipher: SecretCipher;
  interest: SecretInterest;
  /** `kubernetes:<server>`. */
  source: string;
  push: (change: ResourceChanged) => void;
  /** The deduplication id of an observation (kubernetesChangeId). */
  changeId: (op: ResourceChanged['op'], namespace: string, name: string, version: string) => string;
  logger: Logger;
}

/**
 * Written back by meshgate (the issued certificate, `osm-ca-bundle`): its source is meshgate's
 * CA, so taking it back would be a second copy of the same secret and a loop on every renewal.
 */
export function writtenByMeshgate(object: KubernetesObject): boolean {
  if (object.metadata?.labels?.[MANAGED_BY] === FIELD_MANAGER) return true;
  return (object.metadata?.managedFields ?? []).some((entry) => entry.manager === FIELD_MANAGER && entry.operation === 'Apply');
}

export class ClusterSecrets {
  /** `namespace/name` → the Secret's latest state, wanted or not. */
  private readonly seen = new Map<string, KubernetesObject>();
  /** `namespace/name` of the Secrets published (applied) in meshgate. */
  private readonly published = new Set<string>();
  /** Distinguishes publishes caused by interest changes, which carry no new resourceVersion. */
  private generation = 0;

  constructor(private readonly options: ClusterSecretsOptions) {}

  observe(op: ResourceChanged['op'], object: KubernetesObject): void {
    const name = object.metadata?.name ?? '';
    const namespace = object.metadata?.namespace || 'default';
    const key = `${namespace}/${name}`;
    const version = object.metadata?.resourceVersion ?? '';
    if (writtenByMeshgate(object)) {
      // meshgate holds it as its CA's; an applied copy taken before meshgate wrote it goes.
      this.seen.delete(key);
      if (this.published.delete(key)) this.options.push(this.deleteChange(namespace, name, `written-back@${version}`));
      this.options.logger.debug({ secret: key }, 'skipped a Secret meshgate wrote back');
      return;
    }
    if (op === 'delete') {
      this.seen.delete(key);
      if (this.published.delete(key)) this.options.push(this.deleteChange(namespace, name, version));
      return;
    }
    this.seen.set(key, object);
    if (this.wants(namespace, name, object)) {
      this.published.add(key);
      this.options.push(this.applyChange(namespace, name, object, version));
    } else if (this.published.delete(key)) {
      this.options.push(this.deleteChange(namespace, name, `unwanted@${version}`));
    }
  }

  /** After a Namespace or a referencing object changed: publish what became wanted, delete what no longer is. */
  reconsider(): void {
    const generation = ++this.generation;
    for (const [key, object] of this.seen) {
      const [namespace, name] = [object.metadata?.namespace || 'default', object.metadata?.name ?? ''];
      const version = `${object.metadata?.resourceVersion ?? ''}#interest${generation}`;
      const wanted = this.wants(namespace, name, object);
      if (wanted && !this.published.has(key)) {
        this.published.add(key);
        this.options.push(this.applyChange(namespace, name, object, version));
      } else if (!wanted && this.published.delete(key)) {
        this.options.push(this.deleteChange(namespace, name, version));
      }
    }
  }

  /**
   * Once every collection's first list is in (interest known): the Secrets meshgate holds from
   * this cluster that are still there count as published, so those no longer wanted — their
   * Gateway deleted, their namespace gone from the mesh while no watcher ran — are deleted.
   */
  settleHeld(held: readonly { namespace: string; name: string }[]): void {
    for (const { namespace, name } of held) {
      if (this.seen.has(`${namespace}/${name}`)) this.published.add(`${namespace}/${name}`);
    }
    this.reconsider();
  }

  private wants(namespace: string, name: string, object: KubernetesObject): boolean {
    const { interest } = this.options;
    if (interest.isReferenced(namespace, name)) return true;
    const type = (object as { type?: unknown }).type ?? 'Opaque';
    return interest.isMonitored(namespace) && typeof type === 'string' && STORED_TYPES.has(type);
  }

  private applyChange(namespace: string, name: string, object: KubernetesObject, version: string): ResourceChanged {
    const metadata = { ...object.metadata };
    delete metadata.managedFields;
    if (metadata.annotations?.[LAST_APPLIED] !== undefined) {
      const { [LAST_APPLIED]: _dropped, ...annotations } = metadata.annotations;
      metadata.annotations = annotations;
    }
    const plain = { ...object, apiVersion: SECRET_RESOURCE.apiVersion, kind: SECRET_RESOURCE.kind, metadata } as Record<string, unknown>;
    return {
      id: this.options.changeId('apply', namespace, name, version),
      source: this.options.source,
      op: 'apply',
      kind: SECRET_RESOURCE.kind,
      namespace,
      name,
      object: sealSecret(this.options.cipher, plain, namespace, name),
    };
  }

  private deleteChange(namespace: string, name: string, version: string): ResourceChanged {
    return { id: this.options.changeId('delete', namespace, name, version), source: this.options.source, op: 'delete', kind: SECRET_RESOURCE.kind, namespace, name };
  }
}
