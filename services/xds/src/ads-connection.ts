/**
 * One ADS stream's state-of-the-world bookkeeping, per resource type: what the proxy subscribed
 * to, what was last sent (snapshot, version, nonce), what it ACKed, and the last NACK.
 *
 * The rules (xDS protocol, state of the world):
 * - A request whose nonce is not the last one sent for its type is stale and ignored.
 * - A request with the last nonce and no error_detail ACKs that version; with error_detail it
 *   NACKs it: the error is kept, and that same version is not sent again (no resend loop).
 * - A response goes out only when there is something new for the proxy: the first request of a
 *   type (unless it resumes, below), a change of subscribed names, or a change to a resource it
 *   subscribed to. ACKs alone are never answered.
 * - Listeners and clusters may be subscribed by wildcard (no names); routes, endpoints and
 *   secrets are always named.
 * - Listeners, clusters and secrets go out whole (every subscribed resource: for LDS and CDS an
 *   absent one means removed). Routes and endpoints go out partially, as the protocol allows for
 *   those types: only the subscribed resources that changed since what the proxy holds, and
 *   those it newly subscribed to. After a NACK, the next response starts again from what the
 *   proxy last ACKed.
 * - A version is the snapshot's content hash (the proxy's kind, that type), computed once per
 *   snapshot, never per proxy.
 * - A reconnecting proxy resumes (`resume`): its first request of a type on the stream carries
 *   the version it last accepted and no nonce; when that is the version it would be sent now and
 *   it is known to hold every name it asks for, it is taken to hold that snapshot, as if sent
 *   and ACKed, and nothing is written. The next change goes to it as a diff from there.
 *
 * The connection keeps references to the shared snapshots, never copies of resources.
 */
import type { ProxyNode, TypeUrl } from '@meshgate/compiler';
import { TYPE_URL } from '@meshgate/compiler';
import { sortedByName, TypeSnapshot, type EncodedResource, type SnapshotDiff } from './resource-cache.js';
import { sharedSubscription } from './shared-subscriptions.js';
import { sharedResponse, sotwBody, type PrebuiltResponse } from './wire.js';

export interface Nack {
  version: string;
  nonce: string;
  message: string;
  at: string;
}

export interface TypeWatch {
  /** undefined = wildcard. Never edited: a new subscription replaces it (it may be shared with other streams). */
  names?: ReadonlySet<string>;
  sentVersion?: string;
  sentNonce?: string;
  ackedVersion?: string;
  nack?: Nack;
  /** The snapshot the last response was computed against, and the one the proxy last ACKed. */
  sent?: TypeSnapshot;
  acked?: TypeSnapshot;
  /** Names subscribed since the last response: sent in the next one whatever changed. */
  added?: Set<string>;
  /** The last response was NACKed: the next one is computed from `acked`. */
  rejected?: boolean;
  /** The bytes of the resource_names of the last request: the same bytes again are the same names, not decoded. */
  namesKey?: Buffer;
  /** The names the last response covered, and those of the response the proxy last ACKed ('*': wildcard). */
  sentNames?: HeldNames;
  ackedNames?: HeldNames;
  /** The stream's first request of the type asked to resume at this version; decided at its answer (`resume`). */
  resumeVersion?: string;
}

/** The names a proxy holds a type's resources for: a set, or '*' when it subscribed by wildcard. */
export type HeldNames = ReadonlySet<string> | '*';

/**
 * What a proxy held when its previous stream left, per type: the version it ACKed and for which
 * names; for a few names of a partial type (a proxyless client's routes and endpoints), each
 * one's content hash at that version ('' : it did not exist).
 */
export type HeldTypes = ReadonlyMap<string, { version: string; names: HeldNames; hashes?: ReadonlyMap<string, string> }>;

/** Up to this many names of a partial type, a stream that leaves records each one's hash (`held`). */
const MAX_HASHED_NAMES = 64;

