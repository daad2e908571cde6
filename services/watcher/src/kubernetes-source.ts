/**
 * The Kubernetes API source: one informer (client-node's `ListWatch`) per collection in
 * `KUBERNETES_RESOURCES`. Each lists, then watches from the list's resourceVersion with
 * bookmarks; a `410 Gone` (an HTTP status or an `ERROR` event) makes it relist, and the relist
 * reports as deleted every object that vanished meanwhile. Any other failure (the apiserver
 * down, a dropped stream) restarts the informer after a backoff with jitter, from the last
 * resourceVersion it saw.
 *
 * Every add/update/delete becomes a `ResourceChanged`, published in observed order with an id
 * derived from (op, kind, namespace, name, resourceVersion): the same observation made twice —
 * a retried publish, a watcher restarted within the bus's duplicate window — is one message.
 *
 * With the deployment key, Secrets are followed too, through ClusterSecrets: only those meshgate
 * has a reason to hold (secret-interest.ts, fed by the Namespaces and referencing objects seen
 * here), their values sealed.
 */
import { createHash } from 'node:crypto';
import { ListWatch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { ResourceChanged } from '@meshgate/bus';
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.js';
import { BookmarkingWatch, listCollection } from './kubernetes-client.js';
import { collectionPath, KUBERNETES_RESOURCES, SECRET_RESOURCE, type KubernetesResource } from './kubernetes-resources.js';
import { PublishQueue } from './publish-queue.js';
import type { HeldObject } from './held-objects.js';
import type { Source } from './source.js';
import type { SecretCipher } from '@meshgate/secrets';
import { ClusterSecrets } from './cluster-secrets.js';
import { SecretInterest } from './secret-interest.js';

export const DEFAULT_MONITORED_BY_LABEL = 'openservicemesh.io/monitored-by';

export interface KubernetesSourceOptions {
  kubeConfig: KubeConfig;
  /** Resolves once the change is durably accepted (Bus.publishChange). */
  publish: (change: ResourceChanged) => Promise<void>;
  logger: Logger;
  /** The mesh name: only Namespaces labelled `<monitoredByLabel>=<meshName>` are followed. */
  meshName: string;
  /** Default `openservicemesh.io/monitored-by`. */
  monitoredByLabel?: string;
  /** Retry delays after an error: doubling from `minMs` to `maxMs`, with jitter. Default 500 ms … 30 s. */
  retry?: { minMs: number; maxMs: number };
  /** The collections to follow; default every kind meshgate understands. */
  resources?: readonly KubernetesResource[];
  /**
   * What meshgate holds from this source (its `source` string) when the source starts, e.g.
   * `objectsHeldFrom(store, source)`. Each collection's first list is compared with it, and
   * what the cluster no longer has is deleted: deletions made while no watcher ran. Without it,
   * those objects stay in meshgate until deleted by hand.
   */
  held?: (source: string) => Promise<HeldObject[]>;
  /**
   * The deployment key (MESHGATE_CA_ENCRYPTION_KEY[_FILE]). With it, Secrets are followed too —
   * those in monitored namespaces or named by a followed object — and their values published
   * sealed; without it, Secrets are not followed (a warning says so).
   */
  cipher?: SecretCipher;
}

interface Follower {
  resource: KubernetesResource;
  watch: BookmarkingWatch;
  informer: ListWatch<KubernetesObject>;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  /** Whether the first successful list was compared with what meshgate holds. */
  reconciled: boolean;
}

/** The deduplication id (→ `Nats-Msg-Id`) of one observation. */
export function kubernetesChangeId(op: ResourceChanged['op'], kind: string, namespace: string, name: string, resourceVersion: string): string {
  return createHash('sha256').update(`kubernetes\n${op}\n${kind}/${namespace}/${name}\n${resourceVersion}`).digest('hex');
}

export class KubernetesSource implements Source {
  readonly kind = 'kubernetes';
  private readonly queue: PublishQueue;
  private readonly followers: Follower[] = [];
  /** `kubernetes:<server URL>`: the `source` of every change, and what `held` is asked about. */
  readonly source: string;
  private stopped = false;
  private held: Promise<HeldObject[]> | undefined;
  private readonly interest = new SecretInterest();
  private readonly secrets: ClusterSecrets | undefined;

  constructor(private readonly options: KubernetesSourceOptions) {
    this.queue = new PublishQueue(options.publish, options.logger);
    this.source = `kubernetes:${options.kubeConfig.getCurrentCluster()?.server ?? 'unknown'}`;
    if (options.cipher) {
      this.secrets = new ClusterSecrets({
        cipher: options.cipher,
        interest: this.interest,
        source: this.source,
        push: (change) => this.queue.push(change),
        changeId: (op, namespace, name, version) => kubernetesChangeId(op, SECRET_RESOURCE.kind, namespace, name, version),
        logger: options.logger,
      });
    }
  }

  /** The label selector for Namespaces, e.g. `openservicemesh.io/monitored-by=osm`. */
  get namespaceSelector(): string {
    return `${this.options.monitoredByLabel ?? DEFAULT_MONITORED_BY_LABEL}=${this.options.meshName}`;
  }

  /**
   * Starts every informer and resolves once each has made its first attempt (listed, or failed
   * and scheduled a retry) and what was listed is published. An unreachable apiserver does not
   * fail the start: the informers keep retrying, and the log says why.
   */
  async start(): Promise<void> {
    const { kubeConfig, logger } = this.options;
    this.held = this.options.held?.(this.source);
    // Read before any list: a failure is retried by the first list that needs it.
    this.held?.catch(() => undefined);
    const resources = [...(this.options.resources ?? KUBERNETES_RESOURCES)];
    if (this.secrets) resources.push(SECRET_RESOURCE);
    else logger.warn('no deployment key (MESHGATE_CA_ENCRYPTION_KEY_FILE or MESHGATE_CA_ENCRYPTION_KEY): Secrets are not followed, their values must not cross the bus in clear');
    for (const resource of resources) {
      const labelSelector = resource.kind === 'Namespace' ? this.namespaceSelector : undefined;
      const follower = { resource, attempt: 0, timer: undefined, reconciled: false } as Follower;
      follower.watch = new BookmarkingWatch(kubeConfig, () => (follower.attempt = 0));
      follower.informer = new ListWatch(
        collectionPath(resource),
        follower.watch,
        async () => {
          const list = await listCollection(kubeConfig, resource, labelSelector);
          if (!follower.reconciled) await this.deleteVanished(follower, list);
          follower.attempt = 0;
          return list;
        },
        false,
        labelSelector,
      );
      follower.informer.on('add', (object) => this.observe('apply', resource, object));
      follower.informer.on('update', (object) => this.observe('apply', resource, object));
      follower.informer.on('delete', (object) => this.observe('delete', resource, object));
      follower.informer.on('error', (error: unknown) => this.restartLater(follower, error));
      this.followers.push(follower);
    }
    logger.info({ server: kubeConfig.getCurrentCluster()?.server, namespaces: this.namespaceSelector }, 'following the Kubernetes API');
    // Secrets last: their first list then meets the interest the other lists made (the Pods
    // that place a Gateway's credential included), instead of publishing and withdrawing.
    const secretsLast = (follower: Follower) => follower.resource.kind === SECRET_RESOURCE.kind;
    await Promise.all(this.followers.filter((follower) => !secretsLast(follower)).map((follower) => follower.informer.start()));
    await Promise.all(this.followers.filter(secretsLast).map((follower) => follower.informer.start()));
    await this.settleHeldSecrets();
    await this.queue.idle();
  }

  /**
   * Held Secrets no longer wanted are deleted once interest is known: when every first list
   * succeeded at start. After a failed start they wait for their next change or interest change.
   */
  private async settleHeldSecrets(): Promise<void> {
    if (!this.secrets || !this.held || !this.followers.every((follower) => follower.reconciled)) return;
    const held = await this.held.catch(() => undefined);
    if (held) this.secrets.settleHeld(held.filter((object) => object.kind === SECRET_RESOURCE.kind));
  }

  /** Resolves once every change observed so far is published. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const follower of this.followers) {
      clearTimeout(follower.timer);
      follower.watch.close();
      await follower.informer.stop();
    }
    await this.queue.stop();
  }

  private observe(op: ResourceChanged['op'], resource: KubernetesResource, object: KubernetesObject): void {
    if (this.stopped) return;
    const name = object.metadata?.name;
    if (!name) {
      this.options.logger.warn({ kind: resource.kind }, 'ignored an object without metadata.name');
      return;
    }
    const namespace = resource.namespaced ? object.metadata?.namespace || 'default' : '';
    const resourceVersion = object.metadata?.resourceVersion ?? '';
    const id = kubernetesChangeId(op, resource.kind, namespace, name, resourceVersion);
    if (resource.kind === SECRET_RESOURCE.kind) {
      this.secrets?.observe(op, object);
      return;
    }
    const base = { id, source: this.source, op, kind: resource.kind, namespace, name };
    // Interest is recorded now; the Secrets it makes (un)wanted are queued after this change.
    const interestChanged = this.interest.observe(op, resource.kind, namespace, name, object as unknown as Record<string, unknown>);
    if (op === 'delete') {
      this.queue.push(base);
      if (interestChanged) this.secrets?.reconsider();
      return;
    }
    // managedFields is bookkeeping of the apiserver's, often larger than the object itself.
    const metadata = { ...object.metadata };
    delete metadata.managedFields;
    this.queue.push({ ...base, object: { ...object, apiVersion: object.apiVersion ?? resource.apiVersion, kind: resource.kind, metadata } });
    if (interestChanged) this.secrets?.reconsider();
  }

  /**
   * Deletes what meshgate holds of this collection from this source and the first list lacks.
   * Pushed before the informer hears of the list, so a later watch event for the same object
   * (re-created) follows the delete in the queue. A failure to read the log fails the list, and
   * the informer retries both.
   */
  private async deleteVanished(follower: Follower, list: KubernetesListObject<KubernetesObject>): Promise<void> {
    if (this.held) {
      let held: HeldObject[];
      try {
        held = await this.held;
      } catch (error) {
        this.held = this.options.held?.(this.source);
        this.held?.catch(() => undefined);
        throw new Error(`reading what meshgate holds from ${this.source}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const { resource } = follower;
      const listed = new Set(list.items.map((item) => `${resource.namespaced ? item.metadata?.namespace || 'default' : ''}/${item.metadata?.name}`));
      const vanished = held.filter((object) => object.kind === resource.kind && !listed.has(`${object.namespace}/${object.name}`));
      for (const object of vanished) {
        const id = kubernetesChangeId('delete', object.kind, object.namespace, object.name, `list@${list.metadata?.resourceVersion ?? ''}`);
        this.queue.push({ id, source: this.source, op: 'delete', kind: object.kind, namespace: object.namespace, name: object.name });
      }
      if (vanished.length > 0) {
        this.options.logger.info({ kind: resource.kind, deleted: vanished.map((object) => `${object.namespace}/${object.name}`) }, 'deleted what vanished from the cluster while no watcher ran');
      }
    }
    follower.reconciled = true;
  }

  /** client-node's informer stops on any error but 410: start it again, later and later. */
  private restartLater(follower: Follower, error: unknown): void {
    if (this.stopped) return;
    const { minMs, maxMs } = this.options.retry ?? { minMs: 500, maxMs: 30_000 };
    const delay = backoffDelay(follower.attempt++, minMs, maxMs);
    this.options.logger.warn(
      { kind: follower.resource.kind, err: error instanceof Error ? error.message : String(error), retryInMs: delay },
      `watching ${collectionPath(follower.resource)} failed; retrying`,
    );
    clearTimeout(follower.timer);
    follower.timer = setTimeout(() => {
      if (!this.stopped) void follower.informer.start();
    }, delay);
  }
}
