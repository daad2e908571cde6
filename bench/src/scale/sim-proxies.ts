#!/usr/bin/env node
/**
 * N simulated proxies in their own process (the scale bench forks this file), each on its own
 * HTTP/2 connection as N Envoys would be, speaking raw ADS: state of the world or delta, over
 * `node:http2` directly (`raw-grpc.ts`) rather than through grpc-js's client.
 *
 * An Envoy-style gateway subscribes as Envoy does: CDS and LDS by wildcard, then EDS for every
 * cluster CDS named and RDS for every route configuration the listeners name, and it ACKs every
 * response. A proxyless (`grpc`) client asks for one target's listener and route configuration
 * and the clusters its routes name. Bytes received are counted as they come off the wire
 * (the serialised DiscoveryResponse); responses are read only as far as ACKing and following need
 * (`wire-scan.ts`), so that the simulator does not become the bottleneck it measures.
 *
 * It also serves the push ceiling: N streams to a plain gRPC server in another process, each
 * receiving one message of a given size, so that meshgate's figures can be read against the
 * limit of the machine.
 *
 * Driven over IPC by the parent (`scale-bench.ts`): `connect`, `reconnect`, `stats`,
 * `ceiling-open`, `close`; it answers `ready` (all proxies ACKed every type), `stats`,
 * `ceiling-received`.
 */
import type * as grpc from '@grpc/grpc-js';
import { TYPE_URL } from '@meshgate/compiler';
import { adsPackageDefinition, decodeResource } from '@meshgate/envoy-proto';
import { openRawStream, type RawStream } from './raw-grpc.js';
import { deltaEntries, deltaRequestBytes, encodedNames, encodedStrings, encodedVersions, ResponseMemo, scanResponse, sotwRequestBytes, sotwValues } from './wire-scan.js';

type Kind = 'gateway' | 'grpc';
type Protocol = 'sotw' | 'delta';

const port = Number(process.env.SIM_PORT);
const count = Number(process.env.SIM_COUNT);
const kind = (process.env.SIM_KIND ?? 'gateway') as Kind;
const protocol = (process.env.SIM_PROTOCOL ?? 'sotw') as Protocol;
const services = Number(process.env.SIM_SERVICES ?? 1000);

const definition = adsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;
/** Requests built as objects (a first request with its node, delta requests) are serialised as grpc-js would. */
const serializeSotw = (request: Record<string, unknown>) => definition.StreamAggregatedResources.requestSerialize(request);
const serializeDelta = (request: Record<string, unknown>) => definition.DeltaAggregatedResources.requestSerialize(request);
const SOTW_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const DELTA_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';
let bytesReceived = 0;
let responses = 0;

/** Streams that ended without being closed (refused or reset connections): each proxy reconnects, as Envoy does. */
let streamFailures = 0;

/** Opens an ADS stream on its own connection; every response is counted as it comes off the wire. */
function openAds(path: string, onResponse: (response: Buffer) => void, onLost: () => void): RawStream {
  return openRawStream(port, path, {
    onMessage(message) {
      bytesReceived += message.length;
      responses++;
      onResponse(message);
    },
    onEnd: onLost,
  });
}

const ALL_TYPES = [TYPE_URL.cluster, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.route];

/** The names a resource leads to: a cluster its own name (for EDS), a listener its route configurations, a route configuration its clusters. */
function referencedNames(typeUrl: string, value: Buffer): string[] {
  const decoded = decodeResource(typeUrl, value);
  if (typeUrl === TYPE_URL.cluster) return [String(decoded.name)];
  const found = new Set<string>();
  collect(decoded, typeUrl === TYPE_URL.listener ? 'route_config_name' : 'cluster', found);
  return [...found];
}
/**
 * Every string under `field`, and for clusters those a weighted route names too
 * (`weighted_clusters.clusters[].name`): a proxyless client follows both, and a simulator that
 * missed the weighted ones never subscribed to a route's second cluster.
 */
function collect(value: unknown, field: string, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collect(v, field, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === field && typeof v === 'string') into.add(v);
      else if (field === 'cluster' && k === 'weighted_clusters') {
        for (const c of (v as { clusters?: { name?: string }[] } | null)?.clusters ?? []) if (c.name) into.add(c.name);
      } else collect(v, field, into);
    }
  }
}

