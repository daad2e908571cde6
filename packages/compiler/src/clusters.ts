/**
 * Clusters: one per distinct (host, port, subset) that some route sends traffic to, all EDS
 * over ADS, named by `clusterName`.
 */
import type { ServiceEntryObject, ServiceObject, ServicePort } from '@meshgate/model';
import { compare } from './diagnostics.js';
import { clusterName } from './naming.js';

export interface ClusterRequest {
  name: string;
  host: string;
  port: number;
  subset: string;
  /** The Service the host names, when known; without it the cluster has no endpoints. */
  service: ServiceObject | undefined;
  /** The ServiceEntry the host names, when no Service does (`outbound-clusters.ts`). */
  serviceEntry?: ServiceEntryObject;
}

/**
 * The clusters routes refer to, collected while translating them: those asked for here
 * (`request`), and the lists of the units used (`adoptAll`, which memo.ts calls on every use of a
 * unit), merged into one list by name when read (`list`).
 *
 * A unit over 1,000 VirtualServices or Services adopts some 30 lists of ~60 requests on every
 * rebuild. A collector made with `previous` (the collector of the unit's previous build) and
 * holding enough requests merges by patching: it compares the lists it adopted with those of the
 * previous build (identity), counts what the changed ones take away and add, and returns the
 * previous merged list itself when no name came or went, so a route change that still asks for
 * the same clusters costs the changed lists, not the whole.
 */
export class ClusterRequests {
  /** Asked for here, by name (the first of a name wins). */
  private direct?: Map<string, ClusterRequest>;
  /** Lists adopted whole (each a `list()`: sorted, one per name), in order. */
  private runs?: (readonly ClusterRequest[])[];
  /** The merged list, while nothing was added since. */
  private merged?: Merged;

  /**
   * `keepMerge`: keep what merging needs for patching next time (memo.ts, tracked units);
   * `previous`: the collector of the same unit's previous build, whose merge this one may patch.
   */
  constructor(private readonly options: { keepMerge?: boolean; previous?: ClusterRequests } = {}) {}

  /** Records that traffic goes to (host, port, subset) and returns the cluster's name. */
  request(host: string, port: number, subset: string, service: ServiceObject | undefined, serviceEntry?: ServiceEntryObject): string {
    const name = clusterName(host, port, subset);
    this.direct ??= new Map();
    if (!this.direct.has(name)) {
      this.direct.set(name, { name, host, port, subset, service, ...(serviceEntry ? { serviceEntry } : {}) });
      this.merged = undefined;
    }
    return name;
  }

  /**
   * The request `list()` holds for `name`: one asked for here, else the first adopted list's (each
   * is sorted: a binary search, so that a unit asking mid-build does not merge before it is done).
   */
  get(name: string): ClusterRequest | undefined {
    const own = this.direct?.get(name);
    if (own || !this.runs) return own;
    for (const run of this.runs) {
      const found = findByName(run, name);
      if (found) return found;
    }
    return undefined;
  }

  /** By name; the same array while nothing is added (read-only: it may be a unit's). */
  list(): readonly ClusterRequest[] {
    return this.merge().sorted;
  }

  /** Whether some request satisfies `test`, in no particular order and without merging. */
  some(test: (request: ClusterRequest) => boolean): boolean {
    for (const request of this.direct?.values() ?? []) if (test(request)) return true;
    for (const run of this.runs ?? []) for (let i = 0; i < run.length; i++) if (test(run[i])) return true;
    return false;
  }

  /** Takes a unit's requests (its `list()`: sorted, one per name), keeping the objects. */
  adoptAll(requests: readonly ClusterRequest[]): void {
    if (requests.length === 0) return;
    (this.runs ??= []).push(requests);
    this.merged = undefined;
  }

  /** Whether this collector kept a merge the next build of its unit can patch (memo.ts keeps the collector then). */
  get patchable(): boolean {
    return this.merged?.slots !== undefined;
  }

  private merge(): Merged {
    if (this.merged) return this.merged;
    const runs = this.runs ?? [];
    // The requests made here count as one more list, before the adopted ones (they win a name, as in `get`).
    const all = this.direct ? [sortedByName([...this.direct.values()]), ...runs] : runs;
    if (all.length === 0) return (this.merged = { sorted: NO_REQUESTS });
    // The usual case of a unit over one port: one list, taken as it is.
    if (all.length === 1) return (this.merged = { sorted: all[0] });
    let total = 0;
    for (const run of all) total += run.length;
    const counted = this.options.keepMerge === true && total >= patching.minimumRequests;
    const previous = this.options.previous?.takeMerge();
    return (this.merged = (counted && previous && patchMerge(previous, all)) || mergeRuns(all, counted));
  }

