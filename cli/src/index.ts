export { buildProgram, runProgram, type CommandRegistrar } from './program.js';
export { processContext, defaultServer, clientFor, runAction, type CliContext } from './context.js';
export { ApiClient, DEFAULT_SERVER } from './api-client.js';
export { CliError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_UNREACHABLE } from './errors.js';
export { startMeshgate, type RunningMeshgate, type StartOptions } from './embedded.js';
