/**
 * The seam between the ADS server and whatever supplies SDS secrets: per-identity ones (the CA,
 * through IdentityCertificates) and gateway credentials from applied Secrets (GatewayCredentials);
 * `combineSecretSources` joins them.
 */
import type { ProxyNode } from '@meshgate/compiler';
import type { EncodedResource } from './resource-cache.js';

/** Where the ADS server gets per-identity secrets from. */
export interface SecretSource {
  /** The secrets this proxy may be sent, by name: only ever its own identity's. */
  secretsFor(node: ProxyNode): ReadonlyMap<string, EncodedResource>;
  /**
   * Starts getting what `names` need for this proxy. true when it is all there (or there is
   * nothing to wait for); false when the proxy should be answered later, on `changed`.
   */
  prepare(node: ProxyNode, names: ReadonlySet<string>): boolean;
  /** The proxy's stream closed: forget what was kept for it. */
  forget?(node: ProxyNode): void;
}

/** One source made of several: their secrets merged (names do not overlap), ready when all are. */
export function combineSecretSources(...sources: SecretSource[]): SecretSource {
  return {
    secretsFor(node) {
      const maps = sources.map((source) => source.secretsFor(node)).filter((map) => map.size > 0);
      if (maps.length <= 1) return maps[0] ?? new Map();
      const merged = new Map<string, EncodedResource>();
      for (const map of maps) for (const [name, resource] of map) merged.set(name, resource);
      return merged;
    },
    prepare(node, names) {
      // Every source starts its work, whichever is not ready yet.
      return sources.map((source) => source.prepare(node, names)).every(Boolean);
    },
    forget(node) {
      for (const source of sources) source.forget?.(node);
    },
  };
}
