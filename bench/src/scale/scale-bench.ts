/**
 * The scale scenario (issue 8): 1,000 Services × 5 endpoints and 1,000 VirtualServices on one
 * ingress Gateway, served by an embedded meshgate (in-memory log) to N simulated proxies in a
 * separate process (`sim-proxies.ts`, plaintext port). Measured, per scenario (gateways over
 * state of the world or delta, proxyless clients):
 *
 * - initial: connect → every proxy ACKed CDS, EDS, LDS and RDS;
 * - route change and endpoint change: POST /v1/apply → each affected proxy ACKed the new
 *   version (server-side ACK events), p50/p90/p99 over proxies and changes, and the bytes each
 *   proxy received for it (counted off the wire in the simulator);
 * - RSS per proxy (the server process, after a GC, connected minus before connecting);
 * - CPU seconds of the server process over the scenario;
 * - reconnect storm: every stream closed and reopened at once → all ACKed again;
 * - the push ceiling of the same run: N streams receiving one 10 KB and one 100 KB message from
 *   this process (`ceiling.ts`), so that each time is also a ratio to what the machine allows.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { compileProxy, TYPE_URL, type ProxyNode } from '@meshgate/compiler';
import { runIncrementalCompileBench, type IncrementalCompileResult } from '../incremental-compile-bench.js';
import type { MeshObject } from '@meshgate/model';
import { applyObjects, applyWorkload } from '../apply.js';
import { progress } from '../measure.js';
import { meshWorkload, withRouteWeights, type WorkloadSize } from '../workload.js';
import { startCeilingServer } from './ceiling.js';
import { profilePhase } from './phase-profile.js';
import { SimulatedProxies } from './simulated-proxies.js';

export type ScaleScenario = 'gateway-sotw' | 'gateway-delta' | 'grpc-sotw' | 'grpc-delta';

export interface Percentiles {
  samples: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ChangeResult {
  latency: Percentiles;
  /** Proxies expected to ACK each change. */
  affected: number;
  /** Mean bytes received per affected proxy per change. */
  bytesPerProxy: number;
}

export interface ScaleResult {
  scenario: ScaleScenario;
  proxies: number;
  initialMs: number;
  /** Bytes each proxy received during the initial connect (every type, counted off the wire). */
  initialBytesPerProxy: number;
  routeChange: ChangeResult;
  endpointChange: ChangeResult;
  rssPerProxyKiB: number;
  /**
   * The same from the JavaScript heap and the memory outside it (buffers) after a GC: what the
   * connections hold, without the pages the process keeps from earlier phases (RSS can even drop).
   */
  heapPerProxyKiB: number;
  cpuSeconds: number;
  /** CPU seconds of the simulator process over the same span: near its wall time, it is the bottleneck. */
  simCpuSeconds: number;
  reconnectStormMs: number;
  /** Types the storm's new streams resumed (state of the world: the version they held is current, nothing resent), of 4 per proxy. */
  stormResumed: number;
  /** Simulated proxies' streams that ended on their own (refused or reset connections) and were reopened; 0 in a clean run. */
  simStreamFailures: number;
  /** CPU seconds of the server and of the simulator during the initial connect and during the storm: which side the time went to. */
  phaseCpu: { initial: { server: number; sim: number }; storm: { server: number; sim: number } };
  /**
   * The same run's ceiling: N streams receiving one message of 10 KB, of 100 KB and of 400 KiB
   * (about the gateway's RouteConfiguration of 1,000 virtual hosts, what a route change sends).
   */
  ceiling: { kb10Ms: number; kb100Ms: number; kib400Ms?: number };
  loadAverage: number[];
}

export interface ScaleReport {
  workload: WorkloadSize;
  changesPerKind: number;
  compile: { fullGatewayMs: number; fullProxylessMs: number; incremental?: IncrementalCompileResult };
  results: ScaleResult[];
}

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../results');

function gc(): void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  // Twice: what the first pass finalises (weak references, buffers' backing stores) goes in the second.
  collect();
  collect();
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { samples: sorted.length, p50Ms: r(at(0.5)), p90Ms: r(at(0.9)), p99Ms: r(at(0.99)), maxMs: r(sorted[sorted.length - 1] ?? 0) };
}

