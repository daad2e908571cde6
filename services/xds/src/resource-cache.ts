/**
 * The snapshot cache (go-control-plane's split: the cache builds, the server only serves).
 *
 * Compiled resources are held per compile key and type as a `TypeSnapshot`: the resources by
 * name, each encoded once (its bytes, its content hash and its ready-made response entries), and
 * a version computed once for the snapshot. Proxies with the same compile inputs share one
 * snapshot; a resource the compiler hands out as the same object to several kinds (clusters and
 * endpoints are mesh-wide) is encoded once and its bytes are shared by all of them. A proxy's
 * view is references to those snapshots, never a copy.
 *
 * Versions are content hashes: a resource's is the SHA-256 of its encoded bytes, a snapshot's
 * the hash of its names and resource hashes — the same state gives the same versions, in any
 * process, after any restart, and an unchanged resource is never resent.
 *
 * The cache is current for a *generation*, advanced by `invalidate()` when the follower reports
 * a batch that changed objects; a batch that changed none (CA bookkeeping, join tokens)
 * recompiles nothing. Identity secrets (SDS) are not part of the shared entries: they come from
 * the SecretSource per proxy, so a proxy only ever sees its own identity's key.
 */
import { createHash } from 'node:crypto';
import {
  compileIndexKey,
  compileServerListeners,
  compileWithIndex,
  consistencyProblems,
  IncrementalIndex,
  sdsAvailability,
  TYPE_URL,
  type ChangedRef,
  type CompileResult,
  type MemoHooks,
  type CompileOptions,
  type Diagnostic,
  type ProxyNode,
  type TypeUrl,
  type XdsResource,
} from '@meshgate/compiler';
import { checkRules, encodeResource, InvalidResourceError } from '@meshgate/envoy-proto';
import type { MeshState } from '@meshgate/model';
import { CREDENTIAL_ROLES } from '@meshgate/secrets';
import type { SecretSource } from './secret-source.js';
import { anyBytes, deltaBody, deltaResourceEntry, sotwBody, sotwResourceEntry } from './wire.js';

export interface EncodedResource {
  name: string;
  /** The resource's version: a hash of its encoded bytes. */
  hash: string;
  any: { type_url: string; value: Buffer };
  /** The object form, for `GET /v1/proxies/:id/config`. */
  object: Record<string, unknown>;
  /** Its entry of `DiscoveryResponse.resources`, encoded once. */
  sotwEntry: Buffer;
  /** Its entry of `DeltaDiscoveryResponse.resources` (name, version, resource), encoded once. */
  deltaEntry: Buffer;
}

/** What changed between two snapshots of one type: names added or changed, and names removed. */
export interface SnapshotDiff {
  changed: readonly string[];
  removed: readonly string[];
}

/** The resources of one type for one compile key: immutable once built, shared by reference. */
export class TypeSnapshot {
  readonly version: string;
  private readonly diffs = new WeakMap<TypeSnapshot, SnapshotDiff>();
  private fullBody?: Buffer;
  private fullDeltaBody?: Buffer;

  constructor(
    readonly typeUrl: TypeUrl,
    readonly resources: ReadonlyMap<string, EncodedResource>,
  ) {
    this.version = versionOf([...resources.values()]);
  }

  /** What changed since `previous` (everything when there is none); computed once per pair. */
  diffFrom(previous: TypeSnapshot | undefined): SnapshotDiff {
    if (previous === undefined) return { changed: [...this.resources.keys()], removed: [] };
    if (previous === this) return { changed: [], removed: [] };
    let diff = this.diffs.get(previous);
    if (!diff) {
      const changed: string[] = [];
      const removed: string[] = [];
      for (const [name, resource] of this.resources) if (previous.resources.get(name) !== resource) changed.push(name);
      for (const name of previous.resources.keys()) if (!this.resources.has(name)) removed.push(name);
      diff = { changed, removed };
      this.diffs.set(previous, diff);
    }
    return diff;
  }

  /** The whole snapshot as a DiscoveryResponse body (no nonce), built once. */
  body(): Buffer {
    this.fullBody ??= sotwBody(this.version, this.typeUrl, sortedByName([...this.resources.values()]).map((r) => r.sotwEntry));
    return this.fullBody;
  }

  /** The whole snapshot as a DeltaDiscoveryResponse body (no nonce, nothing removed), built once. */
  deltaBody(): Buffer {
    this.fullDeltaBody ??= deltaBody(this.version, this.typeUrl, sortedByName([...this.resources.values()]).map((r) => r.deltaEntry), []);
    return this.fullDeltaBody;
  }
}

