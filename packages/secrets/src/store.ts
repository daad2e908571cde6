/**
 * Secrets the CA publishes (Kubernetes-style: a type and named keys, e.g. `tls.crt`, `tls.key`,
 * `ca.crt`), kept in the event store's secrets table as `secret/<namespace>/<name>`, the payload
 * encrypted with the CA's AES-256-GCM cipher (the secret's name authenticated with it).
 *
 * The event log records each change on the stream `Secret/<namespace>/<name>`:
 * `SecretPublished {namespace, name, type, keys, digest, certificateSerial, reason}` and
 * `SecretDeleted {namespace, name, reason}` — references, key names and a digest, never the
 * material itself. The event is appended before the secret is written: if the write then
 * fails, the log holds a publication that a later one supersedes, rather than the store holding
 * material the log never mentions.
 */
import { createHash } from 'node:crypto';
import type { Bus } from '@meshgate/bus';
import type { EventStore, StoredEvent } from '@meshgate/eventlog';
import type { Logger } from 'pino';
import type { SecretCipher } from './cipher.js';
import { checkDns1123Label, checkDns1123Subdomain } from '@meshgate/model';
import { SecretsError } from './errors.js';

export const SECRET_STORE_PREFIX = 'secret/';
export const SECRET_PUBLISHED = 'SecretPublished';
export const SECRET_DELETED = 'SecretDeleted';
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export interface SecretRef {
  namespace: string;
  name: string;
}

/** Key name → content (text: the keys meshgate publishes are PEM). */
export type SecretData = Readonly<Record<string, string>>;

/** What the secrets table keeps next to the ciphertext: public facts only. */
export interface SecretMeta {
  type: string;
  /** Sorted. */
  keys: string[];
  /** SHA-256 (hex) of the payload (`secretDigest`). */
  digest: string;
  /** Who publishes and maintains it, e.g. `ingress-gateway`. */
  owner: string;
  /** The owner's facts about it (what it was issued for, when it is due); never key material. */
  details: Record<string, unknown>;
  /** ISO-8601. */
  publishedAt: string;
}

/** A secret's type and its keys' bytes, whoever stored it (the CA, or an applied Secret). */
export interface SecretBytes {
  type: string;
  data: ReadonlyMap<string, Buffer>;
}

/** Reads a secret's bytes by reference; null when there is none. */
export interface SecretReader {
  readBytes(ref: SecretRef): Promise<SecretBytes | null>;
}

export interface SecretSummary {
  ref: SecretRef;
  meta: SecretMeta;
}

export interface PublishedSecret extends SecretSummary {
  data: SecretData;
}

export interface PublishSecretRequest {
  type: string;
  data: SecretData;
  owner: string;
  details: Record<string, unknown>;
  /** Why, recorded in the event (e.g. `created`, `renewal`). */
  reason: string;
  /** The certificate the secret carries, recorded in the event. */
  certificateSerial?: string;
  /**
   * The stream version the publisher based its decision on (`streamVersion(ref)`): the append
   * fails with the event store's ConcurrencyError when another process published meanwhile.
   */
  expectedVersion?: number;
}

export interface SecretPublishedData {
  namespace: string;
  name: string;
  type: string;
  keys: string[];
  digest: string;
  certificateSerial?: string;
  reason: string;
}

export interface SecretDeletedData {
  namespace: string;
  name: string;
  reason: string;
}

/** `Secret/<namespace>/<name>`: the secret's events. */
export function secretStreamId(ref: SecretRef): string {
  return `Secret/${ref.namespace}/${ref.name}`;
}

/** `secret/<namespace>/<name>`: its row in the secrets table. */
export function secretStoreName(ref: SecretRef): string {
  return `${SECRET_STORE_PREFIX}${ref.namespace}/${ref.name}`;
}

