/**
 * What a token looks like: printable ASCII without spaces, at least MIN_TOKEN_LENGTH characters
 * (a guessable token protects nothing), and how a fresh one is made. Tokens are compared as
 * SHA-256 digests, so a tokens file may hold the digest instead of the token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AuthConfigError } from './errors.js';

export const MIN_TOKEN_LENGTH = 16;

/** 32 random bytes, base64url: 43 characters. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The trimmed token, or an error naming `what` (a variable or a file). */
export function checkToken(raw: string, what: string): string {
  const token = raw.trim();
  if (!/^[\x21-\x7e]+$/.test(token)) throw new AuthConfigError(`${what}: a token must be printable ASCII without spaces`, what);
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new AuthConfigError(`${what}: a token must be at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`, what);
  }
  return token;
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function readTextFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AuthConfigError(`${what}: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`, what);
  }
}
