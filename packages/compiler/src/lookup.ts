/**
 * The lookup layer: every read a compile makes of the state goes through a tracked source, and
 * a memoised unit (memo.ts) being built records what it read — each `(source, key)` with the
 * value it got, or `(source, *)` with the source's version for a read of the whole collection.
 *
 * Stored objects are immutable (a changed object is a new object), and the index replaces a
 * per-key list only when its content changes, so "still the same input" is an identity check.
 * Sources: one per kind of `state.byKind` (object reads by `namespace/name`, list reads when
 * iterated), one per map of the CompileIndex (e.g. `slicesByService` by Service), and cells for
 * the index's whole values (`services`, `istioIngresses`, `meshVirtualServiceHosts`).
 */

/** The key a read of a whole collection records (no object or index key looks like it). */
export const LIST = '\u0000*';

/** Something a compile reads: `peek(key)` is its current value, `version` changes with any of its keys. */
export class Source {
  version = 0;
  constructor(
    readonly id: string,
    readonly peek: (key: string) => unknown,
  ) {}

  /** One of its keys changed (or the whole of it, for a cell). */
  touched(): void {
    this.version++;
  }
}

/** Reads recorded by one unit: by source, each key with the value it gave (`LIST` → the version). */
export type Frame = Map<Source, Map<string, unknown>>;

const EMPTY: Frame = new Map();

/** Whether a unit is being recorded, and its reads so far (made on the first read). */
let recordingNow = false;
let frame: Frame | undefined;

export function record(source: Source, key: string, value: unknown): void {
  if (!recordingNow) return;
  frame ??= new Map();
  let keys = frame.get(source);
  if (!keys) frame.set(source, (keys = new Map()));
  if (!keys.has(key)) keys.set(key, value);
}

export function recordList(source: Source): void {
  record(source, LIST, source.version);
}

/** Whether every recorded read would still give the same value. */
export function frameHolds(reads: Frame): boolean {
  for (const [source, keys] of reads) {
    for (const [key, value] of keys) {
      if (key === LIST ? source.version !== value : source.peek(key) !== value) return false;
    }
  }
  return true;
}

/** Runs `fn` recording its reads into a fresh frame; the enclosing one is restored after. */
export function recording<T>(fn: () => T): { value: T; reads: Frame } {
  const saved = frame;
  const savedRecording = recordingNow;
  frame = undefined;
  recordingNow = true;
  try {
    const value = fn();
    return { value, reads: frame ?? EMPTY };
  } finally {
    frame = saved;
    recordingNow = savedRecording;
  }
}

/** Runs `fn` with no recording (an untracked memo's unit inside a tracked one never happens; this is for one-shot compiles). */
export function untracked<T>(fn: () => T): T {
  const savedRecording = recordingNow;
  recordingNow = false;
  try {
    return fn();
  } finally {
    recordingNow = savedRecording;
  }
}

/**
 * A read-only Map whose reads are recorded against `source`; it reads through to `target()`,
 * so it stays current while the index behind it is maintained in place.
 */
export class TrackedMap<V> extends Map<string, V> {
  constructor(
    private readonly source: Source,
    private readonly target: () => ReadonlyMap<string, V>,
  ) {
    super();
  }

  /** What a read of one key records (a subclass may record it against another source). */
  protected recordRead(key: string, value: V | undefined): void {
    record(this.source, key, value);
  }

  /** What iterating records. */
  protected recordIteration(): void {
    recordList(this.source);
  }

  override get(key: string): V | undefined {
    const value = this.target().get(key);
    this.recordRead(key, value);
    return value;
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  override keys(): ReturnType<Map<string, V>['keys']> {
    this.recordIteration();
    return this.target().keys() as ReturnType<Map<string, V>['keys']>;
  }

  override values(): ReturnType<Map<string, V>['values']> {
    this.recordIteration();
    return this.target().values() as ReturnType<Map<string, V>['values']>;
  }

  override entries(): ReturnType<Map<string, V>['entries']> {
    this.recordIteration();
    return this.target().entries() as ReturnType<Map<string, V>['entries']>;
  }

  override [Symbol.iterator](): ReturnType<Map<string, V>['entries']> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  override set(): this {
    throw new Error('the compile index is read-only');
  }

  override delete(): boolean {
    throw new Error('the compile index is read-only');
  }

  override clear(): void {
    throw new Error('the compile index is read-only');
  }
}

// `size` is a data property in Map's typings; define the tracked accessor on the prototype.
Object.defineProperty(TrackedMap.prototype, 'size', {
  get(this: TrackedMap<unknown>) {
    let count = 0;
    for (const _ of this.keys()) count++;
    return count;
  },
});