/** What the resources of a SotW response lead to, read once per distinct content. */
const sotwFollows = new ResponseMemo<string[]>();
/** A delta response's resources (name → version) and, per name, what it leads to; read once per distinct content. */
const deltaReads = new ResponseMemo<{ versions: Map<string, string>; refs: Map<string, string[]> }>();

function followOf(typeUrl: string): string | undefined {
  if (typeUrl === TYPE_URL.cluster) return TYPE_URL.endpoint;
  if (typeUrl === TYPE_URL.listener) return TYPE_URL.route;
  if (typeUrl === TYPE_URL.route && kind === 'grpc') return TYPE_URL.cluster;
  return undefined;
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
  /** Counted ready in this phase (`connect`, `reconnect`): once, however many times its stream was lost and reopened. */
  counted = false;
  protected stream?: RawStream;
  constructor(readonly index: number, protected readonly onReady: () => void) {}
  protected markAcked(typeUrl: string): void {
    this.acked.add(typeUrl);
    if (!this.counted && this.acked.size === ALL_TYPES.length) {
      this.counted = true;
      this.onReady();
    }
  }
  abstract open(): void;
  close(): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.close();
  }
  /** The stream ended on its own: reconnect after a short, jittered backoff (Envoy's starts at 500 ms). */
  protected lost(stream: RawStream): void {
    if (this.stream !== stream) return; // closed on purpose, or already replaced
    streamFailures++;
    this.stream = undefined;
    setTimeout(() => {
      if (!this.stream) this.open();
    }, 250 + Math.random() * 500);
  }
}

/** Encoded `resource_names`, shared by every proxy that asks for the same list (gateways all ask for the same). */
const namesMemo = new Map<string, Buffer>();
function namesBytes(names: readonly string[]): Buffer {
  const key = names.join('\n');
  let bytes = namesMemo.get(key);
  if (!bytes) namesMemo.set(key, (bytes = encodedNames(names)));
  return bytes;
}

class SotwProxy extends SimProxy {
  private names = new Map<string, { list: string[]; bytes: Buffer }>();
  private last = new Map<string, { version: string; nonce: string }>();
  private first = true;

  open(): void {
    this.acked.clear();
    this.first = true;
    const stream = openAds(SOTW_PATH, (r) => this.onResponse(r), () => this.lost(stream));
    this.stream = stream;
    const kept = this.names;
    this.names = new Map();
    // On a reconnect, Envoy asks again for what it had — its names and the version it last
    // accepted survive the stream; the nonce does not.
    // (kept in `last` with the nonce cleared, so that an attempt that fails leaves them for the next).
    for (const [typeUrl, ack] of this.last) this.last.set(typeUrl, { version: ack.version, nonce: '' });
    const accepted = new Map(this.last);
    if (kind === 'gateway') {
      this.request(TYPE_URL.cluster, [], accepted.get(TYPE_URL.cluster));
      this.request(TYPE_URL.listener, [], accepted.get(TYPE_URL.listener));
    } else {
      this.request(TYPE_URL.listener, initialNames(this.index, TYPE_URL.listener), accepted.get(TYPE_URL.listener));
    }
    for (const typeUrl of [TYPE_URL.endpoint, TYPE_URL.route]) {
      const names = kept.get(typeUrl)?.list;
      if (names && names.length > 0) this.request(typeUrl, names, accepted.get(typeUrl));
    }
    const clusters = kept.get(TYPE_URL.cluster)?.list;
    if (kind === 'grpc' && clusters?.length) this.request(TYPE_URL.cluster, clusters, accepted.get(TYPE_URL.cluster));
  }

  private request(typeUrl: string, names: string[], ack?: { version: string; nonce: string }): void {
    const subscription = this.names.get(typeUrl)?.list === names ? this.names.get(typeUrl) : { list: names, bytes: namesBytes(names) };
    if (!subscription) return;
    this.names.set(typeUrl, subscription);
    if (this.first) {
      this.first = false;
      this.stream?.write(serializeSotw({ type_url: typeUrl, resource_names: names, version_info: ack?.version ?? '', response_nonce: ack?.nonce ?? '', node: node(this.index) }));
      return;
    }
    this.stream?.write(sotwRequestBytes(typeUrl, subscription.bytes, ack?.version ?? '', ack?.nonce ?? ''));
  }

