/**
 * The decision every protected endpoint takes, free of any transport: from the `Authorization`
 * value (an HTTP header or gRPC metadata) and the scope needed, either the principal or a
 * refusal — `unauthenticated` (no bearer token: HTTP 401, gRPC UNAUTHENTICATED) or `forbidden`
 * (an unknown token or one without the scope: HTTP 403, gRPC PERMISSION_DENIED). Messages name
 * the scope and where tokens come from, never the token.
 */
import type { Credentials, Principal } from './credentials.js';
import { scopeCovers, type Scope } from './scopes.js';

export type AuthDecision = { ok: true; principal: Principal } | { ok: false; refusal: 'unauthenticated' | 'forbidden'; message: string };

/** `WWW-Authenticate` of a 401 (RFC 6750). */
export const BEARER_CHALLENGE = 'Bearer realm="meshgate"';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

const TOKEN_SOURCES = 'MESHGATE_API_TOKEN(_FILE), a MESHGATE_API_TOKENS_FILE entry, or <data dir>/api-token of the embedded run';

/** The token of an `Authorization: Bearer …` value; undefined for anything else. */
export function bearerToken(value: unknown): string | undefined {
  const header = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

function scopesText(principal: Principal): string {
  return principal.scopes.size === 0 ? 'none' : [...principal.scopes].join(', ');
}

/** `what` names the operation in messages ("rotating the root needs …"). */
export function authorize(credentials: Credentials, authorization: unknown, scope: Scope, what = 'this endpoint'): AuthDecision {
  const token = bearerToken(authorization);
  if (token === undefined) {
    return { ok: false, refusal: 'unauthenticated', message: `${what} needs a token with the "${scope}" scope: send "Authorization: Bearer <token>" (${TOKEN_SOURCES})` };
  }
  const principal = credentials.authenticate(token);
  if (principal === undefined) {
    const message = credentials.configured
      ? `the token is not valid for this server (${what} needs the "${scope}" scope)`
      : 'this server has no token configured (MESHGATE_API_TOKEN, MESHGATE_API_TOKEN_FILE or MESHGATE_API_TOKENS_FILE), so it accepts none';
    return { ok: false, refusal: 'forbidden', message };
  }
  return requireScope(principal, scope, what);
}

/** A principal already known (e.g. a second, stricter check inside a handler) against a scope. */
export function requireScope(principal: Principal, scope: Scope, what = 'this endpoint'): AuthDecision {
  if (scopeCovers(principal.scopes, scope)) return { ok: true, principal };
  return { ok: false, refusal: 'forbidden', message: `the token "${principal.name}" lacks the "${scope}" scope that ${what} needs (it has: ${scopesText(principal)})` };
}
