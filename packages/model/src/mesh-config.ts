/** Finding the mesh's MeshConfig: OSM keeps one, `osm-mesh-config`, in the namespace OSM runs in. */
import { stateKey } from './keys.js';
import { compareObjects } from './query.js';
import type { MeshConfigObject, MeshState } from './types.js';

export const MESH_CONFIG_NAME = 'osm-mesh-config';

/**
 * The `osm-mesh-config` of `namespace`; without a namespace, the one in the first namespace
 * (by name) that has one, so a single-mesh deployment need not say where OSM runs.
 */
export function findMeshConfig(state: MeshState, namespace?: string): MeshConfigObject | undefined {
  if (namespace !== undefined) return state.byKind.MeshConfig.get(stateKey(namespace, MESH_CONFIG_NAME));
  return [...state.byKind.MeshConfig.values()].filter((meshConfig) => meshConfig.metadata.name === MESH_CONFIG_NAME).sort(compareObjects)[0];
}
