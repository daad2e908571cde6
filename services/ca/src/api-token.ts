/**
 * The API token now lives in @meshgate/auth (shared with the api); re-exported here for the
 * callers that know it as the CA's.
 */
import { adminTokenEntry, Credentials } from '@meshgate/auth';

export { API_TOKEN_FILE, MIN_TOKEN_LENGTH as MIN_API_TOKEN_LENGTH, apiTokenSourcesFromEnv, loadApiToken, type ApiTokenSources, type LoadedApiToken } from '@meshgate/auth';

/** @deprecated use `Credentials.adminToken(token)` or `loadCredentials`: the single token, every scope. */
export class ApiTokenVerifier extends Credentials {
  constructor(token: string | undefined) {
    super(token === undefined ? [] : [adminTokenEntry(token)]);
  }
}
