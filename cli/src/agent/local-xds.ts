/**
 * The application's xDS, served by the agent on loopback or a Unix socket (grpc-js-xds can speak
 * only insecure or google_default to its xDS server): each ADS stream the application opens is
 * relayed upstream over the agent's mTLS connection to meshgate, as istio-agent does.
 *
 * The application speaks for the agent's identity only: node metadata naming another NAMESPACE or
 * SERVICE_ACCOUNT is refused here (PERMISSION_DENIED), and missing ones are filled in. Secret
 * subscriptions are refused: the application reads its certificate from the files, and the agent
 * hands out no key over xDS.
 */
import { rm } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import type { Logger } from 'pino';
import type { AgentConfig } from './config.js';
import { openUpstreamStream, type XdsMessage } from './upstream.js';

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

export const SDS_NOT_PROXIED = 'meshgate agent does not relay SDS: the workload certificate is in the files of the file_watcher certificate provider';

type Value = { stringValue?: string; kind?: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The application's node with the agent's identity filled in, or why it may not be relayed. */
export function checkApplicationNode(node: unknown, config: Pick<AgentConfig, 'namespace' | 'serviceAccount' | 'nodeId'>): { node: XdsMessage } | { error: string } {
  if (!isRecord(node) || typeof node.id !== 'string' || node.id === '') return { error: 'the first DiscoveryRequest must carry node.id' };
  if (node.id === `${config.nodeId}~agent`) return { error: `node id ${node.id} is the agent's own` };
  const metadata = isRecord(node.metadata) ? node.metadata : {};
  const fields: Record<string, Value> = isRecord(metadata.fields) ? { ...(metadata.fields as Record<string, Value>) } : {};
  const wrong: string[] = [];
  for (const [key, expected] of [
    ['NAMESPACE', config.namespace],
    ['SERVICE_ACCOUNT', config.serviceAccount],
  ] as const) {
    const claimed = fields[key]?.stringValue;
    if (claimed !== undefined && claimed !== '' && claimed !== expected) wrong.push(`${key} "${claimed}" (agent: "${expected}")`);
    fields[key] = { stringValue: expected, kind: 'stringValue' };
  }
  if (wrong.length > 0) return { error: `node metadata claims ${wrong.join(' and ')}: this agent relays xDS only for its own identity` };
  return { node: { ...node, metadata: { ...metadata, fields } } };
}

export class LocalXdsServer {
  private readonly server = new grpc.Server();
  private readonly open = new Set<() => void>();
  private boundAddress = '';

  constructor(
    private readonly config: AgentConfig,
    private readonly logger: Logger,
  ) {
    const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
      envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: { service: grpc.ServiceDefinition } } } } };
    };
    this.server.addService(definition.envoy.service.discovery.v3.AggregatedDiscoveryService.service, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<XdsMessage, XdsMessage>) => this.relay(call),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<XdsMessage, XdsMessage>) => {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'delta xDS is not relayed; use state of the world' });
      },
    });
  }

  /** `127.0.0.1:PORT` as bound (the port resolved when 0), or the `unix:` path. */
  get address(): string {
    return this.boundAddress;
  }

  async start(): Promise<string> {
    if (this.config.listen.startsWith('unix:')) await rm(this.config.listen.slice('unix:'.length), { force: true });
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(this.config.listen, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
    this.boundAddress = this.config.listen.startsWith('unix:') ? this.config.listen : this.config.listen.replace(/:\d+$/, `:${port}`);
    return this.boundAddress;
  }

  async stop(): Promise<void> {
    for (const close of this.open) close();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private relay(call: grpc.ServerDuplexStream<XdsMessage, XdsMessage>): void {
    let upstream: ReturnType<typeof openUpstreamStream> | undefined;
    let finished = false;
    const finish = (status?: { code: number; details: string }) => {
      if (finished) return;
      finished = true;
      this.open.delete(closeAll);
      void upstream?.then((u) => u.close()).catch(() => undefined);
      if (status && status.code !== grpc.status.OK) call.emit('error', status);
      else call.end();
    };
    const closeAll = () => finish({ code: grpc.status.UNAVAILABLE, details: 'meshgate agent is stopping' });
    this.open.add(closeAll);

    call.on('data', (request: XdsMessage) => {
      if (finished) return;
      if (request.type_url === SECRET_TYPE) {
        this.logger.warn({ node: (request.node as { id?: string } | undefined)?.id }, 'the application asked for secrets over xDS; refused');
        finish({ code: grpc.status.PERMISSION_DENIED, details: SDS_NOT_PROXIED });
        return;
      }
      if (!upstream) {
        const checked = checkApplicationNode(request.node, this.config);
        if ('error' in checked) {
          this.logger.warn(checked.error);
          finish({ code: grpc.status.PERMISSION_DENIED, details: checked.error });
          return;
        }
        request = { ...request, node: checked.node };
        upstream = openUpstreamStream(this.config);
        void upstream.then(
          ({ call: up }) => {
            up.on('data', (response: XdsMessage) => call.write(response));
            up.on('error', () => undefined); // reported through 'status'
            up.on('status', (status: grpc.StatusObject) => finish({ code: status.code, details: status.details }));
          },
          (error: unknown) => finish({ code: grpc.status.UNAVAILABLE, details: `meshgate agent cannot reach meshgate: ${error instanceof Error ? error.message : String(error)}` }),
        );
      }
      void upstream.then(({ call: up }) => up.write(request)).catch(() => undefined);
    });
    call.on('end', () => void upstream?.then(({ call: up }) => up.end()).catch(() => undefined));
    call.on('cancelled', () => finish());
    call.on('error', () => finish());
  }
}
