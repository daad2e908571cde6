/**
 * Per proxy, the xDS resources that differ between two states: each proxy's node is compiled
 * with the pure compiler against both (as `GET /v1/compile` compiles), once per distinct
 * `compileIndexKey`, and the results are compared by name and content. Certificates (SDS) come
 * from the CA, not from the log, so they are not part of history.
 */
import { buildIndex, compileIndexKey, compileWithIndex, type CompileOptions, type CompileResult, type ProxyNode, type XdsResource } from '@meshgate/compiler';
import { canonicalJson, type MeshState } from '@meshgate/model';
import { fieldChanges, type FieldChange } from './field-changes.js';

export interface ResourceChange {
  /** Short type name: Listener, RouteConfiguration, Cluster, ClusterLoadAssignment. */
  type: string;
  name: string;
  change: 'added' | 'changed' | 'removed';
  fields?: FieldChange[];
  omittedFields?: number;
}

export interface ProxyDiff {
  id: string;
  node: ProxyNode;
  changes: ResourceChange[];
}

export function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

/** Compiles every node against `state`, once per compile key; results by node id. */
export function compileNodes(state: MeshState, nodes: readonly ProxyNode[], options: CompileOptions): Map<string, CompileResult> {
  const index = buildIndex(state, options);
  const byKey = new Map<string, CompileResult>();
  const byId = new Map<string, CompileResult>();
  for (const node of nodes) {
    const key = compileIndexKey(node);
    let result = byKey.get(key);
    if (result === undefined) {
      result = compileWithIndex(index, node);
      byKey.set(key, result);
    }
    byId.set(node.id, result);
  }
  return byId;
}

/** Resources by short type name, as `GET /v1/compile` and proxy-config show them. */
export function resourcesByShortType(result: CompileResult): Record<string, Record<string, unknown>[]> {
  return Object.fromEntries(Object.entries(result.resources).map(([typeUrl, list]) => [shortType(typeUrl), list.map((r) => r.resource)]));
}

function byName(list: readonly XdsResource[]): Map<string, XdsResource> {
  return new Map(list.map((resource) => [resource.name, resource]));
}

/** What differs from `before` to `after`, type by type (the compiler's type order), names sorted. */
export function resourceChanges(before: CompileResult, after: CompileResult): ResourceChange[] {
  const changes: ResourceChange[] = [];
  const oldTypes = new Map<string, XdsResource[]>(Object.entries(before.resources));
  const newTypes = new Map<string, XdsResource[]>(Object.entries(after.resources));
  for (const typeUrl of new Set([...oldTypes.keys(), ...newTypes.keys()])) {
    const old = byName(oldTypes.get(typeUrl) ?? []);
    const now = byName(newTypes.get(typeUrl) ?? []);
    const type = shortType(typeUrl);
    const names = [...new Set([...old.keys(), ...now.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const was = old.get(name);
      const is = now.get(name);
      if (was === undefined) changes.push({ type, name, change: 'added' });
      else if (is === undefined) changes.push({ type, name, change: 'removed' });
      else if (canonicalJson(was.resource) !== canonicalJson(is.resource)) {
        const { changes: fields, omitted } = fieldChanges(was.resource, is.resource);
        changes.push({ type, name, change: 'changed', fields, ...(omitted > 0 ? { omittedFields: omitted } : {}) });
      }
    }
  }
  return changes;
}

/** For each node, what its compiled configuration gains, loses and changes from `before` to `after`; sorted by proxy id. */
export function proxyDiffs(before: MeshState, after: MeshState, nodes: readonly ProxyNode[], options: CompileOptions): ProxyDiff[] {
  const old = compileNodes(before, nodes, options);
  const now = compileNodes(after, nodes, options);
  return [...nodes]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((node) => {
      const was = old.get(node.id);
      const is = now.get(node.id);
      return { id: node.id, node, changes: was && is ? resourceChanges(was, is) : [] };
    });
}
