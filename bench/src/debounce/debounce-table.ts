/** The debounce bench's summary: one row per setting (quiet / maximum). */
import { formatGrid } from '../table.js';
import type { Burst, DebounceReport } from './debounce-bench.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** All ACKed; pushes; sent per gateway; CPU of the server process (and of the simulator). */
function burstCell(b: Burst): string {
  return `${b.allAckedFinalMs} ms; ${b.pushes} pushes; ${kib(b.bytesPerProxy)}; CPU ${b.serverCpuMs} (${b.simCpuMs}) ms`;
}

export function debounceTable(report: DebounceReport): string {
  const { options } = report;
  const header = [
    'quiet / max',
    'one change → all ACKed p50 / max',
    `${options.burstChanges} endpoint changes → all ACKed final; pushes; per gateway; CPU server (sim)`,
    `${options.routeBurstChanges} VirtualService changes → the same`,
    `stream, 1 per ${options.streamIntervalMs} ms: wait p50 / max; POST → push max; pushes; CPU`,
    'load avg',
  ];
  const cells = report.results.map((r) => [
    `${r.setting.quietMs} / ${r.setting.maxMs} ms`,
    `${r.isolated.allAckedMs.p50} / ${r.isolated.allAckedMs.max} ms`,
    burstCell(r.burst),
    burstCell(r.routeBurst),
    `${r.stream.waitMs.p50} / ${r.stream.waitMs.max} ms; ${r.stream.postToPushMs.max} ms; ${r.stream.pushes} pushes for ${r.stream.changes} changes; ${r.stream.serverCpuMs} (${r.stream.simCpuMs}) ms`,
    r.loadAverage[0].toFixed(2),
  ]);
  return `${options.proxies} simulated gateways (${options.protocol}), 1,000 Services × 5 endpoints + 1,000 VirtualServices; times from the first POST\n` + formatGrid(header, cells);
}