/** Types a reconnecting proxy may resume; secrets are always answered (their material is per identity and renewed). */
const RESUMABLE_TYPES = new Set<string>([TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint]);

export interface DiscoveryRequestLike {
  type_url: string;
  version_info?: string;
  resource_names?: string[];
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
  /** The encoded resource_names (`scanningDiscoveryRequests`), when the request was read off its bytes. */
  names_key?: Buffer;
}

export type DiscoveryResponseLike = PrebuiltResponse;

const WILDCARD_TYPES = new Set<string>([TYPE_URL.listener, TYPE_URL.cluster]);
/** Types whose state-of-the-world responses may hold only some of the subscribed resources. */
const PARTIAL_TYPES = new Set<string>([TYPE_URL.route, TYPE_URL.endpoint]);

function sameNames(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const name of a) if (!b.has(name)) return false;
  return true;
}

export type RequestOutcome =
  | { kind: 'stale' }
  | { kind: 'ack'; version: string }
  | { kind: 'nack'; nack: Nack }
  | { kind: 'subscribe' };

/** A response body per diff, shared by every proxy that subscribed to all of it. */
const diffBodies = new WeakMap<SnapshotDiff, Buffer>();
const emptySnapshots = new Map<TypeUrl, TypeSnapshot>();

export function emptySnapshot(typeUrl: TypeUrl): TypeSnapshot {
  let snapshot = emptySnapshots.get(typeUrl);
  if (!snapshot) emptySnapshots.set(typeUrl, (snapshot = new TypeSnapshot(typeUrl, new Map())));
  return snapshot;
}

export class AdsConnection {
  readonly protocol = 'sotw' as const;
  readonly watches = new Map<string, TypeWatch>();
  private nonceCounter = 0;
  readonly connectedAt = new Date().toISOString();

  constructor(
    readonly streamId: number,
    readonly node: ProxyNode,
    /** What the node says it runs (`user_agent_name/version`), for proxy-status; absent when it does not say. */
    readonly userAgent?: string,
    /** What this proxy held when its previous stream to this process left (`held`), if it had one. */
    private readonly previous?: HeldTypes,
  ) {}

  /** Applies a request to the bookkeeping; `respond` tells whether the type needs a response. */
  handleRequest(request: DiscoveryRequestLike): { outcome: RequestOutcome; respond: boolean } {
    const typeUrl = request.type_url;
    let watch = this.watches.get(typeUrl);
    if (!watch) {
      watch = {};
      this.watches.set(typeUrl, watch);
    }
    // An ACK repeats the subscription: the same bytes are the same names, compared without decoding them.
    const sameKey = request.names_key !== undefined && watch.namesKey !== undefined && request.names_key.equals(watch.namesKey);
    let names = watch.names;
    let namesKey = watch.namesKey;
    if (!sameKey) {
      const requested = request.resource_names ?? [];
      if (requested.length === 0 && WILDCARD_TYPES.has(typeUrl)) {
        names = undefined;
        namesKey = request.names_key && Buffer.from(request.names_key); // a copy: the request's buffer is not kept alive for it
      } else if (request.names_key) {
        // Read off the bytes: streams asking for the same names share one subscription.
        ({ names, key: namesKey } = sharedSubscription(typeUrl, request.names_key, requested));
      } else {
        names = new Set(requested);
        namesKey = undefined;
      }
    }
    // `sent` is set by the first response or by a resume: until then every request is answered.
    const namesChanged = (!sameKey && !sameNames(watch.names, names)) || watch.sent === undefined;
    const nonce = request.response_nonce ?? '';
    if (nonce === '' && watch.sent === undefined && RESUMABLE_TYPES.has(typeUrl)) watch.resumeVersion = request.version_info || undefined;

    let outcome: RequestOutcome = { kind: 'subscribe' };
    if (nonce !== '') {
      if (nonce !== watch.sentNonce) return { outcome: { kind: 'stale' }, respond: false };
      const errorMessage = request.error_detail?.message;
      if (request.error_detail && (errorMessage !== undefined || request.error_detail.code)) {
        watch.nack = { version: watch.sentVersion ?? '', nonce, message: errorMessage ?? `code ${request.error_detail.code}`, at: new Date().toISOString() };
        watch.rejected = true;
        outcome = { kind: 'nack', nack: watch.nack };
      } else {
        watch.ackedVersion = request.version_info ?? watch.sentVersion;
        watch.acked = watch.sent;
        watch.ackedNames = watch.sentNames;
        watch.nack = undefined;
        outcome = { kind: 'ack', version: watch.ackedVersion ?? '' };
      }
    }
    if (namesChanged && names && watch.names) {
      for (const name of names) if (!watch.names.has(name)) (watch.added ??= new Set()).add(name);
    }
    watch.names = names;
    watch.namesKey = namesKey;
    return { outcome, respond: namesChanged };
  }