  /** Hands the merge over to the next build (once: the patch edits it). */
  private takeMerge(): Merged | undefined {
    const merged = this.merged;
    if (!merged?.slots) return undefined;
    this.merged = { sorted: merged.sorted };
    return merged;
  }
}

/**
 * When a merge is patched: from this many requests (below, a merge is cheap enough to redo and no
 * counts are kept), and while at most this share of the lists changed since the previous build.
 */
let patching = { minimumRequests: 256, maximumChangedShare: 0.25 };

/** Sets those bounds (tests patch from the first request on, whatever changed); returns the previous ones. */
export function setMergePatching(bounds: { minimumRequests: number; maximumChangedShare: number }): { minimumRequests: number; maximumChangedShare: number } {
  const previous = patching;
  patching = { ...bounds };
  return previous;
}

const NO_REQUESTS: readonly ClusterRequest[] = [];

interface Slot {
  /** The request listed for the name. */
  request: ClusterRequest;
  /** How many of the merged lists ask for it. */
  count: number;
}

interface Merged {
  sorted: readonly ClusterRequest[];
  /** For patching: by name, and the lists merged (kept only when every request of a name is equivalent). */
  slots?: Map<string, Slot>;
  runs?: readonly (readonly ClusterRequest[])[];
}

/** Requests of one name that make the same cluster: the same Service and ServiceEntry (the name fixes host, port and subset). */
function equivalent(a: ClusterRequest, b: ClusterRequest): boolean {
  return a.service === b.service && a.serviceEntry === b.serviceEntry;
}

function sortedByName(requests: ClusterRequest[]): ClusterRequest[] {
  return requests.sort((a, b) => compare(a.name, b.name));
}

/**
 * The lists merged from scratch, the first of a name winning. `counted`: keep the counts for
 * patching — unless two lists disagree on a name's Service, where which one wins depends on
 * order and only a merge from scratch says which.
 */
function mergeRuns(runs: readonly (readonly ClusterRequest[])[], counted: boolean): Merged {
  if (!counted) {
    const byName = new Map<string, ClusterRequest>();
    for (const run of runs) for (let i = 0; i < run.length; i++) if (!byName.has(run[i].name)) byName.set(run[i].name, run[i]);
    return { sorted: sortedByName([...byName.values()]) };
  }
  const slots = new Map<string, Slot>();
  let agreed = true;
  for (const run of runs) {
    for (let i = 0; i < run.length; i++) {
      const request = run[i];
      const slot = slots.get(request.name);
      if (!slot) slots.set(request.name, { request, count: 1 });
      else {
        slot.count++;
        if (!equivalent(slot.request, request)) agreed = false;
      }
    }
  }
  const sorted = new Array<ClusterRequest>(slots.size);
  let at = 0;
  for (const slot of slots.values()) sorted[at++] = slot.request;
  sortedByName(sorted);
  return agreed ? { sorted, slots, runs } : { sorted };
}

/**
 * The previous merge brought up to `runs`: the lists no longer adopted are counted out, the new
 * ones in. Undefined (merge from scratch) when the lists cannot be paired by position, when most
 * changed, or when a new request disagrees with the one listed for its name. The previous sorted
 * list is returned itself when no name came or went: every request of a name being equivalent,
 * the one listed still stands for them.
 */
