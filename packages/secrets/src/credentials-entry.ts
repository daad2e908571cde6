/**
 * `@meshgate/secrets/credentials`: the credential resolution and TLS checks alone, with no
 * dependency but @meshgate/model and node:crypto — for the compiler and the analysis, which
 * need to know what a `credentialName` resolves to but never touch the secret store.
 */
export { CA_KEYS, CERTIFICATE_KEY_PAIRS, parseCertificates, tlsProblems } from './tls-problems.js';
export {
  CA_CERT_SUFFIX,
  CREDENTIAL_ROLES,
  CREDENTIAL_SDS_PREFIX,
  caCertificateSdsName,
  credentialServable,
  credentialSdsName,
  resolveCredentialSdsName,
  resolveGatewayCredential,
  type CertificateSource,
  type CredentialSource,
  type GatewayCredential,
  type SecretLocation,
  type SecretsByKey,
  type ValidationSource,
} from './credentials.js';
export type { SecretPayload } from './payloads.js';
export { credentialSecrets, gatewayWorkloadNamespaces, type GatewayWorkload, type WorkloadNamespace } from './credential-namespaces.js';
