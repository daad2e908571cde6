/**
 * The CompileIndex as compile code sees it: the same fields, each read through a tracked source
 * (lookup.ts), so that a memoised unit knows what it depended on. `index.state.byKind.<Kind>` is
 * a tracked view of the live state's map; the index's maps and values read through to `data`,
 * which `IncrementalIndex` updates in place (touching the sources whose keys it changed).
 */
import type { MeshState } from '@meshgate/model';
import { record, recordList, Source, TrackedMap, untracked } from './lookup.js';
import { Memo } from './memo.js';
import type { CompileIndex, CompileIndexData } from './meshIndex.js';
import { TRAFFIC_INDEX_FIELDS } from './traffic-index.js';

/** The index's map fields, each a tracked source of its own. */
export const INDEX_MAPS = ['slicesByService', 'virtualServicesByGateway', 'ingressBackendsByNamespace', 'rejectedIngressBackendsByNamespace', 'podsByIp', 'podsByNamespace'] as const;
/** The index's whole values, each a cell: any change to it is one change. */
export const INDEX_CELLS = ['services', 'istioIngresses', 'meshVirtualServiceHosts', ...TRAFFIC_INDEX_FIELDS] as const;

/** Fields read as they are (fixed for the index's life). */
const INDEX_CONSTANTS = ['state', 'options', 'meshName'];

export type IndexMapName = (typeof INDEX_MAPS)[number];
export type IndexCellName = (typeof INDEX_CELLS)[number];

/**
 * A derived lookup answered per key and cached (e.g. the mesh VirtualServices for one host): a
 * unit records the key it asked and the answer; `IncrementalIndex` recomputes cached answers
 * its changes may alter and touches the keys whose answer differs.
 */
export interface Query {
  source: Source;
  cache: Map<string, unknown>;
  compute: (key: string) => unknown;
}

export interface TrackedIndex {
  queries: Map<string, Query>;
  /**
   * Index fields added to `buildIndexData` but not (yet) listed in INDEX_MAPS / INDEX_CELLS: read
   * through one source touched on every change, and rebuilt whole by `IncrementalIndex.apply` —
   * correct, but every unit reading one is rebuilt on every change. List new fields properly.
   */
  unlisted: { names: string[]; source: Source };
  index: CompileIndex;
  data: CompileIndexData;
  /** By kind: the source of `state.byKind.<Kind>` (created on first read of that kind). */
  kindSource(kind: string): Source;
  maps: Record<IndexMapName, Source>;
  cells: Record<IndexCellName, Source>;
}

