/**
 * A plaintext-port ADS peer that behaves like a proxy for the metrics tests: it subscribes to
 * clusters and listeners (wildcard), ACKs every response, NACKs the ones it is told to, and
 * counts what it got. Driven by the server's pushes, not by timers.
 */
import * as grpc from '@grpc/grpc-js';
import { adsPackageDefinition, TYPE_URLS } from '@meshgate/envoy-proto';

interface Response {
  version_info: string;
  nonce: string;
  type_url: string;
}

export interface AdsProxy {
  /** Responses received per type URL. */
  readonly received: Map<string, number>;
  /** NACK the next response of this type instead of ACKing it. */
  nackNext(typeUrl: string): void;
  /** Resolves once `count` responses of `typeUrl` have arrived in total. */
  waitFor(typeUrl: string, count: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

type AdsClient = grpc.Client & { StreamAggregatedResources(): grpc.ClientDuplexStream<Record<string, unknown>, Response> };

function adsClient(address: string): AdsClient {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  return new definition.envoy.service.discovery.v3.AggregatedDiscoveryService(address, grpc.credentials.createInsecure()) as unknown as AdsClient;
}

function nodeOf(id: string, namespace: string, role: string, labels: Record<string, string>): Record<string, unknown> {
  const labelFields = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, { stringValue: v }]));
  return {
    id,
    metadata: {
      fields: {
        CLIENT: { stringValue: 'envoy' },
        ROLE: { stringValue: role },
        NAMESPACE: { stringValue: namespace },
        LABELS: { structValue: { fields: labelFields } },
      },
    },
  };
}

export function connectAdsProxy(address: string, node: { id: string; namespace: string; role: string; labels?: Record<string, string> }): AdsProxy {
  const client = adsClient(address);
  const stream = client.StreamAggregatedResources();
  const received = new Map<string, number>();
  const toNack = new Set<string>();
  const waiters: { typeUrl: string; count: number; resolve: () => void }[] = [];
  stream.on('error', () => undefined);
  stream.on('data', (response: Response) => {
    received.set(response.type_url, (received.get(response.type_url) ?? 0) + 1);
    const nack = toNack.delete(response.type_url);
    stream.write({
      type_url: response.type_url,
      version_info: response.version_info,
      response_nonce: response.nonce,
      ...(nack ? { error_detail: { code: 3, message: 'rejected on purpose by the metrics test' } } : {}),
    });
    for (const waiter of [...waiters]) {
      if (waiter.typeUrl === response.type_url && (received.get(waiter.typeUrl) ?? 0) >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  stream.write({ node: nodeOf(node.id, node.namespace, node.role, node.labels ?? {}), type_url: TYPE_URLS.cluster, resource_names: [] });
  stream.write({ type_url: TYPE_URLS.listener, resource_names: [] });
  return {
    received,
    nackNext: (typeUrl) => void toNack.add(typeUrl),
    waitFor(typeUrl, count, timeoutMs = 20000) {
      if ((received.get(typeUrl) ?? 0) >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} ${typeUrl} responses (got ${received.get(typeUrl) ?? 0})`)), timeoutMs);
        waiters.push({ typeUrl, count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close() {
      stream.end();
      client.close();
    },
  };
}

/** Asks for a Secret on the plaintext port, which the server refuses (counted as a refused stream). */
export async function askSecretOnPlaintext(address: string, nodeId: string): Promise<grpc.StatusObject> {
  const client = adsClient(address);
  const stream = client.StreamAggregatedResources();
  const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
  stream.on('error', () => undefined);
  stream.on('data', () => undefined);
  stream.write({ node: nodeOf(nodeId, 'default', 'sidecar', {}), type_url: TYPE_URLS.secret, resource_names: ['default'] });
  const result = await status;
  client.close();
  return result;
}
