#!/usr/bin/env node
/** The `meshgate` binary: wires the program to the process (signals, exit code). */
import { registerUpCommand } from './commands/up.js';
import { processContext } from './context.js';
import { buildProgram, runProgram } from './program.js';

const interrupted = new AbortController();
// The first Ctrl-C (or SIGTERM) ends a long-running command (up, events --follow) cleanly.
process.once('SIGINT', () => interrupted.abort());
process.once('SIGTERM', () => interrupted.abort());

const program = buildProgram([registerUpCommand], processContext(interrupted.signal));
process.exitCode = await runProgram(program, process.argv.slice(2));