export interface CompiledProxyResources {
  generation: number;
  byType: Map<TypeUrl, TypeSnapshot>;
  diagnostics: Diagnostic[];
}

/** What `proxyConfig` reads: resources by type. */
export type EncodedByType = Map<TypeUrl, ReadonlyMap<string, EncodedResource>>;

export const TYPE_URLS_IN_PUSH_ORDER: TypeUrl[] = [TYPE_URL.cluster, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.route, TYPE_URL.secret];

/**
 * Proxies with the same key share one compile. It is the compiler's key without the proxyless
 * server's addresses: a server pod's own listeners are compiled apart (`compileServerListeners`),
 * so that every pod of a server is not a full compile of its own.
 */
export function compileKey(node: ProxyNode): string {
  return compileIndexKey(sharedNode(node));
}

/** The node as its shared compile sees it: without the server pod's own addresses. */
function sharedNode(node: ProxyNode): ProxyNode {
  return node.ips.length === 0 ? node : { ...node, ips: [] };
}

export interface ResourceCacheHooks {
  onCompiled?(durationSeconds: number, diagnostics: Diagnostic[]): void;
  onEncodeError?(typeUrl: string, name: string, error: Error): void;
  /** A compile whose RDS/EDS names do not resolve; the previous set stays published. */
  onInconsistent?(problems: string[]): void;
  /**
   * The encoder of compiled resources (default `encodeXdsResource`). A test seam: the compiler
   * emits no violating resource on purpose, so tests wrap this to prove one is left out.
   */
  encode?: typeof encodeXdsResource;
}

interface SharedEntry extends CompiledProxyResources {
  key: string;
  /** The compiler's result it was made from: the same object back means nothing changed. */
  result?: object;
  /** The generation it was made in (its result last changed). */
  changedAt: number;
}

interface ServerEntry {
  generation: number;
  changedAt: number;
  result?: object;
  /** The shared listener snapshot it extends, and the result. */
  base: TypeSnapshot | undefined;
  listeners: TypeSnapshot;
  diagnostics: Diagnostic[];
}

export class ResourceCache {
  private currentGeneration = 1;
  private readonly entries = new Map<string, SharedEntry>();
  private readonly servers = new Map<string, ServerEntry>();
  /**
   * The compile index, kept current from the changed objects (`invalidate(changed)`), and its
   * memo of compiled units: a change recompiles only what read it (incremental.ts in the compiler).
   */
  private incremental?: IncrementalIndex;
  /** The index must be built again (no change list, or a state it did not follow). */
  private rebuild = true;
  /**
   * By namespace, the generation at which one of its Secrets last changed. Gateway credentials are
   * served from the Secrets outside the compile (gateway-credentials.ts): a gateway of that
   * namespace may have a new one to load and send although no compiled unit read the Secret.
   */
  private readonly secretsChangedAt = new Map<string, number>();
  /** The compiler memo's hooks (tests count the units a change rebuilds). */
  readonly memoHooks: MemoHooks = {};
  /** Each compiled resource object's encoding: an object the compiler hands to several kinds is encoded once. */
  private encodings = new WeakMap<object, EncodedResource>();
  /** Encodings by (type, name, content hash): an unchanged resource keeps its identity across generations and kinds. */
  private byContent = new Map<string, EncodedResource>();

  constructor(
    private readonly options: CompileOptions,
    private readonly hooks: ResourceCacheHooks = {},
    private readonly secrets?: SecretSource,
  ) {}

  get generation(): number {
    return this.currentGeneration;
  }

  /**
   * The mesh changed. With the batch's changed objects (the state already holds them) only the
   * compiled units that read one of them are redone; without, everything is compiled afresh. A
   * batch that changed no object must not call this.
   */
  invalidate(changed?: readonly ChangedRef[]): void {
    this.currentGeneration++;
    for (const ref of changed ?? []) if (ref.kind === 'Secret') this.secretsChangedAt.set(ref.namespace, this.currentGeneration);
    if (changed === undefined || !this.incremental) this.rebuild = true;
    else if (!this.rebuild) this.incremental.apply(changed);
  }

