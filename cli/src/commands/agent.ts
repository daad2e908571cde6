/**
 * `meshgate agent --config FILE`: runs beside a proxyless gRPC workload until Ctrl-C / SIGTERM
 * (see agent/agent.ts). The config is what `meshgate proxy bootstrap --client grpc` wrote.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '@meshgate/runtime';
import { runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';

export function registerAgentCommand(program: Command, context: CliContext): void {
  program
    .command('agent')
    .description("run beside a proxyless gRPC workload: hold the mTLS xDS connection to meshgate, keep the workload's certificate files fresh, serve its xDS on loopback")
    .requiredOption('--config <file>', 'the agent config (meshgate proxy bootstrap --client grpc writes agent.json)')
    .action(async (options: { config: string }) =>
      runAction(context, async () => {
        const file = path.resolve(context.cwd, options.config);
        let raw: unknown;
        try {
          raw = JSON.parse(await readFile(file, 'utf8'));
        } catch (error) {
          throw new CliError(`error: cannot read the agent config ${file}: ${error instanceof Error ? error.message : String(error)}`);
        }
        // Loaded here, not at start-up: the agent pulls in the xds package, which only it needs.
        const { AgentConfigError, EnrollmentError, parseAgentConfig, startAgent } = await import('../agent/index.js');
        const logger = createLogger('meshgate-agent', context.env.MESHGATE_LOG_LEVEL ?? 'info');
        let agent;
        try {
          agent = await startAgent(parseAgentConfig(raw, path.dirname(file)), { logger });
        } catch (error) {
          if (error instanceof AgentConfigError || error instanceof EnrollmentError) throw new CliError(`error: ${error.message}`);
          throw error;
        }
        context.stderr(`meshgate agent: serving xDS on ${agent.address} (Ctrl-C stops)\n`);
        await new Promise<void>((resolve) => {
          if (context.signal.aborted) resolve();
          else context.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await agent.stop();
      }),
    );
}
