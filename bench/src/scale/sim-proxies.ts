#!/usr/bin/env node
/**
 * N simulated proxies in their own process (the scale bench forks this file), each on its own
 * HTTP/2 connection as N Envoys would be, speaking raw ADS: state of the world or delta.
 *
 * An Envoy-style gateway subscribes as Envoy does: CDS and LDS by wildcard, then EDS for every
 * cluster CDS named and RDS for every route configuration the listeners name, and it ACKs every
 * response. A proxyless (`grpc`) client asks for one target's listener and route configuration
 * and the clusters its routes name. Bytes received are counted as they come off the wire
 * (the serialised DiscoveryResponse), before decoding.
 *
 * It also serves the push ceiling: N streams to a plain gRPC server in another process, each
 * receiving one message of a given size, so that meshgate's figures can be read against the
 * limit of the machine.
 *
 * Driven over IPC by the parent (`scale-bench.ts`): `connect`, `reconnect`, `stats`,
 * `ceiling-open`, `close`; it answers `ready` (all proxies ACKed every type), `stats`,
 * `ceiling-received`.
 */
import * as grpc from '@grpc/grpc-js';
import { TYPE_URL } from '@meshgate/compiler';
import { adsPackageDefinition, decodeResource } from '@meshgate/envoy-proto';

type Kind = 'gateway' | 'grpc';
type Protocol = 'sotw' | 'delta';

interface Any {
  type_url: string;
  value: Buffer;
}
interface SotwResponse {
  version_info: string;
  nonce: string;
  type_url: string;
  resources: Any[];
}
interface DeltaResponse {
  system_version_info: string;
  nonce: string;
  type_url: string;
  resources: { name: string; version: string; resource?: Any }[];
  removed_resources: string[];
}

const port = Number(process.env.SIM_PORT);
const count = Number(process.env.SIM_COUNT);
const kind = (process.env.SIM_KIND ?? 'gateway') as Kind;
const protocol = (process.env.SIM_PROTOCOL ?? 'sotw') as Protocol;
const services = Number(process.env.SIM_SERVICES ?? 1000);

const definition = adsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;
let bytesReceived = 0;
let responses = 0;
function counting(method: grpc.MethodDefinition<unknown, unknown>): grpc.MethodDefinition<unknown, unknown> {
  return {
    ...method,
    responseDeserialize: (buffer: Buffer) => {
      bytesReceived += buffer.length;
      responses++;
      return method.responseDeserialize(buffer);
    },
  };
}
const AdsClient = grpc.makeGenericClientConstructor(
  { StreamAggregatedResources: counting(definition.StreamAggregatedResources), DeltaAggregatedResources: counting(definition.DeltaAggregatedResources) },
  'AggregatedDiscoveryService',
);
/** Separate connections, as separate proxies have. */
const CHANNEL_OPTIONS = { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': 64 * 1024 * 1024 };

const ALL_TYPES = [TYPE_URL.cluster, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.route];

/** Decoding is the simulator's cost, not meshgate's: names are read once per distinct resource. */
const decodedNames = new Map<string, string[]>();
function referencedNames(typeUrl: string, resource: Any, cacheKey: string): string[] {
  const key = `${typeUrl}|${cacheKey}`;
  let names = decodedNames.get(key);
  if (!names) {
    const decoded = decodeResource(typeUrl, resource.value);
    const found = new Set<string>();
    collect(decoded, typeUrl === TYPE_URL.listener ? 'route_config_name' : 'cluster', found);
    names = [...found];
    decodedNames.set(key, names);
  }
  return names;
}
function collect(value: unknown, field: string, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collect(v, field, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === field && typeof v === 'string') into.add(v);
      else collect(v, field, into);
    }
  }
}
function resourceName(typeUrl: string, resource: Any, cacheKey: string): string {
  const key = `name|${typeUrl}|${cacheKey}`;
  let names = decodedNames.get(key);
  if (!names) {
    const decoded = decodeResource(typeUrl, resource.value);
    names = [String(decoded.name ?? decoded.cluster_name)];
    decodedNames.set(key, names);
  }
  return names[0];
}

function node(index: number): Record<string, unknown> {
  const fields: Record<string, unknown> = { CLIENT: { stringValue: kind === 'grpc' ? 'grpc' : 'envoy' }, NAMESPACE: { stringValue: kind === 'grpc' ? 'bench' : 'istio-system' } };
  if (kind === 'gateway') {
    fields.ROLE = { stringValue: 'ingress-gateway' };
    fields.LABELS = { structValue: { fields: { istio: { stringValue: 'ingressgateway' } } } };
  }
  return { id: `sim-${kind}-${index}`, metadata: { fields } };
}

