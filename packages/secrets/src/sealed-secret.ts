/**
 * A `v1 Secret` crossing the bus (the Kubernetes watcher → the api): its values (`data`,
 * `stringData`) are sealed under the deployment key before publishing and opened by the api
 * before apply, so that NATS (its stream, its logs, anyone subscribed) never holds the bytes.
 *
 * The sealed object keeps everything but the values in clear (metadata, type, immutable: the
 * api routes and diffs on them) and carries `sealed: aes-256-gcm:v1:…`, whose associated data is
 * the object's identity `Secret/<namespace>/<name>`: a sealed payload copied onto another
 * Secret's message does not open.
 */
import type { SecretCipher } from './cipher.js';
import { SecretsError } from './errors.js';

/** The field of a sealed Secret that holds its values. */
export const SEALED_FIELD = 'sealed';

/** The associated data of a sealed Secret's values. */
export function sealedSecretIdentity(namespace: string, name: string): string {
  return `Secret/${namespace}/${name}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a bus object is a sealed Secret (an object that must be opened before apply). */
export function isSealedSecret(object: unknown): object is Record<string, unknown> & { sealed: string } {
  return isRecord(object) && object.kind === 'Secret' && typeof object[SEALED_FIELD] === 'string';
}

/** The Secret with `data`/`stringData` replaced by `sealed`. `namespace` is the one the change routes to. */
export function sealSecret(cipher: SecretCipher, object: Record<string, unknown>, namespace: string, name: string): Record<string, unknown> {
  const { data, stringData, ...rest } = object;
  const values: Record<string, unknown> = {};
  if (data !== undefined) values.data = data;
  if (stringData !== undefined) values.stringData = stringData;
  return { ...rest, [SEALED_FIELD]: cipher.encrypt(JSON.stringify(values), sealedSecretIdentity(namespace, name)) };
}

/**
 * The Secret as it was before sealing. Throws MG_ERR_CA_CONFIG when it does not open with this
 * key or under this identity (another deployment's key, a payload moved to another Secret).
 */
export function openSealedSecret(cipher: SecretCipher, object: Record<string, unknown>, namespace: string, name: string): Record<string, unknown> {
  const { [SEALED_FIELD]: sealed, ...rest } = object;
  if (typeof sealed !== 'string') return object;
  const values: unknown = JSON.parse(cipher.decrypt(sealed, sealedSecretIdentity(namespace, name)));
  if (!isRecord(values)) throw new SecretsError('MG_ERR_CA_CONFIG', `the sealed values of ${sealedSecretIdentity(namespace, name)} are not a map`);
  const opened: Record<string, unknown> = { ...rest };
  if (values.data !== undefined) opened.data = values.data;
  if (values.stringData !== undefined) opened.stringData = values.stringData;
  return opened;
}
