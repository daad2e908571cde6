/**
 * @meshgate/ca: the certificate authority. See README.md for configuration, storage and API.
 *
 * - `startCaService(options)`: the service (CA + REST + gRPC), as main.ts and the embedded run start it.
 * - `createCa(options)`: the CA alone, on a store (tests, benches, custom wiring).
 * - `createInProcessCa(ca)` / `connectCa(address)`: the CA for other services, one interface in both modes.
 * - `registerCaRoutes(app, ca)`: the REST endpoints on another fastify app.
 */
export * from './types.js';
export { createCa, MeshCa, DEFAULT_MAX_VALIDITY, DEFAULT_ROOT_VALIDITY, DEFAULT_VALIDITY, type CaOptions } from './authority.js';
export { startCaService, type RunningCaService, type StartCaServiceOptions } from './service.js';
export { caOptionsFromConfig, parseKeyAlgorithmSetting, type CaSettingsOptions } from './settings.js';
export { connectCa, createInProcessCa, type CaClient, type ConnectCaOptions } from './grpc/client.js';
export { registerCaGrpcService } from './grpc/server.js';
export { caProtoPath, CA_SERVICE_NAME } from './grpc/definition.js';
export { buildCaHttpApp, type CaHttpAppOptions } from './http/app.js';
export { caRoutes, registerCaRoutes } from './http/routes.js';
export { CA_ERRORS, HTTP_ONLY_ERRORS } from './errors.js';
export { formatDuration, parseGoDuration, parseValidity } from './duration.js';
export { loadEncryptionKey, parseEncryptionKey, SecretCipher, GENERATED_KEY_FILE, type EncryptionKeySources } from './encryption.js';
export { materialFromOperatorPem, type SignerMaterial } from './signer.js';
export { SIGNER_SECRET_PREFIX } from './signer-store.js';
export { caMetrics } from './metrics.js';
export { createCsr, type CsrRequest } from './x509/csr-builder.js';
export { generateKeyPair } from './x509/algorithms.js';
