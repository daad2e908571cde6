/**
 * The shapes of the REST API's answers (services/api, DESIGN.md "Contracts"), read from JSON
 * with checks: a field the CLI prints must be there with the right type.
 */
import { CliError } from './errors.js';
import { arrayAt, at, isRecord, numberAt, stringAt, stringsAt, type JsonRecord } from './json.js';

function unexpected(what: string): CliError {
  return new CliError(`error: unexpected response from the server: ${what}`);
}

export interface ObjectResult {
  kind: string;
  namespace: string;
  name: string;
  action: string;
}

function readObjectResult(value: unknown, where: string): ObjectResult {
  const kind = stringAt(value, 'kind');
  const namespace = stringAt(value, 'namespace');
  const name = stringAt(value, 'name');
  const action = stringAt(value, 'action');
  if (kind === undefined || namespace === undefined || name === undefined || action === undefined) {
    throw unexpected(`${where} needs kind, namespace, name and action`);
  }
  return { kind, namespace, name, action };
}

export interface ApplyResponse {
  sequence: number;
  dryRun: boolean;
  results: ObjectResult[];
  /** What the server warns about (a rejected IngressBackend, …); [] from servers that send none. */
  warnings: string[];
}

/** `200 {sequence, dryRun?, results: [{kind, namespace, name, action}], warnings?: string[]}` (a dry run adds `objects`, `proxies`). */
export function readApplyResponse(body: unknown): ApplyResponse {
  const sequence = numberAt(body, 'sequence');
  if (sequence === undefined || !Array.isArray(at(body, 'results'))) throw unexpected('apply answer needs sequence and results');
  return {
    sequence,
    dryRun: isRecord(body) && body.dryRun === true,
    results: arrayAt(body, 'results').map((result, index) => readObjectResult(result, `results[${index}]`)),
    warnings: stringsAt(body, 'warnings'),
  };
}

/** `200 {sequence, result: {kind, namespace, name, action}}` */
export function readDeleteResponse(body: unknown): ObjectResult {
  return readObjectResult(at(body, 'result'), 'result');
}

export interface DocumentError {
  /** 0-based index in the request. */
  document: number;
  kind?: string;
  name?: string;
  path: string;
  message: string;
}

/** The `errors` of a 422 `{code, message, errors: [{document, kind?, name?, path, message}]}`; malformed entries are skipped. */
export function readDocumentErrors(body: unknown): DocumentError[] {
  return arrayAt(body, 'errors').flatMap((entry): DocumentError[] => {
    const document = numberAt(entry, 'document');
    const message = stringAt(entry, 'message');
    if (document === undefined || message === undefined) return [];
    return [{ document, kind: stringAt(entry, 'kind'), name: stringAt(entry, 'name'), path: stringAt(entry, 'path') ?? '', message }];
  });
}

/** A list answer `{items, sequence}`, each item an object. */
export function readItems(body: unknown): JsonRecord[] {
  if (!Array.isArray(at(body, 'items'))) throw unexpected('a list needs items');
  return arrayAt(body, 'items').filter(isRecord);
}

export interface StoredEvent {
  sequence: number;
  streamId: string;
  streamVersion?: number;
  type: string;
  data: unknown;
  recordedAt?: string;
}

export function readStoredEvent(value: unknown): StoredEvent {
  const sequence = numberAt(value, 'sequence');
  const streamId = stringAt(value, 'streamId');
  const type = stringAt(value, 'type');
  if (sequence === undefined || streamId === undefined || type === undefined) throw unexpected('an event needs sequence, streamId and type');
  return { sequence, streamId, streamVersion: numberAt(value, 'streamVersion'), type, data: at(value, 'data'), recordedAt: stringAt(value, 'recordedAt') };
}

/** `GET /v1/events`: `{events, head}`. */
export function readEventsPage(body: unknown): { events: StoredEvent[]; head: number } {
  const head = numberAt(body, 'head');
  if (head === undefined || !Array.isArray(at(body, 'events'))) throw unexpected('the event page needs events and head');
  return { events: arrayAt(body, 'events').map(readStoredEvent), head };
}

export interface TypeStatus {
  sentVersion?: string;
  ackedVersion?: string;
  synced: boolean;
  nack?: string;
}

export interface ProxyStatus {
  id: string;
  role: string;
  client: string;
  namespace: string;
  /** The xDS protocol of its stream: `sotw` or `delta` (older servers do not say: `sotw`). */
  protocol: string;
  /** By short type name: Listener, RouteConfiguration, Cluster, ClusterLoadAssignment, Secret. */
  types: Map<string, TypeStatus>;
  /** The proxy's own version, as the xds service reports it (`version`, e.g. from the xDS node's user agent: `envoy/1.31.0`); undefined when it does not. */
  version?: string;
}

function readTypes(value: unknown): Map<string, TypeStatus> {
  const types = new Map<string, TypeStatus>();
  if (!isRecord(value)) return types;
  for (const [type, status] of Object.entries(value)) {
    const nack = at(status, 'nack');
    types.set(type, {
      sentVersion: stringAt(status, 'sentVersion'),
      ackedVersion: stringAt(status, 'ackedVersion'),
      synced: at(status, 'synced') === true,
      nack: isRecord(nack) ? (stringAt(nack, 'message') ?? 'rejected') : undefined,
    });
  }
  return types;
}

/** `GET /v1/proxies`: `{items: [...]}` (a bare array is accepted too). */
export function readProxies(body: unknown): ProxyStatus[] {
  const list = Array.isArray(body) ? body : at(body, 'items');
  if (!Array.isArray(list)) throw unexpected('the proxy list needs items');
  return list.map((entry, index) => {
    const id = stringAt(entry, 'id');
    if (id === undefined) throw unexpected(`proxy ${index} has no id`);
    return {
      id,
      role: stringAt(entry, 'node', 'role') ?? '',
      client: stringAt(entry, 'node', 'client') ?? '',
      namespace: stringAt(entry, 'node', 'namespace') ?? '',
      protocol: stringAt(entry, 'protocol') ?? 'sotw',
      types: readTypes(at(entry, 'types')),
      version: stringAt(entry, 'version'),
    };
  });
}
