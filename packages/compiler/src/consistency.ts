/**
 * The check go-control-plane calls `Snapshot.Consistent()`: every route configuration a listener
 * names over RDS is in the result, every cluster's EDS service name has a
 * ClusterLoadAssignment, and every SDS secret a listener names can be served. A proxy given an
 * inconsistent set waits forever for the missing piece (a listener naming an unknown secret
 * stays warming and never serves), so the xds service refuses to publish one (and keeps the
 * last consistent set).
 */
import { credentialServable } from '@meshgate/secrets/credentials';
import type { CompileIndex } from './meshIndex.js';
import { IDENTITY_SECRET_NAME, ROOT_CA_SECRET_NAME } from './naming.js';
import { TYPE_URL, type ProxyNode, type ResourcesByType } from './types.js';

/** Whether SDS serves a secret of this name to the proxy the resources are for. */
export type SdsAvailability = (secretName: string) => boolean;

/**
 * What SDS serves to `node` from this state: its mesh identity and roots (the CA issues them),
 * and the gateway credentials that resolve in its namespace.
 */
export function sdsAvailability(index: CompileIndex, node: ProxyNode): SdsAvailability {
  // xds's own rule (role, namespace, layouts), so that the compiler never names a secret xds
  // would not serve: the listener would wait for it forever.
  return (name) => isMeshIdentitySecret(name) || credentialServable(index.secretsByKey, node.role, node.namespace, name);
}

function isMeshIdentitySecret(name: string): boolean {
  return name === IDENTITY_SECRET_NAME || name === ROOT_CA_SECRET_NAME;
}

/** Every SdsSecretConfig `name` below `value` (certificates and validation contexts, wherever nested). */
export function collectSdsNames(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectSdsNames(item, into);
    return;
  }
  if (!isRecord(value)) return;
  if (typeof value.name === 'string' && isRecord(value.sds_config)) into.add(value.name);
  for (const child of Object.values(value)) collectSdsNames(child, into);
}

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

/**
 * Problems, one line each; [] when the set is consistent. `sds` says which secrets can be
 * served (see `sdsAvailability`); without it, the mesh identity and roots and the secrets in the
 * set itself count, and no gateway credential does.
 */
export function consistencyProblems(resources: ResourcesByType, sds?: SdsAvailability): string[] {
  const problems: string[] = [];
  const routeNames = new Set(resources[TYPE_URL.route].map((r) => r.name));
  const secretNames = new Set(resources[TYPE_URL.secret].map((r) => r.name));
  const served = (name: string): boolean => secretNames.has(name) || (sds ? sds(name) : isMeshIdentitySecret(name));
  for (const listener of resources[TYPE_URL.listener]) {
    const referenced = new Set<string>();
    collectRouteNames(listener.resource, referenced);
    for (const name of referenced) if (!routeNames.has(name)) problems.push(`listener ${listener.name} names route configuration ${name}, which is missing`);
    const secrets = new Set<string>();
    collectSdsNames(listener.resource, secrets);
    for (const name of [...secrets].sort()) if (!served(name)) problems.push(`listener ${listener.name} names SDS secret ${name}, which cannot be served`);
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
