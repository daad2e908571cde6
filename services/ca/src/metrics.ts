/**
 * The CA's Prometheus metrics. Names are a contract with the Grafana dashboards in `deploy/`.
 * A registry may be shared by several CAs (the embedded run builds everything on one registry,
 * tests build several CAs): the metrics are created once per registry, and the expiry gauge
 * reports the earliest expiry over every CA that registered a source.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds until the earliest expiry a CA knows of (issued leaves still valid, and its roots). */
export type ExpirySource = () => number | undefined;

export interface CaMetrics {
  issued: Counter<'reason'>;
  issuanceDuration: Histogram;
  rootRotations: Counter;
  expirySources: Set<ExpirySource>;
}

const byRegistry = new WeakMap<Registry, CaMetrics>();

export function caMetrics(registry: Registry): CaMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const expirySources = new Set<ExpirySource>();
  const metrics: CaMetrics = {
    issued: new Counter({
      name: 'meshgate_ca_certificates_issued_total',
      help: 'Certificates issued, by reason (sds, csr, api, ingress-gateway, renewal, root-rotation).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    issuanceDuration: new Histogram({
      name: 'meshgate_ca_issuance_duration_seconds',
      help: 'Time to issue a certificate: request checks, key generation when asked, signing and recording the event.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    rootRotations: new Counter({
      name: 'meshgate_ca_root_rotations_total',
      help: 'Root rotations this process performed (a new root joins the trust bundle).',
      registers: [registry],
    }),
    expirySources,
  };
  new Gauge({
    name: 'meshgate_ca_earliest_expiry_seconds',
    help: 'Seconds until the earliest expiry among the still-valid certificates this process issued and the trusted roots.',
    registers: [registry],
    collect() {
      const values = [...expirySources].map((source) => source()).filter((v): v is number => v !== undefined);
      if (values.length > 0) this.set(Math.min(...values));
    },
  });
  byRegistry.set(registry, metrics);
  return metrics;
}
