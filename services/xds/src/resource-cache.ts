/**
 * Compiled and encoded resources per proxy kind, built once per log position, plus each proxy's
 * own identity secrets.
 *
 * Proxies with the same compile inputs (role, client, namespace, service account, labels) share
 * one compile and one encoding. Identity secrets (SDS `default`, `ROOTCA`) are not part of that
 * shared entry: they come from the SecretSource per proxy, so a proxy only ever sees its own
 * identity's key whatever it shares with others. Every resource carries the SHA-256 of its encoded bytes, so a
 * version is a content hash: the same state gives the same versions, in any process, after any
 * restart, and an unchanged resource is never resent.
 */
import { createHash } from 'node:crypto';
import { buildIndex, compileIndexKey, compileWithIndex, consistencyProblems, TYPE_URL, type CompileIndex, type CompileOptions, type Diagnostic, type ProxyNode, type TypeUrl } from '@meshgate/compiler';
import { encodeResource } from '@meshgate/envoy-proto';
import type { MeshState } from '@meshgate/model';
import type { SecretSource } from './secret-source.js';

export interface EncodedResource {
  name: string;
  hash: string;
  any: { type_url: string; value: Buffer };
  /** The object form, for `GET /v1/proxies/:id/config`. */
  object: Record<string, unknown>;
}

export type EncodedByType = Map<TypeUrl, Map<string, EncodedResource>>;

export interface CompiledProxyResources {
  sequence: number;
  byType: EncodedByType;
  diagnostics: Diagnostic[];
}

export const TYPE_URLS_IN_PUSH_ORDER: TypeUrl[] = [TYPE_URL.cluster, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.route, TYPE_URL.secret];

/** Proxies with the same key get the same resources (the compiler's contract). */
export const compileKey = compileIndexKey;

export interface ResourceCacheHooks {
  onCompiled?(durationSeconds: number, diagnostics: Diagnostic[]): void;
  onEncodeError?(typeUrl: string, name: string, error: Error): void;
  /** A compile whose RDS/EDS names do not resolve; the previous set stays published. */
  onInconsistent?(problems: string[]): void;
}

export class ResourceCache {
  private readonly entries = new Map<string, CompiledProxyResources>();
  /** Lookups built once per log position and shared by every proxy kind. */
  private index?: { sequence: number; index: CompileIndex };

  constructor(
    private readonly options: CompileOptions,
    private readonly hooks: ResourceCacheHooks = {},
    private readonly secrets?: SecretSource,
  ) {}

  /** The resources for this proxy at the state's current sequence: the shared compile and its own secrets. */
  resourcesFor(state: MeshState, node: ProxyNode): CompiledProxyResources {
    const shared = this.sharedResourcesFor(state, node);
    const own = this.secrets?.secretsFor(node);
    if (!own || own.size === 0) return shared;
    const secrets = new Map(shared.byType.get(TYPE_URL.secret));
    for (const [name, secret] of own) secrets.set(name, secret);
    return { ...shared, byType: new Map(shared.byType).set(TYPE_URL.secret, secrets) };
  }

  /** What every proxy with this node's compile key gets. */
  private sharedResourcesFor(state: MeshState, node: ProxyNode): CompiledProxyResources {
    const key = compileKey(node);
    const cached = this.entries.get(key);
    if (cached && cached.sequence === state.sequence) return cached;
    const started = process.hrtime.bigint();
    if (this.index?.sequence !== state.sequence) this.index = { sequence: state.sequence, index: buildIndex(state, this.options) };
    const result = compileWithIndex(this.index.index, node);
    const problems = consistencyProblems(result.resources);
    if (problems.length > 0) {
      this.hooks.onInconsistent?.(problems);
      // As go-control-plane refuses an inconsistent snapshot: keep what the proxies have (when
      // there is something), marked current so that it is not recompiled for every proxy.
      if (cached) {
        const kept = { ...cached, sequence: state.sequence };
        this.entries.set(key, kept);
        return kept;
      }
    }
    const byType: EncodedByType = new Map();
    for (const typeUrl of TYPE_URLS_IN_PUSH_ORDER) {
      const previous = cached?.byType.get(typeUrl);
      const encoded = new Map<string, EncodedResource>();
      for (const resource of result.resources[typeUrl] ?? []) {
        try {
          const fresh = encodeXdsResource(typeUrl, resource.name, resource.resource);
          const prior = previous?.get(resource.name);
          // Keep the previous object identity when nothing changed, so that diffing stays cheap.
          encoded.set(resource.name, prior && prior.hash === fresh.hash ? prior : fresh);
        } catch (error) {
          this.hooks.onEncodeError?.(typeUrl, resource.name, error instanceof Error ? error : new Error(String(error)));
        }
      }
      byType.set(typeUrl, encoded);
    }
    const entry = { sequence: state.sequence, byType, diagnostics: result.diagnostics };
    this.entries.set(key, entry);
    this.hooks.onCompiled?.(Number(process.hrtime.bigint() - started) / 1e9, result.diagnostics);
    return entry;
  }

  /** Drops entries no connected proxy uses any more. */
  retainOnly(keys: Set<string>): void {
    for (const key of this.entries.keys()) if (!keys.has(key)) this.entries.delete(key);
  }
}

/**
 * Encodes one resource and hashes its bytes. `object` is what `GET /v1/proxies/:id/config`
 * shows; it defaults to the resource itself (secrets pass a redacted copy).
 */
export function encodeXdsResource(typeUrl: TypeUrl, name: string, resource: Record<string, unknown>, object: Record<string, unknown> = resource): EncodedResource {
  const value = encodeResource(typeUrl, resource);
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
  return { name, hash, any: { type_url: typeUrl, value }, object };
}

/** A version for a set of resources: the hash of their names and content hashes. */
export function versionOf(resources: EncodedResource[]): string {
  const hash = createHash('sha256');
  for (const r of [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) hash.update(r.name).update('\0').update(r.hash).update('\n');
  return hash.digest('hex').slice(0, 16);
}
