/** Compile (and encode) time for a large mesh: one ingress gateway and one proxyless client. */
import { compileProxy, TYPE_URL, type ProxyNode, type TypeUrl } from '@meshgate/compiler';
import { encodeResource } from '@meshgate/envoy-proto';
import { evolve, initialState, digestOf, type MeshState } from '@meshgate/model';
import { progress, summarise, timeMs, type Summary } from './measure.js';
import { meshWorkload, type WorkloadSize } from './workload.js';

export interface CompileBenchResult {
  workload: WorkloadSize;
  objects: number;
  proxies: Record<string, { compile: Summary; encode: Summary; resources: Record<string, number> }>;
}

const NODES: ProxyNode[] = [
  { id: 'gw', role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'gw', labels: { istio: 'ingressgateway' }, ips: [] },
  { id: 'grpc', role: 'sidecar', client: 'grpc', namespace: 'bench', serviceAccount: 'client', labels: {}, ips: [] },
];

function buildState(size: WorkloadSize): { state: MeshState; objects: number } {
  const objects = meshWorkload(size);
  let state = initialState();
  objects.forEach((object, index) => {
    state = evolve(state, index + 1, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'bench' } });
  });
  return { state, objects: objects.length };
}

export function runCompileBench(size: WorkloadSize, runs: number): CompileBenchResult {
  progress(`compile: building a mesh of ${size.services} services and ${size.virtualServices} VirtualServices`);
  const { state, objects } = buildState(size);
  const result: CompileBenchResult = { workload: size, objects, proxies: {} };
  for (const node of NODES) {
    const compileSamples: number[] = [];
    const encodeSamples: number[] = [];
    let counts: Record<string, number> = {};
    for (let run = 0; run < runs; run++) {
      const compiled = timeMs(() => compileProxy(state, node, { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' }));
      compileSamples.push(compiled.ms);
      const encoded = timeMs(() => {
        for (const typeUrl of Object.values(TYPE_URL) as TypeUrl[]) for (const r of compiled.value.resources[typeUrl] ?? []) encodeResource(typeUrl, r.resource);
      });
      encodeSamples.push(encoded.ms);
      counts = Object.fromEntries(Object.entries(compiled.value.resources).map(([type, list]) => [type.slice(type.lastIndexOf('.') + 1), list.length]));
    }
    progress(`compile: ${node.role}/${node.client} done (${runs} runs)`);
    result.proxies[`${node.role}/${node.client}`] = { compile: summarise(compileSamples), encode: summarise(encodeSamples), resources: counts };
  }
  return result;
}
