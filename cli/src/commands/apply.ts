/**
 * `meshgate apply -f FILE|DIR|-`: sends documents to `POST /v1/apply` (all or nothing) and prints
 * what happened to each object, as kubectl does.
 *
 * One file (or stdin) is sent as written, so the server's line numbers point into it. Several
 * files (a directory, or several `-f`) go in one request as a JSON array of their documents:
 * each file is parsed here first, so a syntax error names its file, and a validation error is
 * traced back to the file and document it came from.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDocuments } from '@meshgate/model';
import { listManifestFiles } from '@meshgate/watcher';
import type { Command } from 'commander';
import { problemMessage, type ApiClient } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { displayName } from '../kinds.js';
import { readApplyResponse, readDocumentErrors, type DocumentError } from '../responses.js';

const STDIN = '-';

interface Source {
  /** How messages name it: the path as the user gave it, or `<stdin>`. */
  label: string;
  text: string;
}

/** Where a document of a combined request came from. */
interface Origin {
  label: string;
  /** 0-based within its file. */
  index: number;
}

interface ApplyRequest {
  body: string;
  contentType: string;
  /** By document index, for requests combining several files; undefined for one source. */
  origins?: Origin[];
  /** The single source's label, to prefix syntax errors the server reports. */
  label?: string;
}

async function readFile(file: string, label: string): Promise<Source> {
  try {
    return { label, text: await fs.readFile(file, 'utf8') };
  } catch (error) {
    throw new CliError(`error: cannot read ${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Each `-f`: stdin, a file, or a directory (its .yaml/.yml/.json files, recursively, as the watcher reads it). */
async function readSources(paths: readonly string[], context: CliContext): Promise<Source[]> {
  const sources: Source[] = [];
  for (const given of paths) {
    if (given === STDIN) {
      sources.push({ label: '<stdin>', text: await context.readStdin() });
      continue;
    }
    const full = path.resolve(context.cwd, given);
    const stat = await fs.stat(full).catch(() => undefined);
    if (stat?.isDirectory()) {
      const { files } = await listManifestFiles(full);
      if (files.length === 0) throw new CliError(`error: ${given} holds no .yaml, .yml or .json files`);
      for (const file of files) sources.push(await readFile(path.join(full, file), path.join(given, file)));
    } else {
      sources.push(await readFile(full, given));
    }
  }
  return sources;
}

function buildRequest(sources: Source[]): ApplyRequest {
  if (sources.length === 1) {
    const [only] = sources;
    const contentType = only.label.endsWith('.json') ? 'application/json' : 'application/yaml';
    return { body: only.text, contentType, label: only.label };
  }
  const documents: unknown[] = [];
  const origins: Origin[] = [];
  for (const source of sources) {
    const parsed = parseDocuments(source.text);
    if (!parsed.ok) {
      const { line, column, message } = parsed.error;
      throw new CliError(`error: ${source.label}:${line}:${column}: ${message}; nothing was sent`);
    }
    parsed.documents.forEach((document, index) => {
      documents.push(document);
      origins.push({ label: source.label, index });
    });
  }
  return { body: JSON.stringify(documents), contentType: 'application/json', origins };
}

/** `mesh.yaml: document 2 (VirtualService httpbin): spec.http[0].route: message` — documents counted from 1. */
function describeDocumentError(error: DocumentError, origins: Origin[] | undefined): string {
  const origin = origins?.[error.document];
  const where = origin ? `${origin.label}: document ${origin.index + 1}` : `document ${error.document + 1}`;
  const what = error.kind || error.name ? ` (${[error.kind, error.name].filter(Boolean).join(' ')})` : '';
  const field = error.path ? `${error.path}: ` : '';
  return `${where}${what}: ${field}${error.message}`;
}

async function apply(client: ApiClient, request: ApplyRequest, dryRun: boolean, context: CliContext): Promise<void> {
  const response = await client.request('POST', '/v1/apply', {
    body: request.body,
    contentType: request.contentType,
    query: { dryRun: dryRun || undefined },
  });
  if (response.status === 200) {
    const { results, dryRun: wasDryRun } = readApplyResponse(response.body);
    const suffix = wasDryRun ? ' (dry run)' : '';
    for (const result of results) context.stdout(`${displayName(result.kind, result.name)} ${result.action}${suffix}\n`);
    return;
  }
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
    .option('--dry-run', 'validate and show what would change, without writing')
    .addHelpText('after', '\nExamples:\n  meshgate apply -f gateway.yaml\n  meshgate apply -f manifests/\n  cat vs.yaml | meshgate apply -f -')
    .action(async (options: { filename?: string[]; dryRun?: boolean }, command: Command) =>
      runAction(context, async () => {
        const paths = options.filename ?? [];
        if (paths.length === 0) throw new CliError('error: apply needs at least one -f FILE, -f DIR or -f -');
        const client = clientFor(command, context);
        const sources = await readSources(paths, context);
        await apply(client, buildRequest(sources), options.dryRun === true, context);
      }),
    );
}
