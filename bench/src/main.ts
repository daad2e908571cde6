#!/usr/bin/env node
// `npm run bench`: runs the workloads, prints a table and writes JSON under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAckBench } from './ack-bench.js';
import { caBenchTable, runCaBench } from './ca-bench.js';
import { runCompileBench } from './compile-bench.js';
import { runScaleBench, type ScaleScenario } from './scale/scale-bench.js';
import { scaleTable } from './scale/scale-table.js';
import { formatTable, type Row } from './table.js';

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../results');
const compileRuns = Number(process.env.BENCH_COMPILE_RUNS ?? 5);
const ackRuns = Number(process.env.BENCH_ACK_RUNS ?? 20);

// `npm run bench -- scale` runs the scale scenario alone (BENCH_SCALE_PROXIES=500,2000 …).
const scaleOnly = process.argv[2] === 'scale';
const scaleProxies = (process.env.BENCH_SCALE_PROXIES ?? '500').split(',').map(Number).filter((n) => n > 0);
const scaleScenarios = (process.env.BENCH_SCALE_SCENARIOS ?? 'gateway-sotw,gateway-delta').split(',') as ScaleScenario[];
const scaleChanges = Number(process.env.BENCH_SCALE_CHANGES ?? 3);

const compile = scaleOnly ? undefined : runCompileBench({ services: 1000, endpointsPerService: 5, virtualServices: 1000 }, compileRuns);
const ack = scaleOnly ? undefined : await runAckBench(ackRuns);
const ca = scaleOnly ? undefined : await runCaBench(Number(process.env.BENCH_CA_MS ?? 5000));
const scale = scaleProxies.length > 0 ? await runScaleBench({ proxies: scaleProxies, scenarios: scaleScenarios, changes: scaleChanges }) : undefined;

const rows: Row[] = [];
for (const [proxy, r] of Object.entries(compile?.proxies ?? {})) {
  rows.push({ benchmark: `compile 1,000 svc + 1,000 VS (${proxy})`, p50: r.compile.p50Ms, p90: r.compile.p90Ms, unit: 'ms', runs: r.compile.runs });
  rows.push({ benchmark: `encode the same (${proxy})`, p50: r.encode.p50Ms, p90: r.encode.p90Ms, unit: 'ms', runs: r.encode.runs });
}
if (ack) rows.push({ benchmark: 'apply → ACK, 1 grpc-js-xds client', p50: ack.applyToAck.p50Ms, p90: ack.applyToAck.p90Ms, unit: 'ms', runs: ack.applyToAck.runs });

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
const report = { date: new Date().toISOString(), machine, loadAverage: os.loadavg(), compile, ack, ca, scale, rows };
mkdirSync(resultsDir, { recursive: true });
const prefix = scaleOnly ? 'scale' : 'bench';
const file = path.join(resultsDir, `${prefix}-${report.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
writeFileSync(path.join(resultsDir, scaleOnly ? 'scale-latest.json' : 'latest.json'), JSON.stringify(report, null, 2) + '\n');
if (!scaleOnly) process.stdout.write(formatTable(rows) + '\n\n' + (ca ? caBenchTable(ca) : '') + '\n');
if (scale) process.stdout.write('\n' + scaleTable(scale) + '\n');
process.stdout.write(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, load average ${report.loadAverage.map((l) => l.toFixed(2)).join(' ')}\nresults: ${path.relative(process.cwd(), file)}\n`);
process.exit(0);
