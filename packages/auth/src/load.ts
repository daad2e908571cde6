/**
 * A server's credentials from its environment: the single API token (every scope; see
 * api-token.ts) and the entries of MESHGATE_API_TOKENS_FILE. Services and the embedded run load
 * them once here and hand the same `Credentials` to every front door.
 */
import { apiTokenSourcesFromEnv, loadApiToken, type ApiTokenSources } from './api-token.js';
import { Credentials, type CredentialEntry } from './credentials.js';
import { loadTokensFile } from './tokens-file.js';

export interface CredentialSources extends ApiTokenSources {
  /** MESHGATE_API_TOKENS_FILE */
  tokensFile?: string;
  /** Tokens the process makes for its own parts (the embedded run's write-back token). */
  extra?: readonly CredentialEntry[];
}

export interface LoadedCredentials {
  credentials: Credentials;
  /** The single API token, when there is one (the embedded run shows where it is; tests use it). */
  apiToken?: string;
  /** Where the tokens came from, for a log line: never a token. */
  source: string;
}

/** MESHGATE_API_TOKEN, MESHGATE_API_TOKEN_FILE and MESHGATE_API_TOKENS_FILE, unset when empty. */
export function credentialSourcesFromEnv(env: NodeJS.ProcessEnv): Pick<CredentialSources, 'token' | 'tokenFile' | 'tokensFile'> {
  const tokensFile = env.MESHGATE_API_TOKENS_FILE === '' ? undefined : env.MESHGATE_API_TOKENS_FILE;
  return { ...apiTokenSourcesFromEnv(env), tokensFile };
}

export function loadCredentials(sources: CredentialSources): LoadedCredentials {
  const apiToken = loadApiToken(sources);
  const entries = [...(sources.tokensFile === undefined ? [] : loadTokensFile(sources.tokensFile)), ...(sources.extra ?? [])];
  const credentials = Credentials.adminToken(apiToken.token, entries);
  const named = entries.length === 0 ? '' : `; ${entries.length} more from ${sources.tokensFile ?? 'this process'} (${entries.map((e) => `${e.name}: ${e.scopes.join('+')}`).join(', ')})`;
  return { credentials, apiToken: apiToken.token, source: `API token: ${apiToken.source}${named}` };
}
