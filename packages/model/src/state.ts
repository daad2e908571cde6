/**
 * The projection of the event log that the compiler reads: `initialState()` and
 * `evolve(state, sequence, event)`, folded over the log in sequence order.
 *
 * `evolve` MUTATES and returns the state it is given: copying every map per event would cost
 * O(objects) per event, and a replica folds thousands of events a second. Callers that keep an
 * older state around (to diff, or while compiling) take a `cloneState` first; stored objects
 * are never mutated, so a clone shares them safely.
 */
import { isClusterScoped, isKind, KINDS, objectKey, stateKey } from './keys.js';
import { inCurrentShape } from './stored-shape.js';
import type { Kind, MeshEvent, MeshObject, MeshState, ObjectRef } from './types.js';
import { isPlainObject } from './validate/reader.js';

export const RESOURCE_APPLIED = 'ResourceApplied';
export const RESOURCE_DELETED = 'ResourceDeleted';

/** An event as the log stores it; other types (CertificateIssued, …) share the log and are ignored here. */
export interface LogEvent {
  type: string;
  data: unknown;
}

export function initialState(): MeshState {
  return {
    sequence: 0,
    byKind: {
      Namespace: new Map(),
      Service: new Map(),
      Endpoints: new Map(),
      EndpointSlice: new Map(),
      Pod: new Map(),
      Gateway: new Map(),
      VirtualService: new Map(),
      IngressBackend: new Map(),
      Ingress: new Map(),
      IngressClass: new Map(),
      MeshConfig: new Map(),
      ConfigMap: new Map(),
      Deployment: new Map(),
      DestinationRule: new Map(),
      EnvoyFilter: new Map(),
      HTTPProxy: new Map(),
      Policy: new Map(),
      ServiceAccount: new Map(),
      ServiceEntry: new Map(),
      TLSCertificateDelegation: new Map(),
      Secret: new Map(),
    },
    createdSequence: new Map(),
  };
}

/** A copy whose maps can change without touching the original (objects are shared, never mutated). */
export function cloneState(state: MeshState): MeshState {
  const copy = initialState();
  copy.sequence = state.sequence;
  for (const kind of KINDS) for (const [key, object] of objectsOf(state, kind)) objectsOf(copy, kind).set(key, object);
  copy.createdSequence = new Map(state.createdSequence);
  return copy;
}

/**
 * The map of one kind, widened to MeshObject. TypeScript cannot relate `byKind[object.kind]`
 * to `object`; every write goes through `putObject`, which keys by the object's own kind, so the
 * map only ever holds objects of its kind.
 */
function objectsOf(state: MeshState, kind: Kind): Map<string, MeshObject> {
  return state.byKind[kind] as Map<string, MeshObject>;
}

/**
 * Adds or replaces an object, keyed `namespace/name` in its kind's map. A new object records
 * `createdSequence` (default: the state's sequence); a replaced one keeps its creation.
 */
export function putObject(state: MeshState, stored: MeshObject, createdSequence = state.sequence): void {
  const object = inCurrentShape(stored);
  const key = objectKey(object);
  if (!state.createdSequence.has(key)) state.createdSequence.set(key, createdSequence);
  objectsOf(state, object.kind).set(stateKey(object.metadata.namespace, object.metadata.name), object);
}

/** The sequence at which the object was created, 0 when unknown (a snapshot of format 1). */
export function createdSequenceOf(state: MeshState, object: MeshObject): number {
  return state.createdSequence.get(objectKey(object)) ?? 0;
}

/** Every stored object, kinds in `KINDS` order and objects in key order. */
export function allObjects(state: MeshState): MeshObject[] {
  return KINDS.flatMap((kind) => [...objectsOf(state, kind)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, object]) => object));
}

/**
 * Objects in the log were validated and normalised by the api, the log's only writer, so
 * reading them back checks the envelope the projection relies on (a known kind and a name),
 * not every field again.
 */
export function isStoredObject(value: unknown): value is MeshObject {
  if (!isPlainObject(value) || typeof value.kind !== 'string' || !isKind(value.kind)) return false;
  const { metadata } = value;
  if (!isPlainObject(metadata) || typeof metadata.name !== 'string' || metadata.name === '') return false;
  if (typeof metadata.namespace !== 'string') return false;
  return isClusterScoped(value.kind) === (metadata.namespace === '');
}

function isObjectRef(value: unknown): value is ObjectRef {
  return (
    isPlainObject(value) &&
    typeof value.kind === 'string' &&
    isKind(value.kind) &&
    typeof value.namespace === 'string' &&
    typeof value.name === 'string' &&
    value.name !== ''
  );
}

/** The event as a MeshEvent when it is one of ours and well formed; undefined otherwise. */
export function asMeshEvent(event: MeshEvent | LogEvent): MeshEvent | undefined {
  const data: unknown = event.data;
  if (event.type === RESOURCE_APPLIED && isPlainObject(data) && isStoredObject(data.object)) {
    return { type: RESOURCE_APPLIED, data: { object: data.object, digest: String(data.digest ?? ''), source: String(data.source ?? '') } };
  }
  if (event.type === RESOURCE_DELETED && isPlainObject(data) && isObjectRef(data.ref)) {
    return { type: RESOURCE_DELETED, data: { ref: data.ref, source: String(data.source ?? '') } };
  }
  return undefined;
}

/**
 * Folds one event into `state` (mutating it; see the module comment) and returns it.
 * `sequence` becomes the state's sequence whatever the event's type: the state reflects the
 * log up to there. Events of other types, and malformed ones, change nothing else.
 */
export function evolve(state: MeshState, sequence: number, event: MeshEvent | LogEvent): MeshState {
  const meshEvent = asMeshEvent(event);
  if (meshEvent?.type === RESOURCE_APPLIED) putObject(state, meshEvent.data.object, sequence);
  if (meshEvent?.type === RESOURCE_DELETED) {
    const { kind, namespace, name } = meshEvent.data.ref;
    const ref = { kind, namespace: isClusterScoped(kind) ? '' : namespace, name };
    objectsOf(state, kind).delete(stateKey(ref.namespace, name));
    state.createdSequence.delete(objectKey(ref));
  }
  state.sequence = sequence;
  return state;
}
