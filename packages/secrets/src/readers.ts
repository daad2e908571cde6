/**
 * `GET /v1/secrets/:namespace/:name` reads from two places: the secrets the CA publishes and the
 * payloads of applied Secrets. An applied Secret is read at the version the caller's MeshState
 * holds (its payload digest), so the bytes always match the digests `GET /v1/resources` shows.
 */
import { stateKey, type MeshState } from '@meshgate/model';
import { payloadDigestOf, type AppliedSecretPayloads } from './payloads.js';
import type { SecretBytes, SecretReader, SecretRef } from './store.js';

export function appliedSecretReader(payloads: Pick<AppliedSecretPayloads, 'read'>, state: () => MeshState): SecretReader {
  return {
    async readBytes(ref: SecretRef): Promise<SecretBytes | null> {
      const object = state().byKind.Secret.get(stateKey(ref.namespace, ref.name));
      if (object === undefined) return null;
      const data = await payloads.read(ref, payloadDigestOf(object.data));
      return data === null ? null : { type: object.type, data };
    },
  };
}

/** The first reader that has the secret answers. */
export function firstSecretReader(...readers: SecretReader[]): SecretReader {
  return {
    async readBytes(ref: SecretRef): Promise<SecretBytes | null> {
      for (const reader of readers) {
        const found = await reader.readBytes(ref);
        if (found !== null) return found;
      }
      return null;
    },
  };
}
