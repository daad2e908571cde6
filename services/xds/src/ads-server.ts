/**
 * Serves ADS (state of the world) over @grpc/grpc-js. The stream handler only routes requests
 * to the connection's bookkeeping and writes responses; compiling and encoding happen in the
 * ResourceCache, once per proxy kind and mesh generation, and responses are written as bytes
 * assembled from entries encoded once per resource (`wire.ts`).
 *
 * Every response goes out through one pump: a stream with something to send is queued (once,
 * however many pushes ask), and its responses are built only when it is its turn — from the
 * newest snapshots, so a newer version supersedes an older one never sent. At most
 * `maxConcurrentWrites` writes are unflushed at a time, and a stream whose last write has not
 * flushed gets nothing more until it has (a slow proxy holds no queue of pushes). New streams
 * queue behind connected ones, so a reconnect storm does not starve them.
 *
 * A reconnecting proxy that already holds what it would be sent is sent nothing
 * (`AdsConnection.resume`, the `resume` event): a reconnect storm after a restart of this process
 * or a network blip costs no resend of unchanged configuration. For named subscriptions it needs
 * the names the proxy's previous stream to this process had ACKed (`heldByProxy`).
 *
 * SDS rides on the same stream: a proxy's first Secret response waits until its identity's
 * certificate is issued (rather than telling Envoy "no such secret"), and a renewed certificate
 * or a new trust bundle is pushed with `pushSecrets` without touching the connection.
 *
 * The service is registered twice: on the mTLS port, where a proxy's identity is its client
 * certificate's SPIFFE ID (node metadata claiming another is refused) and SDS is served under
 * `maySendSecret`; and on the plaintext port (the embedded walkthrough), which serves LDS, RDS,
 * CDS and EDS but refuses every Secret subscription: no key, no identity-bound secret.
 */
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { TYPE_URL, type CompileOptions, type TypeUrl } from '@meshgate/compiler';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import type { MeshState } from '@meshgate/model';
import type { Logger } from 'pino';
import { AdsConnection, type DiscoveryRequestLike, type DiscoveryResponseLike, type HeldTypes } from './ads-connection.js';
import { DeltaConnection, type DeltaRequestLike } from './delta-connection.js';
import { passPrebuilt, scanningDeltaRequests, scanningDiscoveryRequests, type PrebuiltResponse } from './wire.js';

/** A stream's bookkeeping: state of the world or delta; both answer `responseFor` the same way. */
export type XdsConnection = AdsConnection | DeltaConnection;
import type { XdsMetrics } from './metrics.js';
import { parseNode } from './node-info.js';
import { claimMismatch, peerIdentity, withPeerIdentity } from './peer-identity.js';
import { maySendSecret } from './secret-access.js';
import { ResourceCache, TypeSnapshot, TYPE_URLS_IN_PUSH_ORDER, type ResourceCacheHooks } from './resource-cache.js';
import { IDENTITY_SECRET_NAMES, identityKey, identityOf } from './sds-secrets.js';
import type { Identity } from '@meshgate/ca';
import type { SecretSource } from './secret-source.js';

export interface AdsServerOptions {
  compile: CompileOptions;
  logger: Logger;
  metrics: XdsMetrics;
  /** The current MeshState (the follower's). */
  state: () => MeshState;
  /** Per-identity SDS secrets; without one, Secret subscriptions are answered with nothing. */
  secrets?: SecretSource;
  /** Writes not yet flushed, across streams (MESHGATE_XDS_MAX_CONCURRENT_WRITES); default 128. */
  maxConcurrentWrites?: number;
}

/** Where a stream came in: `mtls` streams carry a verified identity, `plaintext` ones never get a secret. */
export type AdsPort = 'mtls' | 'plaintext';

export const PLAINTEXT_SDS_REFUSED =
  'SDS is not served on the plaintext xDS port: certificates and keys go only to proxies that authenticate with a client certificate on the mTLS port (MESHGATE_XDS_SECURE_PORT, default 15012)';

