/**
 * The messages of proto/meshgate/v1 as @grpc/proto-loader decodes them with LOADER_OPTIONS
 * (camelCase, defaults filled in, null for an unset message, 64-bit integers as numbers), and the
 * conversions between the event log's events and their message form.
 */
import { fromStruct, fromValue, toStruct, toValue, type StructMessage, type ValueMessage } from './struct.js';

export interface ApplyRequestMessage {
  documents: string;
  dryRun: boolean;
  idempotencyKey: string;
}

export interface ObjectResultMessage {
  kind: string;
  namespace: string;
  name: string;
  action: string;
}

export interface ApplyResponseMessage {
  sequence: number;
  dryRun: boolean;
  results: ObjectResultMessage[];
  /** Accepted but not applied as written (an Istio field meshgate does not implement yet). */
  warnings: string[];
}

export interface GetResourceRequestMessage {
  kind: string;
  namespace: string;
  name: string;
}

export interface GetResourceResponseMessage {
  object: StructMessage | null;
  sequence: number;
}

export interface ListResourcesRequestMessage {
  kind: string;
  namespace: string;
}

export interface ListResourcesResponseMessage {
  items: StructMessage[];
  sequence: number;
}

export interface DeleteResourceRequestMessage {
  kind: string;
  namespace: string;
  name: string;
  idempotencyKey: string;
}

export interface DeleteResourceResponseMessage {
  sequence: number;
  result: ObjectResultMessage | null;
}

export interface ReadEventsRequestMessage {
  after: number;
  limit: number;
}

export interface WatchEventsRequestMessage {
  after: number;
}

export interface EventMessage {
  sequence: number;
  streamId: string;
  streamVersion: number;
  type: string;
  data: ValueMessage | null;
  metadata: StructMessage | null;
  dedupKey: string;
  recordedAt: string;
}

export interface ReadEventsResponseMessage {
  events: EventMessage[];
  head: number;
}

export interface ListProxiesResponseMessage {
  items: StructMessage[];
}

export interface ProxyConfigRequestMessage {
  id: string;
}

export interface ProxyConfigResponseMessage {
  config: StructMessage | null;
}

/** An event as the log stores it and REST shows it. */
export interface EventRecord {
  sequence: number;
  streamId: string;
  streamVersion: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  dedupKey: string | null;
  recordedAt: string;
}

export function eventToMessage(event: EventRecord): EventMessage {
  return {
    sequence: event.sequence,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    type: event.type,
    data: toValue(event.data),
    metadata: toStruct(event.metadata),
    dedupKey: event.dedupKey ?? '',
    recordedAt: event.recordedAt,
  };
}

export function eventFromMessage(message: EventMessage): EventRecord {
  return {
    sequence: message.sequence,
    streamId: message.streamId,
    streamVersion: message.streamVersion,
    type: message.type,
    data: fromValue(message.data),
    metadata: fromStruct(message.metadata),
    dedupKey: message.dedupKey === '' ? null : message.dedupKey,
    recordedAt: message.recordedAt,
  };
}
