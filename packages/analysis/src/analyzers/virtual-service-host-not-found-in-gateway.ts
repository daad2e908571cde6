/**
 * IST0132 VirtualServiceHostNotFoundInGateway: a VirtualService bound to a Gateway has hosts
 * that no server of that Gateway serves (for the VirtualService's namespace): traffic for them
 * never reaches it through that Gateway.
 */
import { hostsOverlap, parseServerHost } from '@meshgate/compiler';
import { VIRTUAL_SERVICE_HOST_NOT_FOUND_IN_GATEWAY } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';
import { describeObject, gatewaysByRef, virtualServices } from './objects.js';

export const virtualServiceHostNotFoundInGateway: Analyzer = {
  name: 'virtualservice.gatewayhosts',
  types: [VIRTUAL_SERVICE_HOST_NOT_FOUND_IN_GATEWAY],
  analyze({ state }) {
    const known = gatewaysByRef(state);
    const messages: AnalysisMessage[] = [];
    for (const vs of virtualServices(state)) {
      const namespace = vs.metadata.namespace ?? '';
      for (const ref of vs.spec.gateways) {
        const gateway = known.get(ref);
        if (!gateway) continue;
        const served = gateway.spec.servers
          .flatMap((server) => server.hosts.map((host) => parseServerHost(host, gateway.metadata.namespace ?? '')))
          .filter((host) => host.namespace === '*' || host.namespace === namespace);
        const missing = vs.spec.hosts.filter((host) => !served.some((server) => hostsOverlap(server.host, host)));
        if (missing.length === 0) continue;
        messages.push(
          messageOf(
            VIRTUAL_SERVICE_HOST_NOT_FOUND_IN_GATEWAY,
            vs,
            `one or more host [${missing.join(', ')}] defined in ${describeObject(vs)} not found in ${describeObject(gateway)}.`,
            'spec.hosts',
          ),
        );
      }
    }
    return messages;
  },
};
