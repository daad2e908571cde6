/**
 * Whom an Envoy sidecar expects at the other end of ISTIO_MUTUAL when the DestinationRule names
 * no `subjectAltNames` — Istio's rule: the destination's service accounts. For a Service, the
 * SPIFFE IDs of the service accounts of its Pods (those it selects and those at its endpoint
 * addresses: for seed 003's chain, the egress gateway's); for a ServiceEntry, its own
 * `subjectAltNames`. Without them any workload holding a mesh certificate could answer in the
 * egress gateway's place. With no Pod known there is nothing to check and none is written (the
 * mesh roots alone are checked), as before.
 */
import type { ClusterRequest } from './clusters.js';
import type { CompileIndex } from './meshIndex.js';
import { serverIdentities, spiffeId } from './upstream-tls.js';

export function destinationIdentities(index: CompileIndex, request: ClusterRequest): string[] {
  if (request.serviceEntry) return [...request.serviceEntry.spec.subjectAltNames];
  const service = request.service;
  const servicePort = service?.spec.ports.find((port) => port.port === request.port);
  if (!service || !servicePort) return [];
  return serverIdentities(index, service, servicePort).map((account) => spiffeId(index.options.trustDomain, service.metadata.namespace, account));
}
