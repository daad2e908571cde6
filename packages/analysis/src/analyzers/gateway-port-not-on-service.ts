/**
 * IST0162 GatewayPortNotDefinedOnService: a Gateway server's port that no Service in front of its
 * workloads exposes (as a port or a targetPort), so clients cannot reach it. As Istio's analyzer,
 * it speaks only when the workloads are known (Pods the selector matches, and the Services
 * selecting them); with none, there is nothing to compare with.
 */
import { compareObjects, selectorMatches } from '@meshgate/model';
import { GATEWAY_PORT_NOT_DEFINED_ON_SERVICE } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';
import { gateways } from './objects.js';

export const gatewayPortNotOnService: Analyzer = {
  name: 'gateway.port',
  types: [GATEWAY_PORT_NOT_DEFINED_ON_SERVICE],
  analyze({ state }) {
    const messages: AnalysisMessage[] = [];
    const services = [...state.byKind.Service.values()].sort(compareObjects);
    for (const gateway of gateways(state)) {
      const selector = gateway.spec.selector;
      if (Object.keys(selector).length === 0) continue;
      const pods = [...state.byKind.Pod.values()].filter((pod) => selectorMatches(selector, pod.metadata.labels));
      if (pods.length === 0) continue;
      const exposed = new Set<number>();
      for (const service of services) {
        if (Object.keys(service.spec.selector).length === 0) continue;
        if (!pods.some((pod) => pod.metadata.namespace === service.metadata.namespace && selectorMatches(service.spec.selector, pod.metadata.labels))) continue;
        for (const port of service.spec.ports) {
          exposed.add(port.port);
          if (typeof port.targetPort === 'number') exposed.add(port.targetPort);
        }
      }
      const selectorText = Object.keys(selector)
        .sort()
        .map((key) => `${key}=${selector[key]}`)
        .join(',');
      gateway.spec.servers.forEach((server, s) => {
        if (exposed.has(server.port.number)) return;
        messages.push(
          messageOf(
            GATEWAY_PORT_NOT_DEFINED_ON_SERVICE,
            gateway,
            `The gateway refers to a port that is not exposed on the workload (pod selector ${selectorText}; port ${server.port.number})`,
            `spec.servers[${s}].port`,
          ),
        );
      });
    }
    return messages;
  },
};
