/**
 * The secret-store side of applying and deleting Secrets, around the event append.
 *
 * Order: each payload is stored BEFORE the event that references it is appended, and the payload
 * an event replaced (or a deleted Secret's) is removed only AFTER the append committed. Rows are
 * named by content (`AppliedSecretPayloads`), so storing first never changes what a committed
 * event points at. A failure between the two steps leaves an unreferenced row (removed with the
 * Secret's next change or deletion), never an acknowledged apply without its payload, nor an
 * event whose payload does not exist. The log has no transaction shared with the secrets table,
 * so this order is what makes the pair safe.
 */
import type { SecretObject } from '@meshgate/model';
import { payloadDigestOf, type AppliedSecretPayloads, type SecretPayload, type SecretRef } from '@meshgate/secrets';

interface PendingPayload {
  ref: SecretRef;
  type: string;
  payload: SecretPayload;
  digest: string;
  /** The digest of the payload the previous version referenced, when it differs. */
  replaced?: string;
}

function refOfSecret(object: SecretObject): SecretRef {
  return { namespace: object.metadata.namespace, name: object.metadata.name };
}

export class SecretPayloadWrites {
  private readonly pending: PendingPayload[] = [];

  constructor(private readonly payloads: AppliedSecretPayloads) {}

  /** `object` will be appended, replacing `current` (if any). */
  applying(object: SecretObject, current: SecretObject | undefined, payload: SecretPayload): void {
    const digest = payloadDigestOf(object.data);
    const previous = current === undefined ? undefined : payloadDigestOf(current.data);
    this.pending.push({ ref: refOfSecret(object), type: object.type, payload, digest, ...(previous !== undefined && previous !== digest ? { replaced: previous } : {}) });
  }

  async beforeAppend(): Promise<void> {
    for (const write of this.pending) await this.payloads.put(write.ref, write.type, write.payload);
  }

  async afterAppend(): Promise<void> {
    for (const write of this.pending) {
      if (write.replaced !== undefined) await this.payloads.remove(write.ref, write.replaced);
      // A deletion of the same Secret racing this apply may have removed the row after it was
      // stored: the committed event must find its payload.
      if (!(await this.payloads.has(write.ref, write.digest))) await this.payloads.put(write.ref, write.type, write.payload);
    }
  }

  /** The Secret's deletion is committed: every payload row of it goes. */
  async deleted(object: SecretObject): Promise<void> {
    await this.payloads.removeAllBut(refOfSecret(object));
  }
}
