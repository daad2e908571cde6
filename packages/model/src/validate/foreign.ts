/**
 * Foreign kinds: objects meshgate stores so that a manifest is taken whole (a Deployment next
 * to its Service, Contour's HTTPProxy next to an IngressBackend) but does not compile. Their
 * envelope is validated like any object's; every other top-level field except `status` (the
 * cluster's, not the author's) is kept as opaque JSON, keys sorted by the canonical pass.
 */
import { checkDns1123Subdomain } from '../names.js';
import type { ForeignKind, ForeignObjectOf } from '../types.js';
import { readOpaque } from './json.js';
import { readMetadata } from './metadata.js';
import type { ObjectReader } from './reader.js';

const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'status']);

export function readForeignObject<K extends ForeignKind>(document: ObjectReader, apiVersion: string, kind: K): ForeignObjectOf<K> {
  const object: ForeignObjectOf<K> = {
    apiVersion,
    kind,
    metadata: readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false }),
  };
  for (const key of Object.keys(document.value)) {
    if (ENVELOPE_FIELDS.has(key)) continue;
    const value = readOpaque(document, key);
    if (value !== undefined) object[key] = value;
  }
  return object;
}
