/**
 * ClusterLoadAssignments: the ready addresses behind a Service port.
 *
 * Which addresses, and on which port, is the model's answer (`endpointsForService`: Endpoints
 * and EndpointSlices together, deduplicated, service port → endpoint port by name as kube-proxy
 * does, sorted by ip then port). This module only shapes it for EDS.
 */
import { endpointsForService } from '@meshgate/model';
import type { ClusterRequest } from './clusters.js';
import type { CompileIndex } from './meshIndex.js';

/**
 * The assignment for one cluster. A cluster for an unknown Service, a port the Service lacks or
 * a subset (DestinationRule support is to come) is empty: the proxy answers 503 / UNAVAILABLE.
 *
 * All endpoints share one locality. It carries `locality: {}` and `load_balancing_weight`
 * because grpc-js drops an assignment whose localities lack a weight ("priority policy has
 * empty priority list"). Zones are not used for routing yet.
 */
export function buildLoadAssignment(index: CompileIndex, request: ClusterRequest): Record<string, unknown> {
  const service = request.service;
  const addresses =
    service && request.subset === '' ? endpointsForService(index.state, service, request.port, index.slicesByService) : [];
  if (addresses.length === 0) return { cluster_name: request.name, endpoints: [] };
  return {
    cluster_name: request.name,
    endpoints: [
      {
        locality: {},
        lb_endpoints: addresses.map(({ ip, port }) => ({
          endpoint: { address: { socket_address: { address: ip, port_value: port } } },
        })),
        load_balancing_weight: { value: 1 },
      },
    ],
  };
}
