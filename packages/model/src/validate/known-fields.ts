/**
 * Fields a reader does not know. The shared readers ignore unknown fields (Kubernetes kinds
 * carry many meshgate has no use for); the traffic kinds (ServiceEntry, DestinationRule) are
 * compiled into proxies' behaviour, where a field silently dropped would change what the user
 * gets. So they refuse every field they do not read: a typo, or an Istio field meshgate does not
 * implement (with the reason, so the user knows it is not a typo).
 */
import type { ObjectReader } from './reader.js';

/**
 * Reports each field of `reader` that is neither in `known` nor null. `unsupported` names Istio
 * fields meshgate recognises but does not implement, with why.
 */
export function refuseUnknownFields(reader: ObjectReader, known: readonly string[], unsupported: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(reader.value)) {
    if (known.includes(key) || reader.value[key] === null) continue;
    if (Object.hasOwn(unsupported, key)) reader.error(key, `not supported by meshgate: ${unsupported[key]}`);
    else reader.error(key, `unknown field; known fields here: ${known.join(', ')}`);
  }
}
