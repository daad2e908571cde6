/**
 * The HTTP RBAC filter (`envoy.filters.http.rbac`, action ALLOW) that enforces IngressBackend
 * sources. Envoy and grpc-js-xds's xDS server read the same config: a request is allowed when
 * some policy's principals match it; one that no policy admits gets 403 (Envoy) or
 * PERMISSION_DENIED (gRPC).
 *
 * Principals used, all of which grpc-js implements: `direct_remote_ip` (the peer address of the
 * connection — the ingress controller's own address, never a forwarded header), `authenticated.
 * principal_name` (a SAN of the verified client certificate), `and_ids`/`or_ids` to combine
 * them and `not_id: {any}` for "nobody".
 */
import type { Cidr } from '@meshgate/model';
import type { SourcePolicy } from './ingress-backends.js';

export const RBAC_FILTER_NAME = 'envoy.filters.http.rbac';
export const RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';

type Principal = Record<string, unknown>;

/** Matches no request: what an address rule with no address admits. */
const NOBODY: Principal = { not_id: { any: true } };

function cidrRange(cidr: Cidr): Record<string, unknown> {
  return { address_prefix: cidr.address, prefix_len: { value: cidr.prefixLength } };
}

function anyOf(principals: Principal[]): Principal {
  return principals.length === 1 ? principals[0] : { or_ids: { ids: principals } };
}

/**
 * The principals of one policy, or `undefined` when it admits everyone. `family` keeps only
 * the CIDRs of one address family (a proxyless server listening on an IPv4 address sees IPv4
 * peers only).
 */
function policyPrincipals(policy: SourcePolicy, family: 4 | 6 | undefined): Principal[] | undefined {
  let byAddress: Principal[] | undefined;
  if (policy.cidrs !== undefined) {
    const kept = policy.cidrs.filter((cidr) => family === undefined || cidr.family === family);
    byAddress = kept.length === 0 ? [NOBODY] : kept.map((cidr) => ({ direct_remote_ip: cidrRange(cidr) }));
  }
  const byName = policy.principals?.map((name) => ({ authenticated: { principal_name: { exact: name } } }));
  if (byAddress === undefined) return byName;
  if (byName === undefined) return byAddress;
  // OSM: an https backend's Service/IPRange sources restrict the client in addition to its principal.
  return [{ and_ids: { ids: [anyOf(byAddress), anyOf(byName)] } }];
}

/**
 * The RBAC HTTP filter for these policies, or `undefined` when one of them admits everyone
 * (then there is nothing to enforce and the filter is left out).
 */
export function rbacFilter(policies: readonly SourcePolicy[], family?: 4 | 6): Record<string, unknown> | undefined {
  const entries: [string, Record<string, unknown>][] = [];
  for (const policy of policies) {
    const principals = policyPrincipals(policy, family);
    if (principals === undefined) return undefined;
    entries.push([policy.name, { permissions: [{ any: true }], principals }]);
  }
  if (entries.length === 0) return undefined;
  return {
    name: RBAC_FILTER_NAME,
    typed_config: { '@type': RBAC_TYPE, rules: { action: 'ALLOW', policies: Object.fromEntries(entries) } },
  };
}

/** The CIDRs of `policies` that a listener of address family `family` can never see, as text. */
export function cidrsOfOtherFamily(policies: readonly SourcePolicy[], family: 4 | 6): string[] {
  return policies.flatMap((policy) => (policy.cidrs ?? []).filter((cidr) => cidr.family !== family).map((cidr) => `${cidr.address}/${cidr.prefixLength}`));
}
