/**
 * `meshgate version`: the client's version and the server's, side by side as `istioctl version`
 * shows them. With the server unreachable the client's version is still printed, then the error.
 */
import type { Command } from 'commander';
import { clientFor, runAction, type CliContext } from '../context.js';
import { stringAt } from '../json.js';

export function registerVersionCommand(program: Command, context: CliContext, clientVersion: string): void {
  program
    .command('version')
    .description('Show the meshgate client version and the version of the server it talks to')
    .option('--client', 'only the client version (no server is contacted)')
    .action(async (options: { client?: boolean }, command: Command) =>
      runAction(context, async () => {
        context.stdout(`client version: ${clientVersion}\n`);
        if (options.client) return;
        const client = clientFor(command, context);
        const body = await client.getJson('/v1/version');
        context.stdout(`server version: ${stringAt(body, 'version') ?? 'unknown'} (${client.server})\n`);
      }),
    );
}
