/**
 * Every code meshgate's analysis can report. Istio's codes keep Istio's numbers, names and
 * levels (https://istio.io/latest/docs/reference/config/analysis/), so that what users know from
 * `istioctl analyze` reads the same here; meshgate's own start with MG. Codes are never reused.
 */
import type { MessageType } from './types.js';

export const REFERENCED_RESOURCE_NOT_FOUND: MessageType = { code: 'IST0101', name: 'ReferencedResourceNotFound', level: 'Error' };
export const SCHEMA_VALIDATION_ERROR: MessageType = { code: 'IST0106', name: 'SchemaValidationError', level: 'Error' };
export const CONFLICTING_MESH_GATEWAY_VIRTUAL_SERVICE_HOSTS: MessageType = { code: 'IST0109', name: 'ConflictingMeshGatewayVirtualServiceHosts', level: 'Error' };
export const VIRTUAL_SERVICE_UNREACHABLE_RULE: MessageType = { code: 'IST0130', name: 'VirtualServiceUnreachableRule', level: 'Warning' };
export const VIRTUAL_SERVICE_INEFFECTIVE_MATCH: MessageType = { code: 'IST0131', name: 'VirtualServiceIneffectiveMatch', level: 'Info' };
export const VIRTUAL_SERVICE_HOST_NOT_FOUND_IN_GATEWAY: MessageType = { code: 'IST0132', name: 'VirtualServiceHostNotFoundInGateway', level: 'Warning' };
export const CONFLICTING_GATEWAYS: MessageType = { code: 'IST0145', name: 'ConflictingGateways', level: 'Error' };
export const INVALID_GATEWAY_CREDENTIAL: MessageType = { code: 'IST0161', name: 'InvalidGatewayCredential', level: 'Error' };
export const GATEWAY_PORT_NOT_DEFINED_ON_SERVICE: MessageType = { code: 'IST0162', name: 'GatewayPortNotDefinedOnService', level: 'Warning' };
/** meshgate accepts the field but does not apply it (the same text `apply` warns with). */
export const FIELD_NOT_APPLIED: MessageType = { code: 'MG0001', name: 'FieldNotApplied', level: 'Warning' };
/** A VirtualService's http routes bound to a PASSTHROUGH server, where they can never match. */
export const HTTP_ROUTES_ON_PASSTHROUGH_SERVER: MessageType = { code: 'MG0002', name: 'HttpRoutesOnPassthroughServer', level: 'Warning' };
