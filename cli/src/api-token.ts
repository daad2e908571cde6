/**
 * The API token the authenticated endpoints (`/v1/secrets/…`, the CA's issue / rotate /
 * drop-inactive-roots) take, found in this order: `--token`, MESHGATE_API_TOKEN,
 * MESHGATE_API_TOKEN_FILE, then the file the embedded run writes, `<data dir>/api-token`
 * (MESHGATE_DATA_DIR, default ./.meshgate) — so `meshgate cert get` works next to `npm start`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiResponse } from './api-client.js';
import { problemMessage } from './api-client.js';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';

/** The file name `meshgate up` writes the token to (services/ca's API_TOKEN_FILE). */
const EMBEDDED_TOKEN_FILE = 'api-token';

export interface ResolvedToken {
  token?: string;
  /** Where it came from, for the hint when the server refuses it. */
  source: string;
}

async function readTokenFile(file: string, what: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new CliError(`error: ${what}: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`);
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

export async function resolveApiToken(flag: string | undefined, context: CliContext): Promise<ResolvedToken> {
  if (flag !== undefined && flag !== '') return { token: flag, source: '--token' };
  const { MESHGATE_API_TOKEN: inline, MESHGATE_API_TOKEN_FILE: tokenFile, MESHGATE_DATA_DIR: dataDir } = context.env;
  if (inline) return { token: inline, source: 'MESHGATE_API_TOKEN' };
  if (tokenFile) return { token: await readTokenFile(path.resolve(context.cwd, tokenFile), 'MESHGATE_API_TOKEN_FILE'), source: `MESHGATE_API_TOKEN_FILE (${tokenFile})` };
  const embedded = path.resolve(context.cwd, dataDir || './.meshgate', EMBEDDED_TOKEN_FILE);
  try {
    return { token: (await readFile(embedded, 'utf8')).trim(), source: `file ${embedded}` };
  } catch (error) {
    if (isMissing(error)) return { source: `none (no --token, MESHGATE_API_TOKEN or ${embedded})` };
    throw new CliError(`error: cannot read the API token file ${embedded} (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The header that carries it, when there is one. */
export function authorizationHeader(token: ResolvedToken): Record<string, string> {
  return token.token === undefined ? {} : { authorization: `Bearer ${token.token}` };
}

/**
 * For a 401 or 403: the server's message and one line on where the token comes from. Other
 * statuses get the server's message alone.
 */
export function refusedMessage(response: ApiResponse, token: ResolvedToken): string {
  const message = problemMessage(response);
  if (response.status !== 401 && response.status !== 403) return message;
  const tried = token.token === undefined ? 'no token was found' : `the token from ${token.source} was refused`;
  return (
    `${message}\n` +
    `hint: ${tried}; pass the server's API token with --token, MESHGATE_API_TOKEN or MESHGATE_API_TOKEN_FILE (\`meshgate up\` writes it to <data dir>/api-token, MESHGATE_DATA_DIR, default ./.meshgate)`
  );
}
