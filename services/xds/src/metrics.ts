/** Prometheus metrics of the xds service (names are what deploy/grafana queries). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface XdsMetrics {
  connectedProxies: Gauge;
  pushes: Counter<'type'>;
  acks: Counter<'type'>;
  nacks: Counter<'type'>;
  resumed: Counter<'type'>;
  convergence: Histogram<'type'>;
  compileDuration: Histogram;
  encodeErrors: Counter;
  inconsistentCompiles: Counter;
  logSequence: Gauge;
  refusedStreams: Counter<'reason'>;
  rateLimitedIssuances: Counter;
}

export function createXdsMetrics(registry: Registry): XdsMetrics {
  const registers = [registry];
  return {
    connectedProxies: new Gauge({ name: 'meshgate_xds_connected_proxies', help: 'ADS streams with a known node', registers }),
    pushes: new Counter({ name: 'meshgate_xds_pushes_total', help: 'DiscoveryResponses sent, by resource type', labelNames: ['type'], registers }),
    acks: new Counter({ name: 'meshgate_xds_acks_total', help: 'ACKs received, by resource type', labelNames: ['type'], registers }),
    nacks: new Counter({ name: 'meshgate_xds_nacks_total', help: 'NACKs received, by resource type', labelNames: ['type'], registers }),
    resumed: new Counter({
      name: 'meshgate_xds_resumed_total',
      help: 'Resource types a reconnected state-of-the-world proxy already held at the current version, so not resent, by resource type',
      labelNames: ['type'],
      registers,
    }),
    convergence: new Histogram({
      name: 'meshgate_xds_convergence_seconds',
      help: 'From the append of a change to the event log to the ACK of the push that carried it, per proxy and resource type',
      labelNames: ['type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    compileDuration: new Histogram({
      name: 'meshgate_compile_duration_seconds',
      help: 'Time to compile and encode the resources of one proxy kind',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    encodeErrors: new Counter({ name: 'meshgate_xds_encode_errors_total', help: 'Compiled resources that failed to encode (a compiler bug)', registers }),
    inconsistentCompiles: new Counter({
      name: 'meshgate_xds_inconsistent_compiles_total',
      help: 'Compiles whose listeners or clusters name missing routes or endpoints (a compiler bug); not published',
      registers,
    }),
    logSequence: new Gauge({ name: 'meshgate_xds_log_sequence', help: 'The last event-log sequence folded into the mesh state', registers }),
    refusedStreams: new Counter({
      name: 'meshgate_xds_refused_streams_total',
      help: 'ADS streams refused: no verified client certificate, node metadata claiming another identity, or SDS asked on the plaintext port',
      labelNames: ['reason'],
      registers,
    }),
    rateLimitedIssuances: new Counter({
      name: 'meshgate_xds_rate_limited_issuances_total',
      help: 'Workload certificate issuances deferred because the identity used up its issuance budget',
      registers,
    }),
  };
}
