/**
 * `meshgate proxy-config [TYPE] ID`: the Envoy configuration of one connected proxy, as istioctl
 * shows it (`proxy-config cluster ingress-1 --fqdn httpbin.default.svc.cluster.local`); with
 * `--at SEQ`, what that proxy was sent at that log position (its node compiled against the
 * state at SEQ; certificates are not in the log, so Secret is empty there).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { at, isRecord } from '../json.js';
import { formatStructured, parseFormat, STRUCTURED_FORMATS } from '../output/format.js';
import { filterResources } from '../output/proxy-filters.js';
import { logSequence } from './history.js';

/** Type words, as istioctl spells them (singular or plural), and the Envoy resource type each one selects. */
const CONFIG_TYPE_WORDS = ['listener', 'route', 'cluster', 'endpoint', 'secret'] as const;
type ConfigTypeWord = (typeof CONFIG_TYPE_WORDS)[number];
const CONFIG_TYPES: Readonly<Record<ConfigTypeWord, string>> = {
  listener: 'Listener',
  route: 'RouteConfiguration',
  cluster: 'Cluster',
  endpoint: 'ClusterLoadAssignment',
  secret: 'Secret',
};

function typeWord(typed: string): ConfigTypeWord | undefined {
  const singular = typed.toLowerCase().replace(/s$/, '');
  return CONFIG_TYPE_WORDS.find((word) => word === singular);
}

function port(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new InvalidArgumentError('expected a port number (1-65535)');
  return Number(value);
}

interface ProxyConfigOptions {
  type?: string;
  fqdn?: string;
  port?: number;
  at?: number;
  output: string;
}

export function registerProxyConfigCommand(program: Command, context: CliContext): void {
  program
    .command('proxy-config')
    .description('Show the Envoy configuration of one connected proxy, now or at a log position')
    .argument('<type-or-id>', 'listener|route|cluster|endpoint|secret, then the proxy id; or only the proxy id (node.id, as proxy-status lists it)')
    .argument('[id]', 'the proxy id, after a type')
    .addOption(new Option('-t, --type <type>', 'only this type of resource').choices(CONFIG_TYPE_WORDS))
    .option('--fqdn <fqdn>', 'only resources for this service host (cluster, endpoint, route, proxyless listener)')
    .option('--port <port>', 'only resources for this port', port)
    .option('--at <seq>', 'what the proxy was sent at this log position (compiled from the state at SEQ)', logSequence)
    .addOption(new Option('-o, --output <format>', 'output format').choices(STRUCTURED_FORMATS).default('json'))
    .addHelpText('after', '\nExamples:\n  meshgate proxy-config cluster ingress-1 --fqdn httpbin.default.svc.cluster.local\n  meshgate proxy-config route ingress-1 --port 80 -o yaml\n  meshgate proxy-config listener ingress-1 --at 42')
    .action(async (first: string, second: string | undefined, options: ProxyConfigOptions, command: Command) =>
      runAction(context, async () => {
        const format = parseFormat(options.output, STRUCTURED_FORMATS);
        let word = options.type === undefined ? undefined : typeWord(options.type);
        let id = first;
        if (second !== undefined) {
          const positional = typeWord(first);
          if (positional === undefined) throw new CliError(`error: "${first}" is not a configuration type; use one of: ${CONFIG_TYPE_WORDS.join(', ')}`);
          if (word !== undefined && word !== positional) throw new CliError(`error: the type is given twice (${first} and --type ${options.type ?? ''})`);
          word = positional;
          id = second;
        }
        if (word === undefined && (options.fqdn !== undefined || options.port !== undefined)) {
          throw new CliError('error: --fqdn and --port filter one type: give it, e.g. `meshgate proxy-config cluster ID --fqdn HOST`');
        }
        const config = await clientFor(command, context).getJson(`/v1/proxies/${encodeURIComponent(id)}/config`, { at: options.at });
        if (!isRecord(config)) throw new CliError('error: unexpected response from the server: the proxy config is not a JSON object');
        if (word === undefined) {
          context.stdout(formatStructured(config, format));
          return;
        }
        const type = CONFIG_TYPES[word];
        const resources = at(config, type);
        context.stdout(formatStructured(filterResources(type, Array.isArray(resources) ? resources : [], { fqdn: options.fqdn, port: options.port }), format));
      }),
    );
}
