/**
 * Mesh membership of namespaces, as OSM marks it: `osm namespace add NS` labels the namespace
 * `openservicemesh.io/monitored-by: <mesh>`; with `--disable-sidecar-injection` it also
 * annotates it `openservicemesh.io/sidecar-injection: disabled`. Such a namespace is still
 * monitored (its Services' endpoints are known, e.g. as IngressBackend sources) but its pods
 * get no sidecar.
 */
import { compareObjects } from './query.js';
import type { MeshState, NamespaceObject } from './types.js';

export const MONITORED_BY_LABEL = 'openservicemesh.io/monitored-by';
export const SIDECAR_INJECTION_ANNOTATION = 'openservicemesh.io/sidecar-injection';

/** The values OSM's injector reads as "do not inject" (it also takes these for the pod annotation). */
const INJECTION_DISABLED_VALUES: ReadonlySet<string> = new Set(['disabled', 'no', 'false']);

export function isMonitored(namespace: NamespaceObject, meshName: string): boolean {
  return namespace.metadata.labels[MONITORED_BY_LABEL] === meshName;
}

export function sidecarInjectionDisabled(namespace: NamespaceObject): boolean {
  const value = namespace.metadata.annotations[SIDECAR_INJECTION_ANNOTATION];
  return value !== undefined && INJECTION_DISABLED_VALUES.has(value.toLowerCase());
}

/** The namespaces the mesh `meshName` monitors, sorted by name. */
export function monitoredNamespaces(state: MeshState, meshName: string): NamespaceObject[] {
  return [...state.byKind.Namespace.values()].filter((namespace) => isMonitored(namespace, meshName)).sort(compareObjects);
}
