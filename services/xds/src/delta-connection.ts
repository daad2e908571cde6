/**
 * One delta ADS stream's bookkeeping (`DeltaAggregatedResources`), per resource type: the
 * subscription (wildcard and/or explicit names), what the proxy holds (name → version), the last
 * nonce sent, ACK and NACK.
 *
 * The rules (xDS protocol, incremental variant):
 * - The first request of a type opens it: `resource_names_subscribe` empty (LDS, CDS) or holding
 *   `*` is a wildcard subscription; other names are explicit. Later requests add and remove names
 *   (`resource_names_subscribe` / `_unsubscribe`); `*` in the unsubscribe list ends the wildcard.
 * - `initial_resource_versions` (first request of a type on a new stream) is what the proxy
 *   already holds: a resource it holds at the current version is not sent again.
 * - A response carries only the subscribed resources whose version differs from what the proxy
 *   holds, and in `removed_resources` the names it holds that no longer exist (or, for a
 *   wildcard, that left the set). Each resource's version is its content hash; the response's
 *   `system_version_info` is the snapshot's.
 * - A request carrying the last nonce sent ACKs it, or with error_detail NACKs it: the resources
 *   of a NACKed response are not sent again at those versions (no resend loop), and the proxy is
 *   taken to hold what it held before. A stale nonce is ignored for ACK/NACK; its subscription
 *   changes still apply.
 * - The first request of a type is always answered (maybe empty), so that the proxy knows it has
 *   the current state; later ones only when something is new for it.
 *
 * What the proxy holds is kept as a reference to the snapshot last sent (it holds that snapshot,
 * restricted to its subscription) plus the few names where it differs, never a copy.
 */
import type { ProxyNode, TypeUrl } from '@meshgate/compiler';
import { TYPE_URL } from '@meshgate/compiler';
import type { Nack, RequestOutcome } from './ads-connection.js';
import { sortedByName, type EncodedResource, type SnapshotDiff, type TypeSnapshot } from './resource-cache.js';
import { decodeHeld, heldAgainst } from './held-versions.js';
import { sharedSubscription } from './shared-subscriptions.js';
import { deltaBody, sharedResponse, type HeldVersionsBytes, type PrebuiltResponse } from './wire.js';

export interface DeltaRequestLike {
  type_url: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  /** The same, as where the entries lie in the request (`scanningDeltaRequests`): read against the snapshot at the first answer. */
  initial_versions_bytes?: HeldVersionsBytes;
  response_nonce?: string;
  /** The encoded resource_names_subscribe (`scanningDeltaRequests`): the same bytes are the same names. */
  subscribe_key?: Buffer;
  error_detail?: { code?: number; message?: string } | null;
}

export interface DeltaWatch {
  wildcard: boolean;
  /** Explicitly subscribed names (with or without the wildcard). `names` is what proxy status shows. */
  names?: ReadonlySet<string>;
  /** Never edited while `explicitShared`: it is then one set for every stream that subscribed the same names. */
  explicit: ReadonlySet<string>;
  explicitShared?: boolean;
  /** The snapshot the proxy holds (within its subscription), and where it differs: null = not held. */
  base?: TypeSnapshot;
  differs: Map<string, string | null>;
  /** Names newly subscribed: checked in the next response whatever changed. */
  added: Set<string>;
  /** What the proxy said it holds when it opened the type, not yet read: read against the first answer's snapshot (held-versions.ts). */
  heldOnOpen?: HeldVersionsBytes;
  /** Versions a NACKed response carried, by name: not sent again. */
  rejected: Map<string, string>;
  /**
   * What the last response sent and what each name held before it (restored on a NACK); `all`:
   * it sent every resource of that snapshot to a proxy that held none. Dropped once ACKed.
   */
  lastSent?: { nonce: string; before: Map<string, string | null>; all?: TypeSnapshot };
  opened: boolean;
  answeredOnce: boolean;
  sentVersion?: string;
  sentNonce?: string;
  ackedVersion?: string;
  nack?: Nack;
}

