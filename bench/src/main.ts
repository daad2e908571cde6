#!/usr/bin/env node
// `npm run bench`: runs the workloads, prints a table and writes JSON under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAckBench } from './ack-bench.js';
import { caBenchTable, runCaBench } from './ca-bench.js';
import { runCompileBench } from './compile-bench.js';
import { formatTable, type Row } from './table.js';

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../results');
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

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
const report = { date: new Date().toISOString(), machine, compile, ack, ca, rows };
mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `bench-${report.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
process.stdout.write(formatTable(rows) + '\n\n' + caBenchTable(ca) + '\n');
process.stdout.write(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\nresults: ${path.relative(process.cwd(), file)}\n`);
process.exit(0);
