/**
 * The push debounce against realistic change patterns (`npm run bench -- debounce`): for each
 * setting (quiet period / maximum delay), an embedded meshgate (in-memory log) with the issue 8
 * workload serves N simulated Envoy gateways (the scale bench's simulator, own process) and
 * receives, through `POST /v1/apply`:
 *
 * - isolated endpoint changes, one at a time: apply → every gateway ACKed it (what one change
 *   waits for the debounce);
 * - a burst (a rolling deployment: one Service's endpoints updated N times back to back): first
 *   POST → every gateway ACKed the final state, and what the burst cost — pushes, compiles,
 *   responses and bytes per gateway, CPU of the server process and of the simulator;
 * - a burst of VirtualService changes (each a different one, back to back, as a GitOps sync
 *   applies a directory file by file): the same figures — each push sends every gateway its
 *   whole 1,000-host RouteConfiguration (about 400 KiB);
 * - a steady stream (one endpoint change every few ms, not waiting for the last POST): the
 *   longest any change waited from the server having it to its push, and what the stream cost.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { TYPE_URL } from '@meshgate/compiler';
import type { MeshObject } from '@meshgate/model';
import { applyObjects, applyWorkload } from '../apply.js';
import { progress } from '../measure.js';
import { meshWorkload, withRouteWeights, type WorkloadSize } from '../workload.js';
import { PushRecorder } from './push-recorder.js';
import { SimulatedProxies, type SimulatorStats } from '../scale/simulated-proxies.js';

export interface DebounceSetting {
  quietMs: number;
  maxMs: number;
}

export interface DebounceOptions {
  settings: DebounceSetting[];
  proxies: number;
  protocol: 'sotw' | 'delta';
  isolatedChanges: number;
  burstChanges: number;
  routeBurstChanges: number;
  streamIntervalMs: number;
  streamMs: number;
}

/** What a pattern of changes cost the server and the gateways. */
export interface Cost {
  /** Pushes that sent something (each is one compile of the gateway kind and one round of responses). */
  pushes: number;
  /** Compiles observed (`meshgate_compile_duration_seconds`). */
  compiles: number;
  responsesPerProxy: number;
  bytesPerProxy: number;
  /** CPU of this process (the server, the api and the log included) and of the simulator. */
  serverCpuMs: number;
  simCpuMs: number;
}

export type Burst = { changes: number; postsMs: number; allAckedFinalMs: number } & Cost;

export interface DebounceResult {
  setting: DebounceSetting;
  isolated: { changes: number; allAckedMs: { p50: number; max: number }; perProxyP50Ms: number };
  burst: Burst;
  routeBurst: Burst;
  stream: {
    changes: number;
    /** From the follower holding a change to the push that carried it: the debounce's wait. */
    waitMs: { p50: number; max: number };
    /** From the change's POST to that push (the api and the log included). */
    postToPushMs: { p50: number; max: number };
    /** From the last POST's answer to every gateway holding the final state. */
    lastToAllAckedMs: number;
  } & Cost;
  loadAverage: number[];
}

export interface DebounceReport {
  workload: WorkloadSize;
  options: DebounceOptions;
  results: DebounceResult[];
}

