/**
 * IST0101 ReferencedResourceNotFound: a VirtualService names a Gateway that does not exist (in
 * `gateways` or a match's `gateways`), or routes to a host no Service (and no ServiceEntry)
 * provides. Seed 002's own typo — a VirtualService naming a gateway that is not there — is this.
 */
import { findServiceByHost, MESH_GATEWAY, type MeshState, type VirtualServiceObject } from '@meshgate/model';
import { REFERENCED_RESOURCE_NOT_FOUND } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';
import { gatewaysByRef, virtualServices } from './objects.js';

export const referencedResourceNotFound: Analyzer = {
  name: 'virtualservice.references',
  types: [REFERENCED_RESOURCE_NOT_FOUND],
  analyze({ state, clusterDomain }) {
    const known = gatewaysByRef(state);
    const entryHosts = serviceEntryHosts(state);
    const messages: AnalysisMessage[] = [];
    for (const vs of virtualServices(state)) {
      for (const ref of gatewayRefs(vs)) {
        if (ref.ref === MESH_GATEWAY || known.has(ref.ref)) continue;
        messages.push(messageOf(REFERENCED_RESOURCE_NOT_FOUND, vs, `Referenced gateway not found: ${JSON.stringify(ref.ref)}`, ref.path));
      }
      const reported = new Set<string>();
      vs.spec.http.forEach((route, i) =>
        route.route.forEach(({ destination }, j) => {
          const host = destination.host;
          if (host === '' || reported.has(host) || entryHosts.has(host) || findServiceByHost(state, host, clusterDomain)) return;
          reported.add(host);
          messages.push(messageOf(REFERENCED_RESOURCE_NOT_FOUND, vs, `Referenced host not found: ${JSON.stringify(host)}`, `spec.http[${i}].route[${j}].destination.host`));
        }),
      );
    }
    return messages;
  },
};

function gatewayRefs(vs: VirtualServiceObject): { ref: string; path: string }[] {
  const refs = vs.spec.gateways.map((ref) => ({ ref, path: 'spec.gateways' }));
  vs.spec.http.forEach((route, i) => route.match.forEach((match, j) => refs.push(...match.gateways.map((ref) => ({ ref, path: `spec.http[${i}].match[${j}].gateways` })))));
  const seen = new Set<string>();
  return refs.filter(({ ref }) => !seen.has(ref) && seen.add(ref));
}

/** Hosts that ServiceEntries (stored, not compiled) declare: a destination there is not missing. */
function serviceEntryHosts(state: MeshState): Set<string> {
  const hosts = new Set<string>();
  for (const entry of state.byKind.ServiceEntry.values()) {
    const spec = entry.spec;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) continue;
    const listed = (spec as Record<string, unknown>).hosts;
    if (Array.isArray(listed)) for (const host of listed) if (typeof host === 'string') hosts.add(host.toLowerCase());
  }
  return hosts;
}