  private onResponse(buffer: Buffer): void {
    const r = scanResponse(buffer);
    const ack = { version: r.version, nonce: r.nonce };
    this.last.set(r.typeUrl, ack);
    this.request(r.typeUrl, this.names.get(r.typeUrl)?.list ?? [], ack);
    this.markAcked(r.typeUrl);
    const follow = followOf(r.typeUrl);
    if (!follow) return;
    const found = sotwFollows.get(r.typeUrl, r.version, r.section, () => {
      const names = new Set<string>();
      for (const value of sotwValues(r.section)) for (const name of referencedNames(r.typeUrl, value)) names.add(name);
      return [...names];
    });
    // CDS and LDS are complete in every response; for a proxyless client's RDS, names accumulate.
    const wanted = new Set<string>(r.typeUrl === TYPE_URL.route ? this.names.get(follow)?.list ?? [] : []);
    for (const name of found) wanted.add(name);
    const names = [...wanted].sort();
    const current = this.names.get(follow)?.list;
    if (current && current.length === names.length && current.every((n, i) => n === names[i])) return;
    this.request(follow, names, this.last.get(follow));
  }

}

/** What every proxy holding exactly one shared read leads to, and its versions encoded: computed once per read, not per proxy. */
const sharedReferenced = new WeakMap<object, Set<string>>();
const sharedVersionBytes = new WeakMap<object, Map<string, Buffer>>();

/**
 * What a delta proxy holds of one type: the versions of one response it took whole (shared with
 * every proxy that got the same bytes) and its own changes on top — no per-proxy copy of 1,000 names.
 */
class Held {
  private shared?: { versions: Map<string, string>; refs: Map<string, string[]> };
  private own = new Map<string, { version: string; refs: string[] } | null>();

  take(read: { versions: Map<string, string>; refs: Map<string, string[]> }, removed: string[]): void {
    if (!this.shared && this.own.size === 0 && removed.length === 0) {
      this.shared = read;
      return;
    }
    for (const name of removed) this.own.set(name, null);
    for (const [name, version] of read.versions) this.own.set(name, { version, refs: read.refs.get(name) ?? [] });
  }

  private *entries(): Generator<[string, string]> {
    for (const [name, version] of this.shared?.versions ?? []) if (!this.own.has(name)) yield [name, version];
    for (const [name, held] of this.own) if (held) yield [name, held.version];
  }

  /**
   * `initial_resource_versions` for a new stream, encoded once per shared response and set of own
   * changes (every gateway got the same changes: their few own entries spell the same key).
   */
  versionBytes(): Buffer {
    const shared = this.shared;
    if (!shared || this.own.size > 16) return encodedVersions(this.entries());
    let byOwn = sharedVersionBytes.get(shared);
    if (!byOwn) sharedVersionBytes.set(shared, (byOwn = new Map()));
    const ownKey = [...this.own].map(([name, held]) => `${name}=${held?.version ?? ''}`).join('\n');
    let bytes = byOwn.get(ownKey);
    if (!bytes) byOwn.set(ownKey, (bytes = encodedVersions(this.entries())));
    return bytes;
  }

  /** Every name the held resources lead to (a shared set: never edited). */
  referenced(): ReadonlySet<string> {
    const shared = this.shared;
    if (shared && this.own.size === 0) {
      let found = sharedReferenced.get(shared);
      if (!found) sharedReferenced.set(shared, (found = this.collectReferenced()));
      return found;
    }
    return this.collectReferenced();
  }

  private collectReferenced(): Set<string> {
    const wanted = new Set<string>();
    for (const [name, refs] of this.shared?.refs ?? []) if (!this.own.has(name)) for (const r of refs) wanted.add(r);
    for (const held of this.own.values()) if (held) for (const r of held.refs) wanted.add(r);
    return wanted;
  }
}

const WILDCARD = encodedStrings(3, ['*']);

class DeltaProxy extends SimProxy {
  /** What the proxy holds, by type, kept across reconnects (`initial_resource_versions`). */
  readonly held = new Map<string, Held>();
  /** Subscribed names by type (sets are replaced, never edited: they may be shared). */
  private subscribed = new Map<string, ReadonlySet<string>>();
  private first = true;

