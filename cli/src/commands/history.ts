/**
 * History, read from the event log: `meshgate diff --from SEQ [--to SEQ]` (objects, and per
 * connected proxy the xDS resources that differ) and `meshgate blame KIND NAME` (the events that
 * shaped one object).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { arrayAt, numberAt, stringAt } from '../json.js';
import { isClusterScopedKind, namedObjects, resourcePath, resourceType } from '../kinds.js';
import { fieldLines, objectChangeLines, proxiesSection } from '../output/changes.js';
import { formatStructured, parseFormat } from '../output/format.js';

/** `GET /v1/history/blame/<kind>/<namespace>/<name>`. */
export const BLAME_BASE = ['v1', 'history', 'blame'];

const HISTORY_FORMATS = ['text', 'json', 'yaml'] as const;

/** A log position: a whole number, 0 or more. */
export function logSequence(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected a log sequence (a whole number, as `meshgate events` shows after #)');
  return Number(value);
}

function lines(list: readonly string[]): string {
  return list.map((line) => `${line}\n`).join('');
}

export function registerHistoryCommands(program: Command, context: CliContext): void {
  program
    .command('diff')
    .description('What changed between two log positions: objects, and per connected proxy the xDS resources')
    .requiredOption('--from <seq>', 'the earlier log position', logSequence)
    .option('--to <seq>', 'the later log position (default: the head of the log)', logSequence)
    .addOption(new Option('-o, --output <format>', 'output format').choices(HISTORY_FORMATS).default('text'))
    .addHelpText('after', '\nExamples:\n  meshgate diff --from 40            # from #40 to now\n  meshgate diff --from 40 --to 42 -o json')
    .action(async (options: { from: number; to?: number; output: string }, command: Command) =>
      runAction(context, async () => {
        const format = parseFormat(options.output, HISTORY_FORMATS);
        const body = await clientFor(command, context).getJson('/v1/history/diff', { from: options.from, to: options.to });
        if (format !== 'text') {
          context.stdout(formatStructured(body, format));
          return;
        }
        const from = numberAt(body, 'from') ?? options.from;
        const to = numberAt(body, 'to');
        const objects = arrayAt(body, 'objects');
        const header = `#${from} → #${to ?? '?'}: ${objects.length} object${objects.length === 1 ? '' : 's'} changed`;
        const proxies = proxiesSection(body, 'differ');
        context.stdout(lines([header, ...objectChangeLines(objects), ...(proxies.length > 0 ? ['', ...proxies] : [])]));
      }),
    );

  program
    .command('blame')
    .description('The events that shaped one object: each apply and delete, when, from which source, and what it changed')
    .argument('<type-or-name...>', 'KIND NAME, or KIND/NAME (as get)')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .addOption(new Option('-o, --output <format>', 'output format').choices(HISTORY_FORMATS).default('text'))
    .action(async (args: string[], options: { namespace?: string; output: string }, command: Command) =>
      runAction(context, async () => {
        const format = parseFormat(options.output, HISTORY_FORMATS);
        const { names } = namedObjects(args);
        if (names.length !== 1) throw new CliError('error: blame takes one object: KIND NAME or KIND/NAME');
        const [{ kind, name }] = names;
        const namespace = isClusterScopedKind(kind) ? '' : (options.namespace ?? 'default');
        const body = await clientFor(command, context).getJson(resourcePath(kind, namespace, name, BLAME_BASE));
        if (format !== 'text') {
          context.stdout(formatStructured(body, format));
          return;
        }
        context.stdout(lines(blameLines(body, kind, name)));
      }),
    );
}

/** `#7 2025-01-01T10:00:00.000Z configured by api` and the fields, per event; then whether it exists now. */
export function blameLines(body: unknown, kind: string, name: string): string[] {
  const entries = arrayAt(body, 'entries').flatMap((entry) => [
    `#${numberAt(entry, 'sequence') ?? '?'} ${stringAt(entry, 'recordedAt') ?? '-'} ${stringAt(entry, 'action') ?? '?'} by ${stringAt(entry, 'source') || '?'}`,
    ...fieldLines(entry, '    '),
  ]);
  const exists = body !== null && typeof body === 'object' && 'exists' in body && body.exists === true;
  return [`${resourceType(stringAt(body, 'kind') ?? kind)}/${name}${exists ? '' : ' (deleted)'}`, ...entries];
}