/** The first names a proxy asks for: gateways take everything; a proxyless client one target. */
function initialNames(index: number, typeUrl: string): string[] {
  if (kind === 'gateway') return [];
  const target = `svc-${index % services}.bench.svc.cluster.local:8000`;
  return typeUrl === TYPE_URL.listener || typeUrl === TYPE_URL.route ? [target] : [];
}

abstract class SimProxy {
  acked = new Set<string>();
  client?: grpc.Client;
  constructor(readonly index: number, protected readonly onReady: () => void) {}
  protected markAcked(typeUrl: string): void {
    const before = this.acked.size;
    this.acked.add(typeUrl);
    if (before < ALL_TYPES.length && this.acked.size === ALL_TYPES.length) this.onReady();
  }
  abstract open(): void;
  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

class SotwProxy extends SimProxy {
  private stream?: grpc.ClientDuplexStream<unknown, SotwResponse>;
  private names = new Map<string, string[]>();
  private last = new Map<string, { version: string; nonce: string }>();
  private first = true;

  open(): void {
    this.acked.clear();
    this.first = true;
    this.client = new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const stream = (this.client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, SotwResponse> }).StreamAggregatedResources();
    this.stream = stream;
    stream.on('data', (r: SotwResponse) => this.onResponse(r));
    stream.on('error', () => undefined);
    const kept = this.names;
    this.names = new Map();
    this.last.clear();
    if (kind === 'gateway') {
      this.request(TYPE_URL.cluster, []);
      this.request(TYPE_URL.listener, []);
    } else {
      this.request(TYPE_URL.listener, initialNames(this.index, TYPE_URL.listener));
    }
    // On a reconnect, Envoy asks again for what it had (its names survive the stream).
    for (const typeUrl of [TYPE_URL.endpoint, TYPE_URL.route]) {
      const names = kept.get(typeUrl);
      if (names && names.length > 0) this.request(typeUrl, names);
    }
    if (kind === 'grpc' && kept.get(TYPE_URL.cluster)?.length) this.request(TYPE_URL.cluster, kept.get(TYPE_URL.cluster) ?? []);
  }

  private request(typeUrl: string, names: string[], ack?: { version: string; nonce: string }): void {
    this.names.set(typeUrl, names);
    const message: Record<string, unknown> = { type_url: typeUrl, resource_names: names, version_info: ack?.version ?? '', response_nonce: ack?.nonce ?? '' };
    if (this.first) message.node = node(this.index);
    this.first = false;
    this.stream?.write(message);
  }

  private onResponse(r: SotwResponse): void {
    const ack = { version: r.version_info, nonce: r.nonce };
    this.last.set(r.type_url, ack);
    this.request(r.type_url, this.names.get(r.type_url) ?? [], ack);
    this.markAcked(r.type_url);
    const follow = r.type_url === TYPE_URL.cluster ? TYPE_URL.endpoint : r.type_url === TYPE_URL.listener ? TYPE_URL.route : r.type_url === TYPE_URL.route && kind === 'grpc' ? TYPE_URL.cluster : undefined;
    if (!follow) return;
    // CDS and LDS are complete in every response; for a proxyless client's RDS, names accumulate.
    const wanted = new Set<string>(r.type_url === TYPE_URL.route ? this.names.get(follow) ?? [] : []);
    r.resources.forEach((resource, i) => {
      // CDS and LDS responses are complete and sorted: a version and a position name a resource.
      const key = r.type_url === TYPE_URL.route ? resource.value.toString('latin1') : `${r.version_info}|${i}`;
      if (r.type_url === TYPE_URL.cluster) wanted.add(resourceName(r.type_url, resource, key));
      else for (const name of referencedNames(r.type_url, resource, key)) wanted.add(name);
    });
    const names = [...wanted].sort();
    const current = this.names.get(follow);
    if (current && current.length === names.length && current.every((n, i) => n === names[i])) return;
    this.request(follow, names, this.last.get(follow));
  }

  override close(): void {
    this.stream?.end();
    this.stream = undefined;
    super.close();
  }
}

class DeltaProxy extends SimProxy {
  private stream?: grpc.ClientDuplexStream<unknown, DeltaResponse>;
  /** What the proxy holds: type → name → version, kept across reconnects (`initial_resource_versions`). */
  readonly held = new Map<string, Map<string, string>>();
  private readonly refs = new Map<string, Map<string, string[]>>();
  private subscribed = new Map<string, Set<string>>();
  private first = true;

