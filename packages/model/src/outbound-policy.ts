/**
 * What a sidecar does with traffic to a destination no Service or ServiceEntry names.
 *
 * Two objects can say it:
 * - Istio's mesh config: ConfigMap `istio` in `istio-system`, key `mesh` (YAML), field
 *   `outboundTrafficPolicy.mode`: `ALLOW_ANY` (Istio's default: pass through to the address the
 *   caller dialled) or `REGISTRY_ONLY` (drop it).
 * - OSM's MeshConfig (`osm-mesh-config`): `spec.traffic.enableEgress`; true is ALLOW_ANY, false
 *   REGISTRY_ONLY.
 *
 * Neither set: ALLOW_ANY, as in Istio (meshgate compiles Istio's outbound model). Only one
 * set: that one. Both set and disagreeing: REGISTRY_ONLY — the closed answer wins, because a
 * user who closed egress in either place meant it, and opening it is one edit away — with a
 * warning naming both. A mesh config that cannot be read is reported and ignored.
 */
import { findMeshConfig } from './mesh-config.js';
import { stateKey } from './keys.js';
import { parseDocuments } from './parse.js';
import type { MeshState } from './types.js';
import { isPlainObject } from './validate/reader.js';

export type OutboundTrafficMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export const ISTIO_MESH_CONFIG_MAP = { namespace: 'istio-system', name: 'istio', key: 'mesh' } as const;

export interface OutboundTrafficPolicy {
  mode: OutboundTrafficMode;
  /** Which object decided: `ConfigMap/istio-system/istio`, `MeshConfig/<ns>/osm-mesh-config`, both, or `default`. */
  source: string;
  /** Problems and disagreements, for the compiler's diagnostics. */
  warnings: string[];
}

const ISTIO_SOURCE = `ConfigMap/${ISTIO_MESH_CONFIG_MAP.namespace}/${ISTIO_MESH_CONFIG_MAP.name}`;

function istioMode(state: MeshState, warnings: string[]): OutboundTrafficMode | undefined {
  const configMap = state.byKind.ConfigMap.get(stateKey(ISTIO_MESH_CONFIG_MAP.namespace, ISTIO_MESH_CONFIG_MAP.name));
  const data = configMap?.data;
  const text = isPlainObject(data) ? data[ISTIO_MESH_CONFIG_MAP.key] : undefined;
  if (typeof text !== 'string') return undefined;
  const parsed = parseDocuments(text);
  const mesh = parsed.ok ? parsed.documents[0] : undefined;
  if (!parsed.ok || (mesh !== undefined && !isPlainObject(mesh))) {
    warnings.push(`${ISTIO_SOURCE}: data.mesh is not a YAML object; outboundTrafficPolicy ignored`);
    return undefined;
  }
  const policy = isPlainObject(mesh) ? mesh.outboundTrafficPolicy : undefined;
  if (policy === undefined || policy === null) return undefined;
  const mode = isPlainObject(policy) ? policy.mode : undefined;
  if (mode === 'ALLOW_ANY' || mode === 'REGISTRY_ONLY') return mode;
  warnings.push(`${ISTIO_SOURCE}: outboundTrafficPolicy.mode must be ALLOW_ANY or REGISTRY_ONLY (got ${JSON.stringify(mode)}); ignored`);
  return undefined;
}

function osmMode(state: MeshState, warnings: string[]): { mode: OutboundTrafficMode; source: string } | undefined {
  const meshConfig = findMeshConfig(state);
  if (!meshConfig) return undefined;
  const source = `MeshConfig/${meshConfig.metadata.namespace}/${meshConfig.metadata.name}`;
  const enableEgress = meshConfig.spec.traffic?.enableEgress;
  if (enableEgress === undefined || enableEgress === null) return undefined;
  if (typeof enableEgress !== 'boolean') {
    warnings.push(`${source}: spec.traffic.enableEgress must be true or false (got ${JSON.stringify(enableEgress)}); ignored`);
    return undefined;
  }
  return { mode: enableEgress ? 'ALLOW_ANY' : 'REGISTRY_ONLY', source };
}

export function outboundTrafficPolicy(state: MeshState): OutboundTrafficPolicy {
  const warnings: string[] = [];
  const istio = istioMode(state, warnings);
  const osm = osmMode(state, warnings);
  if (istio === undefined && osm === undefined) return { mode: 'ALLOW_ANY', source: 'default', warnings };
  if (osm === undefined) return { mode: istio ?? 'ALLOW_ANY', source: ISTIO_SOURCE, warnings };
  if (istio === undefined || istio === osm.mode) return { mode: osm.mode, source: istio === undefined ? osm.source : `${ISTIO_SOURCE} and ${osm.source}`, warnings };
  warnings.push(`${ISTIO_SOURCE} says ${istio} but ${osm.source} says ${osm.mode}; REGISTRY_ONLY applies (the closed answer wins)`);
  return { mode: 'REGISTRY_ONLY', source: `${ISTIO_SOURCE} and ${osm.source}`, warnings };
}