export function secretRefText(ref: SecretRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** SHA-256 (hex) over the keys and contents, keys sorted: equal data, equal digest. */
export function secretDigest(data: SecretData): string {
  const sorted = Object.keys(data)
    .sort()
    .map((key) => [key, data[key]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/**
 * A namespace is a DNS label, a name a DNS subdomain (Kubernetes' rules). The error names
 * `<prefix>.namespace` or `<prefix>.name` (just `namespace` / `name` without a prefix).
 */
export function checkSecretRef(ref: SecretRef, prefix?: string): SecretRef {
  const field = (part: string) => (prefix === undefined ? part : `${prefix}.${part}`);
  if (checkDns1123Label(ref.namespace) !== undefined) throw new SecretsError('MG_ERR_CA_BAD_REQUEST', `${field('namespace')} "${ref.namespace}" is not a Kubernetes namespace name (a lower-case DNS label)`, field('namespace'));
  if (checkDns1123Subdomain(ref.name) !== undefined) throw new SecretsError('MG_ERR_CA_BAD_REQUEST', `${field('name')} "${ref.name}" is not a Kubernetes object name (a lower-case DNS subdomain)`, field('name'));
  return ref;
}

export interface SecretStoreOptions {
  store: EventStore;
  cipher: SecretCipher;
  /** Rung after each event, so that followers read on at once. */
  bus?: Pick<Bus, 'ringDoorbell'>;
  logger: Logger;
  now?: () => Date;
}

export class SecretStore {
  private readonly now: () => Date;

  constructor(private readonly options: SecretStoreOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Records the publication, then stores the payload encrypted. */
  async publish(ref: SecretRef, request: PublishSecretRequest): Promise<StoredEvent> {
    checkSecretRef(ref, 'secret');
    const name = secretStoreName(ref);
    const keys = Object.keys(request.data).sort();
    const digest = secretDigest(request.data);
    const data: SecretPublishedData = {
      namespace: ref.namespace,
      name: ref.name,
      type: request.type,
      keys,
      digest,
      ...(request.certificateSerial === undefined ? {} : { certificateSerial: request.certificateSerial }),
      reason: request.reason,
    };
    const event = await this.append(ref, SECRET_PUBLISHED, data, request.expectedVersion);
    const meta: SecretMeta = { type: request.type, keys, digest, owner: request.owner, details: request.details, publishedAt: this.now().toISOString() };
    const payload = JSON.stringify({ type: request.type, data: request.data });
    await this.options.store.putSecret(name, this.options.cipher.encrypt(payload, name), { ...meta, cipher: 'aes-256-gcm' });
    return event;
  }

  /** Records the deletion, then deletes; false (and no event) when there was nothing to delete. */
  async delete(ref: SecretRef, reason: string): Promise<boolean> {
    const name = secretStoreName(ref);
    if ((await this.options.store.getSecret(name)) === null) return false;
    const data: SecretDeletedData = { namespace: ref.namespace, name: ref.name, reason };
    await this.append(ref, SECRET_DELETED, data, undefined);
    await this.options.store.deleteSecret(name);
    return true;
  }

  /** The secret with its decrypted data, or null. */
  async read(ref: SecretRef): Promise<PublishedSecret | null> {
    const name = secretStoreName(ref);
    const stored = await this.options.store.getSecret(name);
    if (stored === null) return null;
    const meta = parseSecretMeta(stored.meta, name);
    const payload: unknown = JSON.parse(this.options.cipher.decrypt(stored.ciphertext, name));
    if (!isRecord(payload) || !isRecord(payload.data) || !Object.values(payload.data).every((v) => typeof v === 'string')) {
      throw new SecretsError('MG_ERR_CA_CONFIG', `secret ${name} does not hold secret data`);
    }
    const data: Record<string, string> = Object.fromEntries(Object.entries(payload.data).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    return { ref, meta, data };
  }

  /** The secret as bytes (its keys are text: PEM), for `GET /v1/secrets`. */
  async readBytes(ref: SecretRef): Promise<SecretBytes | null> {
    const secret = await this.read(ref);
    if (secret === null) return null;
    return { type: secret.meta.type, data: new Map(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, 'utf8')])) };
  }

  /** Every stored secret's reference and public facts (nothing is decrypted), sorted by name. */
  async list(): Promise<SecretSummary[]> {
    const summaries = await this.options.store.listSecrets(SECRET_STORE_PREFIX);
    return summaries.flatMap((summary) => {
      const [namespace, name, ...rest] = summary.name.slice(SECRET_STORE_PREFIX.length).split('/');
      if (name === undefined || rest.length > 0) return [];
      return [{ ref: { namespace, name }, meta: parseSecretMeta(summary.meta, summary.name) }];
    });
  }

  /** The version of the secret's stream (0: never published). */
  streamVersion(ref: SecretRef): Promise<number> {
    return this.options.store.streamVersion(secretStreamId(ref));
  }

  private async append(ref: SecretRef, type: string, data: SecretPublishedData | SecretDeletedData, expectedVersion: number | undefined): Promise<StoredEvent> {
    const { written } = await this.options.store.append([{ streamId: secretStreamId(ref), type, data, expectedVersion: expectedVersion ?? 'any' }]);
    const event = written[0];
    if (this.options.bus) {
      // The event is committed: a doorbell that does not ring delays readers, it loses nothing.
      this.options.bus.ringDoorbell({ head: event.sequence }).catch((error: unknown) => this.options.logger.warn({ err: error, head: event.sequence }, 'could not ring the doorbell after a secret change'));
    }
    return event;
  }
}

// ---------------------------------------------------------------- shape checks for what is read back

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSecretMeta(meta: Record<string, unknown>, name: string): SecretMeta {
  const { type, keys, digest, owner, details, publishedAt } = meta;
  if (
    typeof type !== 'string' ||
    !Array.isArray(keys) ||
    !keys.every((key): key is string => typeof key === 'string') ||
    typeof digest !== 'string' ||
    typeof owner !== 'string' ||
    !isRecord(details) ||
    typeof publishedAt !== 'string'
  ) {
    throw new SecretsError('MG_ERR_CA_CONFIG', `secret ${name} has malformed metadata`);
  }
  return { type, keys, digest, owner, details, publishedAt };
}