  /**
   * Takes the proxy to hold `current` when its first request of the type on this stream asked to
   * resume at `current`'s version and it is known to hold every name it subscribes to now: set
   * as sent and ACKed, nothing to write. Decided once, at the type's first answer; true when it
   * resumed.
   *
   * Why holding the version is holding the snapshot: a version is the content hash of the
   * snapshot for the proxy's kind, the same on every stream and every process with the same
   * state. For listeners and clusters a response carries every subscribed resource, so a proxy
   * that ACKed version V holds snapshot V for the names it was sent. For routes and endpoints
   * (partial) every response of version V carries snapshot V's content for each subscribed name
   * that differs from what the proxy held, and the names added since — so after ACKing V the
   * proxy again holds snapshot V for every name that response covered. What the version does not
   * say is for which names: a name subscribed after the last ACK (added while the control plane
   * was away, or whose response the broken stream lost) is asked with the old version and was
   * never received. So a named subscription resumes only when its names are among those its
   * previous stream to this process had ACKed at that version (`previous`); a wildcard one holds
   * everything. A partial type asked at an older version resumes too when that previous stream
   * recorded its few names' hashes at that version and each is the hash now (`holdsContent`).
   * Anything else is answered in full, as on a first connection.
   */
  resume(typeUrl: TypeUrl, current: TypeSnapshot | undefined): boolean {
    const watch = this.watches.get(typeUrl);
    const version = watch?.resumeVersion;
    if (!watch || version === undefined) return false;
    watch.resumeVersion = undefined;
    if (watch.sent !== undefined) return false;
    const snapshot = current ?? emptySnapshot(typeUrl);
    const inStep = snapshot.version === version ? this.holds(typeUrl, version, watch.names) : this.holdsContent(typeUrl, version, watch.names, snapshot);
    if (!inStep) return false;
    const names: HeldNames = watch.names ?? '*';
    watch.sent = watch.acked = snapshot;
    watch.sentVersion = watch.ackedVersion = snapshot.version;
    watch.sentNames = watch.ackedNames = names;
    watch.added = undefined;
    return true;
  }

  /** Whether the proxy is known to hold version `version` of the type for all of `names` (undefined: wildcard). */
  private holds(typeUrl: string, version: string, names: ReadonlySet<string> | undefined): boolean {
    if (names === undefined) return true;
    const held = this.previous?.get(typeUrl);
    if (!held || held.version !== version) return false;
    if (held.names === '*') return true;
    for (const name of names) if (!held.names.has(name)) return false;
    return true;
  }

  /**
   * Whether a proxy that resumes a partial type at an older `version` holds `current`'s content for
   * every name it subscribes to: its previous stream had ACKed `version` for those names, and
   * each one's hash then is its hash now. A partial type's version is the whole snapshot's, which
   * changes elsewhere move without sending this proxy anything (another Service's routes).
   */
  private holdsContent(typeUrl: string, version: string, names: ReadonlySet<string> | undefined, current: TypeSnapshot): boolean {
    if (names === undefined || !PARTIAL_TYPES.has(typeUrl)) return false;
    const held = this.previous?.get(typeUrl);
    if (!held?.hashes || held.version !== version) return false;
    for (const name of names) {
      const then = held.hashes.get(name);
      if (then === undefined || then !== (current.resources.get(name)?.hash ?? '')) return false;
    }
    return true;
  }

