export * from './types.js';
export { compileProxy, compileWithIndex, compileIndexKey, compileServerListeners } from './compile.js';
export { buildIndex, type CompileIndex } from './meshIndex.js';
export {
  blackholeVirtualHostName,
  clusterName,
  credentialSecretName,
  gatewayListenerName,
  gatewayRouteConfigName,
  gatewayTlsRouteConfigName,
  gatewayVirtualHostName,
  grpcServerListenerName,
  inboundClusterName,
  inboundListenerName,
  inboundRouteConfigName,
  inboundVirtualHostName,
  proxylessListenerName,
  GATEWAY_LISTEN_ADDRESS,
  GRPC_CERTIFICATE_PROVIDER_INSTANCE,
  caFileProviderInstance,
  identityFileProviderInstance,
  IDENTITY_SECRET_NAME,
  INBOUND_LISTEN_ADDRESS,
  ROOT_CA_SECRET_NAME,
} from './naming.js';
export { INGRESS_GATEWAY_LABELS } from './kube-ingress.js';
export { hostsOverlap, moreSpecificHost, parseServerHost } from './hosts.js';
export { parseGoDuration } from './duration.js';
export { consistencyProblems, sdsAvailability, type SdsAvailability } from './consistency.js';
export { resolveCredential, type CredentialResolution, type CredentialSecrets, type ResolvedCredential } from './credentials.js';
export { gatewayServerRouteConfigName } from './naming.js';
export { IncrementalIndex, type ChangedRef } from './incremental.js';
export { Memo, type MemoHooks } from './memo.js';
