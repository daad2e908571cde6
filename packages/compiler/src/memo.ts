/**
 * The validating memo: a compiled unit (a mesh-wide cluster or assignment, one compile key's
 * listeners and routes, one VirtualService's routes on one gateway port, …) is reused while
 * every read it recorded (lookup.ts) still gives the same value and its explicit inputs are the
 * same objects; otherwise it is rebuilt. A unit's reads include those of the units it used, so
 * a parent is stale whenever a child is.
 *
 * The dependency index maps each read to the units that made it: `invalidate(changedReads)`
 * marks just those units dirty, and a unit that is not dirty is reused without checking. A
 * dirty unit checks its reads (cheap identity compares) before rebuilding, so a change that did
 * not alter what it read costs no rebuild.
 *
 * A unit's diagnostics and cluster requests are its side effects: they are kept with it and
 * replayed into the caller's on every use.
 */
import { ClusterRequests, type ClusterRequest } from './clusters.js';
import { Diagnostics } from './diagnostics.js';
import { depHolds, depId, recordAll, recording, type Frame } from './lookup.js';
import type { Diagnostic } from './types.js';

/** Where a unit's side effects go: the caller's collectors (either may be absent). */
export interface UnitSinks {
  diagnostics?: Diagnostics;
  clusters?: ClusterRequests;
}

/** A unit's own collectors while it is built. */
export interface UnitOwn {
  diagnostics: Diagnostics;
  clusters: ClusterRequests;
}

interface Entry {
  inputs: readonly unknown[];
  deps: Frame;
  value: unknown;
  diagnostics: Diagnostic[];
  requests: ClusterRequest[];
  dirty: boolean;
  /** Units it used while built: what `sweep` keeps alive through it. */
  children: ReadonlySet<string>;
}

export interface MemoHooks {
  /** A unit was built (first time or rebuilt): how tests count recompiles. */
  onBuild?(key: string): void;
}

export class Memo {
  private readonly entries = new Map<string, Entry>();
  private readonly byDep = new Map<string, Set<string>>();
  /** The children of the units being built, innermost last. */
  private readonly building: Set<string>[] = [];
  /** Units built since this memo was made. */
  builds = 0;
  hooks: MemoHooks = {};

  get size(): number {
    return this.entries.size;
  }

  /**
   * The unit `key`: reused when its inputs are the same objects and its reads still hold, else
   * built by `build` with fresh collectors. Its diagnostics and cluster requests are replayed
   * into `sinks`; its reads are added to the enclosing unit's.
   */
  unit<T>(key: string, inputs: readonly unknown[], sinks: UnitSinks, build: (own: UnitOwn) => T): T {
    let entry = this.entries.get(key);
    if (!entry || !sameInputs(entry.inputs, inputs) || (entry.dirty && !holds(entry.deps))) entry = this.build(key, inputs, build, entry);
    entry.dirty = false;
    this.building.at(-1)?.add(key);
    if (sinks.diagnostics) sinks.diagnostics.addAll(entry.diagnostics);
    if (sinks.clusters) for (const r of entry.requests) sinks.clusters.request(r.host, r.port, r.subset, r.service);
    recordAll(entry.deps);
    return entry.value as T;
  }

  /** Marks dirty every unit that read one of `reads` (ids from `depId`); returns the keys marked. */
  invalidate(reads: Iterable<string>): Set<string> {
    const marked = new Set<string>();
    for (const read of reads) {
      for (const key of this.byDep.get(read) ?? []) {
        const entry = this.entries.get(key);
        if (!entry) continue;
        entry.dirty = true;
        marked.add(key);
      }
    }
    return marked;
  }

  /** Whether `key` is held and not dirty (tests, and the cache's "affected" question). */
  isClean(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && !entry.dirty;
  }

  /**
   * Keeps the units `isRoot` names and those they use (transitively), drops the rest: units of
   * proxies gone, of deleted VirtualServices, of clusters nothing asks for. Dropping a unit only
   * costs a rebuild should it be asked for again; the reads of its parents stay recorded.
   */
  sweep(isRoot: (key: string) => boolean): void {
    const live = new Set<string>();
    const visit = (key: string) => {
      if (live.has(key)) return;
      const entry = this.entries.get(key);
      if (!entry) return;
      live.add(key);
      for (const child of entry.children) visit(child);
    };
    for (const key of this.entries.keys()) if (isRoot(key)) visit(key);
    for (const [key, entry] of this.entries) if (!live.has(key)) this.forget(key, entry);
  }

  private build<T>(key: string, inputs: readonly unknown[], build: (own: UnitOwn) => T, previous: Entry | undefined): Entry {
    const own: UnitOwn = { diagnostics: new Diagnostics(), clusters: new ClusterRequests() };
    const children = new Set<string>();
    this.building.push(children);
    let built: { value: T; deps: Frame };
    try {
      built = recording(() => build(own));
    } finally {
      this.building.pop();
    }
    const { value, deps } = built;
    if (previous) this.forget(key, previous);
    const entry: Entry = { inputs: [...inputs], deps, value, diagnostics: own.diagnostics.list(), requests: own.clusters.list(), dirty: false, children };
    this.entries.set(key, entry);
    for (const id of deps.keys()) {
      let keys = this.byDep.get(id);
      if (!keys) this.byDep.set(id, (keys = new Set()));
      keys.add(key);
    }
    this.builds++;
    this.hooks.onBuild?.(key);
    return entry;
  }

  private forget(key: string, entry: Entry): void {
    this.entries.delete(key);
    for (const id of entry.deps.keys()) {
      const keys = this.byDep.get(id);
      keys?.delete(key);
      if (keys?.size === 0) this.byDep.delete(id);
    }
  }
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function holds(deps: Frame): boolean {
  for (const dep of deps.values()) if (!depHolds(dep)) return false;
  return true;
}

export { depId };
