/**
 * The MeshState at any position of the log: what `diff`, `blame`-adjacent reads and
 * `proxy-config --at` compile from. A state at SEQ is folded (model's `evolve`) from the nearest
 * base at or below SEQ: a state this process folded before (kept in a small cache), the stored
 * snapshot when it is not past SEQ, or the empty state. The follower's own state is used when
 * SEQ is where it stands. States handed out are copies: callers may keep them, never mutate them.
 */
import type { EventStore } from '@meshgate/eventlog';
import { MESH_STATE_SNAPSHOT, type StateFollower } from '@meshgate/follower';
import { cloneState, deserialiseState, evolve, initialState, SnapshotFormatError, type MeshState } from '@meshgate/model';
import { apiError } from '../errors.js';

export interface HistoricalStatesOptions {
  store: EventStore;
  follower: StateFollower;
  /** Folded states kept as bases for later reads. Default 8. */
  cacheSize?: number;
  /** Load the stored snapshot only when the best cached base is more events than this below SEQ. Default 500. */
  snapshotAfter?: number;
  batchSize?: number;
}

export class HistoricalStates {
  /** By sequence, oldest use first (a Map keeps insertion order: re-inserted on use). */
  private readonly cache = new Map<number, MeshState>();

  constructor(private readonly options: HistoricalStatesOptions) {}

  /** The log's head, for checking and defaulting positions. */
  async head(): Promise<number> {
    try {
      return await this.options.store.headSequence();
    } catch (error) {
      throw apiError('MG_ERR_STORE_UNAVAILABLE', 'reading the head of the event log failed', undefined, error);
    }
  }

  /** `sequence` checked against the log: a position past the head is refused, naming the head. */
  async checkPosition(sequence: number, parameter: string): Promise<number> {
    if (!Number.isSafeInteger(sequence) || sequence < 0) throw apiError('MG_ERR_BAD_REQUEST', `${parameter} must be a log sequence (0 or more), got ${String(sequence)}`);
    const head = await this.head();
    if (sequence > head) throw apiError('MG_ERR_BAD_REQUEST', `${parameter} ${sequence} is past the head of the log (${head})`);
    return sequence;
  }

  /** The state reflecting every event up to and including `sequence` (a position the caller checked). */
  async at(sequence: number): Promise<MeshState> {
    const current = this.options.follower.current;
    if (current.sequence === sequence) return cloneState(current);
    const cached = this.cache.get(sequence);
    if (cached) {
      this.remember(sequence, cached);
      return cached;
    }
    let base = this.nearestCached(sequence) ?? initialState();
    if (sequence - base.sequence > (this.options.snapshotAfter ?? 500)) {
      const snapshot = await this.storedSnapshot(sequence);
      if (snapshot && snapshot.sequence > base.sequence) base = snapshot;
    }
    const state = await this.foldFrom(base, sequence);
    this.remember(sequence, state);
    return state;
  }

  private nearestCached(sequence: number): MeshState | undefined {
    let best: MeshState | undefined;
    for (const [at, state] of this.cache) if (at <= sequence && (best === undefined || at > best.sequence)) best = state;
    return best;
  }

  /** The stored snapshot when it is at or below `sequence`; an unreadable one is ignored (the log is the truth). */
  private async storedSnapshot(sequence: number): Promise<MeshState | undefined> {
    const snapshot = await this.options.store.loadSnapshot<unknown>(MESH_STATE_SNAPSHOT).catch((error: unknown) => {
      throw apiError('MG_ERR_STORE_UNAVAILABLE', 'reading the state snapshot failed', undefined, error);
    });
    if (!snapshot || snapshot.sequence > sequence) return undefined;
    try {
      const state = deserialiseState(snapshot.state);
      this.remember(state.sequence, state);
      return state;
    } catch (error) {
      if (error instanceof SnapshotFormatError) return undefined;
      throw error;
    }
  }

  /** A copy of `base` with every event after it up to `sequence` folded in. */
  private async foldFrom(base: MeshState, sequence: number): Promise<MeshState> {
    const state = cloneState(base);
    const batchSize = this.options.batchSize ?? 5000;
    while (state.sequence < sequence) {
      let events;
      try {
        events = await this.options.store.readAfter(state.sequence, Math.min(batchSize, sequence - state.sequence));
      } catch (error) {
        throw apiError('MG_ERR_STORE_UNAVAILABLE', 'reading the event log failed', undefined, error);
      }
      for (const event of events) if (event.sequence <= sequence) evolve(state, event.sequence, event);
      // The log ends here, or (were there gaps) the next event is already past `sequence`.
      if (events.length === 0 || events[events.length - 1].sequence >= sequence) break;
    }
    state.sequence = sequence;
    return state;
  }

  private remember(sequence: number, state: MeshState): void {
    this.cache.delete(sequence);
    this.cache.set(sequence, state);
    const size = this.options.cacheSize ?? 8;
    while (this.cache.size > size) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value);
    }
  }
}
