/**
 * @meshgate/secrets: secrets at rest and gateway credentials, for the api, the ca and xds (none
 * of them imports another service for it).
 *
 * - `SecretCipher`, `loadEncryptionKey`: AES-256-GCM under the deployment key (MESHGATE_CA_ENCRYPTION_KEY[_FILE]).
 * - `SecretStore`: the secrets the CA publishes (SecretPublished/SecretDeleted events, payload encrypted).
 * - `AppliedSecretPayloads`: the payloads of applied `v1 Secret` objects (the log holds digests only).
 * - `tlsProblems`: what is wrong with a payload as a TLS credential.
 * - `resolveGatewayCredential`, `resolveCredentialSdsName`: Istio's three credential layouts.
 */
export { SecretsError, type SecretsErrorCode } from './errors.js';
export { loadEncryptionKey, loadOptionalEncryptionKey, parseEncryptionKey, SecretCipher, GENERATED_KEY_FILE, type EncryptionKeySources, type LoadedEncryptionKey } from './cipher.js';
export {
  SecretStore,
  SECRET_DELETED,
  SECRET_PUBLISHED,
  SECRET_STORE_PREFIX,
  TLS_SECRET_TYPE,
  checkSecretRef,
  secretDigest,
  secretRefText,
  secretStoreName,
  secretStreamId,
  type PublishedSecret,
  type PublishSecretRequest,
  type SecretData,
  type SecretDeletedData,
  type SecretMeta,
  type SecretPublishedData,
  type SecretRef,
  type SecretStoreOptions,
  type SecretSummary,
} from './store.js';
export { APPLIED_SECRET_PREFIX, AppliedSecretPayloads, keyDigestsOf, payloadDigestOf, type AppliedSecretPayloadsOptions, type SecretPayload } from './payloads.js';
// The credential resolution and TLS checks, as `@meshgate/secrets/credentials` exports them.
export * from './credentials-entry.js';
export { appliedSecretReader, firstSecretReader } from './readers.js';
export type { SecretBytes, SecretReader } from './store.js';
export { isSealedSecret, openSealedSecret, sealSecret, sealedSecretIdentity, SEALED_FIELD } from './sealed-secret.js';
