/**
 * MESHGATE_API_TOKENS_FILE: narrower tokens, as a YAML list. Each entry has a `name` (shown in
 * logs and refusals), the token either as `sha256` (hex digest of the token: the file then holds
 * no secret) or as `token`, and its `scopes`:
 *
 *   - name: ci-deploy
 *     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *     scopes: [read, write]
 *   - name: xds
 *     token: "…"
 *     scopes: [ca-issue]
 *
 * Anything unexpected (an unknown key or scope, a duplicate name or token, a short token) stops
 * the start with a message naming the entry; nothing is silently ignored.
 */
import { parse } from 'yaml';
import type { CredentialEntry } from './credentials.js';
import { ADMIN_TOKEN_NAME } from './credentials.js';
import { AuthConfigError } from './errors.js';
import { isScope, SCOPES, type Scope } from './scopes.js';
import { checkToken, readTextFile, tokenDigest } from './token-text.js';

const ENTRY_KEYS = ['name', 'token', 'sha256', 'scopes'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** The entries of a tokens file's text; `what` (the file) is named in every error. */
export function parseTokensFile(text: string, what: string): CredentialEntry[] {
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true, maxAliasCount: 0 });
  } catch (error) {
    throw new AuthConfigError(`${what}: not valid YAML (${error instanceof Error ? error.message : String(error)})`, what);
  }
  if (document === null || document === undefined) return [];
  if (!Array.isArray(document)) throw new AuthConfigError(`${what}: expected a list of {name, sha256 | token, scopes}`, what);
  const entries = document.map((item, index) => parseEntry(item, `${what}: [${index}]`, what));
  const names = new Set<string>([ADMIN_TOKEN_NAME]);
  const digests = new Set<string>();
  entries.forEach((entry, index) => {
    if (names.has(entry.name)) throw new AuthConfigError(`${what}: [${index}].name "${entry.name}" is used twice (or is the reserved name of the API token)`, what);
    names.add(entry.name);
    const digest = entry.digest.toString('hex');
    if (digests.has(digest)) throw new AuthConfigError(`${what}: [${index}] has the same token as an earlier entry`, what);
    digests.add(digest);
  });
  return entries;
}

export function loadTokensFile(file: string): CredentialEntry[] {
  return parseTokensFile(readTextFile(file, 'MESHGATE_API_TOKENS_FILE'), `MESHGATE_API_TOKENS_FILE ${file}`);
}

function parseEntry(item: unknown, where: string, what: string): CredentialEntry {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new AuthConfigError(`${where}: expected a mapping {name, sha256 | token, scopes}`, what);
  const record = item as Record<string, unknown>;
  const unknownKey = Object.keys(record).find((key) => !ENTRY_KEYS.includes(key));
  if (unknownKey !== undefined) throw new AuthConfigError(`${where}: unknown key "${unknownKey}"; expected ${ENTRY_KEYS.join(', ')}`, what);
  const { name, token, sha256, scopes } = record;
  if (typeof name !== 'string' || !NAME.test(name)) throw new AuthConfigError(`${where}.name: expected a name of letters, digits, ".", "_" or "-" (at most 63)`, what);
  if ((token === undefined) === (sha256 === undefined)) throw new AuthConfigError(`${where} (${name}): give either sha256 or token`, what);
  let digest: Buffer;
  if (token !== undefined) {
    if (typeof token !== 'string') throw new AuthConfigError(`${where}.token (${name}): expected a string`, what);
    digest = tokenDigest(checkToken(token, `${where}.token (${name})`));
  } else {
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw new AuthConfigError(`${where}.sha256 (${name}): expected 64 hex digits (e.g. \`printf %s "$TOKEN" | sha256sum\`)`, what);
    digest = Buffer.from(sha256, 'hex');
  }
  if (!Array.isArray(scopes) || scopes.length === 0) throw new AuthConfigError(`${where}.scopes (${name}): expected a non-empty list of ${SCOPES.join(', ')}`, what);
  const checked: Scope[] = scopes.map((scope, i) => {
    if (!isScope(scope)) throw new AuthConfigError(`${where}.scopes[${i}] (${name}): "${String(scope)}" is not one of ${SCOPES.join(', ')}`, what);
    return scope;
  });
  return { name, digest, scopes: [...new Set(checked)] };
}
