/**
 * The log itself: `GET /v1/events?after=SEQ&limit=N` pages through it, and
 * `GET /v1/events/stream?after=SEQ` follows it as Server-Sent Events.
 */
import type { FastifyInstance } from 'fastify';
import { checkedInteger, DEFAULT_EVENTS_LIMIT, MAX_EVENTS_LIMIT, readEvents } from '../event-reads.js';
import { EventStreamSession } from '../event-stream.js';
import type { RouteContext } from '../options.js';
import { problemResponses, storedEventSchema } from '../schemas.js';

const afterSchema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'Return events with a sequence greater than this.' } as const;

/** `Last-Event-ID` as an SSE client sends it on reconnect; undefined unless it is a sequence. */
function lastEventId(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\d{1,15}$/.test(header)) return undefined;
  return Number(header);
}

export function registerEventRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get<{ Querystring: { after: number; limit: number } }>(
    '/v1/events',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Read the event log by sequence',
        querystring: {
          type: 'object',
          properties: {
            after: afterSchema,
            limit: { type: 'integer', minimum: 1, maximum: MAX_EVENTS_LIMIT, default: DEFAULT_EVENTS_LIMIT },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'head'],
            properties: {
              events: { type: 'array', items: storedEventSchema },
              head: { type: 'integer', description: 'The highest committed sequence.' },
            },
          },
          ...problemResponses(400, 503),
        },
      },
    },
    // The schema's integer check lets `1e400` through as Infinity: readEvents checks each number once more.
    async (request) => readEvents(context.store, { after: request.query.after, limit: request.query.limit, noun: 'query parameter' }),
  );

  const sessions = new Set<EventStreamSession>();
  // Open streams would keep `app.close()` waiting for their connections to end.
  app.addHook('preClose', async () => {
    for (const session of sessions) session.close();
  });

  app.get<{ Querystring: { after: number } }>(
    '/v1/events/stream',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Follow the event log (Server-Sent Events)',
        description: 'Sends the events after `after` (or after the `Last-Event-ID` header), then each new one. Each message has the sequence as `id` and the stored event as JSON `data`.',
        produces: ['text/event-stream'],
        querystring: { type: 'object', properties: { after: afterSchema } },
        response: { 200: { description: 'A text/event-stream of stored events.', type: 'string' }, ...problemResponses(400) },
      },
    },
    (request, reply) => {
      const after = lastEventId(request.headers['last-event-id']) ?? checkedInteger(request.query.after, 'after', 'query parameter', 0);
      reply.hijack();
      const session = new EventStreamSession({ response: reply.raw, store: context.store, follower: context.follower, logger: context.logger.child({ reqId: request.id }), after });
      sessions.add(session);
      session.onClosed(() => sessions.delete(session));
    },
  );
}
