/**
 * Full against incremental compile on the issue 8 workload (1,000 Services × 5 endpoints, 1,000
 * VirtualServices on one ingress Gateway and `mesh`), for an Envoy gateway and a proxyless gRPC
 * client compiled from one index, as the xds service does.
 *
 * Full: a fresh index and every unit built (`buildIndex` + `compileWithIndex` per kind).
 * Incremental: one object changed in the state (as the follower folds it), then
 * `IncrementalIndex.apply([changed])` and both compiles again — what the xds cache does per
 * batch. Changes alternate over Services: an endpoint change (Endpoints addresses) and a route
 * change (a VirtualService's match prefix). Encoding is not included (bench/src/compile-bench.ts
 * times it).
 */
import { buildIndex, compileWithIndex, IncrementalIndex, type ProxyNode } from '@meshgate/compiler';
import { digestOf, evolve, initialState, type MeshObject, type MeshState } from '@meshgate/model';
import { progress, summarise, timeMs, type Summary } from './measure.js';

export interface IncrementalCompileResult {
  /** A full compile of both kinds from a fresh index. */
  full: Summary;
  /** One Endpoints object changed: apply + both compiles. */
  endpointChange: Summary;
  /** One VirtualService changed: apply + both compiles. */
  routeChange: Summary;
  /** The same, gateway only (the gateway's one RouteConfiguration holds 1,000 virtual hosts). */
  routeChangeGatewayOnly: Summary;
  /** Units rebuilt per change (median): what the memo redid. */
  unitsRebuilt: { endpointChange: number; routeChange: number };
}

const OPTIONS = { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' };
const GATEWAY: ProxyNode = { id: 'gw', role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'gw', labels: { istio: 'ingressgateway' }, ips: [] };
const PROXYLESS: ProxyNode = { id: 'grpc', role: 'sidecar', client: 'grpc', namespace: 'bench', serviceAccount: 'client', labels: {}, ips: [] };

function fold(state: MeshState, object: MeshObject): { kind: string; namespace: string; name: string } {
  evolve(state, state.sequence + 1, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'bench' } });
  return { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

export function runIncrementalCompileBench(objects: readonly MeshObject[], runs: number): IncrementalCompileResult {
  progress(`incremental compile: ${objects.length} objects, ${runs} changes of each kind`);
  const state = initialState();
  for (const object of objects) fold(state, object);
  const fullSamples: number[] = [];
  for (let run = 0; run < 5; run++) {
    fullSamples.push(
      timeMs(() => {
        const index = buildIndex(state, OPTIONS);
        compileWithIndex(index, GATEWAY);
        compileWithIndex(index, PROXYLESS);
      }).ms,
    );
  }

  const incremental = new IncrementalIndex(state, OPTIONS);
  let rebuilt = 0;
  incremental.memo.hooks = { onBuild: () => rebuilt++ };
  compileWithIndex(incremental.index, GATEWAY);
  compileWithIndex(incremental.index, PROXYLESS);
  const endpoints = objects.filter((o) => o.kind === 'Endpoints');
  const virtualServices = objects.filter((o) => o.kind === 'VirtualService');
  const change = (object: MeshObject, nodes: ProxyNode[]) => {
    rebuilt = 0;
    const ms = timeMs(() => {
      const changed = fold(state, object);
      incremental.apply([changed]);
      for (const node of nodes) compileWithIndex(incremental.index, node);
    }).ms;
    return { ms, rebuilt };
  };
  const endpointRuns: { ms: number; rebuilt: number }[] = [];
  const routeRuns: { ms: number; rebuilt: number }[] = [];
  const gatewayRouteRuns: number[] = [];
  for (let run = 0; run < runs; run++) {
    const endpoint = structuredClone(endpoints[(run * 37) % endpoints.length]) as MeshObject & { subsets: { addresses: { ip: string }[] }[] };
    endpoint.subsets[0].addresses[0].ip = `10.250.${run % 250}.${(run % 200) + 1}`;
    endpointRuns.push(change(endpoint, [GATEWAY, PROXYLESS]));
    routeRuns.push(change(withPrefix(virtualServices[(run * 53) % virtualServices.length], `/api-${run}/`), [GATEWAY, PROXYLESS]));
    gatewayRouteRuns.push(change(withPrefix(virtualServices[(run * 71 + 5) % virtualServices.length], `/gw-${run}/`), [GATEWAY]).ms);
  }
  return {
    full: summarise(fullSamples),
    endpointChange: summarise(endpointRuns.map((r) => r.ms)),
    routeChange: summarise(routeRuns.map((r) => r.ms)),
    routeChangeGatewayOnly: summarise(gatewayRouteRuns),
    unitsRebuilt: { endpointChange: median(endpointRuns.map((r) => r.rebuilt)), routeChange: median(routeRuns.map((r) => r.rebuilt)) },
  };
}

function withPrefix(vs: MeshObject, prefix: string): MeshObject {
  const copy = structuredClone(vs) as MeshObject & { spec: { http: { match?: { uri?: { prefix?: string } }[] }[] } };
  const first = copy.spec.http[0]?.match?.[0];
  if (first) first.uri = { prefix };
  return copy;
}
