/**
 * The api's Prometheus metrics. Names are a contract with the Grafana dashboards in `deploy/`.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface ApiMetrics {
  requests: Counter<'route' | 'method' | 'status'>;
  requestDuration: Histogram<'route' | 'method'>;
  eventsAppended: Counter<'type'>;
  applyObjects: Counter<'action'>;
  changesIngested: Counter<'outcome'>;
}

/**
 * Reuses a metric already in the registry: an embedded run (or a test) may build the app twice
 * against one registry, and prom-client refuses a second registration of a name.
 */
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing;
  return new Histogram({ name, help, labelNames, registers: [registry], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  return {
    requests: counter(registry, 'meshgate_api_requests_total', 'HTTP requests answered, by route template, method and status.', ['route', 'method', 'status']),
    requestDuration: histogram(registry, 'meshgate_api_request_duration_seconds', 'Time to answer an HTTP request.', ['route', 'method']),
    eventsAppended: counter(registry, 'meshgate_events_appended_total', 'Events this api appended to the log, by event type.', ['type']),
    applyObjects: counter(registry, 'meshgate_apply_objects_total', 'Objects applied or deleted, by outcome (created, configured, unchanged, deleted).', ['action']),
    changesIngested: counter(registry, 'meshgate_api_changes_ingested_total', 'ResourceChanged messages consumed from the bus, by outcome (applied, refused, retried).', ['outcome']),
  };
}

/** Counts and times every request by its route template (not its URL, which would explode the label set). */
export function registerRequestMetrics(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.requestDuration.observe({ route, method: request.method }, reply.elapsedTime / 1000);
  });
}
