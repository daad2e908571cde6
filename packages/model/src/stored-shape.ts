/**
 * Objects of a kind whose shape changed after they were written to the log.
 *
 * ServiceEntry and DestinationRule were stored as foreign objects (envelope validated, `spec`
 * kept as written) before meshgate compiled them. The log is never rewritten, so an event or a
 * snapshot may still hold that opaque shape. Reading such an object back runs it through the
 * kind's validator again, which yields the normalised shape of today (the validators are
 * idempotent on their own output, so objects written since come out unchanged).
 *
 * An old object that today's rules refuse (STATIC without endpoints was storable when nothing
 * was checked) cannot be compiled: it is kept, with an empty spec and `refusedOnLoad` carrying
 * the errors, so it stays visible (GET, history, delete) and the compiler reports it instead of
 * reading half of it. Re-applying a corrected manifest replaces it.
 *
 * A short DestinationRule host in an old object is qualified with the default cluster domain
 * (`cluster.local`): the log does not record the domain it was written under.
 */
import type { DestinationRuleObject, MeshObject, ServiceEntryObject } from './types.js';
import { validateDocument } from './validate/index.js';

const RESHAPED_KINDS: ReadonlySet<string> = new Set(['ServiceEntry', 'DestinationRule']);

function emptyVersionOf(object: ServiceEntryObject | DestinationRuleObject, errors: string[]): MeshObject {
  if (object.kind === 'ServiceEntry') {
    return {
      apiVersion: object.apiVersion,
      kind: 'ServiceEntry',
      metadata: object.metadata,
      spec: { hosts: [], addresses: [], ports: [], location: 'MESH_EXTERNAL', resolution: 'NONE', endpoints: [], exportTo: [], subjectAltNames: [] },
      refusedOnLoad: errors,
    };
  }
  return { apiVersion: object.apiVersion, kind: 'DestinationRule', metadata: object.metadata, spec: { host: '', subsets: [], exportTo: [] }, refusedOnLoad: errors };
}

/** The object in today's shape of its kind (see the module comment); other kinds are returned as they are. */
export function inCurrentShape(object: MeshObject): MeshObject {
  if (!RESHAPED_KINDS.has(object.kind)) return object;
  const reshapable = object as ServiceEntryObject | DestinationRuleObject;
  if (reshapable.refusedOnLoad !== undefined) return object;
  const result = validateDocument(object);
  if (result.valid) return result.value;
  return emptyVersionOf(reshapable, result.errors.map((error) => `${error.path}: ${error.message}`));
}
