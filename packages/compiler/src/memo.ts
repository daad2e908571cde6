/**
 * The validating memo: a compiled unit (a mesh-wide cluster or assignment, one compile key's
 * listeners and routes, one VirtualService's routes on one gateway port, …) is reused while
 * every read it recorded (lookup.ts) still gives the same value, the units it used are still
 * the ones it got and still valid, and its explicit inputs are the same objects; otherwise it is
 * rebuilt (the units it uses are then reused or rebuilt in turn).
 *
 * The dependency index maps each read to the units that made it, and each unit to the units
 * that used it: `invalidate(changedReads)` marks those units and their users dirty, and a unit
 * that is not dirty is reused without any check. A dirty unit checks its reads (identity
 * compares) and its children before rebuilding, so a change that did not alter what it read
 * costs no rebuild.
 *
 * A unit's diagnostics and cluster requests are its side effects: they are kept with it and
 * replayed into the caller's on every use.
 *
 * Early cutoff (`same`): a unit rebuilt into a value equal to the one it had keeps the old value
 * and its stamp, so its users stay valid — a Secret rotated under the same SDS names, a cluster
 * request list of the same clusters, rebuild nothing above them. Such a unit keeps its build, so
 * that a user checking it can rebuild it in place (with the same inputs: what else it needs it reads).
 */
import { ClusterRequests, type ClusterRequest } from './clusters.js';
import { Diagnostics } from './diagnostics.js';
import { frameHolds, recording, untracked, type Frame, type Source } from './lookup.js';
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
  /** Which build this is: a parent holds the stamps of the children it used. */
  stamp: number;
  inputs: readonly unknown[];
  reads: Frame;
  /** Units it used while built and their stamps then, as [key, stamp, key, stamp, …] (none: undefined). */
  children: (string | number)[] | undefined;
  /** Units that used it. */
  parents: Set<string>;
  value: unknown;
  diagnostics: Diagnostic[];
  requests: readonly ClusterRequest[];
  /** The collector that merged them, when the next build can patch its merge (clusters.ts). */
  collector?: ClusterRequests;
  dirty: boolean;
  /** Cutoff units only: how to build it again, and when the value is the same. */
  cutoff?: { build: (own: UnitOwn, previous: unknown) => unknown; same: (a: unknown, b: unknown) => boolean };
}

/** Options of one unit. */
export interface UnitOptions<T> {
  /** Early cutoff: a rebuilt value `same` as the previous one is not a change for the unit's users. */
  same?: (previous: T, next: T) => boolean;
}

export interface MemoHooks {
  /** A unit was built (first time or rebuilt): how tests count recompiles. */
  onBuild?(key: string): void;
}

/** Changed reads, as `IncrementalIndex.apply` collects them: by source, the keys changed. */
export type ChangedReads = ReadonlyMap<Source, ReadonlySet<string>>;

export class Memo {
  private readonly entries = new Map<string, Entry>();
  /** By source and key read: the unit that read it, or the units (a set once there are several). */
  private readonly byRead = new Map<Source, Map<string, string | Set<string>>>();
  /** The children of the units being built, innermost last (made on the first child). */
  private readonly building: ((string | number)[] | undefined)[] = [];
  private stamps = 0;
  /** Units built since this memo was made. */
  builds = 0;
  hooks: MemoHooks = {};

  /**
   * `track: false` is a one-shot memo (`buildIndex`, `compileProxy`): units are still shared
   * within it (a mesh-wide cluster built once for every kind), but no reads are recorded and
   * nothing is ever invalidated — the bookkeeping would be wasted on an index used once.
   */
  constructor(private readonly options: { track: boolean } = { track: true }) {}

