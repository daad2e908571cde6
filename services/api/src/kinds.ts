/**
 * How kinds and namespaces are spelled in URLs: `VirtualService`, `virtualservice` and
 * `virtualservices` all name one kind (as kubectl accepts), and `_` stands for the empty
 * namespace of cluster-scoped kinds.
 */
import { KINDS, type Kind } from '@meshgate/model';

/** Kinds whose name is already plural. */
const PLURAL_KINDS: ReadonlySet<string> = new Set(['Endpoints']);

export const CLUSTER_SCOPE_SEGMENT = '_';

/** The lowercase plural kubectl would accept: `virtualservices`, `endpoints`, `ingressclasses`, `serviceentries`. */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (PLURAL_KINDS.has(kind)) return lower;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

/** The kind a URL segment names, case-insensitively, singular or plural; undefined when none. */
export function resolveKind(segment: string): Kind | undefined {
  const wanted = segment.toLowerCase();
  return KINDS.find((kind) => kind.toLowerCase() === wanted || pluralOf(kind) === wanted);
}

/** A namespace from a URL segment: `_` is the empty namespace of cluster-scoped objects. */
export function namespaceFromSegment(segment: string): string {
  return segment === CLUSTER_SCOPE_SEGMENT ? '' : segment;
}