  open(): void {
    this.acked.clear();
    this.first = true;
    const stream = openAds(DELTA_PATH, (r) => this.onResponse(r), () => this.lost(stream));
    this.stream = stream;
    const previous = this.subscribed;
    this.subscribed = new Map();
    const types = kind === 'gateway' ? [TYPE_URL.cluster, TYPE_URL.listener, TYPE_URL.endpoint, TYPE_URL.route] : [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint];
    for (const typeUrl of types) {
      const wildcard = kind === 'gateway' && (typeUrl === TYPE_URL.cluster || typeUrl === TYPE_URL.listener);
      const names = wildcard ? [] : [...(previous.get(typeUrl) ?? initialNames(this.index, typeUrl))];
      if (!wildcard && names.length === 0) continue;
      this.subscribed.set(typeUrl, new Set(names));
      // As Envoy does on a new stream: its subscription and the versions of what it holds.
      this.send(deltaRequestBytes(typeUrl, { subscribe: wildcard ? WILDCARD : namesBytes(names), versions: this.held.get(typeUrl)?.versionBytes() }));
    }
  }

  /** Writes a request; the stream's first carries the node. */
  private send(request: Buffer): void {
    const bytes = this.first ? Buffer.concat([serializeDelta({ node: node(this.index) }), request]) : request;
    this.first = false;
    this.stream?.write(bytes);
  }

  private onResponse(buffer: Buffer): void {
    const r = scanResponse(buffer);
    this.send(deltaRequestBytes(r.typeUrl, { nonce: r.nonce }));
    this.markAcked(r.typeUrl);
    const follow = followOf(r.typeUrl);
    const read = deltaReads.get(r.typeUrl, r.version, r.section, () => {
      const versions = new Map<string, string>();
      const refs = new Map<string, string[]>();
      for (const entry of deltaEntries(r.section)) {
        versions.set(entry.name, entry.version);
        if (follow && entry.value) refs.set(entry.name, referencedNames(r.typeUrl, entry.value));
      }
      return { versions, refs };
    });
    let held = this.held.get(r.typeUrl);
    if (!held) this.held.set(r.typeUrl, (held = new Held()));
    held.take(read, r.removed);
    if (!follow) return;
    const wanted = held.referenced();
    const current = this.subscribed.get(follow) ?? new Set<string>();
    if (wanted === current) return;
    const subscribe = [...wanted].filter((n) => !current.has(n));
    const unsubscribe = [...current].filter((n) => !wanted.has(n));
    this.subscribed.set(follow, wanted);
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    this.send(deltaRequestBytes(follow, { subscribe: namesBytes(subscribe), unsubscribe: unsubscribe.length > 0 ? encodedStrings(4, unsubscribe) : undefined }));
  }
}

let readyCount = 0;
let phase = '';
const onReady = () => {
  readyCount++;
  if (readyCount === count) send({ type: 'ready', phase, at: process.hrtime.bigint().toString() });
};
const proxies: SimProxy[] = Array.from({ length: count }, (_, i) => (protocol === 'delta' ? new DeltaProxy(i, onReady) : new SotwProxy(i, onReady)));

/** CPU time of this process (user + system), so that the bench can tell when the simulator is the bottleneck. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

/** Streams of the push ceiling: each receives one message per size; `ceiling-received` once all have. */
const ceilingStreams: RawStream[] = [];
function openCeiling(ceilingPort: number): void {
  let received = 0;
  for (let i = 0; i < count; i++) {
    const stream = openRawStream(ceilingPort, '/bench.Ceiling/Watch', {
      onMessage(message) {
        received++;
        if (received % count === 0) send({ type: 'ceiling-received', bytes: message.length, at: process.hrtime.bigint().toString() });
      },
    });
    stream.write(Buffer.alloc(0));
    stream.end();
    ceilingStreams.push(stream);
  }
}

process.on('message', (message: { cmd: string; port?: number }) => {
  switch (message.cmd) {
    case 'connect':
    case 'reconnect':
      phase = message.cmd;
      readyCount = 0;
      for (const p of proxies) p.counted = false;
      if (message.cmd === 'reconnect') for (const p of proxies) p.close();
      for (const p of proxies) p.open();
      break;
    case 'stats':
      send({ type: 'stats', bytes: bytesReceived, responses, streamFailures, rss: process.memoryUsage().rss, cpuMs: cpuMs() });
      break;
    case 'ceiling-open':
      openCeiling(message.port ?? 0);
      break;
    case 'close':
      for (const p of proxies) p.close();
      for (const c of ceilingStreams) c.close();
      process.exit(0);
  }
});
send({ type: 'started' });
