/**
 * What to publish: the difference between the objects the files declare now and the objects
 * last published. Pure functions, so the rules are testable without a file system or a bus.
 */
import { createHash } from 'node:crypto';
import type { ResourceChanged } from '@meshgate/bus';
import type { ObservedObject } from './parse-manifest.js';

/** An object some file declares, and which file (relative path) it is taken from. */
export interface DesiredObject extends ObservedObject {
  file: string;
}

/** What the bus last accepted for one object. */
export interface PublishedObject {
  kind: string;
  namespace: string;
  name: string;
  digest: string;
  file: string;
}

export interface Conflict {
  key: string;
  /** The file whose declaration is used (first in path order). */
  kept: string;
  ignored: string;
}

/**
 * The union of every file's objects. When two files declare the same object, the first in path
 * order wins and the other is reported, so the outcome does not depend on which file changed
 * last. An object that moves from one file to another keeps its content and so publishes nothing.
 */
export function desiredObjects(files: ReadonlyMap<string, readonly ObservedObject[]>): {
  desired: Map<string, DesiredObject>;
  conflicts: Conflict[];
} {
  const desired = new Map<string, DesiredObject>();
  const conflicts: Conflict[] = [];
  for (const file of [...files.keys()].sort()) {
    for (const object of files.get(file) ?? []) {
      const existing = desired.get(object.key);
      if (existing) conflicts.push({ key: object.key, kept: existing.file, ignored: file });
      else desired.set(object.key, { ...object, file });
    }
  }
  return { desired, conflicts };
}

export type PlannedChange =
  | { op: 'apply'; key: string; object: DesiredObject }
  | { op: 'delete'; key: string; previous: PublishedObject };

// Namespaces first on the way in and last on the way out, as kubectl and Helm order them,
// so that nothing downstream sees an object whose namespace is not there yet.
function namespaceRank(kind: string, op: PlannedChange['op']): number {
  const isNamespace = kind === 'Namespace';
  return op === 'apply' ? (isNamespace ? 0 : 1) : isNamespace ? 1 : 0;
}

/** Applies for new or changed objects (in file order), then deletes for objects no file declares. */
export function planChanges(
  published: ReadonlyMap<string, PublishedObject>,
  desired: ReadonlyMap<string, DesiredObject>,
): PlannedChange[] {
  const applies: PlannedChange[] = [];
  for (const [key, object] of desired) {
    if (published.get(key)?.digest !== object.digest) applies.push({ op: 'apply', key, object });
  }
  const deletes: PlannedChange[] = [];
  for (const [key, previous] of published) {
    if (!desired.has(key)) deletes.push({ op: 'delete', key, previous });
  }
  const rank = (change: PlannedChange) =>
    namespaceRank(change.op === 'apply' ? change.object.kind : change.previous.kind, change.op);
  // Array.prototype.sort is stable: file and document order hold within each rank.
  return [...applies.sort((a, b) => rank(a) - rank(b)), ...deletes.sort((a, b) => rank(a) - rank(b))];
}

/**
 * The change's deduplication id (→ `Nats-Msg-Id`). It chains the previous id published for the
 * same object, so it is deterministic — the same sequence of observations gives the same ids,
 * whether it is a retried publish or a second watcher on the same directory — and yet distinct
 * for every step: reverting an edit, or deleting and re-creating an object, is not mistaken for
 * a duplicate inside the bus's duplicate window.
 */
export function changeId(previousId: string, op: PlannedChange['op'], key: string, digest: string): string {
  return createHash('sha256').update(`${previousId}\n${op}\n${key}\n${digest}`).digest('hex');
}

export function digestOfChange(change: PlannedChange): string {
  return change.op === 'apply' ? change.object.digest : change.previous.digest;
}

/** The bus message for a planned change; `source` names the file it comes from. */
export function toResourceChanged(change: PlannedChange, id: string): ResourceChanged {
  if (change.op === 'apply') {
    const { kind, namespace, name, document, file } = change.object;
    return { id, source: `manifests:${file}`, op: 'apply', kind, namespace, name, object: document };
  }
  const { kind, namespace, name, file } = change.previous;
  return { id, source: `manifests:${file}`, op: 'delete', kind, namespace, name };
}
