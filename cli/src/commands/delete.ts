/**
 * `meshgate delete KIND NAME [NAME…]`, `delete KIND/NAME…`, `delete -f FILE|DIR|-`: removes
 * stored objects (`DELETE /v1/resources/...`), one request each, as kubectl does: a missing
 * object is reported and the others are still deleted (exit 1), or skipped silently with
 * `--ignore-not-found`.
 */
import type { Command } from 'commander';
import { problemMessage, type ApiClient } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { isRecord } from '../json.js';
import { isClusterScopedKind, namedObjects, resolveKind, resourcePath, resourceType } from '../kinds.js';
import { parseSources, readSources } from '../manifests.js';
import { readDeleteResponse } from '../responses.js';

interface DeleteOptions {
  namespace?: string;
  filename?: string[];
  ignoreNotFound?: boolean;
}

interface Target {
  kind: string;
  namespace: string;
  name: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The objects the documents of `-f` describe: kind, metadata.name and metadata.namespace (else -n, else default). */
async function targetsFromFiles(paths: readonly string[], namespace: string | undefined, context: CliContext): Promise<Target[]> {
  const documents = parseSources(await readSources(paths, context));
  return documents.map(({ document, origin }) => {
    const where = `${origin.label}: document ${origin.index + 1}`;
    const metadata = isRecord(document) && isRecord(document.metadata) ? document.metadata : undefined;
    const kind = isRecord(document) && typeof document.kind === 'string' ? document.kind : undefined;
    const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
    if (kind === undefined || name === undefined || name === '') throw new CliError(`error: ${where}: needs kind and metadata.name to be deleted; nothing was deleted`);
    const resolved = resolveKind(kind);
    const stated = typeof metadata?.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
    if (stated !== undefined && namespace !== undefined && stated !== namespace) {
      throw new CliError(`error: ${where}: the namespace of the object (${stated}) does not match the namespace given (${namespace}); nothing was deleted`);
    }
    return { kind: resolved, namespace: isClusterScopedKind(resolved) ? '' : (stated ?? namespace ?? 'default'), name };
  });
}

/** true when deleted, false when not found (reported unless ignored). */
async function deleteOne(client: ApiClient, target: Target, options: DeleteOptions, context: CliContext): Promise<boolean> {
  const response = await client.request('DELETE', resourcePath(target.kind, target.namespace, target.name));
  if (response.status === 404 && options.ignoreNotFound) return true;
  if (response.status === 404) {
    context.stderr(`${problemMessage(response)}\n`);
    return false;
  }
  if (response.status !== 200) throw new CliError(problemMessage(response));
  const result = readDeleteResponse(response.body);
  context.stdout(`${resourceType(result.kind)} "${result.name}" ${result.action}\n`);
  return true;
}

export function registerDeleteCommand(program: Command, context: CliContext): void {
  program
    .command('delete')
    .description('Delete stored objects: by kind and names, KIND/NAME, or the objects in files')
    .argument('[type-or-names...]', 'KIND NAME [NAME…] or KIND/NAME…; KIND as for get (vs, gw, svc, virtualservices.networking.istio.io, …)')
    .option('-n, --namespace <namespace>', 'namespace (default "default"; for -f, of documents that name none)')
    .option('-f, --filename <path>', 'delete the objects described in this file, directory or - for stdin (repeatable)', collect)
    .option('--ignore-not-found', 'treat an object that does not exist as deleted')
    .addHelpText('after', '\nExamples:\n  meshgate delete vs httpbin reviews -n shop\n  meshgate delete virtualservice.networking.istio.io/httpbin\n  meshgate delete -f manifests/ --ignore-not-found')
    .action(async (args: string[], options: DeleteOptions, command: Command) =>
      runAction(context, async () => {
        const files = options.filename ?? [];
        if (files.length > 0 && args.length > 0) throw new CliError('error: give either -f FILE or KIND NAME, not both');
        let targets: Target[];
        if (files.length > 0) {
          targets = await targetsFromFiles(files, options.namespace, context);
        } else {
          const { names } = namedObjects(args);
          if (names.length === 0) throw new CliError('error: name the objects to delete: KIND NAME [NAME…], KIND/NAME…, or -f FILE');
          targets = names.map(({ kind, name }) => ({ kind, namespace: isClusterScopedKind(kind) ? '' : (options.namespace ?? 'default'), name }));
        }
        const client = clientFor(command, context);
        let missing = 0;
        for (const target of targets) if (!(await deleteOne(client, target, options, context))) missing++;
        // Each missing object was reported as it was tried; the exit code says some were.
        if (missing > 0) throw new CliError('');
      }),
    );
}
