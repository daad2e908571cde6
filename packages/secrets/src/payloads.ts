/**
 * The payloads of applied `v1 Secret` objects, encrypted in the event store's secrets table. The
 * event log holds the SecretObject (key names, SHA-256 and size of each value); the bytes live
 * here, one row per content: `kubernetes-secret/<namespace>/<name>/<payloadDigest>`, where the
 * payload digest is computed from the object's key digests (`payloadDigestOf`). So a reader of
 * the log (xds) finds exactly the payload of the version it folded in, never a newer or older
 * one, and a row can be written before the event that references it.
 *
 * Order (the api's apply): the row is written BEFORE the event is appended. If the append then
 * fails, the store holds a row no event references (invisible, and removed with the Secret's
 * next change or deletion); the other order could leave the log referencing bytes that were
 * never stored, which a reader cannot recover from. The old row is removed only after the event
 * that replaced it is committed. The AAD of each row is its name, so a row cannot be replayed
 * under another Secret's name or digest.
 */
import { createHash } from 'node:crypto';
import type { EventStore } from '@meshgate/eventlog';
import type { SecretKeyDigest } from '@meshgate/model';
import type { SecretCipher } from './cipher.js';
import { SecretsError } from './errors.js';
import type { SecretRef } from './store.js';
import { openSealedSecret } from './sealed-secret.js';

export const APPLIED_SECRET_PREFIX = 'kubernetes-secret/';

/** Key → bytes, as applied. */
export type SecretPayload = ReadonlyMap<string, Buffer>;

/** SHA-256 (hex) over the sorted key names and their value digests: equal payloads, equal digest. */
export function payloadDigestOf(data: Readonly<Record<string, SecretKeyDigest>>): string {
  const entries = Object.keys(data)
    .sort()
    .map((key) => [key, data[key].sha256, data[key].bytes]);
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

export function keyDigestsOf(payload: SecretPayload): Record<string, SecretKeyDigest> {
  // Built with fromEntries, never by assignment: a Secret key may be `__proto__` (Kubernetes allows it).
  return Object.fromEntries(
    [...payload.keys()].sort().map((key) => {
      const bytes = payload.get(key) ?? Buffer.alloc(0);
      return [key, { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }];
    }),
  );
}

function rowPrefix(ref: SecretRef): string {
  return `${APPLIED_SECRET_PREFIX}${ref.namespace}/${ref.name}/`;
}

function rowName(ref: SecretRef, digest: string): string {
  return `${rowPrefix(ref)}${digest}`;
}

export interface AppliedSecretPayloadsOptions {
  store: Pick<EventStore, 'putSecret' | 'getSecret' | 'deleteSecret' | 'listSecrets'>;
  cipher: SecretCipher;
}

export class AppliedSecretPayloads {
  constructor(private readonly options: AppliedSecretPayloadsOptions) {}

  /** Stores the payload (idempotent: the same content is the same row); returns its digest. */
  async put(ref: SecretRef, type: string, payload: SecretPayload): Promise<string> {
    const digests = keyDigestsOf(payload);
    const digest = payloadDigestOf(digests);
    const name = rowName(ref, digest);
    const data: Record<string, string> = Object.fromEntries([...payload].map(([key, bytes]) => [key, bytes.toString('base64')]));
    const sealed = this.options.cipher.encrypt(JSON.stringify({ type, data }), name);
    // The meta is public facts only: what `listSecrets` shows without the key.
    await this.options.store.putSecret(name, sealed, { type, keys: Object.keys(digests), digest, cipher: 'aes-256-gcm' });
    return digest;
  }

  /** The payload stored under `digest`, or null when there is none. */
  async read(ref: SecretRef, digest: string): Promise<Map<string, Buffer> | null> {
    const name = rowName(ref, digest);
    const stored = await this.options.store.getSecret(name);
    if (stored === null) return null;
    const parsed: unknown = JSON.parse(this.options.cipher.decrypt(stored.ciphertext, name));
    const data = typeof parsed === 'object' && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
    if (typeof data !== 'object' || data === null || !Object.values(data).every((value) => typeof value === 'string')) {
      throw new SecretsError('MG_ERR_CA_CONFIG', `secret ${name} does not hold secret data`);
    }
    return new Map(Object.entries(data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
  }

  async has(ref: SecretRef, digest: string): Promise<boolean> {
    return (await this.options.store.getSecret(rowName(ref, digest))) !== null;
  }

  /** Removes every stored payload of the Secret but `keep` (the one its current event references); returns how many. */
  async removeAllBut(ref: SecretRef, keep?: string): Promise<number> {
    const rows = await this.options.store.listSecrets(rowPrefix(ref));
    let removed = 0;
    for (const row of rows) {
      if (keep !== undefined && row.name === rowName(ref, keep)) continue;
      // `a/b/` is also the prefix of nothing else: names hold no `/`, so this is the Secret's own row.
      if (row.name.slice(rowPrefix(ref).length).includes('/')) continue;
      if (await this.options.store.deleteSecret(row.name)) removed++;
    }
    return removed;
  }

  /** A Secret sealed for the bus (sealed-secret.ts), opened with this store's key; throws MG_ERR_CA_CONFIG when it does not open. */
  openSealed(object: Record<string, unknown>, namespace: string, name: string): Record<string, unknown> {
    return openSealedSecret(this.options.cipher, object, namespace, name);
  }

  /** Removes one stored payload (the one a replaced or deleted event referenced). */
  remove(ref: SecretRef, digest: string): Promise<boolean> {
    return this.options.store.deleteSecret(rowName(ref, digest));
  }
}
