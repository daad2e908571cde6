#!/usr/bin/env node
// `npm run bench`: runs the workloads, prints a table and writes JSON under bench/results/.
// `npm run bench -- scale` runs only the scale scenario (BENCH_SCALE_PROXIES=500,2000 …);
// `npm run bench -- eventlog` runs only the event-log scenario (BENCH_EVENTLOG=1 adds it to the rest);
// `npm run bench -- compile` runs only the compile benchmarks (full, and incremental per change);
// `npm run bench -- debounce` runs only the push debounce settings against change patterns (BENCH_DEBOUNCE_*).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAckBench } from './ack-bench.js';
import { caBenchTable, runCaBench } from './ca-bench.js';
import { runCompileBench } from './compile-bench.js';
import { debounceOptionsFromEnv, runDebounceBench } from './debounce/debounce-bench.js';
import { debounceTable } from './debounce/debounce-table.js';
import { incrementalCompileLine, runIncrementalCompileBench } from './incremental-compile-bench.js';
import { eventLogOptionsFromEnv, eventLogTable, runEventLogBench } from './eventlog/eventlog-bench.js';
import { runScaleBench, type ScaleScenario } from './scale/scale-bench.js';
import { scaleTable } from './scale/scale-table.js';
import { formatTable, type Row } from './table.js';
import { meshWorkload } from './workload.js';

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../results');
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };

function writeReport(prefix: string, report: { date: string } & Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${prefix}-${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(path.join(resultsDir, prefix === 'bench' ? 'latest.json' : `latest-${prefix}.json`), JSON.stringify(report, null, 2) + '\n');
  return file;
}

function footer(loadAverage: number[], file: string): string {
  return `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, load average ${loadAverage.map((l) => l.toFixed(2)).join(' ')}\nresults: ${path.relative(process.cwd(), file)}\n`;
}

const scenario = process.argv[2];
if (scenario !== undefined && scenario !== 'scale' && scenario !== 'eventlog' && scenario !== 'compile' && scenario !== 'debounce') {
  process.stderr.write(`unknown bench scenario "${scenario}" (known: scale, eventlog, compile, debounce)\n`);
  process.exit(2);
}

if (scenario === 'compile') {
  const loadAverage = os.loadavg();
  const size = { services: 1000, endpointsPerService: 5, virtualServices: 1000 };
  const compile = runCompileBench(size, Number(process.env.BENCH_COMPILE_RUNS ?? 5));
  const incremental = runIncrementalCompileBench(meshWorkload(size), Number(process.env.BENCH_COMPILE_CHANGES ?? 50));
  const rows: Row[] = Object.entries(compile.proxies).map(([proxy, r]) => ({ benchmark: `compile 1,000 svc + 1,000 VS (${proxy})`, p50: r.compile.p50Ms, p90: r.compile.p90Ms, unit: 'ms', runs: r.compile.runs }));
  const file = writeReport('compile', { date: new Date().toISOString(), machine, loadAverage, compile, incremental, loadAverageAfter: os.loadavg() });
  process.stdout.write(formatTable(rows) + '\n' + incrementalCompileLine(incremental) + '\n' + footer(loadAverage, file));
  process.exit(0);
}

if (scenario === 'eventlog') {
  const loadAverage = os.loadavg();
  const eventlog = await runEventLogBench(eventLogOptionsFromEnv());
  const file = writeReport('eventlog', { date: new Date().toISOString(), machine, loadAverage, eventlog });
  process.stdout.write(eventLogTable(eventlog) + '\n' + footer(loadAverage, file));
  process.exit(0);
}

if (scenario === 'debounce') {
  const loadAverage = os.loadavg();
  const debounce = await runDebounceBench(debounceOptionsFromEnv());
  const file = writeReport('debounce', { date: new Date().toISOString(), machine, loadAverage, debounce, loadAverageAfter: os.loadavg() });
  process.stdout.write(debounceTable(debounce) + '\n' + footer(loadAverage, file));
  process.exit(0);
}

const scaleOnly = scenario === 'scale';
const compileRuns = Number(process.env.BENCH_COMPILE_RUNS ?? 5);
const ackRuns = Number(process.env.BENCH_ACK_RUNS ?? 20);
const scaleProxies = (process.env.BENCH_SCALE_PROXIES ?? '500').split(',').map(Number).filter((n) => n > 0);
const scaleScenarios = (process.env.BENCH_SCALE_SCENARIOS ?? 'gateway-sotw,gateway-delta').split(',') as ScaleScenario[];
const scaleChanges = Number(process.env.BENCH_SCALE_CHANGES ?? 3);

const loadAverage = os.loadavg();
const compile = scaleOnly ? undefined : runCompileBench({ services: 1000, endpointsPerService: 5, virtualServices: 1000 }, compileRuns);
const incremental = scaleOnly ? undefined : runIncrementalCompileBench(meshWorkload({ services: 1000, endpointsPerService: 5, virtualServices: 1000 }), Number(process.env.BENCH_COMPILE_CHANGES ?? 50));
const ack = scaleOnly ? undefined : await runAckBench(ackRuns);
const ca = scaleOnly ? undefined : await runCaBench(Number(process.env.BENCH_CA_MS ?? 5000));
const scale = scaleProxies.length > 0 ? await runScaleBench({ proxies: scaleProxies, scenarios: scaleScenarios, changes: scaleChanges }) : undefined;
const eventlog = !scaleOnly && process.env.BENCH_EVENTLOG === '1' ? await runEventLogBench(eventLogOptionsFromEnv()) : undefined;

const rows: Row[] = [];
for (const [proxy, r] of Object.entries(compile?.proxies ?? {})) {
  rows.push({ benchmark: `compile 1,000 svc + 1,000 VS (${proxy})`, p50: r.compile.p50Ms, p90: r.compile.p90Ms, unit: 'ms', runs: r.compile.runs });
  rows.push({ benchmark: `encode the same (${proxy})`, p50: r.encode.p50Ms, p90: r.encode.p90Ms, unit: 'ms', runs: r.encode.runs });
}
if (incremental) {
  rows.push({ benchmark: 'compile gateway + proxyless, full (one index)', p50: incremental.full.p50Ms, p90: incremental.full.p90Ms, unit: 'ms', runs: incremental.full.runs });
  rows.push({ benchmark: 'the same, one endpoint change, incremental', p50: incremental.endpointChange.p50Ms, p90: incremental.endpointChange.p90Ms, unit: 'ms', runs: incremental.endpointChange.runs });
  rows.push({ benchmark: 'the same, one VirtualService change, incremental', p50: incremental.routeChange.p50Ms, p90: incremental.routeChange.p90Ms, unit: 'ms', runs: incremental.routeChange.runs });
}
if (ack) rows.push({ benchmark: 'apply → ACK, 1 grpc-js-xds client', p50: ack.applyToAck.p50Ms, p90: ack.applyToAck.p90Ms, unit: 'ms', runs: ack.applyToAck.runs });

const report = { date: new Date().toISOString(), machine, loadAverage, compile, incremental, ack, ca, scale, rows, ...(eventlog ? { eventlog } : {}) };
const file = writeReport(scaleOnly ? 'scale' : 'bench', report);
if (!scaleOnly) process.stdout.write(formatTable(rows) + '\n\n' + (ca ? caBenchTable(ca) : '') + '\n');
if (scale) process.stdout.write('\n' + scaleTable(scale) + '\n');
if (eventlog) process.stdout.write('\n' + eventLogTable(eventlog) + '\n');
process.stdout.write(footer(loadAverage, file));
process.exit(0);