const since = (start: bigint, end: bigint) => Number(end - start) / 1e6;

/** Heap in use plus memory outside the heap (buffers), in bytes. */
function heldMemory(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

function roundCpu(cpu: { server: number; sim: number }): { server: number; sim: number } {
  return { server: Math.round(cpu.server * 100) / 100, sim: Math.round(cpu.sim * 100) / 100 };
}

/** `BENCH_SIM_CPU_PROF=<dir>`: the simulator writes a CPU profile there (to tell its cost from the server's). */
function simProfileArgs(): string[] {
  const dir = process.env.BENCH_SIM_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** How many simulated proxyless clients (target svc-(i mod services)) watch a resource of one of these services. */
function grpcAffected(proxies: number, services: number, targets: Set<number>): number {
  let n = 0;
  for (let i = 0; i < proxies; i++) if (targets.has(i % services)) n++;
  return n;
}

async function measureChange(
  meshgate: RunningMeshgate,
  sim: SimulatedProxies,
  typeUrl: string,
  affected: number,
  change: () => MeshObject,
): Promise<{ samples: number[]; bytes: number }> {
  // Fewer proxyless clients than services: a change may concern none of them.
  if (affected === 0) return { samples: [], bytes: 0 };
  const before = await sim.stats();
  const acked = new Map<string, number>();
  let started = 0n;
  const done = new Promise<void>((resolve) => {
    const onAck = (proxyId: string, type: string) => {
      if (type !== typeUrl || acked.has(proxyId) || started === 0n) return;
      acked.set(proxyId, since(started, process.hrtime.bigint()));
      if (acked.size >= affected) {
        meshgate.xds.ads.off('ack', onAck);
        resolve();
      }
    };
    meshgate.xds.ads.on('ack', onAck);
  });
  started = process.hrtime.bigint();
  await applyObjects(meshgate, [change()]);
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${acked.size}/${affected} proxies ACKed ${typeUrl} within 120 s`)), 120_000))]);
  // Let stragglers (other types, late writes) land before counting bytes.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = await sim.stats();
  return { samples: [...acked.values()], bytes: after.bytes - before.bytes };
}

const TYPES_PER_PROXY = 4; // CDS, EDS, LDS, RDS, for gateways and proxyless clients alike

/**
 * Resolves once every proxy is in step again on every type, as the server sees it: it ACKed a
 * response, or its new stream resumed the version it held (a resumed type gets no response, so
 * the simulator cannot tell).
 */
function untilAllInSync(meshgate: RunningMeshgate, proxies: number): { done: Promise<{ at: bigint; resumed: number }> } {
  const ads = meshgate.xds.ads;
  const types = new Map<string, Set<string>>();
  let complete = 0;
  let resumed = 0;
  const done = new Promise<{ at: bigint; resumed: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${complete}/${proxies} proxies in step within 120 s`)), 120_000);
    const onEvent = (proxyId: string, typeUrl: string) => {
      let seen = types.get(proxyId);
      if (!seen) types.set(proxyId, (seen = new Set()));
      if (seen.size === TYPES_PER_PROXY || seen.has(typeUrl)) return;
      seen.add(typeUrl);
      if (seen.size < TYPES_PER_PROXY || ++complete < proxies) return;
      clearTimeout(timer);
      ads.off('ack', onEvent);
      ads.off('resume', onResume);
      resolve({ at: process.hrtime.bigint(), resumed });
    };
    const onResume = (proxyId: string, typeUrl: string) => {
      resumed++;
      onEvent(proxyId, typeUrl);
    };
    ads.on('ack', onEvent);
    ads.on('resume', onResume);
  });
  return { done };
}

