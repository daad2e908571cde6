/**
 * A hand-driven ADS client for tests: responses are read one at a time, in order, and every
 * request (ACK, NACK, subscription) is written explicitly.
 */
import * as grpc from '@grpc/grpc-js';
import { TYPE_URL } from '@meshgate/compiler';
import { adsPackageDefinition, decodeResource } from '@meshgate/envoy-proto';

export interface Response {
  version_info: string;
  nonce: string;
  type_url: string;
  resources: { type_url: string; value: Buffer }[];
}

export interface NodeDescription {
  id: string;
  client?: 'envoy' | 'grpc';
  namespace?: string;
  serviceAccount?: string;
  /** Node metadata ROLE (sidecar when absent) and LABELS. */
  role?: 'sidecar' | 'ingress-gateway' | 'egress-gateway';
  labels?: Record<string, string>;
  /** `delta`: DeltaAggregatedResources (responses are DeltaDiscoveryResponse, see `deltaOf`); default state of the world. */
  protocol?: 'sotw' | 'delta';
}

/** A DeltaDiscoveryResponse as grpc-js decodes it. */
export interface DeltaResponse {
  type_url: string;
  nonce: string;
  system_version_info: string;
  resources: { name: string; version: string; resource: { type_url: string; value: Buffer } }[];
  removed_resources: string[];
}

/** The delta response a delta stream's `next()` resolved with. */
export function deltaOf(response: Response): DeltaResponse {
  return response as unknown as DeltaResponse;
}

/** A client certificate for the mTLS port, and the trust bundle to verify the server with. */
export interface ClientTls {
  certificateChain: string;
  privateKey: string;
  trustBundle: string;
  /** The name the server's certificate must carry; default the xds service's default identity. */
  serverName?: string;
}

export const XDS_SERVER_NAME = 'meshgate-xds.meshgate-system.cluster.local';

export interface AdsTestStream {
  send(request: Record<string, unknown>): void;
  /** The next response, or a rejection if none arrives within `timeoutMs` (default 10 s). */
  next(timeoutMs?: number): Promise<Response>;
  /** Set when the stream failed or ended (it must not, across pushes). */
  readonly ended: boolean;
  /** Resolves with the status the stream ended with (an error or OK). */
  readonly status: Promise<{ code: number; details: string }>;
  close(): void;
}

/** Opens an ADS stream: plaintext, or over mTLS with `tls` (the server's secure port). */
export function openAdsStream(port: number, description: NodeDescription, tls?: ClientTls): AdsTestStream {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  const Client = definition.envoy.service.discovery.v3.AggregatedDiscoveryService;
  const credentials = tls
    ? grpc.credentials.createSsl(Buffer.from(tls.trustBundle), Buffer.from(tls.privateKey), Buffer.from(tls.certificateChain))
    : grpc.credentials.createInsecure();
  const serverName = tls?.serverName ?? XDS_SERVER_NAME;
  const client = new Client(`127.0.0.1:${port}`, credentials, tls ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {});
  const stream = (description.protocol === 'delta' ? client.DeltaAggregatedResources() : client.StreamAggregatedResources()) as grpc.ClientDuplexStream<Record<string, unknown>, Response>;
  const status = new Promise<{ code: number; details: string }>((resolve) => stream.on('status', (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details })));
  const queue: Response[] = [];
  const waiters: ((r: Response) => void)[] = [];
  let ended = false;
  stream.on('data', (r: Response) => {
    const waiter = waiters.shift();
    if (waiter) waiter(r);
    else queue.push(r);
  });
  stream.on('error', () => {
    ended = true;
  });
  stream.on('end', () => {
    ended = true;
  });
  const fields: Record<string, { stringValue: string }> = { CLIENT: { stringValue: description.client ?? 'envoy' } };
  if (description.namespace) fields.NAMESPACE = { stringValue: description.namespace };
  if (description.serviceAccount) fields.SERVICE_ACCOUNT = { stringValue: description.serviceAccount };
  if (description.role) fields.ROLE = { stringValue: description.role };
  const labels = description.labels ? { LABELS: { structValue: { fields: Object.fromEntries(Object.entries(description.labels).map(([k, v]) => [k, { stringValue: v }])) } } } : {};
  const node = { id: description.id, metadata: { fields: { ...fields, ...labels } } };
  let first = true;
  return {
    send(request) {
      stream.write(first ? { ...request, node } : request);
      first = false;
    },
    next(timeoutMs = 10_000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no response for ${description.id} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (r: Response) => {
          clearTimeout(timer);
          resolve(r);
        };
        waiters.push(waiter);
      });
    },
    get ended() {
      return ended;
    },
    status,
    close() {
      stream.end();
      client.close();
    },
  };
}

export interface DecodedSecret {
  name: string;
  certificateChain?: string;
  privateKey?: string;
  trustedCa?: string;
}

/** The Secret resources of a response, by name, with their PEM strings pulled out. */
export function decodeSecrets(response: Response): Map<string, DecodedSecret> {
  const out = new Map<string, DecodedSecret>();
  for (const any of response.resources) {
    const secret = decodeResource(TYPE_URL.secret, any.value) as {
      name: string;
      tls_certificate?: { certificate_chain?: { inline_string?: string }; private_key?: { inline_string?: string } };
      validation_context?: { trusted_ca?: { inline_string?: string } };
    };
    out.set(secret.name, {
      name: secret.name,
      certificateChain: secret.tls_certificate?.certificate_chain?.inline_string,
      privateKey: secret.tls_certificate?.private_key?.inline_string,
      trustedCa: secret.validation_context?.trusted_ca?.inline_string,
    });
  }
  return out;
}

/** The Secret resources of a delta response, by name (see `decodeSecrets`). */
export function decodeDeltaSecrets(response: DeltaResponse): Map<string, DecodedSecret> {
  return decodeSecrets({ version_info: '', nonce: response.nonce, type_url: response.type_url, resources: response.resources.map((r) => r.resource) });
}

/** Sends the ACK of a response (same names as subscribed). */
export function ack(stream: AdsTestStream, response: Response, names: string[]): void {
  stream.send({ type_url: response.type_url, resource_names: names, version_info: response.version_info, response_nonce: response.nonce });
}
