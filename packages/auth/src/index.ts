/**
 * @meshgate/auth: the credential model the api and the ca share (neither imports the other).
 *
 * - Scopes (`read`, `write`, `ca-issue`, `ca-admin`, `ca-secrets`) and what each grants: scopes.ts.
 * - `Credentials`: named tokens with scopes, checked in constant time; `loadCredentials` builds
 *   them from MESHGATE_API_TOKEN(_FILE) (every scope) and MESHGATE_API_TOKENS_FILE (narrower).
 * - `authorize(credentials, authorizationHeader, scope)`: the transport-free decision that the
 *   REST hooks and gRPC handlers turn into 401/403 or UNAUTHENTICATED/PERMISSION_DENIED.
 * - `loadCaClientToken`: the token the xds service presents to the CA.
 */
export { SCOPES, SCOPE_DESCRIPTIONS, isScope, scopeCovers, type Scope } from './scopes.js';
export { ADMIN_TOKEN_NAME, Credentials, adminTokenEntry, type CredentialEntry, type Principal } from './credentials.js';
export { authorize, bearerToken, requireScope, BEARER_CHALLENGE, type AuthDecision } from './authorize.js';
export { API_TOKEN_FILE, apiTokenSourcesFromEnv, loadApiToken, type ApiTokenSources, type LoadedApiToken } from './api-token.js';
export { credentialSourcesFromEnv, loadCredentials, type CredentialSources, type LoadedCredentials } from './load.js';
export { loadTokensFile, parseTokensFile } from './tokens-file.js';
export { loadCaClientToken, loadXdsAdminClientToken, loadWriteBackClientToken, type ClientToken } from './client-token.js';
export { MIN_TOKEN_LENGTH, generateToken, tokenDigest } from './token-text.js';
export { AuthConfigError } from './errors.js';
export { createFileOnce } from './secret-file.js';
