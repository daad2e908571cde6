/**
 * `MeshState` ⇄ JSON, for event-log snapshots (a restart replays from the latest snapshot, not
 * from event 1). Maps become one list of objects in a stable order, so equal states serialise
 * to equal JSON.
 */
import { allObjects, initialState, isStoredObject, putObject } from './state.js';
import type { MeshObject, MeshState } from './types.js';
import { isPlainObject } from './validate/reader.js';

/** Bumped when the layout changes; a snapshot of another format is refused (and the log replayed). */
export const SNAPSHOT_FORMAT = 1;

export interface SerialisedState {
  format: typeof SNAPSHOT_FORMAT;
  sequence: number;
  objects: MeshObject[];
}

export function serialiseState(state: MeshState): SerialisedState {
  return { format: SNAPSHOT_FORMAT, sequence: state.sequence, objects: allObjects(state) };
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

/**
 * The state a snapshot describes. Accepts the `serialiseState` value or its JSON text; throws
 * `SnapshotFormatError` for anything else, so the caller can fall back to replaying the log.
 */
export function deserialiseState(json: unknown): MeshState {
  const value = typeof json === 'string' ? parseJson(json) : json;
  if (!isPlainObject(value)) throw new SnapshotFormatError('expected an object');
  if (value.format !== SNAPSHOT_FORMAT) throw new SnapshotFormatError(`unsupported format ${JSON.stringify(value.format)} (expected ${SNAPSHOT_FORMAT})`);
  const { sequence, objects } = value;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) throw new SnapshotFormatError('sequence must be a non-negative integer');
  if (!Array.isArray(objects)) throw new SnapshotFormatError('objects must be an array');
  const state = initialState();
  state.sequence = sequence;
  objects.forEach((object: unknown, index) => {
    if (!isStoredObject(object)) throw new SnapshotFormatError(`objects[${index}] is not a stored object (kind, metadata.name, metadata.namespace)`);
    putObject(state, object);
  });
  return state;
}