  /**
   * Whether this proxy's resources may differ from those of generation `since` (the last push):
   * false only when its compile's result is the same since then and nothing it read has changed
   * since — then a push has nothing to send it and it is not queued at all.
   */
  affects(node: ProxyNode, since: number, state?: MeshState): boolean {
    if (this.rebuild || !this.incremental || (state !== undefined && state !== this.incremental.state)) return true;
    if (CREDENTIAL_ROLES.includes(node.role) && (this.secretsChangedAt.get(node.namespace) ?? 0) > since) return true;
    const entry = this.entries.get(compileKey(node));
    if (!entry || entry.changedAt > since) return true;
    if (entry.generation !== this.currentGeneration && !this.incremental.resultIsCurrent(sharedNode(node), { serverListeners: false })) return true;
    if (node.client === 'grpc' && node.ips.length > 0) {
      const server = this.servers.get(compileIndexKey(node));
      if (!server || server.changedAt > since) return true;
      if (server.generation !== this.currentGeneration && !this.incremental.serverListenersAreCurrent(node)) return true;
    }
    return false;
  }

  /** The resources for this proxy: the shared compile, its own server listeners, its own secrets. */
  resourcesFor(state: MeshState, node: ProxyNode): CompiledProxyResources {
    const shared = this.sharedResourcesFor(state, node);
    let result = shared;
    if (node.client === 'grpc' && node.ips.length > 0) {
      const server = this.serverListenersFor(state, node, shared.byType.get(TYPE_URL.listener));
      if (server.listeners !== shared.byType.get(TYPE_URL.listener)) {
        result = { ...shared, byType: new Map(shared.byType).set(TYPE_URL.listener, server.listeners), diagnostics: [...shared.diagnostics, ...server.diagnostics] };
      }
    }
    const own = this.secrets?.secretsFor(node);
    if (!own || own.size === 0) return result;
    const secrets = new Map(result.byType.get(TYPE_URL.secret)?.resources);
    for (const [name, secret] of own) secrets.set(name, secret);
    return { ...result, byType: new Map(result.byType).set(TYPE_URL.secret, new TypeSnapshot(TYPE_URL.secret, secrets)) };
  }

  private indexFor(state: MeshState): IncrementalIndex {
    if (this.rebuild || !this.incremental || this.incremental.state !== state) {
      this.incremental = new IncrementalIndex(state, this.options);
      this.incremental.memo.hooks = this.memoHooks;
      this.rebuild = false;
    }
    return this.incremental;
  }

  /** What every proxy with this node's compile key gets. */
  private sharedResourcesFor(state: MeshState, node: ProxyNode): CompiledProxyResources {
    const key = compileKey(node);
    const cached = this.entries.get(key);
    if (cached && cached.generation === this.currentGeneration) return cached;
    const started = process.hrtime.bigint();
    const index = this.indexFor(state).index;
    const result = compileWithIndex(index, sharedNode(node), { serverListeners: false });
    if (cached && cached.result === result) {
      // Nothing it read changed: the same snapshots stay current, nothing is encoded.
      cached.generation = this.currentGeneration;
      return cached;
    }
    const problems = consistencyProblems(result.resources, sdsAvailability(index, node));
    if (problems.length > 0) {
      this.hooks.onInconsistent?.(problems);
      // As go-control-plane refuses an inconsistent snapshot: keep what the proxies have (when
      // there is something), marked current so that it is not recompiled for every proxy.
      if (cached) {
        cached.generation = this.currentGeneration;
        return cached;
      }
    }
    const byType = new Map<TypeUrl, TypeSnapshot>();
    const before = (cached?.result as CompileResult | undefined)?.resources;
    for (const typeUrl of TYPE_URLS_IN_PUSH_ORDER) {
      const previous = cached?.byType.get(typeUrl);
      // The compiler hands back the same list when none of its resources changed: nothing to look up.
      if (previous && before?.[typeUrl] !== undefined && before[typeUrl] === result.resources[typeUrl]) {
        byType.set(typeUrl, previous);
        continue;
      }
      const encoded = this.encodeAll(typeUrl, result.resources[typeUrl] ?? []);
      // An unchanged type keeps its snapshot object: diffs and response bodies stay shared.
      byType.set(typeUrl, previous && sameResources(previous.resources, encoded) ? previous : new TypeSnapshot(typeUrl, encoded));
    }
    const entry: SharedEntry = { key, generation: this.currentGeneration, changedAt: this.currentGeneration, byType, diagnostics: result.diagnostics, result };
    this.entries.set(key, entry);
    this.hooks.onCompiled?.(Number(process.hrtime.bigint() - started) / 1e9, result.diagnostics);
    return entry;
  }

