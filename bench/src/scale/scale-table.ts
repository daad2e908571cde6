/** The scale scenario as the README's performance table: figures, and each time as a ratio to the same run's push ceiling. */
import { incrementalCompileLine } from '../incremental-compile-bench.js';
import { formatGrid } from '../table.js';
import type { ScaleReport } from './scale-bench.js';

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ratio = (ms: number, ceilingMs: number) => (ceilingMs > 0 ? `${(ms / ceilingMs).toFixed(1)}×` : 'n/a');

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
    'CPU s (simulator)',
    'reconnect storm',
    'ceiling 10 KB / 100 KB / 400 KiB',
    'load avg',
  ];
  const cells = report.results.map((r) => [
    `${r.proxies} ${r.scenario}`,
    `${s(r.initialMs)} (${ratio(r.initialMs, r.ceiling.kb100Ms)})`,
    `${r.routeChange.latency.p50Ms} / ${r.routeChange.latency.p90Ms} / ${r.routeChange.latency.p99Ms} ms (p90 ${ratio(r.routeChange.latency.p90Ms, routeCeiling(r))})`,
    `${r.endpointChange.latency.p50Ms} / ${r.endpointChange.latency.p90Ms} / ${r.endpointChange.latency.p99Ms} ms (p90 ${ratio(r.endpointChange.latency.p90Ms, r.ceiling.kb10Ms)})`,
    `${kib(r.routeChange.bytesPerProxy)} / ${kib(r.endpointChange.bytesPerProxy)}`,
    `${r.rssPerProxyKiB} KiB (heap ${r.heapPerProxyKiB ?? '—'} KiB)`,
    `${r.cpuSeconds} (${r.simCpuSeconds ?? 'n/a'})`,
    `${s(r.reconnectStormMs)} (${ratio(r.reconnectStormMs, r.ceiling.kb100Ms)}; ${r.stormResumed ?? 0}/${r.proxies * 4} types resumed)`,
    `${r.ceiling.kb10Ms} / ${r.ceiling.kb100Ms} / ${r.ceiling.kib400Ms ?? 'n/a'} ms`,
    r.loadAverage[0].toFixed(2),
  ]);
  const compile = `compile, 1,000 svc + 1,000 VS: full gateway ${report.compile.fullGatewayMs} ms, full proxyless ${report.compile.fullProxylessMs} ms` +
    (report.compile.incremental === undefined ? '' : `\n${incrementalCompileLine(report.compile.incremental)}`);
  return `${formatGrid(header, cells)}\n${compile}\nratios: initial and storm to the 100 KB ceiling, a route change's p90 to the 400 KiB ceiling when it sends about that much (a gateway's RouteConfiguration) else to the 10 KB one, an endpoint change's to the 10 KB one (the same run, the same N)`;
}
