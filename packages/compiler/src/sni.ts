/**
 * SNI on a shared gateway port: which server names a filter chain matches, and who already
 * claimed them. Envoy refuses a listener whose filter chains have the same match, so a second
 * claim on a name is turned away (Istio's `CheckDuplicates`: the first server or route keeps it).
 *
 * Envoy matches `server_names` exactly first, then by wildcard on the leftmost labels
 * (`a.b.example.com` tries `*.b.example.com`, then `*.example.com`), so Istio's `*.example.com`
 * means the same to both. `*` alone is not an SNI name: a server for any host matches without
 * `server_names`, which makes it the chain for every name no other chain takes.
 */
import type { GatewayServer } from '@meshgate/model';
import { compare } from './diagnostics.js';

/** A server's hosts as SNI names: `ns/` dropped, deduplicated, sorted; [] when a host is `*`. */
export function serverSniHosts(server: GatewayServer): string[] {
  const names = new Set(server.hosts.map((host) => (host.includes('/') ? host.slice(host.indexOf('/') + 1) : host)));
  if (names.has('*')) return [];
  return [...names].sort(compare);
}

/** The filter chain matches taken on one listener, by a description of their owner. */
export class FilterChainClaims {
  private readonly byName = new Map<string, string>();

  /**
   * Claims a match (`server_names` [] means any name) for `owner`; returns the owner that
   * already holds one of these names under the same other conditions, or undefined when claimed.
   */
  claim(serverNames: readonly string[], rest: Record<string, unknown>, owner: string): string | undefined {
    const restKey = JSON.stringify(rest);
    const keys = serverNames.length === 0 ? [`${restKey}\u0000*`] : serverNames.map((name) => `${restKey}\u0000${name}`);
    for (const key of keys) {
      const holder = this.byName.get(key);
      if (holder !== undefined) return holder;
    }
    for (const key of keys) this.byName.set(key, owner);
    return undefined;
  }
}
