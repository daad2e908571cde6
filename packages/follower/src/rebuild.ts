/**
 * `meshgate log rebuild`: the MeshState snapshot recomputed from event 1, for when a snapshot is
 * suspect or its format changed. Reads the whole log as JSON text (parsing only the last event
 * of each object), then saves the snapshot at the head that was read.
 */
import type { EventStore } from '@meshgate/eventlog';
import { evolve, initialState, serialiseState } from '@meshgate/model';
import { MESH_STATE_SNAPSHOT, readCompacted, readEach } from './state-follower.js';

export interface RebuildResult {
  /** Events read. */
  events: number;
  /** The sequence the new snapshot reflects. */
  sequence: number;
  /** Objects in the rebuilt state. */
  objects: number;
  readSeconds: number;
  totalSeconds: number;
}

export async function rebuildSnapshot(store: EventStore, options: { batchSize?: number } = {}): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? 10_000;
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  let state = initialState();
  const compactor = await readCompacted(store, 0, batchSize);
  if (!compactor.applyTo(state)) {
    await readEach(store, 0, batchSize, (event) => {
      state = evolve(state, event.sequence, { type: event.type, data: JSON.parse(event.data) as unknown });
    });
  }
  const readSeconds = seconds();
  const serialised = serialiseState(state);
  await store.saveSnapshotJson(MESH_STATE_SNAPSHOT, state.sequence, JSON.stringify(serialised));
  return { events: compactor.count, sequence: state.sequence, objects: serialised.objects.length, readSeconds, totalSeconds: seconds() };
}
