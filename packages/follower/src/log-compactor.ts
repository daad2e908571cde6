/**
 * Folds a run of raw events into a MeshState by parsing only the last event of each stream.
 *
 * A catch-up (a cold start's tail, a rebuild from event 1) reads many versions of the same
 * objects; only the last one of each survives in the state, so parsing the others is wasted.
 * The compactor keeps, per stream, the last ResourceApplied/ResourceDeleted event as JSON text
 * and the sequence at which the object's current life began (for `createdSequence`), and parses
 * at the end. Other event types change nothing but the sequence (as in `evolve`).
 *
 * This rests on what the api writes: a ResourceApplied or ResourceDeleted event lives on the
 * stream `objectKey(object)` of the object it names. `applyTo` checks that on every event it
 * parses; if one breaks it, it changes nothing and returns false, and the caller folds the
 * same range event by event instead.
 */
import type { RawEvent } from '@meshgate/eventlog';
import { changedObjectOf, type ChangedObject } from './changed-object.js';
import { asMeshEvent, evolve, isClusterScoped, objectKey, putObject, RESOURCE_APPLIED, RESOURCE_DELETED, type MeshEvent, type MeshState } from '@meshgate/model';

interface StreamTail {
  last: RawEvent;
  /** A ResourceDeleted came before `last` in this run: the object's creation starts over. */
  deleted: boolean;
  /** The first ResourceApplied since the run began or since the last delete in it. */
  firstApplied?: number;
}

export class LogCompactor {
  private readonly streams = new Map<string, StreamTail>();
  /** The last sequence added; 0 before any. */
  sequence = 0;
  /** Events added. */
  count = 0;
  /** After a successful `applyTo`: the objects the run applied or deleted, once each. */
  changed: ChangedObject[] = [];

  add(event: RawEvent): void {
    this.sequence = event.sequence;
    this.count += 1;
    if (event.type !== RESOURCE_APPLIED && event.type !== RESOURCE_DELETED) return;
    const tail = this.streams.get(event.streamId);
    const deleted = event.type === RESOURCE_DELETED;
    if (tail === undefined) {
      this.streams.set(event.streamId, { last: event, deleted, firstApplied: deleted ? undefined : event.sequence });
      return;
    }
    if (deleted) {
      tail.deleted = true;
      tail.firstApplied = undefined;
    } else if (tail.firstApplied === undefined) {
      tail.firstApplied = event.sequence;
    }
    tail.last = event;
  }

  /** The state after every event added; false (state untouched) when an event is not on its object's stream. */
  applyTo(state: MeshState): boolean {
    const parsed: { tail: StreamTail; event: MeshEvent }[] = [];
    for (const [streamId, tail] of this.streams) {
      const event = asMeshEvent({ type: tail.last.type, data: JSON.parse(tail.last.data) as unknown });
      if (event === undefined) {
        // Malformed: `evolve` would skip it, but then an earlier version would have survived.
        return false;
      }
      const key = event.type === RESOURCE_APPLIED ? objectKey(event.data.object) : normalisedKey(event.data.ref);
      if (key !== streamId) return false;
      parsed.push({ tail, event });
    }
    for (const { tail, event } of parsed) {
      if (event.type === RESOURCE_DELETED) {
        evolve(state, tail.last.sequence, event);
      } else {
        if (tail.deleted) state.createdSequence.delete(tail.last.streamId);
        putObject(state, event.data.object, tail.firstApplied ?? tail.last.sequence);
      }
    }
    if (this.count > 0) state.sequence = this.sequence;
    this.changed = parsed.flatMap(({ event }) => changedObjectOf(event) ?? []);
    return true;
  }
}

function normalisedKey(ref: { kind: Parameters<typeof isClusterScoped>[0]; namespace: string; name: string }): string {
  return objectKey({ kind: ref.kind, namespace: isClusterScoped(ref.kind) ? '' : ref.namespace, name: ref.name });
}
