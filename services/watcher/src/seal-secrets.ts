/**
 * The bus never carries a Secret's values in clear when the watcher has the deployment key: a
 * Secret a manifests directory declares is sealed on its way to the bus like a cluster's
 * (packages/secrets sealed-secret.ts); the api opens it before apply.
 */
import type { ResourceChanged } from '@meshgate/bus';
import { isSealedSecret, sealSecret, type SecretCipher } from '@meshgate/secrets';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `publish`, with every Secret apply sealed under `cipher` (when given). */
export function sealingSecrets(publish: (change: ResourceChanged) => Promise<void>, cipher: SecretCipher | undefined): (change: ResourceChanged) => Promise<void> {
  if (!cipher) return publish;
  return (change) => {
    const { object } = change;
    if (change.op !== 'apply' || change.kind !== 'Secret' || !isRecord(object) || isSealedSecret(object)) return publish(change);
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
    const name = typeof metadata.name === 'string' ? metadata.name : change.name;
    return publish({ ...change, object: sealSecret(cipher, object, namespace, name) });
  };
}
