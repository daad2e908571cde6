/** `meshgate proxy-config ID`: the Envoy configuration compiled for one connected proxy. */
import { Option, type Command } from 'commander';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { at, isRecord } from '../json.js';
import { formatStructured, parseFormat, STRUCTURED_FORMATS } from '../output/format.js';

/** `--type` words, as istioctl spells them, and the Envoy resource type each one selects. */
const CONFIG_TYPE_WORDS = ['listener', 'route', 'cluster', 'endpoint', 'secret'] as const;
const CONFIG_TYPES: Readonly<Record<(typeof CONFIG_TYPE_WORDS)[number], string>> = {
  listener: 'Listener',
  route: 'RouteConfiguration',
  cluster: 'Cluster',
  endpoint: 'ClusterLoadAssignment',
  secret: 'Secret',
};

export function registerProxyConfigCommand(program: Command, context: CliContext): void {
  program
    .command('proxy-config')
    .description('Show the Envoy configuration compiled for one connected proxy')
    .argument('<id>', 'proxy id (node.id), as proxy-status lists it')
    .addOption(new Option('-t, --type <type>', 'only this type of resource').choices(CONFIG_TYPE_WORDS))
    .addOption(new Option('-o, --output <format>', 'output format').choices(STRUCTURED_FORMATS).default('json'))
    .action(async (id: string, options: { type?: string; output: string }, command: Command) =>
      runAction(context, async () => {
        const format = parseFormat(options.output, STRUCTURED_FORMATS);
        const config = await clientFor(command, context).getJson(`/v1/proxies/${encodeURIComponent(id)}/config`);
        if (!isRecord(config)) throw new CliError('error: unexpected response from the server: the proxy config is not a JSON object');
        if (options.type === undefined) {
          context.stdout(formatStructured(config, format));
          return;
        }
        const word = parseFormat(options.type, CONFIG_TYPE_WORDS);
        const resources = at(config, CONFIG_TYPES[word]);
        context.stdout(formatStructured(Array.isArray(resources) ? resources : [], format));
      }),
    );
}