interface Stream {
  protocol: 'sotw' | 'delta';
  connection?: XdsConnection;
  /** The client certificate's identity (mTLS port); undefined on the plaintext port. */
  peer?: { identity: Identity; spiffeId: string };
  call: grpc.ServerDuplexStream<DiscoveryRequestLike | DeltaRequestLike, DiscoveryResponseLike>;
  /** A Secret response is owed but the identity's certificate or bundle is not there yet. */
  secretsPending?: boolean;
  /** Types to answer in this stream's next turn even if unchanged (a changed subscription). */
  forced?: Set<TypeUrl>;
  /** Writes handed to grpc-js and not yet flushed. */
  unflushed: number;
  /** Something may be new for it while it was flushing: queue it again once flushed. */
  dirty?: boolean;
  closed?: boolean;
  /** The last secret snapshot built for it, reused while its parts are the same objects. */
  secrets?: { parts: unknown[]; snapshot: TypeSnapshot };
  /**
   * Per type, the push that carries a log change not yet ACKed: its nonce and when the earliest
   * change it carries was appended (for the convergence histogram).
   */
  converging?: Map<string, { nonce: string; changedAt: number }>;
  /** When the earliest log change not yet sent to it was appended (epoch ms), for the convergence histogram. */
  changedAt?: number;
}

function isTypeUrl(value: string): value is TypeUrl {
  return (TYPE_URLS_IN_PUSH_ORDER as string[]).includes(value);
}

/** What AdsServer emits, for tests and benchmarks that wait on the protocol instead of sleeping. */
export interface AdsEvents {
  ack: [proxyId: string, typeUrl: string, version: string];
  nack: [proxyId: string, typeUrl: string, version: string, message: string];
  /** A reconnected proxy was taken to hold `version` of the type already: nothing was sent. */
  resume: [proxyId: string, typeUrl: string, version: string];
  /** A debounced push of the current state: `queued` proxies had something new (0: none did). */
  push: [queued: number];
}

/** Proxies whose last state-of-the-world stream left and whose held names are kept for their return; the oldest go first. */
const REMEMBERED_PROXIES = 20_000;

export class AdsServer extends EventEmitter<AdsEvents> {
  readonly cache: ResourceCache;
  /** The cache generation of the last `pushAll`: proxies whose compile is unchanged since are skipped. */
  private pushedGeneration = 0;
  private readonly streams = new Set<Stream>();
  /** Streams whose proxy said who it is (the connected-proxies gauge), counted rather than listed on every connect. */
  private connected = 0;
  private nextStreamId = 1;
  /** Streams with something to send, in turn order. */
  private readonly queue = new Set<Stream>();
  private inFlight = 0;
  private pumpScheduled = false;
  private readonly maxConcurrentWrites: number;
  /** Per proxy id, its newest open state-of-the-world connection: a new stream of it resumes from there. */
  private readonly openByProxy = new Map<string, AdsConnection>();
  /** Per proxy id whose stream left, what it held (`AdsConnection.held`): snapshots are not kept, only versions and names. */
  private readonly heldByProxy = new Map<string, HeldTypes>();

  constructor(private readonly options: AdsServerOptions) {
    super();
    const hooks: ResourceCacheHooks = {
      onCompiled: (seconds, diagnostics) => {
        options.metrics.compileDuration.observe(seconds);
        for (const d of diagnostics) if (d.severity === 'error') options.logger.warn({ object: d.object }, d.message);
      },
      onEncodeError: (typeUrl, name, error) => {
        options.metrics.encodeErrors.inc();
        options.logger.error({ typeUrl, name, err: error }, 'compiled resource does not encode; not sent');
      },
      onInconsistent: (problems) => {
        options.metrics.inconsistentCompiles.inc();
        options.logger.error({ problems }, 'compiled resources are inconsistent; the previous set stays published');
      },
    };
    this.cache = new ResourceCache(options.compile, hooks, options.secrets);
    this.maxConcurrentWrites = options.maxConcurrentWrites ?? 128;
  }

