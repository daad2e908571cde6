export * from './types.js';
export { compileProxy, compileWithIndex, compileIndexKey } from './compile.js';
export { buildIndex, type CompileIndex } from './meshIndex.js';
export {
  blackholeVirtualHostName,
  clusterName,
  gatewayListenerName,
  gatewayRouteConfigName,
  gatewayVirtualHostName,
  proxylessListenerName,
  GATEWAY_LISTEN_ADDRESS,
} from './naming.js';
export { hostsOverlap, moreSpecificHost, parseServerHost } from './hosts.js';
export { parseGoDuration } from './duration.js';
export { consistencyProblems } from './consistency.js';
