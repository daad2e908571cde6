/**
 * The single API token, which holds every scope. Where it comes from: MESHGATE_API_TOKEN, or
 * MESHGATE_API_TOKEN_FILE (not both). With neither, the embedded default generates one once into
 * `<dataDir>/api-token` (0600), which the CLI on the same machine reads; a distributed process
 * without one accepts only the tokens of MESHGATE_API_TOKENS_FILE.
 */
import path from 'node:path';
import { AuthConfigError } from './errors.js';
import { createFileOnce } from './secret-file.js';
import { checkToken, generateToken, readTextFile } from './token-text.js';

export const API_TOKEN_FILE = 'api-token';

export interface ApiTokenSources {
  /** MESHGATE_API_TOKEN (or a token the caller passes). */
  token?: string;
  /** MESHGATE_API_TOKEN_FILE */
  tokenFile?: string;
  /**
   * With neither: `file` generates one once into `<dataDir>/api-token` (the embedded default),
   * `memory` makes one for this process only (an in-memory run), `none` leaves the server
   * without it.
   */
  fallback: 'file' | 'memory' | 'none';
  dataDir: string;
}

export interface LoadedApiToken {
  /** undefined when no token is configured. */
  token?: string;
  /** Where it came from, for a log line: never the token itself. */
  source: string;
}

/** MESHGATE_API_TOKEN and MESHGATE_API_TOKEN_FILE, unset when empty. */
export function apiTokenSourcesFromEnv(env: NodeJS.ProcessEnv): Pick<ApiTokenSources, 'token' | 'tokenFile'> {
  const token = env.MESHGATE_API_TOKEN === '' ? undefined : env.MESHGATE_API_TOKEN;
  const tokenFile = env.MESHGATE_API_TOKEN_FILE === '' ? undefined : env.MESHGATE_API_TOKEN_FILE;
  return { token, tokenFile };
}

export function loadApiToken(sources: ApiTokenSources): LoadedApiToken {
  if (sources.token !== undefined && sources.tokenFile !== undefined) {
    throw new AuthConfigError('set MESHGATE_API_TOKEN or MESHGATE_API_TOKEN_FILE, not both', 'MESHGATE_API_TOKEN');
  }
  if (sources.token !== undefined) return { token: checkToken(sources.token, 'MESHGATE_API_TOKEN'), source: 'MESHGATE_API_TOKEN' };
  if (sources.tokenFile !== undefined) {
    return { token: checkToken(readTextFile(sources.tokenFile, 'MESHGATE_API_TOKEN_FILE'), 'MESHGATE_API_TOKEN_FILE'), source: `file ${sources.tokenFile}` };
  }
  if (sources.fallback === 'none') return { source: 'none configured' };
  if (sources.fallback === 'memory') return { token: generateToken(), source: 'generated for this process (in memory)' };
  const file = path.resolve(sources.dataDir, API_TOKEN_FILE);
  const created = createFileOnce(file, () => `${generateToken()}\n`);
  return { token: checkToken(readTextFile(file, file), file), source: `${created ? 'generated' : 'file'} ${file}` };
}
