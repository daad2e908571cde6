/** `meshgate delete KIND NAME`: removes one stored object (`DELETE /v1/resources/...`). */
import type { Command } from 'commander';
import { problemMessage } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { isClusterScopedKind, resolveKind, resourcePath, resourceType } from '../kinds.js';
import { readDeleteResponse } from '../responses.js';

export function registerDeleteCommand(program: Command, context: CliContext): void {
  program
    .command('delete')
    .description('Delete one stored object')
    .argument('<kind>', 'kind, singular or plural, any case, or a short name (vs, gw, svc, ns, ep)')
    .argument('<name>', 'object name')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .action(async (typedKind: string, name: string, options: { namespace?: string }, command: Command) =>
      runAction(context, async () => {
        const kind = resolveKind(typedKind);
        const namespace = isClusterScopedKind(kind) ? '' : (options.namespace ?? 'default');
        const response = await clientFor(command, context).request('DELETE', resourcePath(kind, namespace, name));
        if (response.status !== 200) throw new CliError(problemMessage(response));
        const result = readDeleteResponse(response.body);
        context.stdout(`${resourceType(result.kind)} "${result.name}" ${result.action}\n`);
      }),
    );
}
