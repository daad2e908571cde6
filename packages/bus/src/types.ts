/**
 * The bus contract: durable change messages (watcher → api) and a doorbell (api → xds).
 * Two implementations, NATS JetStream and in-process, pass one contract suite.
 */

/** JetStream stream that carries ResourceChanged messages. */
export const CHANGES_STREAM = 'MESHGATE_CHANGES';
/** Subjects `meshgate.changes.<kind>.<namespace>` ("_" for cluster-scoped). */
export const CHANGES_SUBJECT_PREFIX = 'meshgate.changes';
/** Core NATS subject; the payload says "the log advanced to this sequence: read on". */
export const DOORBELL_SUBJECT = 'meshgate.events';

export interface ResourceChanged {
  /** Deduplication id (becomes Nats-Msg-Id): the same id published twice is delivered once. */
  id: string;
  /** Who observed it, e.g. `manifests:/path/file.yaml`. */
  source: string;
  op: 'apply' | 'delete';
  kind: string;
  namespace: string;
  name: string;
  /** The raw object as observed (apply only); the api validates it. */
  object?: unknown;
}

export interface Doorbell {
  /** The highest sequence now committed. */
  head: number;
}

export interface Subscription {
  unsubscribe(): Promise<void>;
}

export interface ConsumeOptions {
  /** Durable consumer name: a restart resumes after the last acknowledged message. */
  durable: string;
}

/** Whether the bus can carry messages now, for readiness checks. */
export interface BusStatus {
  connected: boolean;
  /** "connected", or what is wrong and since when. */
  detail: string;
}

export interface Bus {
  /** Resolves once the message is durably accepted (JetStream PubAck). */
  publishChange(change: ResourceChanged): Promise<void>;
  /**
   * At-least-once delivery in publish order. A message is acknowledged only when the handler
   * resolves; if it throws, the message is redelivered later.
   */
  consumeChanges(handler: (change: ResourceChanged) => Promise<void>, options: ConsumeOptions): Promise<Subscription>;
  ringDoorbell(doorbell: Doorbell): Promise<void>;
  onDoorbell(handler: (doorbell: Doorbell) => void): Promise<Subscription>;
  /** The link to the broker as last reported (in process: connected until closed). */
  status(): BusStatus;
  close(): Promise<void>;
}