  /** A proxyless server pod's listeners: the shared client listeners plus its own server listeners. */
  private serverListenersFor(state: MeshState, node: ProxyNode, base: TypeSnapshot | undefined): ServerEntry {
    const key = compileIndexKey(node);
    const cached = this.servers.get(key);
    if (cached && cached.generation === this.currentGeneration && cached.base === base) return cached;
    const result = compileServerListeners(this.indexFor(state).index, node);
    if (cached && cached.result === result && cached.base === base) {
      cached.generation = this.currentGeneration;
      return cached;
    }
    const { listeners, diagnostics } = result;
    let snapshot = base ?? new TypeSnapshot(TYPE_URL.listener, new Map());
    if (listeners.length > 0) {
      const merged = new Map(base?.resources);
      for (const [name, resource] of this.encodeAll(TYPE_URL.listener, listeners)) merged.set(name, resource);
      snapshot = cached && sameResources(cached.listeners.resources, merged) ? cached.listeners : new TypeSnapshot(TYPE_URL.listener, merged);
    }
    const entry = { generation: this.currentGeneration, changedAt: this.currentGeneration, base, listeners: snapshot, diagnostics, result };
    this.servers.set(key, entry);
    return entry;
  }

  private encodeAll(typeUrl: TypeUrl, resources: readonly XdsResource[]): Map<string, EncodedResource> {
    const encoded = new Map<string, EncodedResource>();
    for (const resource of resources) {
      let found = this.encodings.get(resource.resource);
      if (!found) {
        try {
          const fresh = (this.hooks.encode ?? encodeXdsResource)(typeUrl, resource.name, resource.resource);
          const contentKey = `${typeUrl}\u0000${resource.name}\u0000${fresh.hash}`;
          // Keep the previous object identity when nothing changed, so that diffing stays cheap.
          found = this.byContent.get(contentKey) ?? fresh;
          this.byContent.set(contentKey, found);
          this.encodings.set(resource.resource, found);
        } catch (error) {
          this.hooks.onEncodeError?.(typeUrl, resource.name, error instanceof Error ? error : new Error(String(error)));
          continue;
        }
      }
      encoded.set(resource.name, found);
    }
    return encoded;
  }

  /** Drops entries no connected proxy uses any more. */
  retainOnly(nodes: Iterable<ProxyNode>): void {
    const keys = new Set<string>();
    const serverKeys = new Set<string>();
    for (const node of nodes) {
      keys.add(compileKey(node));
      serverKeys.add(compileIndexKey(node));
    }
    for (const key of this.entries.keys()) if (!keys.has(key)) this.entries.delete(key);
    for (const key of this.servers.keys()) if (!serverKeys.has(key)) this.servers.delete(key);
    // The compiler's memo keeps the units these compiles use (and what they use), no more.
    this.incremental?.retain(keys, serverKeys);
    // Forget encodings nothing holds any more (the content map would otherwise only grow).
    const live = new Map<string, EncodedResource>();
    for (const entry of [...this.entries.values(), ...this.servers.values()]) {
      const snapshots = 'byType' in entry ? [...entry.byType.values()] : [entry.listeners];
      for (const snapshot of snapshots) for (const [name, r] of snapshot.resources) live.set(`${snapshot.typeUrl}\u0000${name}\u0000${r.hash}`, r);
    }
    this.byContent = live;
  }
}

function sameResources(a: ReadonlyMap<string, EncodedResource>, b: ReadonlyMap<string, EncodedResource>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, resource] of a) if (b.get(name) !== resource) return false;
  return true;
}

export function sortedByName<T extends { name: string }>(resources: T[]): T[] {
  return resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Encodes one resource, hashes its bytes and builds its response entries. `object` is what
 * `GET /v1/proxies/:id/config` shows; it defaults to the resource itself (secrets pass a
 * redacted copy).
 */
export function encodeXdsResource(typeUrl: TypeUrl, name: string, resource: Record<string, unknown>, object: Record<string, unknown> = resource): EncodedResource {
  const value = encodeResource(typeUrl, resource);
  // What Envoy would NACK is not published: encoding checks the shape, this the protos' validate rules.
  const violations = checkRules(typeUrl, resource);
  if (violations.length > 0) throw new InvalidResourceError(typeUrl, violations);
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
  const any = anyBytes(typeUrl, value);
  return { name, hash, any: { type_url: typeUrl, value }, object, sotwEntry: sotwResourceEntry(any), deltaEntry: deltaResourceEntry(name, hash, any) };
}

/** A version for a set of resources: the hash of their names and content hashes. */
export function versionOf(resources: EncodedResource[]): string {
  const hash = createHash('sha256');
  for (const r of sortedByName([...resources])) hash.update(r.name).update('\0').update(r.hash).update('\n');
  return hash.digest('hex').slice(0, 16);
}
