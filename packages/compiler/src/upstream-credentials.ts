/**
 * DestinationRule TLS origination with `credentialName` (SIMPLE, MUTUAL): the cluster names SDS
 * secrets `kubernetes://NAME` (the client certificate) and `kubernetes://NAME-cacert` (the CA),
 * which xds serves from the Secret NAME of the proxy's own namespace, to gateway proxies only
 * (`services/xds/src/gateway-credentials.ts`, the same rule as a Gateway server's credential).
 *
 * Every such name in the proxy's clusters is checked against that rule here, per proxy: at an
 * egress gateway a Secret that is missing or unusable is an error on the DestinationRule (the
 * cluster is still sent, so that TLS starts the moment the Secret is applied; until then Envoy
 * has no certificate and the handshake fails: closed, never plain text); at a sidecar, which is
 * sent no credentials, a warning says the origination cannot work there (originate at the
 * egress gateway, or use certificate files).
 */
import { objectKey, type DestinationRuleObject } from '@meshgate/model';
import { CREDENTIAL_ROLES, resolveCredentialSdsName } from '@meshgate/secrets/credentials';
import type { ClusterRequest } from './clusters.js';
import { collectSdsNames } from './consistency.js';
import { compare, type Diagnostics } from './diagnostics.js';
import { policyForRequest } from './destination-rules.js';
import type { CompileIndex } from './meshIndex.js';
import { IDENTITY_SECRET_NAME, ROOT_CA_SECRET_NAME } from './naming.js';
import type { ProxyNode } from './types.js';

/** Where in the rule the `tls` in force for the request is written (Istio's merge order, last wins). */
function tlsPath(rule: DestinationRuleObject, request: ClusterRequest): string {
  const candidates: string[] = [];
  const policy = rule.spec.trafficPolicy;
  if (policy?.tls) candidates.push('spec.trafficPolicy.tls');
  const port = policy?.portLevelSettings.findIndex((setting) => setting.port.number === request.port) ?? -1;
  if (port >= 0 && policy?.portLevelSettings[port].tls) candidates.push(`spec.trafficPolicy.portLevelSettings[${port}].tls`);
  const s = request.subset === '' ? -1 : rule.spec.subsets.findIndex((subset) => subset.name === request.subset);
  const subsetPolicy = s >= 0 ? rule.spec.subsets[s].trafficPolicy : undefined;
  if (subsetPolicy?.tls) candidates.push(`spec.subsets[${s}].trafficPolicy.tls`);
  const subsetPort = subsetPolicy?.portLevelSettings.findIndex((setting) => setting.port.number === request.port) ?? -1;
  if (subsetPort >= 0 && subsetPolicy?.portLevelSettings[subsetPort].tls) candidates.push(`spec.subsets[${s}].trafficPolicy.portLevelSettings[${subsetPort}].tls`);
  return candidates[candidates.length - 1] ?? 'spec.trafficPolicy.tls';
}

/** Reports, for each Envoy cluster built from `requests`, the credential SDS names xds will not serve this proxy. */
export function reportUpstreamCredentials(index: CompileIndex, node: ProxyNode, clusters: readonly { request: ClusterRequest; resource: Record<string, unknown> }[], diagnostics: Diagnostics): void {
  if (node.client !== 'envoy') return;
  for (const { request, resource } of clusters) {
    const names = new Set<string>();
    collectSdsNames(resource.transport_socket, names);
    const credentials = [...names].filter((name) => name !== IDENTITY_SECRET_NAME && name !== ROOT_CA_SECRET_NAME).sort(compare);
    if (credentials.length === 0) continue;
    const { rule, policy } = policyForRequest(index, request);
    const object = rule ? objectKey(rule) : request.name;
    const where = rule ? `${tlsPath(rule, request)}.credentialName` : 'tls.credentialName';
    const written = policy.tls?.credentialName ?? credentials[0];
    if (!CREDENTIAL_ROLES.includes(node.role)) {
      diagnostics.warn(object, `${where}: ${request.name}: credential ${written} is served to gateway proxies only, so a ${node.role} cannot originate this TLS (its handshakes fail); originate it at an egress gateway, or give certificate files`);
      continue;
    }
    const problems = credentials.flatMap((name) => {
      const found = resolveCredentialSdsName(index.secretsByKey, node.namespace, name);
      return 'problem' in found ? [`${name}: ${found.problem}`] : [];
    });
    if (problems.length > 0) {
      diagnostics.error(object, `${where}: ${request.name}: credential ${written} cannot be served to gateways of namespace ${node.namespace} (${problems.join('; ')}); TLS to ${request.host} fails until it can`);
    }
  }
}
