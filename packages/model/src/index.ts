/**
 * @meshgate/model — the resource kinds meshgate stores, how text becomes validated and
 * normalised objects, how objects are named and digested, the projection of the event log
 * (`MeshState`), and the read-only queries the compiler asks of it. Pure: no I/O.
 */
export * from './types.js';

export { parseDocuments, MAX_ALIAS_COUNT, type ParseError, type ParseResult } from './parse.js';
export { DEFAULT_PARSE_LIMITS, type ExceededLimit, type LimitName, type ParseLimits } from './parse-limits.js';
export { validateDocument, apiVersionsOf, describeKind, type ValidateOptions } from './validate/index.js';
export { INGRESS_BACKEND_PROTOCOLS, INGRESS_SOURCE_KINDS } from './validate/ingress-backend.js';
export { INGRESS_PATH_TYPES, INGRESS_VERSIONS } from './validate/ingress.js';
export { MESH_CONFIG_VERSIONS } from './validate/mesh-config.js';
export { MAX_JSON_DEPTH } from './validate/json.js';
export { GATEWAY_PROTOCOLS } from './validate/gateway.js';
export { checkRegex } from './validate/string-match.js';

export { KINDS, FOREIGN_KINDS, CLUSTER_SCOPED_KINDS, isKind, isForeignKind, isClusterScoped, objectKey, parseObjectKey, refOf, stateKey } from './keys.js';
export { canonicalJson, digestOf, sortKeysDeep } from './canonical.js';
export {
  DEFAULT_CLUSTER_DOMAIN,
  MESH_GATEWAY,
  serviceHost,
  parseServiceHost,
  qualifyDestinationHost,
  qualifyGatewayRef,
} from './hosts.js';
export { canonicalIP, isIP, isIPv4, isIPv6, parseCidr, canonicalCidr, type Cidr } from './ip.js';
export { parseGoDuration, checkPositiveGoDuration } from './duration.js';

export {
  RESOURCE_APPLIED,
  RESOURCE_DELETED,
  initialState,
  cloneState,
  evolve,
  asMeshEvent,
  allObjects,
  putObject,
  createdSequenceOf,
  isStoredObject,
  type LogEvent,
} from './state.js';
export { serialiseState, deserialiseState, SnapshotFormatError, SNAPSHOT_FORMAT, type SerialisedState } from './snapshot.js';

export {
  SERVICE_NAME_LABEL,
  compareObjects,
  hostOfService,
  servicesByHost,
  findServiceByHost,
  selectorMatches,
  endpointSlicesByService,
  endpointsForService,
  podsByIp,
  podsForService,
  gatewaysSelecting,
  gatewayRefOf,
  virtualServicesForGateway,
  virtualServicesForMesh,
  type EndpointAddressPort,
} from './query.js';

export { ingressBackendStatuses, committedIngressBackends, INGRESS_BACKEND_COMMITTED_REASON } from './ingress-backend-status.js';
export { MONITORED_BY_LABEL, SIDECAR_INJECTION_ANNOTATION, isMonitored, sidecarInjectionDisabled, monitoredNamespaces } from './namespaces.js';
export {
  INGRESS_CLASS_ANNOTATION,
  DEFAULT_INGRESS_CLASS_ANNOTATION,
  ISTIO_INGRESS_CONTROLLER,
  isDefaultIngressClass,
  defaultIngressClass,
  ingressClassNameOf,
  ingressesForController,
  type IngressSelection,
} from './ingress-classes.js';
export { MESH_CONFIG_NAME, findMeshConfig } from './mesh-config.js';
export { OPAQUE_SECRET_TYPE, SECRET_TYPES, TLS_SECRET_TYPE, digestOfBytes, secretPayloadOf } from './validate/secret.js';
export { checkDns1123Label, checkDns1123Subdomain } from './names.js';
export { serviceEntryPortCollisions, describeCollision, type ServiceEntryPortCollision } from './service-entry-conflicts.js';
export { inCurrentShape } from './stored-shape.js';
export { SERVICE_ENTRY_PROTOCOLS, SERVICE_ENTRY_RESOLUTIONS, isOpaqueTcpProtocol } from './validate/service-entry.js';
export { ALLOW_PRIVATE_DESTINATIONS_ANNOTATION, allowsPrivateDestinations } from './service-entry-annotations.js';
export { CLIENT_TLS_MODES } from './validate/traffic-policy.js';
export { outboundTrafficPolicy, ISTIO_MESH_CONFIG_MAP, type OutboundTrafficMode, type OutboundTrafficPolicy } from './outbound-policy.js';
