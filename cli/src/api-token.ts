/**
 * The token every request to the server carries (reads need `read`, apply and delete `write`,
 * the CA and its secrets `ca-admin`), found in this order: `--token`, MESHGATE_API_TOKEN,
 * MESHGATE_API_TOKEN_FILE, then the file the embedded run writes, `<data dir>/api-token`
 * (MESHGATE_DATA_DIR, default ./.meshgate; every scope) — so every command works next to `npm start`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';

export const TOKEN_OPTION_HELP = 'token to send (default: MESHGATE_API_TOKEN, MESHGATE_API_TOKEN_FILE, then <MESHGATE_DATA_DIR or ./.meshgate>/api-token)';

/** The file name `meshgate up` writes the token to (@meshgate/auth's API_TOKEN_FILE). */
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
    if (isMissing(error)) return { source: `no --token, MESHGATE_API_TOKEN, MESHGATE_API_TOKEN_FILE or ${embedded}` };
    throw new CliError(`error: cannot read the API token file ${embedded} (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The header that carries it, when there is one. */
export function authorizationHeader(token: ResolvedToken): Record<string, string> {
  return token.token === undefined ? {} : { authorization: `Bearer ${token.token}` };
}
