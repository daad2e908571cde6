/**
 * `meshgate proxy-status`: every connected proxy and, per xDS type, whether it has ACKed the
 * latest configuration, like `istioctl proxy-status`, and which xDS protocol it speaks (XDS: SOTW
 * for state of the world, DELTA for incremental).
 */
import { Option, type Command } from 'commander';
import { clientFor, runAction, type CliContext } from '../context.js';
import { formatStructured, parseFormat } from '../output/format.js';
import { formatTable } from '../output/table.js';
import { readProxies, type TypeStatus } from '../responses.js';

const STATUS_FORMATS = ['table', 'json', 'yaml'] as const;

/** Columns in istioctl's order, with the Envoy resource type each one reports. */
const TYPE_COLUMNS: readonly { header: string; type: string }[] = [
  { header: 'CDS', type: 'Cluster' },
  { header: 'LDS', type: 'Listener' },
  { header: 'EDS', type: 'ClusterLoadAssignment' },
  { header: 'RDS', type: 'RouteConfiguration' },
  { header: 'SDS', type: 'Secret' },
];

/**
 * SYNCED: the proxy ACKed what was last sent. NACK: it rejected the last version. STALE: sent,
 * not yet answered. NOT SENT: subscribed, nothing sent yet. `-`: the proxy does not ask for it.
 */
export function typeCell(status: TypeStatus | undefined): string {
  if (status === undefined) return '-';
  if (status.nack !== undefined) return 'NACK';
  if (status.synced) return 'SYNCED';
  if (status.sentVersion === undefined) return 'NOT SENT';
  return 'STALE';
}

export function registerProxyStatusCommand(program: Command, context: CliContext): void {
  program
    .command('proxy-status')
    .description('Show connected proxies and whether each has accepted its latest configuration')
    .addOption(new Option('-o, --output <format>', 'output format').choices(STATUS_FORMATS).default('table'))
    .action(async (options: { output: string }, command: Command) =>
      runAction(context, async () => {
        const format = parseFormat(options.output, STATUS_FORMATS);
        const body = await clientFor(command, context).getJson('/v1/proxies');
        const proxies = readProxies(body);
        if (format !== 'table') {
          context.stdout(formatStructured(body, format));
          return;
        }
        if (proxies.length === 0) {
          context.stderr('No proxies connected.\n');
          return;
        }
        const rows = proxies.map((proxy) => [
          proxy.id,
          proxy.role,
          proxy.client,
          proxy.namespace,
          proxy.protocol === 'delta' ? 'DELTA' : 'SOTW',
          ...TYPE_COLUMNS.map(({ type }) => typeCell(proxy.types.get(type))),
          proxy.version ?? '-',
        ]);
        context.stdout(formatTable(['ID', 'ROLE', 'CLIENT', 'NAMESPACE', 'XDS', ...TYPE_COLUMNS.map(({ header }) => header), 'VERSION'], rows));
        const rejections = proxies.flatMap((proxy) =>
          [...proxy.types].flatMap(([type, status]) => (status.nack === undefined ? [] : [`${proxy.id} rejected ${type}: ${status.nack}`])),
        );
        if (rejections.length > 0) context.stdout(`\n${rejections.map((line) => `${line}\n`).join('')}`);
      }),
    );
}
