/**
 * `GET /healthz` (the process answers), `GET /readyz` (the log answers, the bus is connected,
 * the follower has loaded the log and keeps up: see ReadinessCheck) and `GET /metrics`.
 */
import type { ReadinessCheck } from '@meshgate/runtime';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../options.js';

const readinessSchema = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    failed: { type: 'array', items: { type: 'string', enum: ['store', 'bus', 'follower'] }, description: 'The checks that failed.' },
    store: { type: 'string', description: '"ok" or why the log did not answer.' },
    bus: { type: 'string', description: '"ok" or why the bus is not connected (NATS link lost).' },
    follower: { type: 'string', description: '"ok", "loading: …" or "lagging: …" (more than MESHGATE_READY_MAX_LAG events behind).' },
    head: { type: 'integer' },
    sequence: { type: 'integer' },
  },
} as const;

export function registerHealthRoutes(app: FastifyInstance, context: RouteContext, readiness: ReadinessCheck): void {
  app.get('/healthz', { schema: { summary: 'Liveness', security: [], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'Readiness', security: [], response: { 200: readinessSchema, 503: readinessSchema } } }, async (request, reply) => {
    const result = await readiness.check();
    if (!result.ready) request.log.warn({ failed: result.failed, store: result.store, bus: result.bus, follower: result.follower }, 'not ready');
    return reply.status(result.ready ? 200 : 503).send(result);
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', security: [], produces: ['text/plain'] } }, async (_request, reply) => {
    const text = await context.registry.metrics();
    return reply.type(context.registry.contentType).send(text);
  });
}
