/**
 * `meshgate up`: every service in this process until Ctrl-C. Without DATABASE_URL / NATS_URL
 * this is the embedded default (PGlite under the data directory, in-process bus).
 */
import type { Command } from 'commander';
import { StartupError, type MeshgateConfig } from '@meshgate/runtime';
import { runAction, type CliContext } from '../context.js';
import { startMeshgate, type RunningMeshgate } from '../embedded.js';
import { CliError } from '../errors.js';

interface UpOptions {
  dataDir?: string;
  manifests?: string;
  kubeconfig?: string;
  /** false with --no-write-back. */
  writeBack?: boolean;
  apiPort?: string;
  xdsPort?: string;
  xdsSecurePort?: string;
  grpcPort?: string;
}

function portOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`error: --${name}: expected a port number, got "${value}"`);
  return port;
}

function overridesFrom(options: UpOptions): Partial<MeshgateConfig> {
  const overrides: Partial<MeshgateConfig> = {};
  if (options.dataDir) overrides.dataDir = options.dataDir;
  if (options.manifests) overrides.manifestsDir = options.manifests;
  if (options.kubeconfig) overrides.kubeconfig = options.kubeconfig;
  if (options.writeBack === false) overrides.kubernetesWriteBack = false;
  const apiPort = portOption(options.apiPort, 'api-port');
  const xdsPort = portOption(options.xdsPort, 'xds-port');
  if (apiPort !== undefined) overrides.apiPort = apiPort;
  if (xdsPort !== undefined) overrides.xdsPort = xdsPort;
  const xdsSecurePort = portOption(options.xdsSecurePort, 'xds-secure-port');
  if (xdsSecurePort !== undefined) overrides.xdsSecurePort = xdsSecurePort;
  const grpcPort = portOption(options.grpcPort, 'grpc-port');
  if (grpcPort !== undefined) overrides.grpcPort = grpcPort;
  return overrides;
}

/** Starts meshgate; a problem the operator must fix (a port in use, …) becomes one line, not a stack trace. */
async function startOrExplain(overrides: Partial<MeshgateConfig>): Promise<RunningMeshgate> {
  try {
    return await startMeshgate({ overrides });
  } catch (error) {
    if (error instanceof StartupError) throw new CliError(`error: ${error.message}`);
    throw error;
  }
}

async function up(options: UpOptions, context: CliContext): Promise<void> {
  const running = await startOrExplain(overridesFrom(options));
  context.stderr(
    `meshgate is up (${running.infra.mode}): REST API ${running.apiUrl}, gRPC ${running.config.apiHost}:${running.grpcPort}, xDS mTLS ${running.config.xdsHost}:${running.xdsSecurePort}, plaintext (no secrets) ${running.config.xdsPlaintextHost}:${running.xdsPort}\n` +
      `tokens (every meshgate command on this machine finds the API token): ${running.apiTokenSource}\n` +
      `try: npx meshgate apply -f examples/httpbin.yaml   (Ctrl-C stops)\n`,
  );
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve();
    else context.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  context.stderr('stopping meshgate\n');
  await running.stop();
}

export function registerUpCommand(program: Command, context: CliContext): void {
  program
    .command('up')
    .description('run meshgate (api, xds, ca, watcher) in this process; embedded storage unless DATABASE_URL/NATS_URL are set')
    .option('--data-dir <dir>', 'where embedded PGlite keeps the log (env MESHGATE_DATA_DIR, default ./.meshgate)')
    .option('--manifests <dir>', 'watch this directory of YAML/JSON manifests (env MESHGATE_MANIFESTS_DIR)')
    .option('--kubeconfig <file>', "follow the objects of this kubeconfig's cluster (env MESHGATE_KUBECONFIG; KUBECONFIG is not read here)")
    .option('--no-write-back', 'with --kubeconfig: write nothing to the cluster (env MESHGATE_KUBERNETES_WRITE_BACK=false)')
    .option('--api-port <port>', 'REST API port (env MESHGATE_API_PORT, default 8080; host MESHGATE_API_HOST, default 127.0.0.1)')
    .option('--xds-port <port>', 'plaintext xDS port, no secrets (env MESHGATE_XDS_PORT, default 15010; host MESHGATE_XDS_PLAINTEXT_HOST, default 127.0.0.1)')
    .option('--xds-secure-port <port>', 'mTLS xDS port (env MESHGATE_XDS_SECURE_PORT, default 15012; host MESHGATE_XDS_HOST, default 127.0.0.1)')
    .option('--grpc-port <port>', 'gRPC API port, every service and reflection (env MESHGATE_GRPC_PORT, default 9090; host MESHGATE_API_HOST)')
    .action((options: UpOptions) => runAction(context, () => up(options, context)));
}
