#!/usr/bin/env node
// `npm start`: builds the workspace (saying so, since a first build takes a while), then runs
// `meshgate up` as a child and stays its parent so that stopping `npm start` stops meshgate:
// SIGINT/SIGTERM/SIGHUP are passed on as SIGTERM (a graceful stop); when npm (our parent) goes
// away the child is stopped the same way; and if this process itself is killed, the child
// notices the closed IPC channel and stops too. Extra arguments
// go to `meshgate up`, e.g. `npm start -- --api-port 8181`.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

process.stderr.write('meshgate: building (tsc -b)…\n');
const started = Date.now();
const tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write('meshgate: the build failed (see above)\n');
  process.exit(build.status ?? 1);
}
process.stderr.write(`meshgate: built in ${((Date.now() - started) / 1000).toFixed(1)} s; starting\n`);

const child = spawn(process.execPath, [path.join(root, 'cli/dist/src/main.js'), 'up', ...process.argv.slice(2)], {
  cwd: process.cwd(),
  stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
});

let forwarded = false;
const stopChild = () => {
  if (forwarded || child.exitCode !== null) return;
  forwarded = true;
  child.kill('SIGTERM');
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stopChild);
// npm runs this under `sh -c`, which does not pass npm's SIGTERM on: when our parent goes away
// and we are adopted by another process, stop the server as if signalled.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stopChild();
}, 500).unref();

child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1));
});
