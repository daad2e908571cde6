/** The seam between the ADS server and whatever supplies per-identity secrets (the CA, through IdentityCertificates). */
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
}
