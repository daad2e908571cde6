/**
 * The check go-control-plane calls `Snapshot.Consistent()`: every route configuration a listener
 * names over RDS is in the result, and every cluster's EDS service name has a
 * ClusterLoadAssignment. A proxy given an inconsistent set waits forever for the missing piece,
 * so the xds service refuses to publish one (and keeps the last consistent set).
 */
import { TYPE_URL, type ResourcesByType } from './types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every `rds.route_config_name` anywhere below `value` (listeners nest HCMs in filter chains and API listeners). */
function collectRouteNames(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRouteNames(item, into);
    return;
  }
  if (!isRecord(value)) return;
  const rds = value.rds;
  if (isRecord(rds) && typeof rds.route_config_name === 'string') into.add(rds.route_config_name);
  for (const child of Object.values(value)) collectRouteNames(child, into);
}

/** Problems, one line each; [] when the set is consistent. */
export function consistencyProblems(resources: ResourcesByType): string[] {
  const problems: string[] = [];
  const routeNames = new Set(resources[TYPE_URL.route].map((r) => r.name));
  for (const listener of resources[TYPE_URL.listener]) {
    const referenced = new Set<string>();
    collectRouteNames(listener.resource, referenced);
    for (const name of referenced) if (!routeNames.has(name)) problems.push(`listener ${listener.name} names route configuration ${name}, which is missing`);
  }
  const assignments = new Set(resources[TYPE_URL.endpoint].map((r) => r.name));
  for (const cluster of resources[TYPE_URL.cluster]) {
    const eds = cluster.resource.eds_cluster_config;
    if (!isRecord(eds)) continue;
    const serviceName = typeof eds.service_name === 'string' && eds.service_name !== '' ? eds.service_name : cluster.name;
    if (!assignments.has(serviceName)) problems.push(`cluster ${cluster.name} needs endpoints ${serviceName}, which are missing`);
  }
  return problems;
}
