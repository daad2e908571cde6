/**
 * Names for stored objects. `objectKey` is the event-log stream id and the api's resource
 * path; `stateKey` keys the per-kind maps of `MeshState`. Both are contracts between packages.
 */
import type { ForeignKind, Kind, MeshObject, ObjectRef } from './types.js';

/**
 * Kinds stored but not compiled (their content is opaque to the model; see `ForeignKind`).
 * A foreign kind that the compiler starts to read is moved out of this list and given a reader.
 */
export const FOREIGN_KINDS = [
  'ConfigMap',
  'Deployment',
  'EnvoyFilter',
  'HTTPProxy',
  'Policy',
  'ServiceAccount',
  'TLSCertificateDelegation',
] as const satisfies readonly ForeignKind[];

/**
 * Every kind the model knows, in a stable order (also the order of listings and snapshots):
 * the compiled kinds first, then the foreign ones.
 */
export const KINDS = [
  'Namespace',
  'Service',
  'Endpoints',
  'EndpointSlice',
  'Pod',
  'Gateway',
  'VirtualService',
  'IngressBackend',
  'Ingress',
  'IngressClass',
  'MeshConfig',
  'ServiceEntry',
  'DestinationRule',
  ...FOREIGN_KINDS,
  'Secret',
] as const satisfies readonly Kind[];

/** A compile-time check that `KINDS` lists every `Kind` (a kind left out would be lost by `cloneState`). */
const _everyKindListed: [Exclude<Kind, (typeof KINDS)[number]>] extends [never] ? true : never = true;

/** Kinds that are not namespaced; their namespace is "". */
export const CLUSTER_SCOPED_KINDS: readonly Kind[] = ['Namespace', 'IngressClass'];

export function isKind(kind: string): kind is Kind {
  return (KINDS as readonly string[]).includes(kind);
}

/** true for kinds meshgate stores but does not compile (Deployment, HTTPProxy, …). */
export function isForeignKind(kind: string): kind is ForeignKind {
  return (FOREIGN_KINDS as readonly string[]).includes(kind);
}

export function isClusterScoped(kind: Kind): boolean {
  return CLUSTER_SCOPED_KINDS.includes(kind);
}

function isMeshObject(value: ObjectRef | MeshObject): value is MeshObject {
  return 'metadata' in value;
}

export function refOf(object: MeshObject): ObjectRef {
  return { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

/** `Kind/namespace/name`, e.g. `VirtualService/default/httpbin`; `Namespace//istio-system`. */
export function objectKey(ref: ObjectRef | MeshObject): string {
  const { kind, namespace, name } = isMeshObject(ref) ? refOf(ref) : ref;
  return `${kind}/${isClusterScoped(kind) ? '' : namespace}/${name}`;
}

/** The inverse of `objectKey`, or undefined when the text is not a key of a known kind. */
export function parseObjectKey(key: string): ObjectRef | undefined {
  const parts = key.split('/');
  if (parts.length !== 3) return undefined;
  const [kind, namespace, name] = parts;
  if (!isKind(kind) || name === '') return undefined;
  if (isClusterScoped(kind) !== (namespace === '')) return undefined;
  return { kind, namespace, name };
}

/** `namespace/name` ("/name" for cluster-scoped kinds): the key within `MeshState.byKind[kind]`. */
export function stateKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
