/**
 * The xds service's own HTTP endpoints, for the distributed mode where it runs alone:
 * proxy status and config (the api forwards `/v1/proxies` here, with a token holding `read`),
 * and the open health, readiness and metrics.
 */
import { authorize, BEARER_CHALLENGE, type Credentials } from '@meshgate/auth';
import type { Bus } from '@meshgate/bus';
import type { EventStore } from '@meshgate/eventlog';
import { ReadinessCheck } from '@meshgate/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { XdsService } from './app.js';

export interface XdsReadinessOptions {
  store: Pick<EventStore, 'headSequence'>;
  bus: Pick<Bus, 'status'>;
  /** MESHGATE_READY_MAX_LAG: proxies are served from a state this far behind the log at most. */
  maxFollowerLag?: number;
}

/** 401 without a bearer token, 403 with one that lacks `read`: the same answers as the api's. */
function requireRead(credentials: Credentials) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const decision = authorize(credentials, request.headers.authorization, 'read', 'proxy status');
    if (decision.ok) return undefined;
    if (decision.refusal === 'unauthenticated') void reply.header('www-authenticate', BEARER_CHALLENGE);
    const code = decision.refusal === 'unauthenticated' ? 'MG_ERR_UNAUTHENTICATED' : 'MG_ERR_FORBIDDEN';
    return reply.code(decision.refusal === 'unauthenticated' ? 401 : 403).send({ code, message: decision.message });
  };
}

export function registerXdsAdminRoutes(app: FastifyInstance, xds: XdsService, registry: Registry, credentials: Credentials, readinessOptions: XdsReadinessOptions): void {
  const readiness = new ReadinessCheck({ ...readinessOptions, follower: xds.follower });
  const protectedRoute = { onRequest: requireRead(credentials) };
  app.get('/v1/proxies', protectedRoute, async () => ({ items: xds.proxies() }));
  app.get<{ Params: { id: string } }>('/v1/proxies/:id/config', protectedRoute, async (request, reply) => {
    const config = xds.proxyConfig(request.params.id);
    if (!config) return reply.code(404).send({ code: 'MG_ERR_NOT_FOUND', message: `no connected proxy with id ${request.params.id}` });
    return config;
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const result = await readiness.check();
    // Before start() has loaded the log and bound the port, nothing is served yet.
    const status = !xds.isReady ? 'starting' : result.ready ? 'ready' : 'not ready';
    if (status === 'not ready') request.log.warn({ failed: result.failed, store: result.store, bus: result.bus, follower: result.follower }, 'not ready');
    return reply.code(status === 'ready' ? 200 : 503).send({ status, ...result, ready: status === 'ready' });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