const IMPLICIT_WILDCARD = new Set<string>([TYPE_URL.listener, TYPE_URL.cluster]);
/** Delta subscriptions share the table of SotW ones under keys of their own. */
const DELTA_SUBSCRIPTION_PREFIX = 'delta ';

/** The watch's explicit names, made its own first if they are shared. */
function editable(watch: DeltaWatch): Set<string> {
  if (watch.explicitShared) {
    watch.explicit = new Set(watch.explicit);
    watch.explicitShared = false;
  }
  return watch.explicit as Set<string>;
}
const bodies = new WeakMap<SnapshotDiff, Buffer>();

export class DeltaConnection {
  readonly protocol = 'delta' as const;
  readonly watches = new Map<string, DeltaWatch>();
  private nonceCounter = 0;
  readonly connectedAt = new Date().toISOString();

  constructor(
    readonly streamId: number,
    readonly node: ProxyNode,
    /** What the node says it runs (`user_agent_name/version`), for proxy-status; absent when it does not say. */
    readonly userAgent?: string,
  ) {}

  handleRequest(request: DeltaRequestLike): { outcome: RequestOutcome; respond: boolean } {
    const typeUrl = request.type_url;
    let watch = this.watches.get(typeUrl);
    const opening = !watch;
    if (!watch) {
      watch = { wildcard: false, explicit: new Set(), differs: new Map(), added: new Set(), rejected: new Map(), opened: false, answeredOnce: false };
      this.watches.set(typeUrl, watch);
    }
    let outcome: RequestOutcome = { kind: 'subscribe' };
    const nonce = request.response_nonce ?? '';
    if (nonce !== '' && nonce === watch.sentNonce) {
      const errorMessage = request.error_detail?.message;
      if (request.error_detail && (errorMessage !== undefined || request.error_detail.code)) {
        watch.nack = { version: watch.sentVersion ?? '', nonce, message: errorMessage ?? `code ${request.error_detail.code}`, at: new Date().toISOString() };
        // The proxy kept what it had: restore that, and remember what it refused.
        const restore = (name: string, before: string | null) => {
          const refused = this.heldVersion(watch, name);
          if (refused) watch.rejected.set(name, refused);
          watch.differs.set(name, before);
        };
        for (const name of watch.lastSent?.all?.resources.keys() ?? []) restore(name, null);
        for (const [name, before] of watch.lastSent?.before ?? []) restore(name, before);
        watch.lastSent = undefined;
        outcome = { kind: 'nack', nack: watch.nack };
      } else {
        // What the proxy held before is needed only while a NACK may come.
        watch.lastSent = undefined;
        watch.ackedVersion = watch.sentVersion;
        watch.nack = undefined;
        outcome = { kind: 'ack', version: watch.ackedVersion ?? '' };
      }
    } else if (nonce !== '') {
      outcome = { kind: 'stale' };
    }

    const subscribe = request.resource_names_subscribe ?? [];
    const unsubscribe = request.resource_names_unsubscribe ?? [];
    if (opening) {
      if (subscribe.includes('*') || (subscribe.length === 0 && IMPLICIT_WILDCARD.has(typeUrl))) watch.wildcard = true;
      // for-in, not Object.entries: a reconnecting gateway lists 1,000 names per type, 2,000 gateways at once.
      const initial = request.initial_resource_versions;
      for (const name in initial) if (Object.hasOwn(initial, name)) watch.differs.set(name, initial[name]);
      if (request.initial_versions_bytes) watch.heldOnOpen = request.initial_versions_bytes;
    } else if (subscribe.includes('*')) {
      watch.wildcard = true;
    }
    if (watch.explicit.size === 0 && subscribe.length > 0 && request.subscribe_key && !subscribe.includes('*')) {
      // A first list of names (an Envoy gateway's 1,000 clusters for EDS): shared by every stream
      // that sends the same bytes, copied only if this one later changes it.
      watch.explicit = sharedSubscription(DELTA_SUBSCRIPTION_PREFIX + typeUrl, request.subscribe_key, subscribe).names;
      watch.explicitShared = true;
      if (watch.base) for (const name of watch.explicit) this.newlySubscribed(watch, name);
    } else {
      for (const name of subscribe) {
        if (name === '*' || watch.explicit.has(name)) continue;
        editable(watch).add(name);
        this.newlySubscribed(watch, name);
      }
    }
    for (const name of unsubscribe) {
      if (name === '*') watch.wildcard = false;
      else if (watch.explicit.has(name)) editable(watch).delete(name);
      // The proxy drops what it unsubscribed from: a later subscription gets it again.
      if (name !== '*' && !watch.wildcard) watch.differs.set(name, null);
    }
    watch.names = watch.wildcard ? undefined : watch.explicit;
    // Unsubscribing needs no answer; a new name does (it may exist, or its absence is news).
    return { outcome, respond: opening || subscribe.length > 0 };
  }