async function runScenario(scenario: ScaleScenario, proxies: number, size: WorkloadSize, objects: MeshObject[], changes: number): Promise<ScaleResult> {
  const [kind, protocol] = scenario.split('-') as ['gateway' | 'grpc', 'sotw' | 'delta'];
  progress(`scale ${scenario} × ${proxies}: starting meshgate and applying ${objects.length} objects`);
  const xdsPort = Number(process.env.BENCH_XDS_PORT ?? 0);
  const meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, xdsHost: '127.0.0.1', xdsPort, xdsSecurePort: 0 } });
  const sim = new SimulatedProxies({ SIM_PORT: String(meshgate.xdsPort), SIM_COUNT: String(proxies), SIM_KIND: kind, SIM_PROTOCOL: protocol, SIM_SERVICES: String(size.services) }, simProfileArgs());
  const ceilingServer = await startCeilingServer();
  try {
    await sim.started();
    await applyWorkload(meshgate, objects);

    gc();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = heldMemory();
    const cpuBefore = process.cpuUsage();
    const simBefore = await sim.stats();
    progress(`scale ${scenario}: connecting ${proxies} proxies`);
    const initialProfile = await profilePhase('initial', scenario, resultsDir);
    const connectStart = process.hrtime.bigint();
    const ready = sim.next('ready');
    sim.send({ cmd: 'connect' });
    const initialMs = Math.round(since(connectStart, BigInt((await ready).at as string)));
    await initialProfile.stop();
    const afterConnect = await sim.stats();
    const initialCpu = { server: cpuSecondsSince(cpuBefore), sim: afterConnect.cpuMs / 1000 - simBefore.cpuMs / 1000 };
    const initialBytesPerProxy = Math.round((afterConnect.bytes - simBefore.bytes) / proxies);
    await new Promise((resolve) => setTimeout(resolve, 500));
    gc();
    const rssPerProxyKiB = Math.round((process.memoryUsage().rss - rssBefore) / 1024 / proxies);
    const heapPerProxyKiB = Math.round((heldMemory() - heapBefore) / 1024 / proxies);
    // `BENCH_HEAP_SNAPSHOT=1`: a heap snapshot of the server with every proxy connected (to see what a connection holds).
    if (process.env.BENCH_HEAP_SNAPSHOT) progress(`heap snapshot: ${writeHeapSnapshot(path.join(resultsDir, `${scenario}-${proxies}.heapsnapshot`))}`);

    const routeSamples: number[] = [];
    const endpointSamples: number[] = [];
    let routeBytes = 0;
    let endpointBytes = 0;
    let routeAffected = 0;
    let endpointAffected = 0;
    for (let c = 0; c < changes; c++) {
      const v = (c * 37 + 11) % size.virtualServices;
      routeAffected = kind === 'gateway' ? proxies : grpcAffected(proxies, size.services, new Set([v % size.services]));
      progress(`scale ${scenario}: route change ${c + 1}/${changes} (vs-${v}, ${routeAffected} proxies affected)`);
      const route = await measureChange(meshgate, sim, TYPE_URL.route, routeAffected, () => withRouteWeights(objects, v, 80 - (c % 10)));
      routeSamples.push(...route.samples);
      routeBytes += route.bytes / Math.max(1, routeAffected);

      const s = (c * 53 + 7) % size.services;
      endpointAffected = kind === 'gateway' ? proxies : grpcAffected(proxies, size.services, new Set([s, (s - 1 + size.services) % size.services]));
      progress(`scale ${scenario}: endpoint change ${c + 1}/${changes} (svc-${s}, ${endpointAffected} proxies affected)`);
      const endpoint = await measureChange(meshgate, sim, TYPE_URL.endpoint, endpointAffected, () => changedEndpoints(objects, s, c));
      endpointSamples.push(...endpoint.samples);
      endpointBytes += endpoint.bytes / Math.max(1, endpointAffected);
    }

    progress(`scale ${scenario}: reconnect storm`);
    const stormCpuBefore = process.cpuUsage();
    const stormSimBefore = await sim.stats();
    const stormProfile = await profilePhase('storm', scenario, resultsDir);
    const inSync = untilAllInSync(meshgate, proxies);
    const stormStart = process.hrtime.bigint();
    sim.send({ cmd: 'reconnect' });
    const storm = await inSync.done;
    const reconnectStormMs = Math.round(since(stormStart, storm.at));
    await stormProfile.stop();
    const stormCpu = { server: cpuSecondsSince(stormCpuBefore), sim: (await sim.stats()).cpuMs / 1000 - stormSimBefore.cpuMs / 1000 };
    const cpu = process.cpuUsage(cpuBefore);
    const simAfter = await sim.stats();

    // The ceiling last: its 2,000 × 400 KiB of buffers would otherwise still be in the process
    // when the memory per proxy is measured.
    progress(`scale ${scenario}: push ceiling (${proxies} streams)`);
    sim.send({ cmd: 'ceiling-open', port: ceilingServer.port });
    await ceilingServer.streamsOpen(proxies);
    const ceiling = { kb10Ms: 0, kb100Ms: 0, kib400Ms: 0 };
    for (const [key, bytes] of [['kb10Ms', 10_000], ['kb100Ms', 100_000], ['kib400Ms', 400 * 1024]] as const) {
      const received = sim.next('ceiling-received');
      const start = ceilingServer.pushToAll(bytes);
      ceiling[key] = Math.round(since(start, BigInt((await received).at as string)));
    }
    await ceilingServer.stop();

    const result: ScaleResult = {
      scenario,
      proxies,
      initialMs,
      routeChange: { latency: percentiles(routeSamples), affected: routeAffected, bytesPerProxy: Math.round(routeBytes / changes) },
      endpointChange: { latency: percentiles(endpointSamples), affected: endpointAffected, bytesPerProxy: Math.round(endpointBytes / changes) },
      rssPerProxyKiB,
      heapPerProxyKiB,
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
      simCpuSeconds: Math.round((simAfter.cpuMs - simBefore.cpuMs) / 10) / 100,
      reconnectStormMs,
      stormResumed: storm.resumed,
      simStreamFailures: simAfter.streamFailures,
      initialBytesPerProxy,
      phaseCpu: { initial: roundCpu(initialCpu), storm: roundCpu(stormCpu) },
      ceiling,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
    progress(`scale ${scenario}: done ${JSON.stringify(result)}`);
    return result;
  } finally {
    await sim.close();
    await meshgate.stop();
  }
}

