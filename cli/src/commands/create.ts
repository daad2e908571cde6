/**
 * `meshgate create secret tls NAME --cert F --key F [-n NS]` and
 * `meshgate create secret generic NAME --from-file=[KEY=]PATH … [--from-literal=KEY=VALUE …] [-n NS]`,
 * the command lines kubectl takes (the seeds' own): the files are read here and sent as one
 * `v1 Secret` to `POST /v1/apply`. As kubectl, `create` refuses a Secret that exists already.
 *
 * The server keeps the bytes encrypted and the log only their digests; what is wrong with the
 * credential (malformed PEM, key not matching, expired) is accepted, as Kubernetes accepts it,
 * and printed here as a warning. Nothing prints a value.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { problemMessage } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { arrayAt, isRecord } from '../json.js';
import { resourcePath } from '../kinds.js';
import { readApplyResponse } from '../responses.js';

interface CreateOptions {
  namespace?: string;
  cert?: string;
  key?: string;
  fromFile?: string[];
  fromLiteral?: string[];
  type?: string;
}

const SECRET_TYPES = { tls: 'kubernetes.io/tls', generic: 'Opaque' } as const;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function readPayloadFile(file: string, context: CliContext, flag: string): Promise<Buffer> {
  try {
    return await fs.readFile(path.resolve(context.cwd, file));
  } catch (error) {
    throw new CliError(`error: ${flag} ${file}: ${error instanceof Error && 'code' in error ? String(error.code) : 'cannot read'}`);
  }
}

/** `--from-file=KEY=PATH` or `--from-file=PATH` (key = its base name; a directory gives one key per regular file). */
async function fromFile(spec: string, context: CliContext): Promise<[string, Buffer][]> {
  const equals = spec.indexOf('=');
  if (equals === 0) throw new CliError(`error: --from-file=${spec}: the key name before "=" is empty`);
  if (equals > 0) return [[spec.slice(0, equals), await readPayloadFile(spec.slice(equals + 1), context, '--from-file')]];
  const full = path.resolve(context.cwd, spec);
  const stat = await fs.stat(full).catch(() => undefined);
  if (stat?.isDirectory()) {
    const entries = await fs.readdir(full, { withFileTypes: true });
    return Promise.all(entries.filter((entry) => entry.isFile()).map(async (entry) => [entry.name, await readPayloadFile(path.join(spec, entry.name), context, '--from-file')] as [string, Buffer]));
  }
  return [[path.basename(spec), await readPayloadFile(spec, context, '--from-file')]];
}

async function payloadOf(variant: keyof typeof SECRET_TYPES, options: CreateOptions, context: CliContext): Promise<Map<string, Buffer>> {
  const payload = new Map<string, Buffer>();
  const add = (key: string, value: Buffer) => {
    if (payload.has(key)) throw new CliError(`error: key "${key}" given twice; nothing was created`);
    payload.set(key, value);
  };
  if (variant === 'tls') {
    if (options.cert === undefined || options.key === undefined) throw new CliError('error: create secret tls needs --cert FILE and --key FILE');
    if ((options.fromFile ?? []).length > 0 || (options.fromLiteral ?? []).length > 0) throw new CliError('error: create secret tls takes --cert and --key, not --from-file or --from-literal');
    add('tls.crt', await readPayloadFile(options.cert, context, '--cert'));
    add('tls.key', await readPayloadFile(options.key, context, '--key'));
    return payload;
  }
  if (options.cert !== undefined || options.key !== undefined) throw new CliError('error: create secret generic takes --from-file and --from-literal; --cert and --key are for create secret tls');
  for (const spec of options.fromFile ?? []) for (const [key, value] of await fromFile(spec, context)) add(key, value);
  for (const literal of options.fromLiteral ?? []) {
    const equals = literal.indexOf('=');
    if (equals <= 0) throw new CliError(`error: --from-literal must be KEY=VALUE (the value is not shown)`);
    add(literal.slice(0, equals), Buffer.from(literal.slice(equals + 1), 'utf8'));
  }
  return payload;
}

