/**
 * A typed client for the api's gRPC services (Resources, Events, Proxies): plain JSON objects in
 * and out, the token as `authorization: Bearer` metadata on every call, and a failed call as a
 * `MeshgateGrpcError` carrying the status, the MG_ERR_* code and the field violations the server
 * sent. The CA's client is `connectCa` of @meshgate/ca, on the same definitions.
 */
import * as grpc from '@grpc/grpc-js';
import { bearerMetadata } from './auth.js';
import {
  eventFromMessage,
  type ApplyRequestMessage,
  type ApplyResponseMessage,
  type DeleteResourceRequestMessage,
  type DeleteResourceResponseMessage,
  type EventMessage,
  type EventRecord,
  type GetResourceRequestMessage,
  type GetResourceResponseMessage,
  type ListProxiesResponseMessage,
  type ListResourcesRequestMessage,
  type ListResourcesResponseMessage,
  type ObjectResultMessage,
  type ProxyConfigResponseMessage,
  type ReadEventsResponseMessage,
} from './messages.js';
import { serviceConstructor, type ServiceKey } from './services.js';
import { errorDetailsOf, type FieldViolation } from './status.js';
import { fromStruct } from './struct.js';

export class MeshgateGrpcError extends Error {
  readonly status: grpc.status;
  /** The MG_ERR_* code, when the server sent one. */
  readonly code?: string;
  readonly field?: string;
  readonly violations: FieldViolation[];
  readonly info: Record<string, string>;

  constructor(error: grpc.ServiceError, address: string) {
    const details = errorDetailsOf(error);
    super(`${address}: ${grpc.status[error.code]}: ${error.details}`);
    this.name = 'MeshgateGrpcError';
    this.status = error.code;
    this.code = details.code;
    this.field = details.field;
    this.violations = details.violations;
    this.info = details.info;
  }
}

export interface MeshgateClientOptions {
  /** Sent as `authorization: Bearer <token>` with every call. */
  token?: string;
  /** Default: insecure (the API listens on loopback unless told otherwise). */
  credentials?: grpc.ChannelCredentials;
  /** Per unary call. Default 30 s. */
  deadlineMs?: number;
}

export interface ObjectRef {
  kind: string;
  /** "" for cluster-scoped kinds. */
  namespace: string;
  name: string;
}

export interface ApplyResult {
  sequence: number;
  dryRun: boolean;
  results: ObjectResultMessage[];
  /** Accepted but not applied as written (`Kind ns/name: field.path: why`). */
  warnings: string[];
}

export interface EventWatch extends AsyncIterable<EventRecord> {
  /** Ends the stream (a `for await` loop left early ends it too). */
  cancel(): void;
}

export interface MeshgateClient {
  resources: {
    apply(request: { documents: string; dryRun?: boolean; idempotencyKey?: string }): Promise<ApplyResult>;
    get(ref: ObjectRef): Promise<{ object: Record<string, unknown>; sequence: number }>;
    list(filter?: { kind?: string; namespace?: string }): Promise<{ items: Record<string, unknown>[]; sequence: number }>;
    delete(ref: ObjectRef & { idempotencyKey?: string }): Promise<{ sequence: number; result: ObjectResultMessage | null }>;
  };
  events: {
    read(request?: { after?: number; limit?: number }): Promise<{ events: EventRecord[]; head: number }>;
    watch(request?: { after?: number }): EventWatch;
  };
  proxies: {
    list(): Promise<Record<string, unknown>[]>;
    config(id: string): Promise<Record<string, unknown>>;
  };
  close(): void;
}

type UnaryMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response: unknown) => void) => grpc.ClientUnaryCall;

export function connectMeshgate(address: string, options: MeshgateClientOptions = {}): MeshgateClient {
  const credentials = options.credentials ?? grpc.credentials.createInsecure();
  const deadlineMs = options.deadlineMs ?? 30_000;
  const metadata = bearerMetadata(options.token);
  const clients = new Map<ServiceKey, grpc.Client>();
  const clientFor = (key: ServiceKey): grpc.Client => {
    let client = clients.get(key);
    if (!client) {
      const Client = serviceConstructor(key);
      client = new Client(address, credentials);
      clients.set(key, client);
    }
    return client;
  };

  function call<Response>(key: ServiceKey, method: string, request: unknown): Promise<Response> {
    const client = clientFor(key);
    const rpc = (client as unknown as Record<string, UnaryMethod | undefined>)[method];
    if (typeof rpc !== 'function') throw new Error(`the ${key} client has no method ${method}`);
    return new Promise((resolve, reject) => {
      rpc.call(client, request, metadata.clone(), { deadline: Date.now() + deadlineMs }, (error, response) => (error ? reject(new MeshgateGrpcError(error, address)) : resolve(response as Response)));
    });
  }

  function watch(after: number): EventWatch {
    const client = clientFor('events') as unknown as { Watch(request: unknown, metadata: grpc.Metadata): grpc.ClientReadableStream<EventMessage> };
    const stream = client.Watch({ after }, metadata.clone());
    let cancelled = false;
    const cancel = () => {
      cancelled = true;
      stream.cancel();
    };
    async function* events(): AsyncGenerator<EventRecord> {
      try {
        for await (const message of stream as AsyncIterable<EventMessage>) yield eventFromMessage(message);
      } catch (error) {
        if (cancelled && (error as grpc.ServiceError).code === grpc.status.CANCELLED) return;
        throw isServiceError(error) ? new MeshgateGrpcError(error, address) : error;
      } finally {
        if (!cancelled) cancel();
      }
    }
    return { cancel, [Symbol.asyncIterator]: () => events() };
  }

  return {
    resources: {
      async apply(request) {
        const message: ApplyRequestMessage = { documents: request.documents, dryRun: request.dryRun ?? false, idempotencyKey: request.idempotencyKey ?? '' };
        const response = await call<ApplyResponseMessage>('resources', 'Apply', message);
        return { sequence: response.sequence, dryRun: response.dryRun, results: response.results, warnings: response.warnings ?? [] };
      },
      async get(ref) {
        const message: GetResourceRequestMessage = { kind: ref.kind, namespace: ref.namespace, name: ref.name };
        const response = await call<GetResourceResponseMessage>('resources', 'Get', message);
        return { object: fromStruct(response.object), sequence: response.sequence };
      },
      async list(filter = {}) {
        const message: ListResourcesRequestMessage = { kind: filter.kind ?? '', namespace: filter.namespace ?? '' };
        const response = await call<ListResourcesResponseMessage>('resources', 'List', message);
        return { items: response.items.map(fromStruct), sequence: response.sequence };
      },
      async delete(ref) {
        const message: DeleteResourceRequestMessage = { kind: ref.kind, namespace: ref.namespace, name: ref.name, idempotencyKey: ref.idempotencyKey ?? '' };
        return call<DeleteResourceResponseMessage>('resources', 'Delete', message);
      },
    },
    events: {
      async read(request = {}) {
        const response = await call<ReadEventsResponseMessage>('events', 'Read', { after: request.after ?? 0, limit: request.limit ?? 0 });
        return { events: response.events.map(eventFromMessage), head: response.head };
      },
      watch: (request = {}) => watch(request.after ?? 0),
    },
    proxies: {
      async list() {
        return (await call<ListProxiesResponseMessage>('proxies', 'List', {})).items.map(fromStruct);
      },
      async config(id) {
        return fromStruct((await call<ProxyConfigResponseMessage>('proxies', 'Config', { id })).config);
      },
    },
    close() {
      for (const client of clients.values()) client.close();
    },
  };
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && 'code' in error && typeof error.code === 'number' && 'metadata' in error;
}
