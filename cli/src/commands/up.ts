/**
 * `meshgate up`: every service in this process until Ctrl-C. Without DATABASE_URL / NATS_URL
 * this is the embedded default (PGlite under the data directory, in-process bus).
 */
import { CommanderError, type Command } from 'commander';
import { StartupError, type MeshgateConfig } from '@meshgate/runtime';
import type { CliContext } from '../context.js';
import { startMeshgate, type RunningMeshgate } from '../embedded.js';
import { EXIT_FAILURE } from '../errors.js';

interface UpOptions {
  dataDir?: string;
  manifests?: string;
  apiPort?: string;
  xdsPort?: string;
}

function portOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--${name}: expected a port number, got "${value}"`);
  return port;
}

/** A data directory in use, or a DATABASE_URL / NATS_URL that does not answer: one line, exit 1. */
async function start(context: CliContext, overrides: Partial<MeshgateConfig>): Promise<RunningMeshgate> {
  try {
    return await startMeshgate({ overrides });
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    context.stderr(`error: ${error.message}\n`);
    throw new CommanderError(EXIT_FAILURE, 'meshgate.startup', error.message);
  }
}

export function registerUpCommand(program: Command, context: CliContext): void {
  program
    .command('up')
    .description('run meshgate (api, xds, watcher) in this process; embedded storage unless DATABASE_URL/NATS_URL are set')
    .option('--data-dir <dir>', 'where embedded PGlite keeps the log (env MESHGATE_DATA_DIR, default ./.meshgate)')
    .option('--manifests <dir>', 'watch this directory of YAML/JSON manifests (env MESHGATE_MANIFESTS_DIR)')
    .option('--api-port <port>', 'REST API port (env MESHGATE_API_PORT, default 8080)')
    .option('--xds-port <port>', 'xDS port (env MESHGATE_XDS_PORT, default 15010)')
    .action(async (options: UpOptions) => {
      const overrides: Partial<MeshgateConfig> = {};
      if (options.dataDir) overrides.dataDir = options.dataDir;
      if (options.manifests) overrides.manifestsDir = options.manifests;
      const apiPort = portOption(options.apiPort, 'api-port');
      const xdsPort = portOption(options.xdsPort, 'xds-port');
      if (apiPort !== undefined) overrides.apiPort = apiPort;
      if (xdsPort !== undefined) overrides.xdsPort = xdsPort;
      const running = await start(context, overrides);
      context.stderr(
        `meshgate is up (${running.infra.mode}): REST API ${running.apiUrl}, xDS 127.0.0.1:${running.xdsPort}\n` +
          `API token (meshgate cert get, ca rotate): ${running.apiTokenSource}\n` +
          `try: npx meshgate apply -f examples/httpbin.yaml   (Ctrl-C stops)\n`,
      );
      await new Promise<void>((resolve) => {
        if (context.signal.aborted) resolve();
        else context.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      context.stderr('stopping meshgate\n');
      await running.stop();
    });
}
