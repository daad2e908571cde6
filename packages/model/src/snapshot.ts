/**
 * `MeshState` ⇄ JSON, for event-log snapshots (a restart replays from the latest snapshot, not
 * from event 1). Maps become one list of objects in a stable order, so equal states serialise
 * to equal JSON.
 */
import { objectKey } from './keys.js';
import { allObjects, createdSequenceOf, initialState, isStoredObject, putObject } from './state.js';
import type { MeshObject, MeshState } from './types.js';
import { isPlainObject, sortedRecord } from './validate/reader.js';

/**
 * Bumped when the layout changes; a snapshot of an unknown format is refused (and the log
 * replayed). Format 2 added `created`; format 1 (objects only) is still read, with every
 * creation sequence 0, so ties in creation order fall back to names.
 */
export const SNAPSHOT_FORMAT = 2;
const PREVIOUS_FORMAT = 1;

export interface SerialisedState {
  format: typeof SNAPSHOT_FORMAT;
  sequence: number;
  objects: MeshObject[];
  /** `objectKey` → the sequence at which the object was created; keys sorted. */
  created: Record<string, number>;
}

export function serialiseState(state: MeshState): SerialisedState {
  const objects = allObjects(state);
  const created = sortedRecord(objects.map((object): [string, number] => [objectKey(object), createdSequenceOf(state, object)]));
  return { format: SNAPSHOT_FORMAT, sequence: state.sequence, objects, created };
}

export class SnapshotFormatError extends Error {
  readonly code = 'MG_ERR_SNAPSHOT_FORMAT';
  constructor(message: string) {
    super(`cannot read state snapshot: ${message}`);
    this.name = 'SnapshotFormatError';
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SnapshotFormatError(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function isSequence(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The `created` map of a format-2 snapshot (absent in format 1: every object counts as created at 0). */
function readCreated(format: number, created: unknown): Record<string, unknown> {
  if (format === PREVIOUS_FORMAT) return {};
  if (!isPlainObject(created)) throw new SnapshotFormatError('created must be an object');
  return created;
}

/**
 * The state a snapshot describes. Accepts the `serialiseState` value or its JSON text; throws
 * `SnapshotFormatError` for anything else, so the caller can fall back to replaying the log.
 */
export function deserialiseState(json: unknown): MeshState {
  const value = typeof json === 'string' ? parseJson(json) : json;
  if (!isPlainObject(value)) throw new SnapshotFormatError('expected an object');
  const { format, sequence, objects } = value;
  if (format !== SNAPSHOT_FORMAT && format !== PREVIOUS_FORMAT) {
    throw new SnapshotFormatError(`unsupported format ${JSON.stringify(format)} (expected ${SNAPSHOT_FORMAT} or ${PREVIOUS_FORMAT})`);
  }
  if (!isSequence(sequence)) throw new SnapshotFormatError('sequence must be a non-negative integer');
  if (!Array.isArray(objects)) throw new SnapshotFormatError('objects must be an array');
  const created = readCreated(format, value.created);
  const state = initialState();
  state.sequence = sequence;
  objects.forEach((object: unknown, index) => {
    if (!isStoredObject(object)) throw new SnapshotFormatError(`objects[${index}] is not a stored object (kind, metadata.name, metadata.namespace)`);
    const key = objectKey(object);
    const createdAt = Object.hasOwn(created, key) ? created[key] : 0;
    if (!isSequence(createdAt)) throw new SnapshotFormatError(`created[${JSON.stringify(key)}] must be a non-negative integer`);
    putObject(state, object, createdAt);
  });
  return state;
}