export function registerCreateCommand(program: Command, context: CliContext): void {
  program
    .command('create')
    .description('Create a Secret from files, as kubectl does: create secret tls NAME --cert F --key F, create secret generic NAME --from-file=[KEY=]F')
    .argument('<args...>', 'secret tls NAME | secret generic NAME')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .option('--cert <file>', 'tls: the PEM certificate (chain), stored as tls.crt')
    .option('--key <file>', 'tls: the PEM private key, stored as tls.key')
    .option('--from-file <[key=]path>', 'generic: a key from a file (key = the file name unless given; a directory adds each file) (repeatable)', collect)
    .option('--from-literal <key=value>', 'generic: a key from a literal value (repeatable)', collect)
    .option('--type <type>', 'generic: the Secret type (default Opaque)')
    .addHelpText(
      'after',
      '\nExamples:\n  meshgate create -n istio-system secret tls httpbin-credential --key=httpbin.example.com.key --cert=httpbin.example.com.crt\n' +
        '  meshgate create -n istio-system secret generic httpbin-credential --from-file=tls.key=httpbin.example.com.key \\\n' +
        '      --from-file=tls.crt=httpbin.example.com.crt --from-file=ca.crt=example.com.crt\n' +
        '  meshgate create secret generic alb-certs -n istio-system --from-file=trusted.crt --from-file=alb_certs/client.crt',
    )
    .action(async (args: string[], options: CreateOptions, command: Command) =>
      runAction(context, async () => {
        const [resource, variant, name, ...rest] = args;
        if (resource !== 'secret' && resource !== 'secrets') throw new CliError(`error: meshgate creates Secrets only: create secret tls|generic NAME (got "${args.join(' ')}")`);
        if (variant !== 'tls' && variant !== 'generic') throw new CliError('error: create secret needs tls or generic: create secret tls NAME --cert F --key F, or create secret generic NAME --from-file=…');
        if (name === undefined || name === '') throw new CliError(`error: create secret ${variant} needs a NAME`);
        if (rest.length > 0) throw new CliError(`error: unexpected arguments: ${rest.join(' ')}`);
        if (options.type !== undefined && variant === 'tls') throw new CliError('error: --type is for create secret generic');
        const payload = await payloadOf(variant, options, context);
        if (payload.size === 0) throw new CliError('error: create secret generic needs --from-file or --from-literal');
        const namespace = options.namespace ?? 'default';
        const client = clientFor(command, context);

        const existing = await client.request('GET', resourcePath('Secret', namespace, name));
        if (existing.status === 200) throw new CliError(`error: secrets "${name}" already exists (delete it first, or apply a changed Secret)`);
        if (existing.status !== 404) throw new CliError(problemMessage(existing));

        const data = Object.fromEntries([...payload].map(([key, value]) => [key, value.toString('base64')]));
        const document = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: options.type ?? SECRET_TYPES[variant], data };
        const response = await client.request('POST', '/v1/apply', { body: JSON.stringify(document), contentType: 'application/json' });
        if (response.status !== 200) {
          // Field errors name keys (`data["tls.key"]`), never values.
          const errors = arrayAt(response.body, 'errors').flatMap((error) => (isRecord(error) && typeof error.message === 'string' ? [`${String(error.path ?? '')}: ${error.message}`] : []));
          for (const line of errors) context.stderr(`${line}\n`);
          throw new CliError(problemMessage(response));
        }
        const [result] = readApplyResponse(response.body).results;
        context.stdout(`secret/${name} ${result?.action ?? 'created'}\n`);
        // Accepted as Kubernetes accepts it; what is wrong with it as a credential is said here.
        const stored = await client.request('GET', resourcePath('Secret', namespace, name));
        const problems = stored.status === 200 && isRecord(stored.body) ? arrayAt(stored.body, 'problems') : [];
        for (const problem of problems) if (typeof problem === 'string') context.stderr(`Warning: secret/${name}: ${problem}\n`);
      }),
    );
}