export function debounceOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DebounceOptions {
  const settings = (env.BENCH_DEBOUNCE_SETTINGS ?? '0/0,2/20,5/50,10/100,20/200,50/500').split(',').map((pair) => {
    const [quietMs, maxMs] = pair.split('/').map(Number);
    if (!Number.isInteger(quietMs) || !Number.isInteger(maxMs) || quietMs < 0 || maxMs < 0) throw new Error(`BENCH_DEBOUNCE_SETTINGS: expected quiet/max pairs in ms, got "${pair}"`);
    return { quietMs, maxMs };
  });
  const protocol = env.BENCH_DEBOUNCE_PROTOCOL ?? 'sotw';
  if (protocol !== 'sotw' && protocol !== 'delta') throw new Error(`BENCH_DEBOUNCE_PROTOCOL: sotw or delta, got "${protocol}"`);
  return {
    settings,
    proxies: Number(env.BENCH_DEBOUNCE_PROXIES ?? 200),
    protocol,
    isolatedChanges: Number(env.BENCH_DEBOUNCE_ISOLATED ?? 5),
    burstChanges: Number(env.BENCH_DEBOUNCE_BURST ?? 50),
    routeBurstChanges: Number(env.BENCH_DEBOUNCE_ROUTE_BURST ?? 20),
    streamIntervalMs: Number(env.BENCH_DEBOUNCE_STREAM_INTERVAL_MS ?? 5),
    streamMs: Number(env.BENCH_DEBOUNCE_STREAM_MS ?? 2000),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

function p50AndMax(samples: number[]): { p50: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(sorted[Math.max(0, Math.ceil(sorted.length / 2) - 1)] ?? 0), max: round(sorted[sorted.length - 1] ?? 0) };
}

/** svc-s's Endpoints with address `step mod 5` moved to an address of its own: one ClusterLoadAssignment changes. */
function endpointsStep(endpoints: Map<number, MeshObject>, s: number, octet: number, step: number): MeshObject {
  const original = endpoints.get(s);
  if (!original) throw new Error(`Endpoints svc-${s} not in the workload`);
  const copy = structuredClone(original) as MeshObject & { subsets: { addresses: { ip: string }[] }[] };
  const addresses = copy.subsets[0].addresses;
  addresses[step % addresses.length].ip = `10.${octet}.${(step >> 8) & 255}.${step & 255}`;
  endpoints.set(s, copy);
  return copy;
}

/** `meshgate_compile_duration_seconds_count` off the api's /metrics. */
async function compileCount(meshgate: RunningMeshgate): Promise<number> {
  const text = await (await fetch(`${meshgate.apiUrl}/metrics`)).text();
  const match = /^meshgate_compile_duration_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

interface CostStart {
  at: number;
  stats: SimulatorStats;
  compiles: number;
  cpu: NodeJS.CpuUsage;
}

async function startCost(meshgate: RunningMeshgate, sim: SimulatedProxies): Promise<CostStart> {
  return { stats: await sim.stats(), compiles: await compileCount(meshgate), cpu: process.cpuUsage(), at: performance.now() };
}

async function costSince(meshgate: RunningMeshgate, sim: SimulatedProxies, recorder: PushRecorder, before: CostStart, proxies: number): Promise<Cost> {
  const cpu = process.cpuUsage(before.cpu);
  const stats = await sim.stats();
  const since = before.at;
  return {
    serverCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    simCpuMs: Math.round(stats.cpuMs - before.stats.cpuMs),
    pushes: recorder.pushesSince(since).length,
    compiles: (await compileCount(meshgate)) - before.compiles,
    responsesPerProxy: round((stats.responses - before.stats.responses) / proxies),
    bytesPerProxy: Math.round((stats.bytes - before.stats.bytes) / proxies),
  };
}

async function runSetting(setting: DebounceSetting, options: DebounceOptions, size: WorkloadSize, objects: MeshObject[]): Promise<DebounceResult> {
  const label = `debounce ${setting.quietMs}/${setting.maxMs} ms`;
  progress(`${label}: starting meshgate and applying ${objects.length} objects`);
  const meshgate = await startMeshgate({
    memory: true,
    logLevel: 'warn',
    overrides: { apiHost: '127.0.0.1', apiPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0, xdsDebounce: setting },
  });
  const sim = new SimulatedProxies({ SIM_PORT: String(meshgate.xdsPort), SIM_COUNT: String(options.proxies), SIM_KIND: 'gateway', SIM_PROTOCOL: options.protocol, SIM_SERVICES: String(size.services) });
  const endpoints = new Map<number, MeshObject>();
  for (const o of objects) if (o.kind === 'Endpoints') endpoints.set(Number(o.metadata.name.slice('svc-'.length)), o);
  let recorder: PushRecorder | undefined;
  try {
    await sim.started();
    await applyWorkload(meshgate, objects);
    progress(`${label}: connecting ${options.proxies} gateways (${options.protocol})`);
    await sim.connect();
    recorder = new PushRecorder(meshgate);
    const proxies = options.proxies;

    // Isolated changes, each after the last has settled.
    progress(`${label}: ${options.isolatedChanges} isolated changes`);
    const allAcked: number[] = [];
    const perProxy: number[] = [];
    for (let c = 0; c < options.isolatedChanges; c++) {
      const start = performance.now();
      const changed = await applyObjects(meshgate, [endpointsStep(endpoints, (c * 53 + 7) % size.services, 200, c)]);
      await recorder.settled(changed);
      allAcked.push(recorder.allAckedFinal(start, proxies));
      const firsts = new Map<string, number>();
      for (const ack of recorder.acks) if (ack.at >= start && !firsts.has(ack.proxyId)) firsts.set(ack.proxyId, ack.at - start);
      perProxy.push(...firsts.values());
    }

    // A burst: one Service's endpoints updated back to back (a rolling deployment).
    progress(`${label}: a burst of ${options.burstChanges} endpoint changes`);
    const burst = await measureBurst(meshgate, sim, recorder, proxies, TYPE_URL.endpoint, options.burstChanges, (i) => endpointsStep(endpoints, 500 % size.services, 201, i));
    progress(`${label}: a burst of ${options.routeBurstChanges} VirtualService changes`);
    const routeBurst = await measureBurst(meshgate, sim, recorder, proxies, TYPE_URL.route, options.routeBurstChanges, (i) => withRouteWeights(objects, (i * 37 + 11) % size.virtualServices, 80 - (i % 50)));

    // A steady stream: a change every interval, each to another Service, not waiting for the POSTs.
    progress(`${label}: a change every ${options.streamIntervalMs} ms for ${options.streamMs} ms`);
    const streamBefore = await startCost(meshgate, sim);
    const streamStart = streamBefore.at;
    const posted: Promise<{ postAt: number; sequence: number; answeredAt: number }>[] = [];
    for (let i = 0; performance.now() - streamStart < options.streamMs; i++) {
      const postAt = performance.now();
      const change = endpointsStep(endpoints, (i * 7 + 3) % size.services, 202, i);
      posted.push(applyObjects(meshgate, [change]).then((sequence) => ({ postAt, sequence, answeredAt: performance.now() })));
      await new Promise((resolve) => setTimeout(resolve, options.streamIntervalMs));
    }
    const changes = await Promise.all(posted);
    const lastSequence = Math.max(...changes.map((c) => c.sequence));
    const lastAnswered = Math.max(...changes.map((c) => c.answeredAt));
    await recorder.settled(lastSequence);
    const waits: number[] = [];
    const postToPush: number[] = [];
    for (const change of changes) {
      const pushedAt = recorder.pushedAt(change.sequence);
      const heldAt = recorder.heldAt(change.sequence);
      if (pushedAt === undefined || heldAt === undefined) throw new Error(`change at sequence ${change.sequence} never pushed`);
      waits.push(pushedAt - heldAt);
      postToPush.push(pushedAt - change.postAt);
    }
    const lastToAllAcked = recorder.allAckedFinal(streamStart, proxies) - (lastAnswered - streamStart);
    const streamCost = await costSince(meshgate, sim, recorder, streamBefore, proxies);

    const result: DebounceResult = {
      setting,
      isolated: { changes: options.isolatedChanges, allAckedMs: p50AndMax(allAcked), perProxyP50Ms: p50AndMax(perProxy).p50 },
      burst,
      routeBurst,
      stream: { changes: changes.length, waitMs: p50AndMax(waits), postToPushMs: p50AndMax(postToPush), lastToAllAckedMs: round(lastToAllAcked), ...streamCost },
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
    progress(`${label}: done ${JSON.stringify(result)}`);
    return result;
  } finally {
    recorder?.close();
    await sim.close();
    await meshgate.stop();
  }
}

/** `changes` changes POSTed one after another: first POST → every proxy ACKed the final `typeUrl`, and their cost. */
async function measureBurst(meshgate: RunningMeshgate, sim: SimulatedProxies, recorder: PushRecorder, proxies: number, typeUrl: string, changes: number, change: (i: number) => MeshObject): Promise<Burst> {
  if (changes === 0) return { changes, postsMs: 0, allAckedFinalMs: 0, pushes: 0, compiles: 0, responsesPerProxy: 0, bytesPerProxy: 0, serverCpuMs: 0, simCpuMs: 0 };
  const before = await startCost(meshgate, sim);
  let last = 0;
  for (let i = 0; i < changes; i++) last = await applyObjects(meshgate, [change(i)]);
  const postsMs = performance.now() - before.at;
  await recorder.settled(last);
  const allAckedFinalMs = recorder.allAckedFinal(before.at, proxies, typeUrl);
  return { changes, postsMs: round(postsMs), allAckedFinalMs: round(allAckedFinalMs), ...(await costSince(meshgate, sim, recorder, before, proxies)) };
}

export async function runDebounceBench(options: DebounceOptions): Promise<DebounceReport> {
  const size = { services: 1000, endpointsPerService: 5, virtualServices: 1000 };
  const objects = meshWorkload(size);
  const results: DebounceResult[] = [];
  for (const setting of options.settings) results.push(await runSetting(setting, options, size, objects));
  return { workload: size, options, results };
}
