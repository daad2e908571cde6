/**
 * What the watcher observes from: each source turns what it sees into `ResourceChanged` messages
 * and publishes them itself (the manifests directory, the Kubernetes API). The watcher service
 * only starts and stops its sources.
 */
export interface Source {
  /** `manifests` or `kubernetes`, for logs and messages. */
  readonly kind: string;
  /**
   * Publishes what the source holds now and starts following changes. Throws when the source
   * cannot work at all (a missing directory, a kubeconfig without a cluster).
   */
  start(): Promise<unknown>;
  /** Stops following; the bus stays open (the caller owns it). */
  stop(): Promise<void>;
}
