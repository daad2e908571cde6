/**
 * `meshgate analyze`: what `istioctl analyze` does, with Istio's codes. `-f FILE|DIR|-` analyzes
 * files offline (no server: they are validated and folded into a state of their own); with
 * `--use-server` too, on top of the server's stored state (`POST /v1/analyze`, nothing written);
 * without `-f` it asks the server about its stored state (`GET /v1/analyze`). Exits 79, as
 * istioctl does, when a message reaches `--failure-threshold` (Error by default).
 */
import { analyzeDocuments, formatMessage, LEVELS, reachesThreshold, type AnalysisMessage, type Level } from '@meshgate/analysis';
import { secretPayloadOf } from '@meshgate/model';
import { tlsProblems } from '@meshgate/secrets';
import { Option, type Command } from 'commander';
import { problemMessage } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { arrayAt, isRecord, numberAt } from '../json.js';
import { parseSources, readSources } from '../manifests.js';
import { formatStructured } from '../output/format.js';

/** As istioctl analyze: the analysis found issues at or above the failure threshold. */
export const EXIT_ANALYSIS_ISSUES = 79;

const OUTPUTS = ['log', 'json', 'yaml'] as const;

interface AnalyzeOptions {
  filename?: string[];
  useServer?: boolean;
  namespace?: string;
  output: (typeof OUTPUTS)[number];
  failureThreshold: Level;
  outputThreshold: Level;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function isMessage(value: unknown): value is AnalysisMessage {
  return isRecord(value) && typeof value.code === 'string' && typeof value.level === 'string' && isRecord(value.object) && typeof value.message === 'string';
}

/** A Secret file's payload judged as apply judges it (bad PEM, key not matching, expired), for IST0161. */
const secretProblems = (document: unknown): string[] => tlsProblems(secretPayloadOf(document));

async function offline(paths: string[], context: CliContext): Promise<{ messages: AnalysisMessage[]; what: string }> {
  const sources = await readSources(paths, context);
  const documents = parseSources(sources).map(({ document, origin }) => ({ document, origin: `${origin.label} (document ${origin.index + 1})` }));
  return { messages: analyzeDocuments(documents, { secretProblems }), what: sources.map((source) => source.label).join(', ') };
}

/** The files' documents analyzed by the server over its state; `document N` origins are mapped back to their files. */
async function withServer(paths: string[], command: Command, context: CliContext): Promise<{ messages: AnalysisMessage[]; what: string }> {
  const sources = await readSources(paths, context);
  const parsed = parseSources(sources);
  const client = clientFor(command, context);
  const response = await client.request('POST', '/v1/analyze', { body: JSON.stringify(parsed.map((entry) => entry.document)), contentType: 'application/json' });
  if (response.status !== 200) throw new CliError(problemMessage(response));
  const messages = arrayAt(response.body, 'messages')
    .filter(isMessage)
    .map((message) => {
      const index = /^document (\d+)$/.exec(message.origin ?? '');
      const origin = index ? parsed[Number(index[1]) - 1]?.origin : undefined;
      return origin ? { ...message, origin: `${origin.label} (document ${origin.index + 1})` } : message;
    });
  return { messages, what: `${sources.map((source) => source.label).join(', ')} with the state of ${client.server}` };
}

async function fromServer(command: Command, context: CliContext, namespace: string | undefined): Promise<{ messages: AnalysisMessage[]; what: string }> {
  const client = clientFor(command, context);
  const body = await client.getJson('/v1/analyze', { namespace });
  const messages = arrayAt(body, 'messages').filter(isMessage);
  return { messages, what: `the state of ${client.server} at #${numberAt(body, 'sequence') ?? 0}${namespace ? `, namespace ${namespace}` : ''}` };
}

export function registerAnalyzeCommand(program: Command, context: CliContext): void {
  program
    .command('analyze')
    .description('Find problems in configuration as istioctl analyze does (Istio codes: IST0101, IST0132, IST0145, …): files offline with -f, else the server\'s stored state')
    .option('-f, --filename <path>', 'file, directory or - for stdin (repeatable): analyzed offline, without the server', collect)
    .option('--use-server', 'with -f: analyze the files on top of the server\'s stored state (nothing is written)')
    .option('-n, --namespace <ns>', 'only messages about objects of this namespace')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUTS).default('log'))
    .addOption(new Option('--failure-threshold <level>', 'exit 79 when a message is at this level or above').choices(LEVELS).default('Error'))
    .addOption(new Option('--output-threshold <level>', 'show messages at this level or above').choices(LEVELS).default('Info'))
    .addHelpText('after', '\nExamples:\n  meshgate analyze -f manifests/\n  meshgate analyze -f vs.yaml --use-server\n  meshgate analyze -n default\n  meshgate analyze -f vs.yaml -o json')
    .action(async (options: AnalyzeOptions, command: Command) =>
      runAction(context, async () => {
        const files = options.filename ?? [];
        if (options.useServer === true && files.length === 0) throw new CliError('error: --use-server goes with -f FILE (without -f, analyze already reads the server\'s state)');
        const { messages: all, what } =
          files.length === 0 ? await fromServer(command, context, options.namespace) : options.useServer === true ? await withServer(files, command, context) : await offline(files, context);
        const inNamespace = all.filter((message) => options.namespace === undefined || message.object.namespace === options.namespace);
        const shown = inNamespace.filter((message) => LEVELS.indexOf(message.level) <= LEVELS.indexOf(options.outputThreshold));
        if (options.output === 'log') {
          for (const message of shown) context.stdout(`${formatMessage(message)}\n`);
          if (shown.length === 0) context.stderr(`\u2714 No validation issues found when analyzing ${what}.\n`);
        } else {
          context.stdout(formatStructured(shown, options.output));
        }
        if (reachesThreshold(inNamespace, options.failureThreshold)) throw new CliError('', EXIT_ANALYSIS_ISSUES);
      }),
    );
}
