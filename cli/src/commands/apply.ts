/**
 * `meshgate apply -f FILE|DIR|-`: sends documents to `POST /v1/apply` (all or nothing) and prints
 * what happened to each object, as kubectl does.
 *
 * One file (or stdin) is sent as written, so the server's line numbers point into it. Several
 * files (a directory, or several `-f`) go in one request as a JSON array of their documents:
 * each file is parsed here first, so a syntax error names its file, and a validation error is
 * traced back to the file and document it came from.
 */
import type { Command } from 'commander';
import { problemMessage, type ApiClient } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { arrayAt } from '../json.js';
import { displayName } from '../kinds.js';
import { objectChangeLines, proxiesSection } from '../output/changes.js';
import { ApplyProgress, PROGRESS_MIN_DOCUMENTS } from '../output/apply-progress.js';
import { parseSources, readSources, type Origin, type Source } from '../manifests.js';
import { readApplyResponse, readDocumentErrors, type DocumentError } from '../responses.js';

interface ApplyRequest {
  body: string;
  contentType: string;
  /** By document index, for requests combining several files; undefined for one source. */
  origins?: Origin[];
  /** The single source's label, to prefix syntax errors the server reports. */
  label?: string;
  /** How many documents are sent, when known here (several files are parsed here; one is sent as written). */
  documents?: number;
}

/** Documents in one source, for progress; undefined when it does not parse (the server will say where). */
function countDocuments(source: Source): number | undefined {
  try {
    return parseSources([source]).length;
  } catch {
    return undefined;
  }
}

function buildRequest(sources: Source[], counted: boolean): ApplyRequest {
  if (sources.length === 1) {
    const [only] = sources;
    const contentType = only.label.endsWith('.json') ? 'application/json' : 'application/yaml';
    return { body: only.text, contentType, label: only.label, documents: counted ? countDocuments(only) : undefined };
  }
  const parsed = parseSources(sources);
  return { body: JSON.stringify(parsed.map((entry) => entry.document)), contentType: 'application/json', origins: parsed.map((entry) => entry.origin), documents: parsed.length };
}

/** `mesh.yaml: document 2 (VirtualService httpbin): spec.http[0].route: message` — documents counted from 1. */
function describeDocumentError(error: DocumentError, origins: Origin[] | undefined): string {
  const origin = origins?.[error.document];
  const where = origin ? `${origin.label}: document ${origin.index + 1}` : `document ${error.document + 1}`;
  const what = error.kind || error.name ? ` (${[error.kind, error.name].filter(Boolean).join(' ')})` : '';
  const field = error.path ? `${error.path}: ` : '';
  return `${where}${what}: ${field}${error.message}`;
}

/**
 * What the dry run would change: each object's fields, then per connected proxy the xDS
 * resources that would differ (the server compiles each proxy's node before and after).
 */
function printDryRunChanges(body: unknown, context: CliContext): void {
  const objects = objectChangeLines(arrayAt(body, 'objects'));
  const proxies = proxiesSection(body, 'would change');
  if (objects.length === 0 && proxies.length === 0) return;
  context.stdout(`\n${[...objects, ...(objects.length > 0 && proxies.length > 0 ? [''] : []), ...proxies].map((line) => `${line}\n`).join('')}`);
}

async function apply(client: ApiClient, request: ApplyRequest, dryRun: boolean, context: CliContext, progress?: ApplyProgress): Promise<void> {
  progress?.sending(request.documents, request.body.length);
  const response = await client.request('POST', '/v1/apply', {
    body: request.body,
    contentType: request.contentType,
    query: { dryRun: dryRun || undefined },
  });
  if (response.status === 200) {
    const { results, dryRun: wasDryRun, warnings } = readApplyResponse(response.body);
    progress?.done(results);
    const suffix = wasDryRun ? ' (dry run)' : '';
    for (const result of results) context.stdout(`${displayName(result.kind, result.name)} ${result.action}${suffix}\n`);
    // As kubectl prints the API server's warnings.
    for (const warning of warnings) context.stderr(`Warning: ${warning}\n`);
    if (wasDryRun) printDryRunChanges(response.body, context);
    return;
  }
  progress?.failed();
  if (response.status === 422) {
    for (const error of readDocumentErrors(response.body)) context.stderr(`${describeDocumentError(error, request.origins)}\n`);
  }
  const message = problemMessage(response);
  // A syntax error's line and column refer to the one source that was sent.
  throw new CliError(response.status === 400 && request.label ? message.replace(/^error: /, `error: ${request.label}: `) : message);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerApplyCommand(program: Command, context: CliContext): void {
  program
    .command('apply')
    .description('Apply objects from YAML or JSON files, a directory, or stdin (all or nothing)')
    .option('-f, --filename <path>', 'file, directory or - for stdin (repeatable)', collect)
    .option('--dry-run', 'validate and show what would change — objects, and per connected proxy the xDS resources — without writing')
    .option('--progress', `show progress on stderr for large applies (${PROGRESS_MIN_DOCUMENTS}+ documents); default: only when stderr is a terminal`)
    .addHelpText('after', '\nExamples:\n  meshgate apply -f gateway.yaml\n  meshgate apply -f manifests/\n  cat vs.yaml | meshgate apply -f -')
    .action(async (options: { filename?: string[]; dryRun?: boolean; progress?: boolean }, command: Command) =>
      runAction(context, async () => {
        const paths = options.filename ?? [];
        if (paths.length === 0) throw new CliError('error: apply needs at least one -f FILE, -f DIR or -f -');
        const client = clientFor(command, context);
        const progress = options.progress === true || context.stderrIsTTY === true ? new ApplyProgress(context, client.server) : undefined;
        const sources = await readSources(paths, context, progress ? (read, total) => progress.reading(read, total) : undefined);
        await apply(client, buildRequest(sources, progress !== undefined), options.dryRun === true, context, progress);
      }),
    );
}
