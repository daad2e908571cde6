/** `meshgate get KIND [NAME]`: objects as stored, as a table (default), YAML or JSON. */
import { Option, type Command } from 'commander';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { isRecord, stringAt, type JsonRecord } from '../json.js';
import { isClusterScopedKind, resolveKind, resourcePath } from '../kinds.js';
import { formatStructured, parseFormat } from '../output/format.js';
import { columnsFor } from '../output/resource-columns.js';
import { formatTable } from '../output/table.js';
import { readItems } from '../responses.js';

const GET_FORMATS = ['table', 'json', 'yaml'] as const;

interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  output: string;
}

function table(kind: string, items: JsonRecord[], withNamespace: boolean): string {
  const columns = columnsFor(kind);
  const headers = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', ...columns.headers];
  const rows = items.map((item) => [
    ...(withNamespace ? [stringAt(item, 'metadata', 'namespace') ?? ''] : []),
    stringAt(item, 'metadata', 'name') ?? '',
    ...columns.cells(item),
  ]);
  return formatTable(headers, rows);
}

export function registerGetCommand(program: Command, context: CliContext): void {
  program
    .command('get')
    .description('Show stored objects of one kind (e.g. virtualservices, gateways, services, vs, gw)')
    .argument('<kind>', 'kind, singular or plural, any case, or a short name (vs, gw, svc, ns, ep)')
    .argument('[name]', 'one object by name')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'objects of every namespace')
    .addOption(new Option('-o, --output <format>', 'output format').choices(GET_FORMATS).default('table'))
    .action(async (typedKind: string, name: string | undefined, options: GetOptions, command: Command) =>
      runAction(context, async () => {
        if (options.allNamespaces && name !== undefined) throw new CliError('error: a name cannot be combined with --all-namespaces');
        if (options.allNamespaces && options.namespace !== undefined) throw new CliError('error: use either --namespace or --all-namespaces');
        const format = parseFormat(options.output, GET_FORMATS);
        const kind = resolveKind(typedKind);
        const clusterScoped = isClusterScopedKind(kind);
        const namespace = clusterScoped ? '' : (options.namespace ?? 'default');
        const client = clientFor(command, context);

        if (name !== undefined) {
          const object = await client.getJson(resourcePath(kind, namespace, name));
          if (!isRecord(object)) throw new CliError('error: unexpected response from the server: the object is not a JSON object');
          context.stdout(format === 'table' ? table(kind, [object], !clusterScoped) : formatStructured(object, format));
          return;
        }

        const listAll = clusterScoped || options.allNamespaces === true;
        const items = readItems(await client.getJson(listAll ? resourcePath(kind) : resourcePath(kind, namespace)));
        if (format !== 'table') {
          context.stdout(formatStructured({ apiVersion: 'v1', kind: 'List', items }, format));
        } else if (items.length === 0) {
          context.stderr(listAll ? 'No resources found.\n' : `No resources found in ${namespace} namespace.\n`);
        } else {
          context.stdout(table(stringAt(items[0], 'kind') ?? kind, items, !clusterScoped));
        }
      }),
    );
}
