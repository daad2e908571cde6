/**
 * The `meshgate` command line, built as a commander program around a CliContext. Each command
 * lives in `commands/`; commands that start services (`up`) are registered by the caller
 * through `extraCommands`, so that this module does not load the services.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { TOKEN_OPTION_HELP } from './api-token.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerAnalyzeCommand } from './commands/analyze.js';
import { registerApplyCommand } from './commands/apply.js';
import { registerCaCommand } from './commands/ca.js';
import { registerCertCommand } from './commands/cert.js';
import { registerCompileCommand } from './commands/compile.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerCreateCommand } from './commands/create.js';
import { registerDeleteCommand } from './commands/delete.js';
import { registerDescribeCommand } from './commands/describe.js';
import { registerEventsCommand } from './commands/events.js';
import { registerGetCommand } from './commands/get.js';
import { registerHistoryCommands } from './commands/history.js';
import { registerProxyBootstrapCommand } from './commands/proxy-bootstrap.js';
import { registerProxyConfigCommand } from './commands/proxy-config.js';
import { registerProxyStatusCommand } from './commands/proxy-status.js';
import { registerVersionCommand } from './commands/version.js';
import { defaultServer, processContext, type CliContext } from './context.js';
import { stringAt } from './json.js';

/** Adds one command (or several) to the program. */
export type CommandRegistrar = (program: Command, context: CliContext) => void;

const CLIENT_COMMANDS: readonly CommandRegistrar[] = [
  registerApplyCommand,
  registerCreateCommand,
  registerGetCommand,
  registerDescribeCommand,
  registerDeleteCommand,
  registerEventsCommand,
  registerProxyStatusCommand,
  registerProxyConfigCommand,
  registerCompileCommand,
  registerHistoryCommands,
  registerCertCommand,
  registerCaCommand,
  registerProxyBootstrapCommand,
  registerAgentCommand,
  registerAnalyzeCommand,
];

function packageVersion(): string {
  // dist/src/program.js → the package's package.json
  const manifest: unknown = createRequire(import.meta.url)('../../package.json');
  return stringAt(manifest, 'version') ?? '0.0.0';
}

/**
 * The program with every client command, then `extraCommands` (e.g. `up`, added by the lead's
 * wiring). `context` replaces parts of the real process (tests pass their own writers).
 * Errors and help go through commander's output, and exits are thrown as CommanderError
 * instead of ending the process: use `runProgram` to get the exit code.
 */
export function buildProgram(extraCommands: readonly CommandRegistrar[] = [], context: Partial<CliContext> = {}): Command {
  const full: CliContext = { ...processContext(), ...context };
  const program = new Command('meshgate')
    .description('Control plane for service-mesh ingress and egress: apply objects, inspect state, events and proxies')
    .version(packageVersion())
    .option('-s, --server <url>', 'meshgate REST API (env MESHGATE_SERVER)', defaultServer(full.env))
    .option('--token <token>', TOKEN_OPTION_HELP)
    .configureOutput({ writeOut: full.stdout, writeErr: full.stderr })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  for (const register of [...CLIENT_COMMANDS, ...extraCommands]) register(program, full);
  registerVersionCommand(program, full, packageVersion());
  // Last, so that the script it prints knows every command.
  registerCompletionCommand(program, full);
  return program;
}

/**
 * kubectl takes `-n NS` before the command too (`kubectl -n istio-system delete secret X`, as
 * the seeds write it): a leading `-n NS` / `--namespace[=]NS` is moved after the command name,
 * where the command's own `-n` reads it.
 */
export function namespaceAfterCommand(argv: readonly string[]): string[] {
  const before: string[] = [];
  const namespace: string[] = [];
  let index = 0;
  while (index < argv.length && argv[index].startsWith('-')) {
    const arg = argv[index];
    const takesValue = !arg.includes('=');
    const isNamespace = arg === '-n' || arg === '--namespace' || arg.startsWith('--namespace=');
    const width = takesValue && (isNamespace || PROGRAM_VALUE_OPTIONS.includes(arg)) ? 2 : 1;
    (isNamespace ? namespace : before).push(...argv.slice(index, index + width));
    index += width;
  }
  if (namespace.length === 0 || index >= argv.length) return [...argv];
  return [...before, argv[index], ...namespace, ...argv.slice(index + 1)];
}

/** The program's own options that take a value (their value is not the command name). */
const PROGRAM_VALUE_OPTIONS: readonly string[] = ['-s', '--server', '--token'];

/** Boolean flags kubectl also takes as `--flag=true|false` (`delete --ignore-not-found=true` in the seeds). */
const KUBECTL_BOOLEAN_FLAGS: readonly string[] = ['--ignore-not-found', '--dry-run'];

/** `--ignore-not-found=true` → `--ignore-not-found`; `=false` → left out. */
export function booleanFlagValues(argv: readonly string[]): string[] {
  return argv.flatMap((arg) => {
    const flag = KUBECTL_BOOLEAN_FLAGS.find((name) => arg === `${name}=true` || arg === `${name}=false`);
    if (flag === undefined) return [arg];
    return arg.endsWith('=true') ? [flag] : [];
  });
}

/** Parses `argv` (the arguments after the program name) and runs the command; resolves with the exit code. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync(booleanFlagValues(namespaceAfterCommand(argv)), { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
}
