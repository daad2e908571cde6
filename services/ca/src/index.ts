/**
 * @meshgate/ca: the certificate authority. See README.md for configuration, storage and API.
 *
 * - `startCaService(options)`: the service (CA + REST + gRPC), as main.ts and the embedded run start it.
 * - `createCa(options)`: the CA alone, on a store (tests, benches, custom wiring).
 * - `createInProcessCa(ca)` / `connectCa(address)`: the CA for other services, one interface in both modes.
 * - `registerCaRoutes(app, ca, access)`: the REST endpoints on another fastify app.
 * - `IngressGatewayCertificates`: the certificate MeshConfig's ingressGateway asks for, published as a secret.
 * - `SecretStore`: the published secrets (encrypted in the event store; events without key material);
 *   it and its cipher live in @meshgate/secrets and are re-exported here.
 * - Access: every operation but the trust bundle takes a token with a scope (access.ts; the
 *   credential model is @meshgate/auth's). `requireScope` / `requireOperation` guard more routes.
 */
export * from './types.js';
export { createCa, MeshCa, DEFAULT_MAX_VALIDITY, DEFAULT_ROOT_VALIDITY, DEFAULT_VALIDITY, type CaOptions } from './authority.js';
export { startCaService, type RunningCaService, type StartCaServiceOptions } from './service.js';
export { caOptionsFromConfig, parseKeyAlgorithmSetting, type CaSettingsOptions } from './settings.js';
export { connectCa, createInProcessCa, type CaClient, type ConnectCaOptions } from './grpc/client.js';
export { registerCaGrpcService } from './grpc/server.js';
export { buildCaHttpApp, type CaHttpAppOptions } from './http/app.js';
export { caRoutes, registerCaRoutes, type CaRouteAccess, type CaRoutesOptions } from './http/routes.js';
export { registerSecretRoutes, type KubernetesSecret } from './http/secret-routes.js';
export { requireApiToken, requireOperation, requireScope } from './http/auth.js';
export { CA_OPERATION_SCOPES, checkAccess, checkIssueEntitlement, checkScope, type CaOperation } from './access.js';
export { API_TOKEN_FILE, MIN_API_TOKEN_LENGTH, ApiTokenVerifier, apiTokenSourcesFromEnv, loadApiToken, type ApiTokenSources, type LoadedApiToken } from './api-token.js';
export {
  IngressGatewayCertificates,
  INGRESS_GATEWAY_SECRET_KEYS,
  INGRESS_GATEWAY_SECRET_OWNER,
  NO_LONGER_REQUESTED,
  type IngressGatewayCertificatesEvents,
  type IngressGatewayCertificatesOptions,
  type IngressGatewayPublishReason,
  type MeshStateSource,
} from './ingress-gateway-certificates.js';
export {
  SecretStore,
  SECRET_DELETED,
  SECRET_PUBLISHED,
  SECRET_STORE_PREFIX,
  TLS_SECRET_TYPE,
  checkSecretRef,
  secretDigest,
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
} from '@meshgate/secrets';
export { CA_ERRORS, HTTP_ONLY_ERRORS } from './errors.js';
export { formatDuration, parseGoDuration, parseValidity } from './duration.js';
export { loadEncryptionKey, parseEncryptionKey, SecretCipher, GENERATED_KEY_FILE, type EncryptionKeySources } from '@meshgate/secrets';
export { materialFromOperatorPem, type SignerMaterial } from './signer.js';
export { SIGNER_SECRET_PREFIX } from './signer-store.js';
export { caMetrics } from './metrics.js';
export { createCsr, type CsrRequest } from './x509/csr-builder.js';
export { generateKeyPair } from './x509/algorithms.js';
export {
  JoinTokens,
  JoinTokenRefused,
  JOIN_TOKEN_ISSUED,
  JOIN_TOKEN_CONSUMED,
  JOIN_TOKEN_PREFIX,
  DEFAULT_JOIN_TOKEN_TTL,
  MAX_JOIN_TOKEN_TTL,
  type CreatedJoinToken,
  type JoinTokensOptions,
} from './join-tokens.js';
export { registerWorkloadRoutes, type WorkloadRoutesOptions } from './http/workload-routes.js';