  /** Registers the ADS service on a gRPC server listening on `port` (mTLS or plaintext). */
  register(server: grpc.Server, port: AdsPort): void {
    const definition = grpc.loadPackageDefinition(adsPackageDefinition());
    const loaded = lookupService(definition, 'envoy.service.discovery.v3.AggregatedDiscoveryService');
    // Responses are written prebuilt (`wire.ts`); the serializer passes their bytes through. SotW
    // ACKs are read off their bytes (`scanningDiscoveryRequests`): their names are decoded only when
    // they changed; delta requests without a node or an error are read directly (`scanningDeltaRequests`).
    const service = Object.fromEntries(
      Object.entries(loaded).map(([name, method]) => [
        name,
        {
          ...method,
          responseSerialize: passPrebuilt(method.responseSerialize),
          ...(name === 'StreamAggregatedResources' ? { requestDeserialize: scanningDiscoveryRequests(method.requestDeserialize as (b: Buffer) => object) } : {}),
          ...(name === 'DeltaAggregatedResources' ? { requestDeserialize: scanningDeltaRequests(method.requestDeserialize as (b: Buffer) => object) } : {}),
        },
      ]),
    ) as grpc.ServiceDefinition;
    server.addService(service, {
      StreamAggregatedResources: (call: Stream['call']) => this.handleStream(call, port, 'sotw'),
      DeltaAggregatedResources: (call: Stream['call']) => this.handleStream(call, port, 'delta'),
    });
  }

  /** The connections, for `GET /v1/proxies`. */
  connections(): XdsConnection[] {
    return [...this.streams].flatMap((s) => (s.connection ? [s.connection] : []));
  }

  /**
   * Queues every connected proxy for what changed since its last response. `changedAt` (epoch
   * ms): when the earliest log change in this push was appended; its ACK is observed as convergence.
   */
  pushAll(changedAt?: number): void {
    const since = this.pushedGeneration;
    this.pushedGeneration = this.cache.generation;
    const state = this.options.state();
    const nodes = [];
    let queued = 0;
    for (const stream of this.streams) {
      if (!stream.connection) continue;
      nodes.push(stream.connection.node);
      // A proxy none of whose compiled inputs changed has nothing new: not queued at all.
      if (!this.cache.affects(stream.connection.node, since, state)) continue;
      if (changedAt !== undefined) stream.changedAt = Math.min(stream.changedAt ?? changedAt, changedAt);
      this.queue.add(stream);
      queued++;
    }
    this.cache.retainOnly(nodes);
    this.emit('push', queued);
    this.kick();
  }

  /** Streams waiting for their turn and writes not yet flushed (for tests and metrics). */
  get backlog(): { queued: number; unflushed: number } {
    return { queued: this.queue.size, unflushed: this.inFlight };
  }

  private schedule(stream: Stream, forced?: TypeUrl): void {
    if (forced) (stream.forced ??= new Set()).add(forced);
    this.queue.add(stream);
    this.kick();
  }

