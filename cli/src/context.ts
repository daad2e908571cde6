/**
 * What commands use of the outside world, in one object, so that tests run them in-process
 * with their own writers instead of spawning the binary.
 */
import { CommanderError, type Command } from 'commander';
import { ApiClient, DEFAULT_SERVER } from './api-client.js';
import { resolveApiToken } from './api-token.js';
import { CliError, EXIT_INTERRUPTED } from './errors.js';

export interface CliContext {
  /** Command output: what a script pipes on. */
  stdout: (text: string) => void;
  /** Diagnostics, errors, hints. */
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** The whole of standard input (for `apply -f -`). */
  readStdin: () => Promise<string>;
  /** Aborted to end long-running commands (`events --follow`) cleanly, e.g. on Ctrl-C. */
  signal: AbortSignal;
  /** Relative `-f` paths resolve against this. */
  cwd: string;
  /** Whether stderr is a terminal: progress is shown there unprompted (`apply`). */
  stderrIsTTY?: boolean;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** The real process: its streams, environment and working directory. */
export function processContext(signal: AbortSignal = new AbortController().signal): CliContext {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    readStdin: readProcessStdin,
    signal,
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY,
  };
}

/** `--server`, else `$MESHGATE_SERVER`, else the local default. */
export function defaultServer(env: NodeJS.ProcessEnv): string {
  return env.MESHGATE_SERVER || DEFAULT_SERVER;
}

/** The API client for the server the command line names, sending the token it names (or finds). */
export function clientFor(command: Command, context: CliContext): ApiClient {
  const { server, token } = command.optsWithGlobals<{ server?: unknown; token?: unknown }>();
  return new ApiClient(typeof server === 'string' ? server : defaultServer(context.env), context.signal, () =>
    resolveApiToken(typeof token === 'string' ? token : undefined, context),
  );
}

/**
 * Runs a command's body. A CliError is written to stderr and becomes a CommanderError carrying
 * its exit code (what `runProgram` returns); anything else is a bug and propagates with its stack.
 */
export async function runAction(context: CliContext, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    // Interrupted (Ctrl-C) while waiting on the server: the usual shell code, no stack trace.
    if (context.signal.aborted) throw new CommanderError(EXIT_INTERRUPTED, 'meshgate.interrupted', 'interrupted');
    if (!(error instanceof CliError)) throw error;
    // An empty message: the command has already said what went wrong (e.g. per object).
    if (error.message !== '') context.stderr(`${error.message}\n`);
    throw new CommanderError(error.exitCode, 'meshgate.error', error.message);
  }
}