  /**
   * A name just subscribed: not held (unless the proxy said so in initial_resource_versions), and
   * looked at in the next response whatever changed. Before any response nothing is held and every
   * subscribed name is looked at anyway: no per-name bookkeeping then.
   */
  private newlySubscribed(watch: DeltaWatch, name: string): void {
    if (!watch.base) return;
    if (!watch.wildcard && !watch.differs.has(name)) watch.differs.set(name, null);
    watch.added.add(name);
  }

  private subscribed(watch: DeltaWatch, name: string): boolean {
    return watch.wildcard || watch.explicit.has(name);
  }

  private heldVersion(watch: DeltaWatch, name: string): string | null {
    if (watch.differs.has(name)) return watch.differs.get(name) ?? null;
    if (!this.subscribed(watch, name)) return null;
    return watch.base?.resources.get(name)?.hash ?? null;
  }

  /** The response for one type if something is new for the proxy (always for the first request), else undefined. */
  responseFor(typeUrl: TypeUrl, snapshot: TypeSnapshot | undefined, force: boolean): PrebuiltResponse | undefined {
    const watch = this.watches.get(typeUrl);
    if (!watch) return undefined;
    const first = !watch.answeredOnce;
    if (!snapshot && !first && !force) return undefined;
    if (watch.heldOnOpen) this.readHeldOnOpen(watch, watch.heldOnOpen, snapshot);
    if (snapshot && !watch.base && this.takesWhole(watch, snapshot)) {
      // Nothing held, every resource subscribed (a first answer, mostly): the snapshot's one body.
      const response = sharedResponse(typeUrl, snapshot.version, snapshot.deltaBody(), snapshot.resources.size, watch.sentNonce, () => String(++this.nonceCounter));
      watch.added.clear();
      watch.base = snapshot;
      watch.differs = new Map();
      watch.lastSent = { nonce: response.nonce, before: new Map(), all: snapshot };
      watch.answeredOnce = true;
      watch.sentNonce = response.nonce;
      watch.sentVersion = snapshot.version;
      return response;
    }
    const resources = snapshot?.resources ?? new Map<string, EncodedResource>();
    const diff = watch.base && snapshot ? snapshot.diffFrom(watch.base) : undefined;
    // Only what changed between two snapshots, for a proxy in step: the body can be shared.
    const pure = diff !== undefined && watch.differs.size === 0 && watch.added.size === 0;
    const send: EncodedResource[] = [];
    const removed: string[] = [];
    const before = new Map<string, string | null>();
    const consider = (name: string) => {
      if (!this.subscribed(watch, name)) return;
      const current = resources.get(name);
      const held = this.heldVersion(watch, name);
      if (current) {
        if (current.hash === held || watch.rejected.get(name) === current.hash) return;
        send.push(current);
        before.set(name, held);
      } else if (held !== null) {
        removed.push(name);
        before.set(name, held);
      }
    };
    if (diff) {
      const candidates = new Set<string>([...diff.changed, ...diff.removed, ...watch.differs.keys(), ...watch.added]);
      for (const name of candidates) consider(name);
    } else {
      // Against no earlier snapshot (a new stream, maybe with initial_resource_versions): every
      // subscribed resource, then what the proxy says it holds — each name once, without
      // gathering 2,000 of them in a set per stream (a reconnect storm does this 2,000 times).
      const wildcardHas = (name: string) => watch.wildcard && resources.has(name);
      if (watch.wildcard) for (const name of resources.keys()) consider(name);
      for (const name of watch.explicit) if (!wildcardHas(name)) consider(name);
      for (const name of watch.differs.keys()) if (!wildcardHas(name) && !watch.explicit.has(name)) consider(name);
      for (const name of watch.added) if (!wildcardHas(name) && !watch.explicit.has(name) && !watch.differs.has(name)) consider(name);
    }
    watch.added.clear();
    // From here on the proxy holds the snapshot (within its subscription) but for what it refused.
    const rejectedStill = new Map<string, string | null>();
    for (const [name, version] of watch.differs) {
      if (!this.subscribed(watch, name) && version === null) rejectedStill.set(name, null);
    }
    if (send.length === 0 && removed.length === 0 && !first && !force) {
      watch.base = snapshot;
      watch.differs = this.keepRefused(watch, resources, rejectedStill);
      return undefined;
    }
    const version = snapshot?.version ?? '';
    let body: Buffer;
    if (snapshot && removed.length === 0 && send.length > 0 && send.length === resources.size) {
      // Everything the snapshot holds (a first response, a wildcard or a subscription to all): one body per snapshot.
      body = snapshot.deltaBody();
    } else if (pure && diff && send.length === diff.changed.length && removed.length === 0 && diff.removed.length === 0) {
      let shared = bodies.get(diff);
      if (!shared) bodies.set(diff, (shared = deltaBody(version, typeUrl, sortedByName(send).map((r) => r.deltaEntry), [])));
      body = shared;
    } else {
      body = deltaBody(version, typeUrl, sortedByName(send).map((r) => r.deltaEntry), removed.sort());
    }
    const response = sharedResponse(typeUrl, version, body, send.length, watch.sentNonce, () => String(++this.nonceCounter));
    const nonce = response.nonce;
    watch.base = snapshot;
    watch.differs = this.keepRefused(watch, resources, rejectedStill);
    watch.lastSent = { nonce, before };
    watch.answeredOnce = true;
    watch.sentNonce = nonce;
    watch.sentVersion = version;
    return response;
  }