  private kick(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Serves queued streams in turn, a batch per turn of the event loop, within the write bound. */
  private pump(): void {
    const state = this.options.state();
    let served = 0;
    for (const stream of this.queue) {
      if (this.inFlight >= this.maxConcurrentWrites) return; // a flushed write kicks the pump again
      if (served >= 64) {
        this.kick(); // let ACKs and socket writes through
        return;
      }
      this.queue.delete(stream);
      if (stream.closed) continue;
      if (stream.unflushed > 0) {
        stream.dirty = true;
        continue;
      }
      this.sendChanged(stream, state);
      served++;
    }
  }

  private write(stream: Stream, response: PrebuiltResponse): void {
    stream.unflushed++;
    this.inFlight++;
    stream.call.write(response, () => {
      if (stream.closed) return; // accounted for when it closed
      stream.unflushed--;
      this.inFlight--;
      if (stream.unflushed === 0 && stream.dirty) {
        stream.dirty = false;
        this.queue.add(stream);
      }
      this.kick();
    });
    this.options.metrics.pushes.inc({ type: shortType(response.typeUrl) });
  }

  /**
   * Sends the proxies of one identity (or, with no key, every proxy) their changed secrets —
   * a renewed certificate, a new trust bundle — and answers Secret requests that were waiting
   * for them. The stream stays as it is.
   */
  pushSecrets(identity?: string): void {
    for (const stream of this.streams) {
      const connection = stream.connection;
      const watch = connection?.watches.get(TYPE_URL.secret);
      if (!connection || !watch) continue;
      if (identity !== undefined && identityKey(identityOf(connection.node)) !== identity) continue;
      let forced: TypeUrl | undefined;
      if (stream.secretsPending && (this.options.secrets?.prepare(connection.node, watch.names ?? new Set()) ?? true)) {
        stream.secretsPending = false;
        forced = TYPE_URL.secret;
      }
      this.schedule(stream, forced);
    }
  }

  /** The identities of connected proxies that subscribe to secrets (keys as `identityKey`). */
  secretIdentities(): Set<string> {
    const keys = new Set<string>();
    for (const connection of this.connections()) if (connection.watches.has(TYPE_URL.secret)) keys.add(identityKey(identityOf(connection.node)));
    return keys;
  }

  closeAll(): void {
    for (const stream of this.streams) stream.call.end();
    this.streams.clear();
    this.queue.clear();
    this.openByProxy.clear();
    this.heldByProxy.clear();
    this.connected = 0;
  }

  private handleStream(call: Stream['call'], port: AdsPort, protocol: Stream['protocol']): void {
    const stream: Stream = { call, protocol, unflushed: 0 };
    const streamId = this.nextStreamId++;
    if (port === 'mtls') {
      const peer = peerIdentity(call.getAuthContext(), this.options.compile.trustDomain);
      if ('error' in peer) {
        this.options.metrics.refusedStreams.inc({ reason: 'unauthenticated' });
        this.options.logger.warn({ streamId, peer: call.getPeer() }, `ADS stream refused: ${peer.error}`);
        call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: peer.error });
        return;
      }
      stream.peer = peer;
    }
    this.streams.add(stream);
    const { logger, metrics } = this.options;
    const finish = () => {
      if (!this.streams.delete(stream)) return;
      stream.closed = true;
      this.inFlight -= stream.unflushed;
      this.queue.delete(stream);
      if (this.inFlight < this.maxConcurrentWrites) this.kick();
      if (stream.connection) this.connected--;
      metrics.connectedProxies.set(this.connected);
      if (stream.connection) {
        if (stream.connection instanceof AdsConnection) this.rememberHeld(stream.connection);
        // Another stream of the same proxy id may still be open (a reconnect): it asks again.
        this.options.secrets?.forget?.(stream.connection.node);
        logger.info({ proxy: stream.connection.node.id, streamId }, 'proxy disconnected');
      }
    };
    call.on('data', (request: (DiscoveryRequestLike | DeltaRequestLike) & { node?: unknown }) => {
      try {
        this.onRequest(stream, streamId, request);
      } catch (error) {
        logger.error({ err: error, streamId }, 'ADS request failed');
        call.emit('error', { code: grpc.status.INTERNAL, details: 'internal error handling the request' });
      }
    });
    call.on('end', () => {
      finish();
      call.end();
    });
    call.on('error', finish);
    call.on('close', finish);
    call.on('cancelled', finish);
  }

  private onRequest(stream: Stream, streamId: number, request: (DiscoveryRequestLike | DeltaRequestLike) & { node?: unknown }): void {
    const { logger, metrics } = this.options;
    if (!stream.connection) {
      const parsed = parseNode(request.node);
      if ('error' in parsed) {
        stream.call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: parsed.error });
        return;
      }
      let node = parsed.node;
      if (stream.peer) {
        const mismatch = claimMismatch(parsed.claimed, stream.peer.identity, stream.peer.spiffeId);
        if (mismatch !== undefined) {
          metrics.refusedStreams.inc({ reason: 'identity-mismatch' });
          logger.warn({ proxy: node.id, streamId }, `ADS stream refused: ${mismatch}`);
          stream.call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: mismatch });
          return;
        }
        node = withPeerIdentity(node, stream.peer.identity);
      }
      for (const warning of parsed.warnings) logger.warn({ proxy: node.id }, warning);
      stream.connection = stream.protocol === 'delta' ? new DeltaConnection(streamId, node, parsed.userAgent) : this.sotwConnection(streamId, node, parsed.userAgent);
      this.connected++;
      metrics.connectedProxies.set(this.connected);
      logger.info({ proxy: node.id, role: node.role, client: node.client, protocol: stream.protocol, streamId, identity: stream.peer?.spiffeId ?? 'none (plaintext port)' }, 'proxy connected');
    }
    const connection = stream.connection;
    if (!isTypeUrl(request.type_url)) {
      logger.warn({ proxy: connection.node.id, typeUrl: request.type_url }, 'unsupported resource type requested');
      return;
    }
    if (request.type_url === TYPE_URL.secret && !stream.peer) {
      metrics.refusedStreams.inc({ reason: 'plaintext-sds' });
      logger.warn({ proxy: connection.node.id, streamId }, 'Secret subscription on the plaintext xDS port refused');
      stream.call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: PLAINTEXT_SDS_REFUSED });
      return;
    }
    const { outcome, respond: subscriptionChanged } =
      connection instanceof DeltaConnection ? connection.handleRequest(request as DeltaRequestLike) : connection.handleRequest(request as DiscoveryRequestLike);
    const converging = stream.converging?.get(request.type_url);
    if (converging && (outcome.kind === 'ack' || outcome.kind === 'nack') && converging.nonce === request.response_nonce) {
      stream.converging?.delete(request.type_url);
      if (outcome.kind === 'ack') metrics.convergence.observe({ type: shortType(request.type_url) }, Math.max(0, Date.now() - converging.changedAt) / 1000);
    }
    if (outcome.kind === 'ack') {
      metrics.acks.inc({ type: shortType(request.type_url) });
      this.emit('ack', connection.node.id, request.type_url, outcome.version);
    }
    if (outcome.kind === 'nack') {
      metrics.nacks.inc({ type: shortType(request.type_url) });
      this.emit('nack', connection.node.id, request.type_url, outcome.nack.version, outcome.nack.message);
      logger.warn({ proxy: connection.node.id, typeUrl: request.type_url, version: outcome.nack.version, error: outcome.nack.message }, 'proxy rejected configuration (NACK)');
    }
    const respond = request.type_url === TYPE_URL.secret && outcome.kind !== 'stale' ? this.prepareSecrets(stream, connection, subscriptionChanged) : subscriptionChanged;
    if (respond) this.schedule(stream, request.type_url);
  }

  /** A state-of-the-world connection, knowing what the proxy's previous stream (still open or gone) had ACKed. */
  private sotwConnection(streamId: number, node: AdsConnection['node'], userAgent: string | undefined): AdsConnection {
    const previous = this.openByProxy.get(node.id)?.held() ?? this.heldByProxy.get(node.id);
    this.heldByProxy.delete(node.id);
    const connection = new AdsConnection(streamId, node, userAgent, previous);
    this.openByProxy.set(node.id, connection);
    return connection;
  }

  /** Keeps what a proxy's last stream held, for its reconnect; a stream a newer one replaced has nothing to add. */
  private rememberHeld(connection: AdsConnection): void {
    const id = connection.node.id;
    if (this.openByProxy.get(id) !== connection) return;
    this.openByProxy.delete(id);
    const held = connection.held();
    if (held.size === 0) return;
    this.heldByProxy.set(id, held);
    if (this.heldByProxy.size > REMEMBERED_PROXIES) this.heldByProxy.delete(this.heldByProxy.keys().next().value as string);
  }

  /** Whether a Secret request is to be answered now; when its material is still coming, the answer waits for `pushSecrets`. */
  private prepareSecrets(stream: Stream, connection: XdsConnection, respond: boolean): boolean {
    const names = connection.watches.get(TYPE_URL.secret)?.names ?? new Set<string>();
    if (respond) {
      const identity = identityOf(connection.node);
      const foreign = [...names].filter((name) => !maySendSecret(identity, name));
      if (foreign.length > 0) this.options.logger.warn({ proxy: connection.node.id, names: foreign }, "secrets of another namespace requested; a proxy gets only its own namespace's credentials, answered as not found");
      const others = [...names].filter((name) => !IDENTITY_SECRET_NAMES.has(name) && maySendSecret(identity, name));
      if (others.length > 0) this.options.logger.debug({ proxy: connection.node.id, role: connection.node.role, names: others }, 'gateway credentials requested: served to a gateway proxy when a Secret of its namespace backs them');
    }
    const ready = this.options.secrets?.prepare(connection.node, names) ?? true;
    if (ready) {
      if (stream.secretsPending) {
        stream.secretsPending = false;
        return true;
      }
      return respond;
    }
    if (respond) stream.secretsPending = true;
    return false;
  }

  /** Sends, in CDS → EDS → LDS → RDS order, each watched type with something new; forced types are answered regardless. */
  private sendChanged(stream: Stream, state: MeshState): void {
    const connection = stream.connection;
    if (!connection) return;
    const forced = stream.forced;
    stream.forced = undefined;
    const changedAt = stream.changedAt;
    stream.changedAt = undefined;
    const resources = this.cache.resourcesFor(state, connection.node);
    for (const typeUrl of TYPE_URLS_IN_PUSH_ORDER) {
      if (typeUrl === TYPE_URL.secret && (stream.secretsPending || !stream.peer)) continue;
      const snapshot = typeUrl === TYPE_URL.secret ? permittedSecrets(stream, resources.byType.get(TYPE_URL.secret), identityOf(connection.node)) : resources.byType.get(typeUrl);
      if (connection instanceof AdsConnection && connection.resume(typeUrl, snapshot)) {
        this.options.metrics.resumed.inc({ type: shortType(typeUrl) });
        this.emit('resume', connection.node.id, typeUrl, connection.watches.get(typeUrl)?.ackedVersion ?? '');
        continue;
      }
      const response = connection.responseFor(typeUrl, snapshot, forced?.has(typeUrl) ?? false);
      if (!response) continue;
      this.write(stream, response);
      trackConvergenceOf(stream, typeUrl, response.nonce, changedAt);
    }
  }
}

