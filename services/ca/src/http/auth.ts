/**
 * Bearer-token authentication for the CA's REST routes: `onRequest` hooks deciding through
 * access.ts. 401 (with `WWW-Authenticate: Bearer`) without a token, 403 with an unknown token or
 * one that lacks the scope; the body is the CA's problem shape (the route plugin's error
 * handler renders the CaError). Tokens are compared in constant time (@meshgate/auth) and never
 * logged: fastify's request log lines carry no headers.
 */
import { BEARER_CHALLENGE, type Credentials, type Principal, type Scope } from '@meshgate/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkAccess, checkScope, type CaOperation } from '../access.js';
import { CaError } from '../types.js';

function challengeOnRefusal<T>(reply: FastifyReply, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof CaError && error.code === 'MG_ERR_UNAUTHENTICATED') void reply.header('www-authenticate', BEARER_CHALLENGE);
    throw error;
  }
}

/** The principal of a request allowed to do `operation`; a refusal throws (with the challenge header on a 401). */
export function admit(credentials: Credentials, request: FastifyRequest, reply: FastifyReply, operation: CaOperation): Principal {
  return challengeOnRefusal(reply, () => checkAccess(credentials, request.headers.authorization, operation));
}

/** An `onRequest` hook: only requests whose token may do `operation` reach the handler. */
export function requireOperation(credentials: Credentials, operation: CaOperation) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    admit(credentials, request, reply, operation);
  };
}

/** An `onRequest` hook: only requests whose token holds `scope` reach the handler. */
export function requireScope(credentials: Credentials, scope: Scope) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    challengeOnRefusal(reply, () => checkScope(credentials, request.headers.authorization, scope));
  };
}

/**
 * The hook of routes for administrators only: `requireScope(credentials, 'ca-admin')`. The name
 * predates scopes; routes written against it (e.g. join tokens) keep working.
 */
export function requireApiToken(credentials: Credentials) {
  return requireScope(credentials, 'ca-admin');
}
