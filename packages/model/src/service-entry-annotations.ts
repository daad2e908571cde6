/**
 * The `meshgate.io/` annotations a ServiceEntry may carry. Annotations are free-form in
 * Kubernetes, so a misspelt one would otherwise change nothing without a word: every other key
 * under `meshgate.io/` is warned about at apply.
 */
import type { ServiceEntryObject } from './types.js';

/**
 * `"true"` lets a wildcard ServiceEntry compiled to a dynamic forward proxy reach names that
 * resolve to loopback, link-local or private addresses (denied by default: an SNI or Host the
 * caller chooses must not turn the proxy into a door to the node or the cluster network).
 */
export const ALLOW_PRIVATE_DESTINATIONS_ANNOTATION = 'meshgate.io/allow-private-destinations';

export const SERVICE_ENTRY_ANNOTATIONS: readonly string[] = [ALLOW_PRIVATE_DESTINATIONS_ANNOTATION];

export const MESHGATE_ANNOTATION_PREFIX = 'meshgate.io/';

/** Whether the entry opted in to private destinations (validation allows only "true" and "false"). */
export function allowsPrivateDestinations(entry: ServiceEntryObject): boolean {
  return entry.metadata.annotations[ALLOW_PRIVATE_DESTINATIONS_ANNOTATION] === 'true';
}