  /** Whether reads are recorded (false: a one-shot memo, whose units are never checked again). */
  get tracking(): boolean {
    return this.options.track;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The unit `key`: reused when its inputs are the same objects and it is still valid, else built
   * by `build` with fresh collectors. Its diagnostics and cluster requests are replayed into
   * `sinks`; the unit being built around it records that it used it.
   */
  unit<T>(key: string, inputs: readonly unknown[], sinks: UnitSinks, build: (own: UnitOwn, previous?: T) => T, options?: UnitOptions<T>): T {
    let entry = this.entries.get(key);
    if (!entry || !sameInputs(entry.inputs, inputs) || !this.valid(entry)) {
      const cutoff = options?.same ? { build: build as (own: UnitOwn, previous: unknown) => unknown, same: options.same as (a: unknown, b: unknown) => boolean } : undefined;
      entry = this.options.track ? this.build(key, inputs, build, entry, cutoff) : this.buildOnce(key, inputs, build);
    }
    const top = this.building.length - 1;
    if (top >= 0) (this.building[top] ??= []).push(key, entry.stamp);
    if (sinks.diagnostics) sinks.diagnostics.addAll(entry.diagnostics);
    if (sinks.clusters) sinks.clusters.adoptAll(entry.requests);
    return entry.value as T;
  }

  /** Marks dirty every unit that read one of `reads`, and the units that used them; returns the keys marked. */
  invalidate(reads: ChangedReads): Set<string> {
    const marked = new Set<string>();
    for (const [source, keys] of reads) {
      const units = this.byRead.get(source);
      if (!units) continue;
      for (const key of keys) {
        const readers = units.get(key);
        if (typeof readers === 'string') this.markDirty(readers, marked);
        else for (const unit of readers ?? []) this.markDirty(unit, marked);
      }
    }
    return marked;
  }

  private markDirty(key: string, marked: Set<string>): void {
    const entry = this.entries.get(key);
    if (!entry || marked.has(key)) return;
    marked.add(key);
    // Its users are marked too even when it is dirty already: a user rebuilt in the same pass (a
    // group rebuilt after one of its members was rebuilt for another group) is clean while this
    // one may not be. The walk stops at units marked in this call.
    entry.dirty = true;
    for (const parent of entry.parents) this.markDirty(parent, marked);
  }

  /** Whether `key` is held and not dirty (tests, and the cache's "affected" question). */
  isClean(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && !entry.dirty;
  }

  /**
   * Keeps the units `isRoot` names and those they use (transitively), drops the rest: units of
   * proxies gone, of deleted VirtualServices, of clusters nothing asks for. Dropping a unit only
   * costs a rebuild should it be asked for again (a user then finds it missing and rebuilds).
   */
  sweep(isRoot: (key: string) => boolean): void {
    const live = new Set<string>();
    const visit = (key: string) => {
      if (live.has(key)) return;
      const entry = this.entries.get(key);
      if (!entry) return;
      live.add(key);
      const children = entry.children ?? [];
      for (let i = 0; i < children.length; i += 2) visit(children[i] as string);
    };
    for (const key of this.entries.keys()) if (isRoot(key)) visit(key);
    for (const [key, entry] of this.entries) if (!live.has(key)) this.forget(key, entry);
  }

  /**
   * A dirty unit is still valid when its reads hold and its children are the builds it used, still
   * valid. A cutoff child that is not is rebuilt here: if it comes out the same, its stamp holds.
   */
  private valid(entry: Entry): boolean {
    if (!entry.dirty) return true;
    if (!frameHolds(entry.reads)) return false;
    const children = entry.children ?? [];
    for (let i = 0; i < children.length; i += 2) {
      const key = children[i] as string;
      let child = this.entries.get(key);
      if (child && child.stamp === children[i + 1] && !this.valid(child) && child.cutoff) child = this.build(key, child.inputs, child.cutoff.build, child, child.cutoff);
      if (!child || child.stamp !== children[i + 1] || child.dirty) return false;
    }
    entry.dirty = false;
    return true;
  }

  private build<T>(key: string, inputs: readonly unknown[], build: (own: UnitOwn, previous?: T) => T, previous: Entry | undefined, cutoff?: Entry['cutoff']): Entry {
    const own: UnitOwn = { diagnostics: new Diagnostics(), clusters: new ClusterRequests({ keepMerge: true, previous: previous?.collector }) };
    this.building.push(undefined);
    let built: { value: T; reads: Frame };
    let children: (string | number)[] | undefined;
    try {
      built = recording(() => build(own, previous?.value as T | undefined));
    } finally {
      children = this.building.pop();
    }
    const parents = previous?.parents ?? new Set<string>();
    const diagnostics = own.diagnostics.list();
    const requests = own.clusters.list();
    // Early cutoff: the same value and side effects as before is no change for the users.
    const unchanged =
      cutoff !== undefined && previous !== undefined && cutoff.same(previous.value, built.value) && sameDiagnostics(previous.diagnostics, diagnostics) && sameInputs(previous.requests, requests);
    if (previous) this.forget(key, previous);
    const entry: Entry = {
      stamp: unchanged ? previous.stamp : ++this.stamps,
      inputs: [...inputs],
      reads: built.reads,
      children,
      parents,
      value: unchanged ? previous.value : built.value,
      diagnostics: unchanged ? previous.diagnostics : diagnostics,
      requests: unchanged ? previous.requests : requests,
      ...(own.clusters.patchable ? { collector: own.clusters } : {}),
      dirty: false,
      ...(cutoff ? { cutoff } : {}),
    };
    this.entries.set(key, entry);
    for (const [source, keys] of built.reads) {
      let units = this.byRead.get(source);
      if (!units) this.byRead.set(source, (units = new Map()));
      for (const read of keys.keys()) {
        const readers = units.get(read);
        if (readers === undefined || readers === key) units.set(read, key);
        else if (typeof readers === 'string') units.set(read, new Set([readers, key]));
        else readers.add(key);
      }
    }
    if (children) for (let i = 0; i < children.length; i += 2) this.entries.get(children[i] as string)?.parents.add(key);
    // Users of the previous build hold its value: they must check (they see a new stamp).
    const marked = new Set<string>();
    if (!unchanged) for (const parent of parents) this.markDirty(parent, marked);
    this.builds++;
    this.hooks.onBuild?.(key);
    return entry;
  }

  /** An untracked unit: built once per key and inputs, never checked again. */
  private buildOnce<T>(key: string, inputs: readonly unknown[], build: (own: UnitOwn) => T): Entry {
    const own: UnitOwn = { diagnostics: new Diagnostics(), clusters: new ClusterRequests() };
    const value = untracked(() => build(own));
    const entry: Entry = { stamp: ++this.stamps, inputs: [...inputs], reads: NO_READS, children: undefined, parents: NO_PARENTS, value, diagnostics: own.diagnostics.list(), requests: own.clusters.list(), dirty: false };
    this.entries.set(key, entry);
    this.builds++;
    this.hooks.onBuild?.(key);
    return entry;
  }

  private forget(key: string, entry: Entry): void {
    this.entries.delete(key);
    for (const [source, keys] of entry.reads) {
      const units = this.byRead.get(source);
      if (!units) continue;
      for (const read of keys.keys()) {
        const readers = units.get(read);
        if (readers === key) units.delete(read);
        else if (typeof readers === 'object') {
          readers.delete(key);
          if (readers.size === 0) units.delete(read);
        }
      }
    }
    // Its children keep it among their users: a stale link costs one check when they change, no more.
  }
}

const NO_READS: Frame = new Map();
const NO_PARENTS = new Set<string>();

function sameDiagnostics(a: readonly Diagnostic[], b: readonly Diagnostic[]): boolean {
  return a.length === b.length && a.every((d, i) => d.severity === b[i].severity && d.object === b[i].object && d.message === b[i].message);
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