  /**
   * What the proxy said it held when it opened the type, read against the snapshot about to be
   * answered: it holds that snapshot (within its subscription) but where the entries differ —
   * so a proxy in step is sent nothing, and no string is made for a pair that matches. Without a
   * snapshot, the pairs are taken as they are.
   */
  private readHeldOnOpen(watch: DeltaWatch, held: HeldVersionsBytes, snapshot: TypeSnapshot | undefined): void {
    watch.heldOnOpen = undefined;
    if (snapshot && !watch.base && watch.differs.size === 0) {
      watch.base = snapshot;
      watch.differs = heldAgainst(held, snapshot, (name) => this.subscribed(watch, name));
      return;
    }
    // What the opening request itself unsubscribed stays unsubscribed (it was applied after the versions).
    for (const [name, version] of decodeHeld(held)) if (!watch.differs.has(name)) watch.differs.set(name, version);
  }

  /** Whether a proxy that holds nothing of the type is to be sent every resource of `snapshot`. */
  private takesWhole(watch: DeltaWatch, snapshot: TypeSnapshot): boolean {
    if (snapshot.resources.size === 0 || watch.differs.size > 0 || watch.rejected.size > 0) return false;
    if (watch.wildcard) return true;
    if (watch.explicit.size < snapshot.resources.size) return false;
    for (const name of snapshot.resources.keys()) if (!watch.explicit.has(name)) return false;
    return true;
  }

  /** After a response, the proxy differs from the snapshot only where it refused a version (it keeps its old one there). */
  private keepRefused(watch: DeltaWatch, resources: ReadonlyMap<string, EncodedResource>, kept: Map<string, string | null>): Map<string, string | null> {
    for (const [name, version] of watch.rejected) {
      const current = resources.get(name);
      if (current && current.hash === version) {
        const held = watch.differs.get(name);
        kept.set(name, held === undefined ? null : held);
      } else {
        watch.rejected.delete(name);
      }
    }
    return kept;
  }
}
