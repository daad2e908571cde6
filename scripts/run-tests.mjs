#!/usr/bin/env node
// Runs every compiled test file (`<workspace>/dist/test/**/*.test.js`) with Node's test runner.
// Extra arguments are passed through as filters on the file path, e.g.
// `node scripts/run-tests.mjs eventlog` runs only the event log's tests.
//
// Two phases: the packages' and services' files run MESHGATE_TEST_CONCURRENCY at a time (default
// 2: much of their time is spent waiting on PGlite, Postgres, NATS, child processes and sockets,
// and every test already takes unique database, stream and port names); the end-to-end files
// (test/e2e) start whole stacks of processes and run one at a time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { workspaces } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const E2E_WORKSPACE = 'test/e2e';
const concurrency = Number(process.env.MESHGATE_TEST_CONCURRENCY ?? 2);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`MESHGATE_TEST_CONCURRENCY must be a positive integer, not ${process.env.MESHGATE_TEST_CONCURRENCY}`);
  process.exit(2);
}

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

const filters = process.argv.slice(2);
const selected = (ws) =>
  testFiles(path.join(root, ws, 'dist', 'test'))
    .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
    .sort();
const phases = [
  { files: workspaces.filter((ws) => ws !== E2E_WORKSPACE).flatMap(selected), concurrency },
  { files: selected(E2E_WORKSPACE), concurrency: 1 },
].filter((phase) => phase.files.length > 0);
if (phases.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}

let failed = false;
for (const phase of phases) {
  const result = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${phase.concurrency}`, '--test-timeout=300000', ...phase.files],
    { stdio: 'inherit', cwd: root },
  );
  // A failing phase does not stop the next one: one run reports every failure.
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
