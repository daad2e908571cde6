/**
 * The entry points: compile one proxy's resources from a MeshState.
 *
 * `compileProxy(state, node, options)` is the whole thing. A server compiling for many proxies
 * builds the index once per state (`buildIndex`) and calls `compileWithIndex` per proxy, and
 * can share one result among proxies with the same `compileIndexKey`.
 */
import type { MeshState } from '@meshgate/model';
import { buildCluster, ClusterRequests } from './clusters.js';
import { compare, Diagnostics } from './diagnostics.js';
import { buildLoadAssignment } from './endpoints.js';
import { compileGateway } from './gateway.js';
import { buildIndex, type CompileIndex } from './meshIndex.js';
import { compileProxyless } from './proxyless.js';
import { TYPE_URL, type CompileOptions, type CompileProxy, type CompileResult, type ProxyNode, type XdsResource } from './types.js';

export const compileProxy: CompileProxy = (state: MeshState, node: ProxyNode, options: CompileOptions): CompileResult =>
  compileWithIndex(buildIndex(state, options), node);

/**
 * Compiles for one proxy against a prebuilt index. Pure: the result depends only on the index's
 * state and options and on the node fields named in `compileIndexKey`. The resources are fresh
 * objects, but they are meant to be serialised, not edited: treat them as read-only.
 */
export function compileWithIndex(index: CompileIndex, node: ProxyNode): CompileResult {
  const diagnostics = new Diagnostics();
  const clusters = new ClusterRequests();
  let listeners: XdsResource[] = [];
  let routes: XdsResource[] = [];
  if (node.client === 'grpc') {
    ({ listeners, routes } = compileProxyless(index, node, diagnostics, clusters));
  } else if (node.role === 'ingress-gateway' || node.role === 'egress-gateway') {
    ({ listeners, routes } = compileGateway(index, node, diagnostics, clusters));
  }
  // Envoy sidecars get nothing yet: meshgate serves ingress and egress gateways first.

  const requested = clusters.list();
  return {
    resources: {
      [TYPE_URL.listener]: sortByName(listeners),
      [TYPE_URL.route]: sortByName(routes),
      [TYPE_URL.cluster]: requested.map((request) => ({ name: request.name, resource: buildCluster(request, node.client) })),
      [TYPE_URL.endpoint]: requested.map((request) => ({ name: request.name, resource: buildLoadAssignment(index, request) })),
      [TYPE_URL.secret]: [],
    },
    diagnostics: diagnostics.list(),
  };
}

function sortByName(resources: XdsResource[]): XdsResource[] {
  return [...resources].sort((a, b) => compare(a.name, b.name));
}

/**
 * A key naming everything of the node the compile reads: proxies with equal keys (and the same
 * index) get equal results, so a server compiles once per key. It holds the client, whether the
 * node is a gateway, and the labels (gateway selection and `sourceLabels`). Namespace and
 * service account are not read today; add them here the day the compiler reads them.
 */
export function compileIndexKey(node: ProxyNode): string {
  const kind = node.client === 'grpc' ? 'grpc' : node.role === 'sidecar' ? 'envoy-sidecar' : 'envoy-gateway';
  const labels = Object.keys(node.labels)
    .sort(compare)
    .map((key) => [key, node.labels[key]]);
  return JSON.stringify([kind, labels]);
}
