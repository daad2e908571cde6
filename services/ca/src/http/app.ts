/**
 * The ca service's HTTP app, built but not listening (`service.ts` listens; tests may `inject()`):
 * the CA routes (with the published secrets), `/healthz`, `/readyz` and `/metrics`.
 */
import type { Bus } from '@meshgate/bus';
import type { EventStore } from '@meshgate/eventlog';
import { ReadinessCheck } from '@meshgate/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { HTTP_ONLY_ERRORS } from '../errors.js';
import type { CertificateAuthority } from '../types.js';
import { caRoutes, type CaRouteAccess } from './routes.js';

export interface CaHttpAppOptions {
  ca: CertificateAuthority;
  /** Readiness asks it for the log's head: a CA that cannot record issuances cannot issue. */
  store: Pick<EventStore, 'headSequence'>;
  logger: Logger;
  registry: Registry;
  /** The API token and the published secrets (`GET /v1/secrets/…`). */
  access: CaRouteAccess;
  /** Readiness also reports a lost NATS link… */
  bus?: Pick<Bus, 'status'>;
  /** …and a MeshState follower (the ingress gateway certificate's source) lagging behind the log. */
  follower?: { readonly sequence: number };
  /** The lag limit (MESHGATE_READY_MAX_LAG). */
  maxFollowerLag?: number;
}

export async function buildCaHttpApp(options: CaHttpAppOptions): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  // Request log lines hold method, URL and status only: never a body (it may hold a private key).
  const app = Fastify({ loggerInstance });

  await app.register(caRoutes, { ca: options.ca, ...options.access });

  app.get('/healthz', async () => ({ status: 'ok' }));
  // A CA that cannot record issuances cannot issue: the log must answer, and the bus carry on.
  const readiness = new ReadinessCheck({ store: options.store, bus: options.bus, follower: options.follower, maxFollowerLag: options.maxFollowerLag });
  app.get('/readyz', async (request, reply) => {
    const result = await readiness.check();
    if (!result.ready) request.log.warn({ failed: result.failed, store: result.store, bus: result.bus, follower: result.follower }, 'not ready');
    return reply.status(result.ready ? 200 : 503).send(result);
  });
  app.get('/metrics', async (_request, reply) => reply.type(options.registry.contentType).send(await options.registry.metrics()));

  app.setNotFoundHandler((request, reply) =>
    reply.status(HTTP_ONLY_ERRORS.MG_ERR_NO_ROUTE.http).send({ code: 'MG_ERR_NO_ROUTE', message: `no endpoint for ${request.method} ${request.url.split('?')[0]}` }),
  );
  return app;
}
