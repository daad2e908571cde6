/** The scale scenario as the README's performance table: figures, and each time as a ratio to the same run's push ceiling. */
import { incrementalCompileLine } from '../incremental-compile-bench.js';
import { formatGrid } from '../table.js';
import type { ScaleReport } from './scale-bench.js';

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ratio = (ms: number, ceilingMs: number) => (ceilingMs > 0 ? `${(ms / ceilingMs).toFixed(1)}×` : 'n/a');

/**
 * What the machine needs at least to send `bytes` to every one of the run's streams: the
 * measured ceiling of the nearest size (10 KB, 100 KB, 400 KiB), scaled by the bytes.
 */
export function ceilingForBytes(r: ScaleReport['results'][number], bytes: number): number {
  const measured: [number, number | undefined][] = [
    [10_000, r.ceiling.kb10Ms],
    [100_000, r.ceiling.kb100Ms],
    [400 * 1024, r.ceiling.kib400Ms],
  ];
  const usable = measured.filter((m): m is [number, number] => m[1] !== undefined && m[1] > 0);
  if (usable.length === 0 || bytes <= 0) return 0;
  const [size, ms] = usable.reduce((best, m) => (Math.abs(Math.log(m[0] / bytes)) < Math.abs(Math.log(best[0] / bytes)) ? m : best));
  return (ms * bytes) / size;
}

/** The ceiling for the message a route change sends: 400 KiB when it is about that (a gateway's whole RouteConfiguration), else 10 KB. */
function routeCeiling(r: ScaleReport['results'][number]): number {
  return r.routeChange.bytesPerProxy > 100_000 && r.ceiling.kib400Ms !== undefined ? r.ceiling.kib400Ms : r.ceiling.kb10Ms;
}

export function scaleTable(report: ScaleReport): string {
  const header = [
    'proxies',
    'initial, all ACKed',
    'route change p50 / p90 / p99',
    'endpoint change p50 / p90 / p99',
    'sent per proxy: route / endpoint',
    'RSS per proxy',
    'CPU s, server (simulator)',
    'reconnect storm',
    'ceiling 10 KB / 100 KB / 400 KiB',
    'load avg',
  ];
  const cells = report.results.map((r) => [
    `${r.proxies} ${r.scenario}`,
    `${s(r.initialMs)} (${kib(r.initialBytesPerProxy ?? 0)} each; ${ratio(r.initialMs, ceilingForBytes(r, r.initialBytesPerProxy ?? 0))})`,
    `${r.routeChange.latency.p50Ms} / ${r.routeChange.latency.p90Ms} / ${r.routeChange.latency.p99Ms} ms (p90 ${ratio(r.routeChange.latency.p90Ms, routeCeiling(r))})`,
    `${r.endpointChange.latency.p50Ms} / ${r.endpointChange.latency.p90Ms} / ${r.endpointChange.latency.p99Ms} ms (p90 ${ratio(r.endpointChange.latency.p90Ms, r.ceiling.kb10Ms)})`,
    `${kib(r.routeChange.bytesPerProxy)} / ${kib(r.endpointChange.bytesPerProxy)}`,
    `${r.rssPerProxyKiB} KiB (heap ${r.heapPerProxyKiB ?? '—'} KiB)`,
    `${r.cpuSeconds} (${r.simCpuSeconds ?? 'n/a'})${r.phaseCpu ? `; initial ${r.phaseCpu.initial.server} (${r.phaseCpu.initial.sim})` : ''}`,
    `${s(r.reconnectStormMs)} (${r.stormResumed ?? 0}/${r.proxies * 4} types resumed)`,
    `${r.ceiling.kb10Ms} / ${r.ceiling.kb100Ms} / ${r.ceiling.kib400Ms ?? 'n/a'} ms`,
    r.loadAverage[0].toFixed(2),
  ]);
  const compile = `compile, 1,000 svc + 1,000 VS: full gateway ${report.compile.fullGatewayMs} ms, full proxyless ${report.compile.fullProxylessMs} ms` +
    (report.compile.incremental === undefined ? '' : `\n${incrementalCompileLine(report.compile.incremental)}`);
  return `${formatGrid(header, cells)}\n${compile}\nratios: the initial connect to the ceiling for the bytes each proxy received (the nearest measured size, scaled), a route change's p90 to the 400 KiB ceiling when it sends about that much (a gateway's RouteConfiguration) else to the 10 KB one, an endpoint change's to the 10 KB one (the same run, the same N)`;
}