  open(): void {
    this.acked.clear();
    this.first = true;
    this.client = new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const stream = (this.client as unknown as { DeltaAggregatedResources(): grpc.ClientDuplexStream<unknown, DeltaResponse> }).DeltaAggregatedResources();
    this.stream = stream;
    stream.on('data', (r: DeltaResponse) => this.onResponse(r));
    stream.on('error', () => undefined);
    const previous = this.subscribed;
    this.subscribed = new Map();
    const types = kind === 'gateway' ? [TYPE_URL.cluster, TYPE_URL.listener, TYPE_URL.endpoint, TYPE_URL.route] : [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint];
    for (const typeUrl of types) {
      const wildcard = kind === 'gateway' && (typeUrl === TYPE_URL.cluster || typeUrl === TYPE_URL.listener);
      const names = wildcard ? [] : [...(previous.get(typeUrl) ?? initialNames(this.index, typeUrl))];
      if (!wildcard && names.length === 0) continue;
      this.subscribed.set(typeUrl, new Set(names));
      const initial = Object.fromEntries(this.held.get(typeUrl) ?? []);
      this.send({ type_url: typeUrl, resource_names_subscribe: wildcard ? ['*'] : names, initial_resource_versions: initial });
    }
  }

  private send(message: Record<string, unknown>): void {
    if (this.first) message.node = node(this.index);
    this.first = false;
    this.stream?.write(message);
  }

  private onResponse(r: DeltaResponse): void {
    this.send({ type_url: r.type_url, response_nonce: r.nonce });
    this.markAcked(r.type_url);
    let held = this.held.get(r.type_url);
    if (!held) this.held.set(r.type_url, (held = new Map()));
    let refs = this.refs.get(r.type_url);
    if (!refs) this.refs.set(r.type_url, (refs = new Map()));
    for (const name of r.removed_resources) {
      held.delete(name);
      refs.delete(name);
    }
    const follow = r.type_url === TYPE_URL.cluster ? TYPE_URL.endpoint : r.type_url === TYPE_URL.listener ? TYPE_URL.route : r.type_url === TYPE_URL.route && kind === 'grpc' ? TYPE_URL.cluster : undefined;
    for (const resource of r.resources) {
      held.set(resource.name, resource.version);
      if (!follow || !resource.resource) continue;
      refs.set(resource.name, r.type_url === TYPE_URL.cluster ? [resource.name] : referencedNames(r.type_url, resource.resource, `${resource.name}|${resource.version}`));
    }
    if (!follow) return;
    const wanted = new Set<string>();
    for (const names of refs.values()) for (const name of names) wanted.add(name);
    const current = this.subscribed.get(follow) ?? new Set<string>();
    const subscribe = [...wanted].filter((n) => !current.has(n));
    const unsubscribe = [...current].filter((n) => !wanted.has(n));
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    this.subscribed.set(follow, wanted);
    this.send({ type_url: follow, resource_names_subscribe: subscribe, resource_names_unsubscribe: unsubscribe });
  }

  override close(): void {
    this.stream?.end();
    this.stream = undefined;
    super.close();
  }
}

let readyCount = 0;
let phase = '';
const onReady = () => {
  readyCount++;
  if (readyCount === count) send({ type: 'ready', phase, at: process.hrtime.bigint().toString() });
};
const proxies: SimProxy[] = Array.from({ length: count }, (_, i) => (protocol === 'delta' ? new DeltaProxy(i, onReady) : new SotwProxy(i, onReady)));

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

/** Streams of the push ceiling: each receives one message per size; `ceiling-received` once all have. */
const ceilingClients: grpc.Client[] = [];
function openCeiling(ceilingPort: number): void {
  let received = 0;
  const method = { path: '/bench.Ceiling/Watch', requestStream: false, responseStream: true, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
  for (let i = 0; i < count; i++) {
    const client = new grpc.Client(`127.0.0.1:${ceilingPort}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    ceilingClients.push(client);
    const stream = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, Buffer.alloc(0));
    stream.on('data', (message: Buffer) => {
      received++;
      if (received % count === 0) send({ type: 'ceiling-received', bytes: message.length, at: process.hrtime.bigint().toString() });
    });
    stream.on('error', () => undefined);
  }
}

process.on('message', (message: { cmd: string; port?: number }) => {
  switch (message.cmd) {
    case 'connect':
    case 'reconnect':
      phase = message.cmd;
      readyCount = 0;
      if (message.cmd === 'reconnect') for (const p of proxies) p.close();
      for (const p of proxies) p.open();
      break;
    case 'stats':
      send({ type: 'stats', bytes: bytesReceived, responses, rss: process.memoryUsage().rss });
      break;
    case 'ceiling-open':
      openCeiling(message.port ?? 0);
      break;
    case 'close':
      for (const p of proxies) p.close();
      for (const c of ceilingClients) c.close();
      process.exit(0);
  }
});
send({ type: 'started' });
