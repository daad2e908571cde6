/**
 * `meshgate compile`: the configuration meshgate would send a proxy with these labels and role,
 * from the current state — no proxy needs to be connected (`GET /v1/compile`).
 */
import { Option, type Command } from 'commander';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { at, isRecord } from '../json.js';
import { formatStructured, parseFormat, STRUCTURED_FORMATS } from '../output/format.js';

const TYPE_WORDS = ['listener', 'route', 'cluster', 'endpoint'] as const;
const TYPES: Readonly<Record<(typeof TYPE_WORDS)[number], string>> = {
  listener: 'Listener',
  route: 'RouteConfiguration',
  cluster: 'Cluster',
  endpoint: 'ClusterLoadAssignment',
};

interface CompileOptions {
  role: string;
  client: string;
  namespace: string;
  labels?: string;
  ips?: string;
  certificateProvider: string[];
  type?: string;
  output: string;
}

export function registerCompileCommand(program: Command, context: CliContext): void {
  program
    .command('compile')
    .description('Show the Envoy configuration compiled for a described proxy (no proxy needs to be connected)')
    .addOption(new Option('--role <role>', 'proxy role').choices(['ingress-gateway', 'egress-gateway', 'sidecar']).default('ingress-gateway'))
    .addOption(new Option('--client <client>', 'envoy, or grpc for proxyless gRPC').choices(['envoy', 'grpc']).default('envoy'))
    .option('-n, --namespace <ns>', "the proxy's namespace", 'istio-system')
    .option('-l, --labels <k=v,...>', "the proxy's labels, e.g. istio=ingressgateway")
    .option('--ips <ip,...>', "the workload's addresses (INSTANCE_IPS): a proxyless gRPC server gets a listener per address")
    .option('--certificate-provider <name>', "grpc: an instance the client's bootstrap defines (CERTIFICATE_PROVIDERS), e.g. file:ca=/etc/x/ca.pem; repeatable", (value: string, previous: string[]) => [...previous, value], [])
    .addOption(new Option('-t, --type <type>', 'only this type of resource').choices(TYPE_WORDS))
    .addOption(new Option('-o, --output <format>', 'output format').choices(STRUCTURED_FORMATS).default('yaml'))
    .action(async (options: CompileOptions, command: Command) =>
      runAction(context, async () => {
        const format = parseFormat(options.output, STRUCTURED_FORMATS);
        const query = new URLSearchParams({ role: options.role, client: options.client, namespace: options.namespace });
        if (options.labels) query.set('labels', options.labels);
        if (options.ips) query.set('ips', options.ips);
        for (const name of options.certificateProvider) query.append('certificateProvider', name);
        const body = await clientFor(command, context).getJson(`/v1/compile?${query.toString()}`);
        if (!isRecord(body)) throw new CliError('error: unexpected response from the server: the compile result is not a JSON object');
        const diagnostics = at(body, 'diagnostics');
        if (Array.isArray(diagnostics)) {
          for (const d of diagnostics) if (isRecord(d)) context.stderr(`${String(d.severity)}: ${String(d.object)}: ${String(d.message)}\n`);
        }
        const resources = at(body, 'resources');
        if (options.type === undefined) {
          context.stdout(formatStructured(resources ?? {}, format));
          return;
        }
        const word = parseFormat(options.type, TYPE_WORDS);
        const list = isRecord(resources) ? resources[TYPES[word]] : undefined;
        context.stdout(formatStructured(Array.isArray(list) ? list : [], format));
      }),
    );
}
