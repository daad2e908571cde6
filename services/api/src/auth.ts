/**
 * Who may call the api's routes. Every route registered after `registerAuthorization` must
 * declare the scope it needs (`config: { scope: 'read' }`): a route without one stops the app
 * from being built, so a new endpoint cannot be open by accident. The open endpoints (health,
 * readiness, metrics, the OpenAPI document) are registered outside that context.
 *
 * No `Authorization: Bearer` → 401 MG_ERR_UNAUTHENTICATED with `WWW-Authenticate: Bearer`; an
 * unknown token or one without the scope → 403 MG_ERR_FORBIDDEN; the message names the scope.
 */
import { authorize, BEARER_CHALLENGE, type Credentials, type Scope } from '@meshgate/auth';
import type { FastifyInstance } from 'fastify';
import { apiError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a request to this route must hold (see registerAuthorization). */
    scope?: Scope;
  }
}

export function registerAuthorization(app: FastifyInstance, credentials: Credentials): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.scope === undefined) throw new Error(`${String(route.method)} ${route.url} declares no scope (config.scope)`);
  });
  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope;
    // Not-found answers run here too, with no route and no scope: they reveal nothing.
    if (scope === undefined) return;
    const decision = authorize(credentials, request.headers.authorization, scope);
    if (decision.ok) return;
    if (decision.refusal === 'unauthenticated') {
      void reply.header('www-authenticate', BEARER_CHALLENGE);
      throw apiError('MG_ERR_UNAUTHENTICATED', decision.message);
    }
    throw apiError('MG_ERR_FORBIDDEN', decision.message);
  });
}
