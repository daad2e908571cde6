/**
 * Memoised units inside the route compiles (memo.ts): one VirtualService's routes for one
 * scope. A gateway with 1,000 VirtualServices rebuilds only the routes of the one that changed;
 * the rest are reused while what they read (the Services their destinations name, …) holds.
 */
import { objectKey, type ServiceObject, type VirtualServiceObject } from '@meshgate/model';
import { resolveCredential, type CredentialResolution } from './credentials.js';
import { compare } from './diagnostics.js';
import type { CompileIndex } from './meshIndex.js';
import type { Memo, UnitOwn, UnitSinks } from './memo.js';
import type { EnvoyRoute, RouteScope } from './routes.js';
import type { ProxyNode } from './types.js';

const labelKeys = new WeakMap<Record<string, string>, string>();

/** The proxy labels as a key (`sourceLabels` matching reads them), computed once per labels object. */
function labelsKey(labels: Record<string, string>): string {
  let key = labelKeys.get(labels);
  if (key === undefined) {
    key = JSON.stringify(Object.keys(labels).sort(compare).map((name) => [name, labels[name]]));
    labelKeys.set(labels, key);
  }
  return key;
}

/** What a gateway's units are keyed by besides their own part: the proxy labels and namespace (as `compileIndexKey`). */
export function gatewayNodeKey(node: ProxyNode): string {
  return `${labelsKey(node.labels)}|${node.namespace}`;
}

const objectKeys = new WeakMap<object, string>();

/** `objectKey(object)`, made once per (immutable) object: unit keys are built in loops over 1,000 of them. */
function cachedObjectKey(object: VirtualServiceObject | ServiceObject): string {
  let key = objectKeys.get(object);
  if (key === undefined) objectKeys.set(object, (key = objectKey(object)));
  return key;
}

/**
 * A gateway credential resolved, as a unit with early cutoff (memo.ts): a Secret rotated under
 * the same SDS names resolves the same, so the listeners using it are not rebuilt — the new
 * certificate goes over SDS alone.
 */
export function credentialUnit(index: CompileIndex, namespace: string, written: string, mutual: boolean): CredentialResolution {
  return index.memo.unit(`credential|${namespace}|${written}|${mutual}`, [], {}, () => resolveCredential(index, namespace, written, mutual), { same: sameResolution });
}

function sameResolution(a: CredentialResolution, b: CredentialResolution): boolean {
  if (a.ok && b.ok) return a.credential.certificate === b.credential.certificate && a.credential.validation === b.credential.validation;
  return !a.ok && !b.ok && a.reason === b.reason;
}

/**
 * `translate(vs, scope)` as a unit keyed by everything of the scope it reads: the
 * VirtualService, the port, the gateways it came through, the proxy labels and the client.
 */
export function virtualServiceRoutes(vs: VirtualServiceObject, scope: RouteScope, translate: (vs: VirtualServiceObject, scope: RouteScope) => EnvoyRoute[]): EnvoyRoute[] {
  const gateways = scope.gateways.size === 1 ? scope.gateways.values().next().value : [...scope.gateways].sort(compare).join(',');
  const key = `vs-routes|${scope.client}|${cachedObjectKey(vs)}|${scope.port}|${gateways}|${labelsKey(scope.proxyLabels)}`;
  return scope.index.memo.unit(key, [vs], scope, (own) => translate(vs, { ...scope, diagnostics: own.diagnostics, clusters: own.clusters }));
}

/** The scope of a proxy's Service units (`serviceUnit`): made once per compile, not once per Service. */
export function serviceUnitScope(labels: Record<string, string>, client: 'envoy' | 'grpc'): string {
  return `${client}|${labelsKey(labels)}`;
}

/**
 * What one Service contributes to a proxy's compile (its listeners and routes), as a unit keyed by
 * the Service and `scope` (`serviceUnitScope`: the proxy labels and the client); `build` reads
 * everything else through the index.
 */
export function serviceUnit<T>(index: CompileIndex, service: ServiceObject, scope: string, sinks: UnitSinks, build: (own: UnitOwn) => T): T {
  return index.memo.unit(serviceUnitKey(service, scope), [service], sinks, build);
}

const serviceKeys = new WeakMap<ServiceObject, { scope: string; key: string }>();

/** The key of a Service's unit, kept with the Service object: a proxyless compile asks it for every Service. */
function serviceUnitKey(service: ServiceObject, scope: string): string {
  const known = serviceKeys.get(service);
  if (known?.scope === scope) return known.key;
  const bar = scope.indexOf('|');
  const key = `service|${scope.slice(0, bar)}|${service.metadata.namespace}/${service.metadata.name}|${scope.slice(bar + 1)}`;
  serviceKeys.set(service, { scope, key });
  return key;
}

/** How many members a group of units holds (`grouped`). */
let GROUP_SIZE = 32;

/** Sets the group size (tests make it small, so that a handful of objects already spans several groups); returns the previous one. */
export function setUnitGroupSize(size: number): number {
  const previous = GROUP_SIZE;
  GROUP_SIZE = Math.max(1, Math.floor(size));
  return previous;
}

/**
 * `each(item)` for every item, the items taken in groups of `GROUP_SIZE`, each group a unit whose
 * inputs are its items' `inputsOf`: a change to one member rebuilds its group only, and a caller
 * rebuilt around 1,000 members walks ~32 groups (identity checks) instead of 1,000 unit lookups.
 * `key` must name everything `each` uses besides the item (the groups are keyed by position: an
 * item added or removed re-forms the groups after it, whose members are still reused).
 */
export function grouped<E, R>(memo: Memo, key: string, items: readonly E[], inputsOf: (item: E, inputs: unknown[]) => void, sinks: UnitSinks, each: (item: E, sinks: UnitSinks) => R): R[] {
  // A one-shot memo reuses nothing: groups would only cost.
  if (items.length <= GROUP_SIZE || !memo.tracking) return items.map((item) => each(item, sinks));
  const results: R[] = new Array<R>(items.length);
  let at = 0;
  for (let start = 0; start < items.length; start += GROUP_SIZE) {
    const end = Math.min(items.length, start + GROUP_SIZE);
    const inputs: unknown[] = [];
    for (let i = start; i < end; i++) inputsOf(items[i], inputs);
    const values = memo.unit(`${key}|${start}`, inputs, sinks, (own) => items.slice(start, end).map((item) => each(item, own)));
    for (const value of values) results[at++] = value;
  }
  return results;
}
