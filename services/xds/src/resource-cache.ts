/**
 * Compiled and encoded resources per proxy kind, built once per log position.
 *
 * Proxies with the same compile inputs (role, client, namespace, service account, labels) share
 * one compile and one encoding. Every resource carries the SHA-256 of its encoded bytes, so a
 * version is a content hash: the same state gives the same versions, in any process, after any
 * restart, and an unchanged resource is never resent.
 */
import { createHash } from 'node:crypto';
import { buildIndex, compileIndexKey, compileWithIndex, TYPE_URL, type CompileIndex, type CompileOptions, type Diagnostic, type ProxyNode, type TypeUrl } from '@meshgate/compiler';
import { encodeResource } from '@meshgate/envoy-proto';
import type { MeshState } from '@meshgate/model';

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
}

export class ResourceCache {
  private readonly entries = new Map<string, CompiledProxyResources>();
  /** Lookups built once per log position and shared by every proxy kind. */
  private index?: { sequence: number; index: CompileIndex };

  constructor(
    private readonly options: CompileOptions,
    private readonly hooks: ResourceCacheHooks = {},
  ) {}

  /** The resources for this proxy at the state's current sequence. */
  resourcesFor(state: MeshState, node: ProxyNode): CompiledProxyResources {
    const key = compileKey(node);
    const cached = this.entries.get(key);
    if (cached && cached.sequence === state.sequence) return cached;
    const started = process.hrtime.bigint();
    if (this.index?.sequence !== state.sequence) this.index = { sequence: state.sequence, index: buildIndex(state, this.options) };
    const result = compileWithIndex(this.index.index, node);
    const byType: EncodedByType = new Map();
    for (const typeUrl of TYPE_URLS_IN_PUSH_ORDER) {
      const previous = cached?.byType.get(typeUrl);
      const encoded = new Map<string, EncodedResource>();
      for (const resource of result.resources[typeUrl] ?? []) {
        try {
          const value = encodeResource(typeUrl, resource.resource);
          const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
          const prior = previous?.get(resource.name);
          // Keep the previous object identity when nothing changed, so that diffing stays cheap.
          encoded.set(resource.name, prior && prior.hash === hash ? prior : { name: resource.name, hash, any: { type_url: typeUrl, value }, object: resource.resource });
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

/** A version for a set of resources: the hash of their names and content hashes. */
export function versionOf(resources: EncodedResource[]): string {
  const hash = createHash('sha256');
  for (const r of [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) hash.update(r.name).update('\0').update(r.hash).update('\n');
  return hash.digest('hex').slice(0, 16);
}
