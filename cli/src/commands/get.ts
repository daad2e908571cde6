/**
 * `meshgate get KIND [NAME…]`, `get KIND/NAME…`, `get svc,ep`: objects as stored, as a table
 * (default, or `-o wide` with more columns), YAML or JSON, filtered by a label selector (`-l`).
 */
import { Option, type Command } from 'commander';
import { problemMessage, type ApiClient } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { isRecord, stringAt, type JsonRecord } from '../json.js';
import { isClusterScopedKind, namedObjects, resourcePath, resourceType } from '../kinds.js';
import { formatStructured, parseFormat } from '../output/format.js';
import { columnsFor } from '../output/resource-columns.js';
import { formatTable } from '../output/table.js';
import { readItems } from '../responses.js';
import { matchesSelector, parseSelector, type Requirement } from '../selector.js';

const GET_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;

interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  output: string;
}

interface TableOptions {
  withNamespace: boolean;
  /** Several kinds in one answer: names are printed `kind.group/name`, as kubectl does. */
  qualify: boolean;
  wide: boolean;
}

function table(kind: string, items: JsonRecord[], options: TableOptions): string {
  const columns = columnsFor(kind, options.wide);
  const headers = [...(options.withNamespace ? ['NAMESPACE'] : []), 'NAME', ...columns.headers];
  const rows = items.map((item) => {
    const name = stringAt(item, 'metadata', 'name') ?? '';
    return [...(options.withNamespace ? [stringAt(item, 'metadata', 'namespace') ?? ''] : []), options.qualify ? `${resourceType(kind)}/${name}` : name, ...columns.cells(item)];
  });
  return formatTable(headers, rows);
}

function labelsOf(item: JsonRecord): Record<string, string> {
  const labels = item.metadata !== undefined && isRecord(item.metadata) ? item.metadata.labels : undefined;
  const out: Record<string, string> = {};
  if (isRecord(labels)) for (const [key, value] of Object.entries(labels)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** One object by name; a 404 is reported (kubectl goes on with the others) and answers undefined. */
async function fetchOne(client: ApiClient, kind: string, namespace: string, name: string, context: CliContext): Promise<JsonRecord | undefined> {
  const response = await client.request('GET', resourcePath(kind, namespace, name));
  if (response.status === 404) {
    context.stderr(`${problemMessage(response)}\n`);
    return undefined;
  }
  if (response.status !== 200) throw new CliError(problemMessage(response));
  if (!isRecord(response.body)) throw new CliError('error: unexpected response from the server: the object is not a JSON object');
  return response.body;
}

export function registerGetCommand(program: Command, context: CliContext): void {
  program
    .command('get')
    .description('Show stored objects: one kind or several (svc,ep), all or by name, filtered by labels')
    .argument('<type-or-names...>', 'KIND [NAME…] or KIND/NAME…; KIND is singular or plural, a short name (vs, gw, svc, ns, ep) or qualified (virtualservices.networking.istio.io); several kinds joined by commas')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'objects of every namespace')
    .option('-l, --selector <selector>', 'label selector, as kubectl: key=value, key!=value, key in (a,b), key notin (a), key, !key; joined by commas')
    .addOption(new Option('-o, --output <format>', 'output format (wide: more columns)').choices(GET_FORMATS).default('table'))
    .addHelpText('after', '\nExamples:\n  meshgate get vs -n httpbin\n  meshgate get svc,ep -A -l app=httpbin\n  meshgate get virtualservice.networking.istio.io/httpbin -o yaml\n  meshgate get gw -o wide')
    .action(async (args: string[], options: GetOptions, command: Command) =>
      runAction(context, async () => {
        if (options.allNamespaces && options.namespace !== undefined) throw new CliError('error: use either --namespace or --all-namespaces');
        const format = parseFormat(options.output, GET_FORMATS);
        const { kinds, names } = namedObjects(args);
        if (names.length > 0 && options.allNamespaces) throw new CliError('error: a name cannot be combined with --all-namespaces');
        if (names.length > 0 && options.selector !== undefined) throw new CliError('error: name cannot be provided when a selector is specified');
        const selector: Requirement[] | undefined = options.selector === undefined ? undefined : parseSelector(options.selector);
        const client = clientFor(command, context);
        const namespaceOf = (kind: string) => (isClusterScopedKind(kind) ? '' : (options.namespace ?? 'default'));

        // Per kind, in the order given: the objects to show.
        const found = new Map<string, JsonRecord[]>(kinds.map((kind) => [kind, []]));
        let missing = 0;
        if (names.length > 0) {
          for (const { kind, name } of names) {
            const object = await fetchOne(client, kind, namespaceOf(kind), name, context);
            if (object === undefined) missing++;
            else found.get(kind)?.push(object);
          }
        } else {
          for (const kind of kinds) {
            const listAll = isClusterScopedKind(kind) || options.allNamespaces === true;
            const items = readItems(await client.getJson(listAll ? resourcePath(kind) : resourcePath(kind, namespaceOf(kind))));
            found.set(kind, selector === undefined ? items : items.filter((item) => matchesSelector(selector, labelsOf(item))));
          }
        }

        const all = [...found.values()].flat();
        if (format === 'json' || format === 'yaml') {
          const single = names.length === 1 && all.length === 1;
          context.stdout(formatStructured(single ? all[0] : { apiVersion: 'v1', kind: 'List', items: all }, format));
        } else if (all.length === 0 && missing === 0) {
          const scoped = kinds.every(isClusterScopedKind) || options.allNamespaces === true;
          context.stderr(scoped ? 'No resources found.\n' : `No resources found in ${options.namespace ?? 'default'} namespace.\n`);
        } else {
          const tables = [...found].filter(([, items]) => items.length > 0);
          const qualify = kinds.length > 1;
          const text = tables.map(([kind, items]) =>
            table(stringAt(items[0], 'kind') ?? kind, items, { withNamespace: !isClusterScopedKind(kind), qualify, wide: format === 'wide' }),
          );
          context.stdout(text.join('\n'));
        }
        // Each missing object was reported as it was looked up; the exit code says some were.
        if (missing > 0) throw new CliError('');
      }),
    );
}