/** A later response for a type carries every earlier change too: it takes over the pending one's start. */
function trackConvergenceOf(stream: Stream, typeUrl: string, nonce: string, changedAt: number | undefined): void {
  const pending = stream.converging?.get(typeUrl);
  const start = pending === undefined ? changedAt : changedAt === undefined ? pending.changedAt : Math.min(pending.changedAt, changedAt);
  if (start === undefined || Number.isNaN(start)) return;
  stream.converging ??= new Map();
  stream.converging.set(typeUrl, { nonce, changedAt: start });
}

/** The secrets narrowed to what `maySendSecret` allows this identity; the snapshot is kept while its resources are the same. */
function permittedSecrets(stream: Stream, secrets: TypeSnapshot | undefined, identity: Identity): TypeSnapshot | undefined {
  if (!secrets) return undefined;
  const allowed = [...secrets.resources].filter(([name]) => maySendSecret(identity, name));
  const parts = allowed.map(([, resource]) => resource);
  const kept = stream.secrets;
  if (kept && kept.parts.length === parts.length && kept.parts.every((p, i) => p === parts[i])) return kept.snapshot;
  const snapshot = new TypeSnapshot(TYPE_URL.secret, new Map(allowed));
  stream.secrets = { parts, snapshot };
  return snapshot;
}

export function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

function lookupService(definition: grpc.GrpcObject, path: string): grpc.ServiceDefinition {
  let node: unknown = definition;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  const service = (node as { service?: grpc.ServiceDefinition } | undefined)?.service;
  if (!service) throw new Error(`gRPC service ${path} not found in the loaded protos`);
  return service;
}
