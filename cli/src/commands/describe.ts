/**
 * `meshgate describe KIND NAME…` (or KIND/NAME…): one object as kubectl describes it — its
 * identity and labels, its derived status (an IngressBackend's committed/rejected), its spec,
 * and the events of the log that shaped it (from `GET /v1/history/blame/...`).
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { problemMessage, type ApiClient } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { arrayAt, isRecord, labelsAt, numberAt, stringAt, type JsonRecord } from '../json.js';
import { isClusterScopedKind, namedObjects, resourcePath, resourceType } from '../kinds.js';
import { formatTable } from '../output/table.js';
import { BLAME_BASE } from './history.js';

const ENVELOPE = new Set(['apiVersion', 'kind', 'metadata', 'status']);

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `${by}${line}\n`)
    .join('');
}

function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(14)}${value}\n`;
}

/** Fields changed by one event, shortened: `spec.http[0].match[1].uri.prefix, +2 more`. */
function changedPaths(entry: unknown): string {
  const paths = arrayAt(entry, 'fields').flatMap((change) => stringAt(change, 'path') ?? []);
  const more = paths.length - 3 + (numberAt(entry, 'omittedFields') ?? 0);
  return `${paths.slice(0, 3).join(', ')}${more > 0 ? `, +${more} more` : ''}`;
}

export function describeObject(object: JsonRecord, blame: unknown): string {
  const kind = stringAt(object, 'kind') ?? '?';
  const namespace = stringAt(object, 'metadata', 'namespace') ?? '';
  const labels = labelsAt(object, 'metadata', 'labels');
  const annotations = labelsAt(object, 'metadata', 'annotations');
  let text = field('Name', stringAt(object, 'metadata', 'name') ?? '?');
  if (namespace !== '') text += field('Namespace', namespace);
  text += field('Kind', `${kind} (${resourceType(kind)})`);
  text += field('API Version', stringAt(object, 'apiVersion') ?? '?');
  text += field('Labels', labels.length === 0 ? '<none>' : labels.join('\n'.padEnd(15)));
  text += field('Annotations', annotations.length === 0 ? '<none>' : annotations.join('\n'.padEnd(15)));
  const status = stringAt(object, 'status', 'currentStatus');
  if (status !== undefined) text += field('Status', `${status}: ${stringAt(object, 'status', 'reason') ?? ''}`);
  const body = Object.fromEntries(Object.entries(object).filter(([key]) => !ENVELOPE.has(key)));
  for (const [key, value] of Object.entries(body)) {
    text += `${key.charAt(0).toUpperCase()}${key.slice(1)}:\n${indent(stringify(value, { lineWidth: 0 }), '  ')}`;
  }
  const entries = arrayAt(blame, 'entries');
  if (entries.length === 0) return `${text}Events:       <none>\n`;
  const rows = entries.map((entry) => [
    `#${numberAt(entry, 'sequence') ?? '?'}`,
    stringAt(entry, 'recordedAt') ?? '-',
    stringAt(entry, 'action') ?? '?',
    stringAt(entry, 'source') || '?',
    changedPaths(entry),
  ]);
  return `${text}Events:\n${indent(formatTable(['SEQ', 'TIME', 'ACTION', 'SOURCE', 'CHANGED'], rows), '  ')}`;
}

async function describeOne(client: ApiClient, kind: string, namespace: string, name: string): Promise<string | undefined> {
  const response = await client.request('GET', resourcePath(kind, namespace, name));
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new CliError(problemMessage(response));
  if (!isRecord(response.body)) throw new CliError('error: unexpected response from the server: the object is not a JSON object');
  const blame = await client.getJson(resourcePath(kind, namespace, name, BLAME_BASE));
  return describeObject(response.body, blame);
}

export function registerDescribeCommand(program: Command, context: CliContext): void {
  program
    .command('describe')
    .description('Show objects in detail: fields, derived status, and the events of the log that shaped them')
    .argument('<type-or-names...>', 'KIND NAME [NAME…] or KIND/NAME… (as get)')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .action(async (args: string[], options: { namespace?: string }, command: Command) =>
      runAction(context, async () => {
        const { names } = namedObjects(args);
        if (names.length === 0) throw new CliError('error: describe needs names: KIND NAME [NAME…] or KIND/NAME…');
        const client = clientFor(command, context);
        const texts: string[] = [];
        let missing = 0;
        for (const { kind, name } of names) {
          const namespace = isClusterScopedKind(kind) ? '' : (options.namespace ?? 'default');
          const text = await describeOne(client, kind, namespace, name);
          if (text === undefined) {
            missing++;
            context.stderr(`error: ${resourceType(kind)} "${name}" not found${namespace === '' ? '' : ` in namespace ${namespace}`}\n`);
          } else texts.push(text);
        }
        context.stdout(texts.join('\n'));
        if (missing > 0) throw new CliError('');
      }),
    );
}
