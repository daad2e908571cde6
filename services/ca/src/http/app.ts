/**
 * The ca service's HTTP app, built but not listening (`service.ts` listens; tests may `inject()`):
 * the CA routes (with the published secrets), `/healthz`, `/readyz` and `/metrics`.
 */
import type { EventStore } from '@meshgate/eventlog';
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
}

export async function buildCaHttpApp(options: CaHttpAppOptions): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  // Request log lines hold method, URL and status only: never a body (it may hold a private key).
  const app = Fastify({ loggerInstance });

  await app.register(caRoutes, { ca: options.ca, ...options.access });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      const head = await options.store.headSequence();
      return { ready: true, store: 'ok', head };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness: the event log does not answer');
      return reply.status(503).send({ ready: false, store: error instanceof Error ? error.message : String(error) });
    }
  });
  app.get('/metrics', async (_request, reply) => reply.type(options.registry.contentType).send(await options.registry.metrics()));

  app.setNotFoundHandler((request, reply) =>
    reply.status(HTTP_ONLY_ERRORS.MG_ERR_NO_ROUTE.http).send({ code: 'MG_ERR_NO_ROUTE', message: `no endpoint for ${request.method} ${request.url.split('?')[0]}` }),
  );
  return app;
}