/** svc-s's Endpoints with one address replaced: one ClusterLoadAssignment changes. */
function changedEndpoints(objects: MeshObject[], s: number, run: number): MeshObject {
  const original = objects.find((o) => o.kind === 'Endpoints' && o.metadata.name === `svc-${s}`);
  if (!original) throw new Error(`Endpoints svc-${s} not in the workload`);
  const copy = structuredClone(original) as MeshObject & { subsets: { addresses: { ip: string }[] }[] };
  copy.subsets[0].addresses[0].ip = `10.200.${run % 250}.${(s % 250) + 1}`;
  return copy;
}

function fullCompileMs(objects: MeshObject[], meshgateState: () => import('@meshgate/model').MeshState): { fullGatewayMs: number; fullProxylessMs: number } {
  void objects;
  const options = { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' };
  const gateway: ProxyNode = { id: 'gw', role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'gw', labels: { istio: 'ingressgateway' }, ips: [] };
  const proxyless: ProxyNode = { id: 'grpc', role: 'sidecar', client: 'grpc', namespace: 'bench', serviceAccount: 'client', labels: {}, ips: [] };
  const time = (node: ProxyNode) => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = process.hrtime.bigint();
      compileProxy(meshgateState(), node, options);
      samples.push(since(start, process.hrtime.bigint()));
    }
    return percentiles(samples).p50Ms;
  };
  return { fullGatewayMs: time(gateway), fullProxylessMs: time(proxyless) };
}

export async function runScaleBench(options: { proxies: number[]; scenarios: ScaleScenario[]; changes: number; size?: WorkloadSize }): Promise<ScaleReport> {
  const size = options.size ?? { services: 1000, endpointsPerService: 5, virtualServices: 1000 };
  const objects = meshWorkload(size);
  const results: ScaleResult[] = [];
  let compile: ScaleReport['compile'] = { fullGatewayMs: 0, fullProxylessMs: 0 };
  for (const proxies of options.proxies) {
    for (const scenario of options.scenarios) results.push(await runScenario(scenario, proxies, size, objects, options.changes));
  }
  {
    // Compile time on the same workload, outside any push.
    const meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
    try {
      await applyWorkload(meshgate, objects);
      compile = fullCompileMs(objects, () => meshgate.xds.follower.current);
      // One change at a time, as the xds cache compiles it (IncrementalIndex + memo), in this process.
      compile.incremental = runIncrementalCompileBench(objects, 50);
    } finally {
      await meshgate.stop();
    }
  }
  return { workload: size, changesPerKind: options.changes, compile, results };
}
