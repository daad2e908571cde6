/** The objects analyzers read, in a stable order (namespace, then name). */
import { compareObjects, type GatewayObject, type MeshState, type VirtualServiceObject } from '@meshgate/model';

export function virtualServices(state: MeshState): VirtualServiceObject[] {
  return [...state.byKind.VirtualService.values()].sort(compareObjects);
}

export function gateways(state: MeshState): GatewayObject[] {
  return [...state.byKind.Gateway.values()].sort(compareObjects);
}

/** `namespace/name` → Gateway, the form VirtualServices refer to them in once normalised. */
export function gatewaysByRef(state: MeshState): Map<string, GatewayObject> {
  return new Map(gateways(state).map((gateway) => [`${gateway.metadata.namespace}/${gateway.metadata.name}`, gateway]));
}

export function describeObject(object: { kind: string; metadata: { namespace?: string; name: string } }): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}