  /** Per type, the version the proxy last ACKed and for which names: what a later stream of it may resume from. */
  held(): HeldTypes {
    const held = new Map<string, { version: string; names: HeldNames; hashes?: ReadonlyMap<string, string> }>();
    for (const [typeUrl, watch] of this.watches) {
      if (!RESUMABLE_TYPES.has(typeUrl) || watch.ackedVersion === undefined || watch.ackedNames === undefined) continue;
      const names = watch.ackedNames;
      const acked = watch.acked;
      const hashed = PARTIAL_TYPES.has(typeUrl) && names !== '*' && names.size <= MAX_HASHED_NAMES && acked !== undefined;
      const hashes = hashed ? new Map([...names].map((name) => [name, acked.resources.get(name)?.hash ?? ''])) : undefined;
      held.set(typeUrl, { version: watch.ackedVersion, names, ...(hashes ? { hashes } : {}) });
    }
    return held;
  }

  /**
   * The response for one type if something the proxy subscribed to changed (or `force`, for a
   * changed subscription), else undefined. A version that was NACKed is not sent again.
   */
  responseFor(typeUrl: TypeUrl, current: TypeSnapshot | undefined, force: boolean): PrebuiltResponse | undefined {
    const watch = this.watches.get(typeUrl);
    if (!watch) return undefined;
    const snapshot = current ?? emptySnapshot(typeUrl);
    const first = watch.sent === undefined;
    if (!force && !first && snapshot === watch.sent && !watch.rejected) return undefined;
    if (!force && watch.nack && watch.nack.version === snapshot.version) return undefined;
    const base = first ? undefined : watch.rejected ? watch.acked : watch.sent;
    const diff = snapshot.diffFrom(base);
    const names = watch.names;
    const relevant = (list: readonly string[]) => (names === undefined ? list : list.filter((name) => names.has(name)));

    let body: Buffer;
    let count: number;
    if (PARTIAL_TYPES.has(typeUrl) && base !== undefined) {
      const changed = relevant(diff.changed);
      const added = [...(watch.added ?? [])].filter((name) => snapshot.resources.has(name) && !changed.includes(name));
      if (!force && changed.length === 0 && added.length === 0) {
        watch.sent = snapshot;
        return undefined;
      }
      if (added.length === 0 && changed.length === diff.changed.length) {
        let shared = diffBodies.get(diff);
        if (!shared) diffBodies.set(diff, (shared = bodyOf(snapshot, changed)));
        body = shared;
      } else {
        body = bodyOf(snapshot, [...changed, ...added]);
      }
      count = changed.length + added.length;
    } else {
      if (!force && !first && relevant(diff.changed).length === 0 && relevant(diff.removed).length === 0) {
        watch.sent = snapshot;
        return undefined;
      }
      const selected = names === undefined ? [...snapshot.resources.keys()] : [...names].filter((name) => snapshot.resources.has(name));
      body = selected.length === snapshot.resources.size ? snapshot.body() : bodyOf(snapshot, selected);
      count = selected.length;
    }
    const response = sharedResponse(typeUrl, snapshot.version, body, count, watch.sentNonce, () => String(++this.nonceCounter));
    watch.sent = snapshot;
    watch.sentVersion = snapshot.version;
    watch.sentNonce = response.nonce;
    watch.sentNames = names ?? '*';
    watch.added = undefined;
    watch.rejected = false;
    return response;
  }
}

function bodyOf(snapshot: TypeSnapshot, names: readonly string[]): Buffer {
  const resources = names.map((name) => snapshot.resources.get(name)).filter((r): r is EncodedResource => r !== undefined);
  return sotwBody(snapshot.version, snapshot.typeUrl, sortedByName(resources).map((r) => r.sotwEntry));
}