/** Source ids: `kind:<Kind>`, `index:<map>`, `cell:<value>` (what docs/decisions.md names). */
export function trackedIndex(data: CompileIndexData, memo = new Memo()): TrackedIndex {
  const kindSources = new Map<string, Source>();
  const byKind = (kind: string): Map<string, unknown> => (data.state.byKind as unknown as Record<string, Map<string, unknown>>)[kind] ?? new Map();
  const kindSource = (kind: string): Source => {
    let source = kindSources.get(kind);
    if (!source) kindSources.set(kind, (source = new Source(`kind:${kind}`, (key) => byKind(kind).get(key))));
    return source;
  };
  const trackedKinds: Record<string, TrackedMap<unknown>> = {};
  for (const kind of Object.keys(data.state.byKind)) trackedKinds[kind] = new TrackedMap(kindSource(kind), () => byKind(kind));
  const createdSequence = new TrackedCreatedSequence(
    () => data.state.createdSequence,
    (kind, key) => record(kindSource(kind), key, byKind(kind).get(key)),
    () => Object.keys(data.state.byKind).forEach((kind) => recordList(kindSource(kind))),
  );
  const state = {
    get sequence() {
      return data.state.sequence;
    },
    byKind: trackedKinds,
    createdSequence,
  } as unknown as MeshState;

  const maps = {} as Record<IndexMapName, Source>;
  const trackedMaps = {} as Record<IndexMapName, TrackedMap<unknown>>;
  for (const name of INDEX_MAPS) {
    const target = () => data[name] as ReadonlyMap<string, unknown>;
    maps[name] = new Source(`index:${name}`, (key) => target().get(key));
    trackedMaps[name] = new TrackedMap(maps[name], target);
  }
  const cells = {} as Record<IndexCellName, Source>;
  for (const name of INDEX_CELLS) cells[name] = new Source(`cell:${name}`, () => data[name]);
  const cell = <N extends IndexCellName>(name: N): CompileIndexData[N] => {
    record(cells[name], '', data[name]);
    return data[name];
  };

  const index = {
    state,
    get options() {
      return data.options;
    },
    get meshName() {
      return data.meshName;
    },
    get services() {
      return cell('services');
    },
    get istioIngresses() {
      return cell('istioIngresses');
    },
    get meshVirtualServiceHosts() {
      return cell('meshVirtualServiceHosts');
    },
    get serviceEntryHosts() {
      return cell('serviceEntryHosts');
    },
    get destinationRulesByHost() {
      return cell('destinationRulesByHost');
    },
    get outboundPolicy() {
      return cell('outboundPolicy');
    },
    get refusedTrafficObjects() {
      return cell('refusedTrafficObjects');
    },
    // The state's own Secret map, read per key: a credential's readers depend on that Secret only.
    secretsByKey: trackedKinds.Secret,
    ...trackedMaps,
    meshWide: new Map(),
    memo,
  } as unknown as CompileIndex;
  const known = new Set<string>([...INDEX_CONSTANTS, ...INDEX_MAPS, ...INDEX_CELLS, 'secretsByKey']);
  // Its version is what a read records, and what `peek` gives back while nothing changed.
  const unlistedSource: Source = new Source('cell:unlisted', () => unlistedSource.version);
  const unlisted = { names: Object.keys(data).filter((name) => !known.has(name)), source: unlistedSource };
  for (const name of unlisted.names) {
    Object.defineProperty(index, name, {
      enumerable: true,
      get: () => {
        record(unlisted.source, '', unlisted.source.version);
        return (data as unknown as Record<string, unknown>)[name];
      },
    });
  }
  const tracked: TrackedIndex = { index, data, kindSource, maps, cells, queries: new Map(), unlisted };
  trackedIndexes.set(index, tracked);
  return tracked;
}

const trackedIndexes = new WeakMap<CompileIndex, TrackedIndex>();

/**
 * `state.createdSequence` as compile code sees it (the oldest-first rules read it): a read of
 * `Kind/namespace/name` is recorded as a read of that object, since its creation sequence changes
 * only when it is created or deleted, which replaces or removes the object; iterating depends on
 * every kind.
 */
class TrackedCreatedSequence extends TrackedMap<number> {
  constructor(
    target: () => ReadonlyMap<string, number>,
    private readonly objectRead: (kind: string, key: string) => void,
    private readonly everyKindRead: () => void,
  ) {
    super(new Source('createdSequence', () => undefined), target);
  }

  protected override recordRead(key: string): void {
    const slash = key.indexOf('/');
    if (slash > 0) this.objectRead(key.slice(0, slash), key.slice(slash + 1));
  }

  protected override recordIteration(): void {
    this.everyKindRead();
  }
}

/** `compute(key)` through the index's cache for query `name`, recorded as a read of (`query:<name>`, key). */
export function cachedQuery<T>(index: CompileIndex, name: string, key: string, compute: (key: string) => T): T {
  const tracked = trackedIndexes.get(index);
  if (!tracked) return compute(key);
  let query = tracked.queries.get(name);
  if (!query) {
    const cache = new Map<string, unknown>();
    query = { source: new Source(`query:${name}`, (k) => cache.get(k)), cache, compute: (k) => untracked(() => compute(k)) };
    tracked.queries.set(name, query);
  }
  let value = query.cache.get(key) as T | undefined;
  if (value === undefined) {
    value = query.compute(key) as T;
    query.cache.set(key, value);
  }
  record(query.source, key, value);
  return value;
}
