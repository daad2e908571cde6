/**
 * IST0109 ConflictingMeshGatewayVirtualServiceHosts: several VirtualServices bound to the mesh
 * (the sidecars and proxyless clients) claim the same host; only one set of routes can win.
 */
import { MESH_GATEWAY, qualifyDestinationHost, type VirtualServiceObject } from '@meshgate/model';
import { CONFLICTING_MESH_GATEWAY_VIRTUAL_SERVICE_HOSTS } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';
import { describeObject, virtualServices } from './objects.js';

export const conflictingMeshGatewayHosts: Analyzer = {
  name: 'virtualservice.conflictingmeshgatewayhosts',
  types: [CONFLICTING_MESH_GATEWAY_VIRTUAL_SERVICE_HOSTS],
  analyze({ state, clusterDomain }) {
    const byHost = new Map<string, VirtualServiceObject[]>();
    for (const vs of virtualServices(state)) {
      if (!vs.spec.gateways.includes(MESH_GATEWAY)) continue;
      // As the mesh sees them: a short host is the Service in the VirtualService's namespace.
      const hosts = new Set(vs.spec.hosts.map((host) => qualifyDestinationHost(host, vs.metadata.namespace ?? '', clusterDomain)));
      for (const host of hosts) byHost.set(host, [...(byHost.get(host) ?? []), vs]);
    }
    const messages: AnalysisMessage[] = [];
    for (const [host, claimants] of [...byHost].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (claimants.length < 2) continue;
      const names = claimants.map(describeObject).join(', ');
      for (const vs of claimants) {
        messages.push(
          messageOf(
            CONFLICTING_MESH_GATEWAY_VIRTUAL_SERVICE_HOSTS,
            vs,
            `The VirtualServices ${names} associated with mesh gateway define the same host ${host} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
            'spec.hosts',
          ),
        );
      }
    }
    return messages;
  },
};
