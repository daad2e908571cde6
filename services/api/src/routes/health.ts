/**
 * `GET /healthz` (the process answers), `GET /readyz` (the log answers and the follower has
 * loaded it) and `GET /metrics` (Prometheus text).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../options.js';

export interface ReadinessOptions {
  /**
   * The head of the log when the app was built: until the follower has folded in at least this
   * much, reads would answer from a partial state, so the api is not ready.
   */
  loadedSequence: number;
}

const readinessSchema = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    store: { type: 'string', description: '"ok" or why the log did not answer.' },
    follower: { type: 'string', description: '"ok" or how far the state has loaded.' },
    head: { type: 'integer' },
    sequence: { type: 'integer' },
  },
} as const;

export function registerHealthRoutes(app: FastifyInstance, context: RouteContext, readiness: ReadinessOptions): void {
  app.get('/healthz', { schema: { summary: 'Liveness', security: [], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));

  // Once loaded, the follower stays "loaded": a short lag behind new writes is normal, not unreadiness.
  let followerLoaded = false;
  app.get('/readyz', { schema: { summary: 'Readiness', security: [], response: { 200: readinessSchema, 503: readinessSchema } } }, async (request, reply) => {
    const sequence = context.follower.sequence;
    followerLoaded ||= sequence >= readiness.loadedSequence;
    let head: number | undefined;
    let store = 'ok';
    try {
      head = await context.store.headSequence();
    } catch (error) {
      request.log.warn({ err: error }, 'readiness: the event log does not answer');
      store = error instanceof Error ? error.message : String(error);
    }
    const follower = followerLoaded ? 'ok' : `loading: at ${sequence} of ${readiness.loadedSequence}`;
    const ready = head !== undefined && followerLoaded;
    return reply.status(ready ? 200 : 503).send({ ready, store, follower, ...(head === undefined ? {} : { head }), sequence });
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', security: [], produces: ['text/plain'] } }, async (_request, reply) => {
    const text = await context.registry.metrics();
    return reply.type(context.registry.contentType).send(text);
  });
}
