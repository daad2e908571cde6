#!/usr/bin/env node
// `npm run bench`: runs the workloads, prints a table and writes JSON under bench/results/.
// `npm run bench -- eventlog` runs only the event-log scenario; BENCH_EVENTLOG=1 adds it to the rest.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAckBench } from './ack-bench.js';
import { caBenchTable, runCaBench } from './ca-bench.js';
import { runCompileBench } from './compile-bench.js';
import { eventLogOptionsFromEnv, eventLogTable, runEventLogBench } from './eventlog/eventlog-bench.js';
import { formatTable, type Row } from './table.js';

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../results');
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };

function writeReport(prefix: string, report: { date: string } & Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${prefix}-${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(path.join(resultsDir, prefix === 'bench' ? 'latest.json' : `latest-${prefix}.json`), JSON.stringify(report, null, 2) + '\n');
  return file;
}

if (process.argv[2] === 'eventlog') {
  const eventlog = await runEventLogBench(eventLogOptionsFromEnv());
  const file = writeReport('eventlog', { date: new Date().toISOString(), machine, eventlog });
  process.stdout.write(eventLogTable(eventlog) + '\n');
  process.stdout.write(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\nresults: ${path.relative(process.cwd(), file)}\n`);
  process.exit(0);
} else if (process.argv[2] !== undefined) {
  process.stderr.write(`unknown bench scenario "${process.argv[2]}" (known: eventlog)\n`);
  process.exit(2);
}
const compileRuns = Number(process.env.BENCH_COMPILE_RUNS ?? 5);
const ackRuns = Number(process.env.BENCH_ACK_RUNS ?? 20);

const compile = runCompileBench({ services: 1000, endpointsPerService: 5, virtualServices: 1000 }, compileRuns);
const ack = await runAckBench(ackRuns);
const ca = await runCaBench(Number(process.env.BENCH_CA_MS ?? 5000));

const rows: Row[] = [];
for (const [proxy, r] of Object.entries(compile.proxies)) {
  rows.push({ benchmark: `compile 1,000 svc + 1,000 VS (${proxy})`, p50: r.compile.p50Ms, p90: r.compile.p90Ms, unit: 'ms', runs: r.compile.runs });
  rows.push({ benchmark: `encode the same (${proxy})`, p50: r.encode.p50Ms, p90: r.encode.p90Ms, unit: 'ms', runs: r.encode.runs });
}
rows.push({ benchmark: 'apply → ACK, 1 grpc-js-xds client', p50: ack.applyToAck.p50Ms, p90: ack.applyToAck.p90Ms, unit: 'ms', runs: ack.applyToAck.runs });

const eventlog = process.env.BENCH_EVENTLOG === '1' ? await runEventLogBench(eventLogOptionsFromEnv()) : undefined;
const report = { date: new Date().toISOString(), machine, compile, ack, ca, rows, ...(eventlog ? { eventlog } : {}) };
const file = writeReport('bench', report);
process.stdout.write(formatTable(rows) + '\n\n' + caBenchTable(ca) + '\n' + (eventlog ? '\n' + eventLogTable(eventlog) + '\n' : ''));
process.stdout.write(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\nresults: ${path.relative(process.cwd(), file)}\n`);
process.exit(0);
