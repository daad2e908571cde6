/**
 * The bearer token of the REST endpoints that hand out private keys or change the CA
 * (`GET /v1/secrets/…`, `POST /v1/ca/issue`, `/rotate`, `/drop-inactive-roots`).
 *
 * Where it comes from: MESHGATE_API_TOKEN, or MESHGATE_API_TOKEN_FILE (not both). With neither,
 * the embedded default generates one once into `<dataDir>/api-token` (0600), which the CLI reads
 * on the same machine; a distributed ca process without one serves those endpoints to nobody.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createFileOnce } from './secret-file.js';
import { CaError } from './types.js';

export const API_TOKEN_FILE = 'api-token';
/** Shorter tokens are refused: a guessable token protects nothing. */
export const MIN_API_TOKEN_LENGTH = 16;

export interface ApiTokenSources {
  /** MESHGATE_API_TOKEN (or a token the caller passes). */
  token?: string;
  /** MESHGATE_API_TOKEN_FILE */
  tokenFile?: string;
  /**
   * With neither: `file` generates one once into `<dataDir>/api-token` (the embedded default),
   * `memory` makes one for this process only (an in-memory run), `none` leaves the server
   * without a token (every authenticated request is refused).
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
    throw new CaError('MG_ERR_CA_CONFIG', 'set MESHGATE_API_TOKEN or MESHGATE_API_TOKEN_FILE, not both', 'MESHGATE_API_TOKEN');
  }
  if (sources.token !== undefined) return { token: checkToken(sources.token, 'MESHGATE_API_TOKEN'), source: 'MESHGATE_API_TOKEN' };
  if (sources.tokenFile !== undefined) {
    return { token: checkToken(readTokenFile(sources.tokenFile, 'MESHGATE_API_TOKEN_FILE'), 'MESHGATE_API_TOKEN_FILE'), source: `file ${sources.tokenFile}` };
  }
  if (sources.fallback === 'none') return { source: 'none configured' };
  if (sources.fallback === 'memory') return { token: generateToken(), source: 'generated for this process (in memory)' };
  const file = path.resolve(sources.dataDir, API_TOKEN_FILE);
  const created = createFileOnce(file, () => `${generateToken()}\n`);
  return { token: checkToken(readTokenFile(file, file), file), source: `${created ? 'generated' : 'file'} ${file}` };
}

function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

function readTokenFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CaError('MG_ERR_CA_CONFIG', `${what}: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`, what);
  }
}

function checkToken(raw: string, what: string): string {
  const token = raw.trim();
  if (!/^[\x21-\x7e]+$/.test(token)) throw new CaError('MG_ERR_CA_CONFIG', `${what}: the API token must be printable ASCII without spaces`, what);
  if (token.length < MIN_API_TOKEN_LENGTH) {
    throw new CaError('MG_ERR_CA_CONFIG', `${what}: the API token must be at least ${MIN_API_TOKEN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`, what);
  }
  return token;
}

/**
 * Checks presented tokens in constant time: both sides are hashed to 32 bytes first, so neither
 * the content nor the length of the configured token leaks through how long a comparison takes.
 */
export class ApiTokenVerifier {
  readonly #digest: Buffer | undefined;

  constructor(token: string | undefined) {
    this.#digest = token === undefined ? undefined : sha256(token);
  }

  /** false: the server has no token, and accepts none. */
  get configured(): boolean {
    return this.#digest !== undefined;
  }

  verify(presented: string): boolean {
    if (this.#digest === undefined) return false;
    return timingSafeEqual(sha256(presented), this.#digest);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
