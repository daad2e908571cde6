/**
 * Bearer-token authentication for the REST endpoints that return private keys or change the CA.
 * 401 when no `Authorization: Bearer …` is sent, 403 when the token is not the server's. The
 * token is compared in constant time (ApiTokenVerifier) and never logged: fastify's request log
 * lines carry no headers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiTokenVerifier } from '../api-token.js';
import type { ProblemBody } from './routes.js';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

export const UNAUTHENTICATED_MESSAGE =
  'this endpoint needs the API token: send "Authorization: Bearer <token>" (MESHGATE_API_TOKEN, MESHGATE_API_TOKEN_FILE, or <data dir>/api-token of the embedded run)';

/** A fastify `onRequest` hook that lets through only requests carrying the server's token. */
export function requireApiToken(verifier: ApiTokenVerifier) {
  // An async hook that answers must return the reply, so that fastify stops there.
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) {
      request.log.info({ code: 'MG_ERR_UNAUTHENTICATED' }, 'request without an API token refused');
      return refuse(reply.header('www-authenticate', 'Bearer realm="meshgate"'), 401, { code: 'MG_ERR_UNAUTHENTICATED', message: UNAUTHENTICATED_MESSAGE });
    }
    if (!verifier.verify(token)) {
      request.log.warn({ code: 'MG_ERR_FORBIDDEN' }, 'request with a wrong API token refused');
      const message = verifier.configured
        ? 'the API token is not valid for this server'
        : 'this server has no API token configured (MESHGATE_API_TOKEN or MESHGATE_API_TOKEN_FILE), so it accepts none';
      return refuse(reply, 403, { code: 'MG_ERR_FORBIDDEN', message });
    }
    return undefined;
  };
}

function refuse(reply: FastifyReply, status: number, body: ProblemBody): FastifyReply {
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}
