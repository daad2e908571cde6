#!/usr/bin/env node
/** The `meshgate` binary: wires the program to the process (signals, exit code). */
import { registerLogCommand } from './commands/log.js';
import { registerUpCommand } from './commands/up.js';
import { processContext } from './context.js';
import { buildProgram, runProgram } from './program.js';

const interrupted = new AbortController();
// The first Ctrl-C (or SIGTERM) ends a long-running command (up, events --follow) cleanly.
process.once('SIGINT', () => interrupted.abort());
process.once('SIGTERM', () => interrupted.abort());
// Started by `npm start` (scripts/start.mjs) over an IPC channel: when that parent goes away,
// even by SIGKILL, stop as if interrupted instead of living on as an orphan.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => interrupted.abort());
}

const program = buildProgram([registerUpCommand, registerLogCommand], processContext(interrupted.signal));
process.exitCode = await runProgram(program, process.argv.slice(2));