function patchMerge(previous: Merged, runs: readonly (readonly ClusterRequest[])[]): Merged | undefined {
  const before = previous.runs;
  const slots = previous.slots;
  if (!before || !slots || before.length !== runs.length) return undefined;
  let changed = 0;
  for (let i = 0; i < runs.length; i++) if (runs[i] !== before[i]) changed++;
  if (changed > runs.length * patching.maximumChangedShare) return undefined;
  let gone: Set<string> | undefined;
  let came: ClusterRequest[] | undefined;
  let replaced: Set<string> | undefined;
  for (let i = 0; i < runs.length; i++) {
    const old = before[i];
    if (runs[i] === old) continue;
    for (let j = 0; j < old.length; j++) {
      const slot = slots.get(old[j].name);
      if (slot && --slot.count === 0) (gone ??= new Set()).add(old[j].name);
    }
  }
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    if (run === before[i]) continue;
    for (let j = 0; j < run.length; j++) {
      const request = run[j];
      const slot = slots.get(request.name);
      if (!slot) {
        slots.set(request.name, { request, count: 1 });
        (came ??= []).push(request);
      } else if (slot.count === 0) {
        // Every list that asked for it changed (its Service did, say): the new request is listed.
        gone?.delete(request.name);
        slot.count = 1;
        if (!equivalent(slot.request, request)) (replaced ??= new Set()).add(request.name);
        slot.request = request;
      } else {
        slot.count++;
        // A request that disagrees with the listed one: which wins depends on order (mergeRuns).
        if (!equivalent(slot.request, request)) return undefined;
      }
    }
  }
  if (!gone?.size && !came && !replaced) return { sorted: previous.sorted, slots, runs };
  for (const name of gone ?? []) slots.delete(name);
  let kept: readonly ClusterRequest[] = previous.sorted;
  if (gone?.size || replaced) {
    const out: ClusterRequest[] = [];
    for (const request of previous.sorted) {
      if (gone?.has(request.name)) continue;
      out.push(replaced?.has(request.name) ? (slots.get(request.name) as Slot).request : request);
    }
    kept = out;
  }
  return { sorted: came ? mergeSorted(kept, sortedByName(came)) : kept, slots, runs };
}

/** The request named `name` in a list sorted by name, if any. */
function findByName(sorted: readonly ClusterRequest[], name: string): ClusterRequest | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid].name < name) low = mid + 1;
    else high = mid;
  }
  return sorted[low]?.name === name ? sorted[low] : undefined;
}

/** Two lists sorted by name (no name in both) as one. */
function mergeSorted(a: readonly ClusterRequest[], b: readonly ClusterRequest[]): ClusterRequest[] {
  const out = new Array<ClusterRequest>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(a[i].name, b[j].name) <= 0 ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

export function adsConfigSource(): Record<string, unknown> {
  return { ads: {}, resource_api_version: 'V3' };
}

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/**
 * Whether the Service port speaks HTTP/2 (gRPC included), read as Istio does: `appProtocol`
 * first, else the port name as `<protocol>[-<suffix>]` (`grpc`, `grpc-api`, `http2-x`).
 * `grpc-web` is HTTP/1.1 on the wire.
 */
export function speaksHttp2(port: ServicePort): boolean {
  const written = (port.appProtocol ?? port.name).toLowerCase();
  if (written === 'kubernetes.io/h2c') return true;
  if (written === 'grpc-web' || written.startsWith('grpc-web-')) return false;
  const protocol = written.split('-')[0];
  return protocol === 'grpc' || protocol === 'http2' || protocol === 'h2c';
}

/**
 * The Cluster for a request. `client` decides the extras: Envoy needs to be told to speak
 * HTTP/2 to gRPC backends; a proxyless gRPC client always does and ignores the option.
 * `transportSocket` is the upstream TLS, when the destination takes it (`upstream-tls.ts`).
 */
export function buildCluster(request: ClusterRequest, client: 'envoy' | 'grpc', transportSocket?: Record<string, unknown>): Record<string, unknown> {
  const cluster: Record<string, unknown> = {
    name: request.name,
    type: 'EDS',
    eds_cluster_config: { eds_config: adsConfigSource(), service_name: request.name },
    connect_timeout: { seconds: 10, nanos: 0 },
    lb_policy: 'ROUND_ROBIN',
  };
  const servicePort = request.service?.spec.ports.find((port) => port.port === request.port);
  if (client === 'envoy' && servicePort && speaksHttp2(servicePort)) cluster.typed_extension_protocol_options = http2ProtocolOptions();
  if (transportSocket) cluster.transport_socket = transportSocket;
  return cluster;
}

/** Cluster `typed_extension_protocol_options` telling Envoy to speak HTTP/2 upstream. */
export function http2ProtocolOptions(): Record<string, unknown> {
  return {
    [HTTP_PROTOCOL_OPTIONS]: {
      '@type': `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`,
      explicit_http_config: { http2_protocol_options: {} },
    },
  };
}
