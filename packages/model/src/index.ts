/**
 * @meshgate/model — the resource kinds meshgate stores, how text becomes validated and
 * normalised objects, how objects are named and digested, the projection of the event log
 * (`MeshState`), and the read-only queries the compiler asks of it. Pure: no I/O.
 */
export * from './types.js';

export { parseDocuments, MAX_ALIAS_COUNT, type ParseError, type ParseResult } from './parse.js';
export { validateDocument, apiVersionsOf, type ValidateOptions } from './validate/index.js';
export { GATEWAY_PROTOCOLS } from './validate/gateway.js';
export { checkRegex } from './validate/string-match.js';

export { KINDS, CLUSTER_SCOPED_KINDS, isKind, isClusterScoped, objectKey, parseObjectKey, refOf, stateKey } from './keys.js';
export { canonicalJson, digestOf, sortKeysDeep } from './canonical.js';
export {
  DEFAULT_CLUSTER_DOMAIN,
  MESH_GATEWAY,
  serviceHost,
  parseServiceHost,
  qualifyDestinationHost,
  qualifyGatewayRef,
} from './hosts.js';
export { canonicalIP, isIP, isIPv4, isIPv6 } from './ip.js';

export {
  RESOURCE_APPLIED,
  RESOURCE_DELETED,
  initialState,
  cloneState,
  evolve,
  asMeshEvent,
  allObjects,
  putObject,
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
