/**
 * Reads and deletes of objects by kind, namespace and name, free of any transport: the REST
 * routes (`/v1/resources/...`) and the gRPC Resources service both come here, so that kinds are
 * spelled, objects shown and absences reported the same way.
 */
import type { StateFollower } from '@meshgate/follower';
import { isClusterScoped, KINDS, type Kind } from '@meshgate/model';
import type { ApplyService, ObjectResult } from './apply-service.js';
import { apiError } from './errors.js';
import { namespaceFromSegment, pluralOf, resolveKind } from './kinds.js';
import { findObject, listObjects, viewObject, viewObjects, type ObjectView } from './state-view.js';

/** The kind a path segment or request field names; MG_ERR_UNKNOWN_KIND otherwise. */
export function kindFrom(segment: string): Kind {
  const kind = resolveKind(segment);
  if (kind === undefined) {
    const known = KINDS.map(pluralOf).join(', ');
    throw apiError('MG_ERR_UNKNOWN_KIND', `unknown kind "${segment}"; known kinds: ${known}`);
  }
  return kind;
}

export function describeRef(kind: Kind, namespace: string, name: string): string {
  return isClusterScoped(kind) ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

/** What names one object: the kind as spelled by the caller, the namespace (`_` or "" for none), the name. */
export interface RefInput {
  kind: string;
  namespace: string;
  name: string;
}

export interface ListInput {
  kind?: string;
  namespace?: string;
}

export function getResource(follower: StateFollower, input: RefInput): { object: ObjectView; sequence: number } {
  const kind = kindFrom(input.kind);
  const namespace = namespaceFromSegment(input.namespace);
  const state = follower.current;
  const object = findObject(state, { kind, namespace, name: input.name });
  if (object === undefined) throw apiError('MG_ERR_NOT_FOUND', `${describeRef(kind, namespace, input.name)} not found`);
  return { object: viewObject(state, object), sequence: state.sequence };
}

export function listResources(follower: StateFollower, input: ListInput): { items: ObjectView[]; sequence: number } {
  const kind = input.kind === undefined ? undefined : kindFrom(input.kind);
  const namespace = input.namespace === undefined ? undefined : namespaceFromSegment(input.namespace);
  const state = follower.current;
  return { items: viewObjects(state, listObjects(state, { kind, namespace })), sequence: state.sequence };
}

export async function deleteResource(
  applyService: ApplyService,
  input: RefInput & { source: string; idempotencyKey?: string },
): Promise<{ sequence: number; result: ObjectResult<'deleted'> }> {
  const kind = kindFrom(input.kind);
  const namespace = namespaceFromSegment(input.namespace);
  const outcome = await applyService.delete({ ref: { kind, namespace, name: input.name }, source: input.source, idempotencyKey: input.idempotencyKey });
  if (!outcome.found) throw apiError('MG_ERR_NOT_FOUND', `${describeRef(kind, namespace, input.name)} not found`);
  return { sequence: outcome.sequence, result: outcome.result };
}
