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

/** The key a read of a whole collection records. */
export const LIST = '*';

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

/** One recorded read. */
export interface Dep {
  source: Source;
  key: string;
  value: unknown;
}

export type Frame = Map<string, Dep>;

let frame: Frame | undefined;

/** The name of a read in the dependency index. */
export function depId(sourceId: string, key: string): string {
  return `${sourceId}\u0001${key}`;
}

export function record(source: Source, key: string, value: unknown): void {
  if (frame === undefined) return;
  const id = depId(source.id, key);
  if (!frame.has(id)) frame.set(id, { source, key, value });
}

export function recordList(source: Source): void {
  record(source, LIST, source.version);
}

/** Whether a recorded read would still give the same value. */
export function depHolds(dep: Dep): boolean {
  return dep.key === LIST ? dep.source.version === dep.value : dep.source.peek(dep.key) === dep.value;
}

/** Runs `fn` recording its reads into a fresh frame; the enclosing frame is restored after. */
export function recording<T>(fn: () => T): { value: T; deps: Frame } {
  const saved = frame;
  const own: Frame = new Map();
  frame = own;
  try {
    return { value: fn(), deps: own };
  } finally {
    frame = saved;
  }
}

/** Adds reads made elsewhere (a reused unit's) to the frame being recorded, if any. */
export function recordAll(deps: Frame): void {
  if (frame === undefined) return;
  for (const [id, dep] of deps) if (!frame.has(id)) frame.set(id, dep);
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

  override get(key: string): V | undefined {
    const value = this.target().get(key);
    record(this.source, key, value);
    return value;
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  override keys(): ReturnType<Map<string, V>['keys']> {
    recordList(this.source);
    return this.target().keys() as ReturnType<Map<string, V>['keys']>;
  }

  override values(): ReturnType<Map<string, V>['values']> {
    recordList(this.source);
    return this.target().values() as ReturnType<Map<string, V>['values']>;
  }

  override entries(): ReturnType<Map<string, V>['entries']> {
    recordList(this.source);
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
