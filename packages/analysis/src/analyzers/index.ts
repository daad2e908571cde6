/**
 * Every analyzer `meshgate analyze` (and apply's warnings) runs, in this order. Adding one is a
 * module beside these and a line here.
 */
import type { Analyzer } from '../types.js';
import { backendServices } from './backend-services.js';
import { conflictingGateways } from './conflicting-gateways.js';
import { conflictingMeshGatewayHosts } from './conflicting-mesh-gateway-hosts.js';
import { referencedResourceNotFound } from './referenced-resource-not-found.js';
import { gatewayPortNotOnService } from './gateway-port-not-on-service.js';
import { invalidGatewayCredential } from './invalid-gateway-credential.js';
import { passthroughHttpRoutes } from './passthrough-http-routes.js';
import { unreachableRules } from './unreachable-rules.js';
import { virtualServiceHostNotFoundInGateway } from './virtual-service-host-not-found-in-gateway.js';

export const ANALYZERS: readonly Analyzer[] = [
  referencedResourceNotFound,
  virtualServiceHostNotFoundInGateway,
  conflictingGateways,
  conflictingMeshGatewayHosts,
  unreachableRules,
  backendServices,
  invalidGatewayCredential,
  passthroughHttpRoutes,
  gatewayPortNotOnService,
];
