/**
 * Every analyzer `meshgate analyze` (and apply's warnings) runs, in this order. Adding one is a
 * module beside these and a line here — IST0161 InvalidGatewayCredential, for instance, once the
 * Secret kind exists: read each Gateway server's `tls.credentialName`, look the Secret up in the
 * gateway workload's namespace, and report a missing one or one without the keys its mode needs.
 */
import type { Analyzer } from '../types.js';
import { backendServices } from './backend-services.js';
import { conflictingGateways } from './conflicting-gateways.js';
import { conflictingMeshGatewayHosts } from './conflicting-mesh-gateway-hosts.js';
import { referencedResourceNotFound } from './referenced-resource-not-found.js';
import { unreachableRules } from './unreachable-rules.js';
import { virtualServiceHostNotFoundInGateway } from './virtual-service-host-not-found-in-gateway.js';

export const ANALYZERS: readonly Analyzer[] = [
  referencedResourceNotFound,
  virtualServiceHostNotFoundInGateway,
  conflictingGateways,
  conflictingMeshGatewayHosts,
  unreachableRules,
  backendServices,
];
