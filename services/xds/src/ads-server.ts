/**
 * Serves ADS (state of the world) over @grpc/grpc-js. The stream handler only routes requests
 * to the connection's bookkeeping and writes responses; compiling and encoding happen in the
 * ResourceCache, once per proxy kind and log position.
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
import { AdsConnection, type DiscoveryRequestLike, type DiscoveryResponseLike } from './ads-connection.js';
import type { XdsMetrics } from './metrics.js';
import { parseNode } from './node-info.js';
import { claimMismatch, peerIdentity, withPeerIdentity } from './peer-identity.js';
import { maySendSecret } from './secret-access.js';
import { compileKey, ResourceCache, TYPE_URLS_IN_PUSH_ORDER, type EncodedByType, type ResourceCacheHooks } from './resource-cache.js';
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
}

/** Where a stream came in: `mtls` streams carry a verified identity, `plaintext` ones never get a secret. */
export type AdsPort = 'mtls' | 'plaintext';

export const PLAINTEXT_SDS_REFUSED =
  'SDS is not served on the plaintext xDS port: certificates and keys go only to proxies that authenticate with a client certificate on the mTLS port (MESHGATE_XDS_SECURE_PORT, default 15012)';

interface Stream {
  connection?: AdsConnection;
  /** The client certificate's identity (mTLS port); undefined on the plaintext port. */
  peer?: { identity: Identity; spiffeId: string };
  call: grpc.ServerDuplexStream<DiscoveryRequestLike, DiscoveryResponseLike>;
  /** A Secret response is owed but the identity's certificate or bundle is not there yet. */
  secretsPending?: boolean;
  /**
   * Per type, the push that carries a log change not yet ACKed: its nonce and when the earliest
   * change it carries was appended (for the convergence histogram).
   */
  converging?: Map<string, { nonce: string; changedAt: number }>;
}

function isTypeUrl(value: string): value is TypeUrl {
  return (TYPE_URLS_IN_PUSH_ORDER as string[]).includes(value);
}

/** What AdsServer emits, for tests and benchmarks that wait on the protocol instead of sleeping. */
export interface AdsEvents {
  ack: [proxyId: string, typeUrl: string, version: string];
  nack: [proxyId: string, typeUrl: string, version: string, message: string];
}

export class AdsServer extends EventEmitter<AdsEvents> {
  readonly cache: ResourceCache;
  private readonly streams = new Set<Stream>();
  private nextStreamId = 1;

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
  }

  /** Registers the ADS service on a gRPC server listening on `port` (mTLS or plaintext). */
  register(server: grpc.Server, port: AdsPort): void {
    const definition = grpc.loadPackageDefinition(adsPackageDefinition());
    const service = lookupService(definition, 'envoy.service.discovery.v3.AggregatedDiscoveryService');
    server.addService(service, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequestLike, DiscoveryResponseLike>) => this.handleStream(call, port),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'delta xDS is not served yet; use state of the world' });
      },
    });
  }

  /** The connections, for `GET /v1/proxies`. */
  connections(): AdsConnection[] {
    return [...this.streams].flatMap((s) => (s.connection ? [s.connection] : []));
  }

  /**
   * Sends every connected proxy what changed since its last response. `changedAt` (epoch ms):
   * when the earliest log change in this push was appended; its ACK is observed as convergence.
   */
  pushAll(changedAt?: number): void {
    const state = this.options.state();
    const keys = new Set<string>();
    for (const stream of this.streams) {
      if (!stream.connection) continue;
      keys.add(compileKey(stream.connection.node));
      this.sendChanged(stream, state, undefined, changedAt);
    }
    this.cache.retainOnly(keys);
  }

  /**
   * Sends the proxies of one identity (or, with no key, every proxy) their changed secrets —
   * a renewed certificate, a new trust bundle — and answers Secret requests that were waiting
   * for them. The stream stays as it is.
   */
  pushSecrets(identity?: string): void {
    const state = this.options.state();
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
      this.sendChanged(stream, state, forced);
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
  }

  private handleStream(call: grpc.ServerDuplexStream<DiscoveryRequestLike, DiscoveryResponseLike>, port: AdsPort): void {
    const stream: Stream = { call };
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
      metrics.connectedProxies.set(this.connections().length);
      if (stream.connection) logger.info({ proxy: stream.connection.node.id, streamId }, 'proxy disconnected');
    };
    call.on('data', (request: DiscoveryRequestLike & { node?: unknown }) => {
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

  private onRequest(stream: Stream, streamId: number, request: DiscoveryRequestLike & { node?: unknown }): void {
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
      stream.connection = new AdsConnection(streamId, node);
      metrics.connectedProxies.set(this.connections().length);
      logger.info({ proxy: node.id, role: node.role, client: node.client, streamId, identity: stream.peer?.spiffeId ?? 'none (plaintext port)' }, 'proxy connected');
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
    const { outcome, respond: subscriptionChanged } = connection.handleRequest(request);
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
    if (respond) this.sendChanged(stream, this.options.state(), request.type_url);
  }

  /** Whether a Secret request is to be answered now; when its material is still coming, the answer waits for `pushSecrets`. */
  private prepareSecrets(stream: Stream, connection: AdsConnection, respond: boolean): boolean {
    const names = connection.watches.get(TYPE_URL.secret)?.names ?? new Set<string>();
    if (respond) {
      const identity = identityOf(connection.node);
      const foreign = [...names].filter((name) => !maySendSecret(identity, name));
      if (foreign.length > 0) this.options.logger.warn({ proxy: connection.node.id, names: foreign }, "secrets of another namespace requested; a proxy gets only its own namespace's credentials, answered as not found");
      const others = [...names].filter((name) => !IDENTITY_SECRET_NAMES.has(name) && maySendSecret(identity, name));
      if (others.length > 0) this.options.logger.debug({ proxy: connection.node.id, names: others }, 'secrets requested that meshgate does not serve yet; answered as not found');
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

  /** Sends, in CDS → EDS → LDS → RDS order, each watched type whose content changed; `forced` is re-sent regardless. */
  private sendChanged(stream: Stream, state: MeshState, forced: TypeUrl | undefined, changedAt?: number): void {
    const connection = stream.connection;
    if (!connection) return;
    const resources = this.cache.resourcesFor(state, connection.node);
    for (const typeUrl of TYPE_URLS_IN_PUSH_ORDER) {
      if (typeUrl === TYPE_URL.secret && (stream.secretsPending || !stream.peer)) continue;
      const byType = typeUrl === TYPE_URL.secret ? permittedSecrets(resources.byType, identityOf(connection.node)) : resources.byType;
      const response = connection.responseFor(typeUrl, byType, typeUrl === forced);
      if (!response) continue;
      stream.call.write(response);
      this.options.metrics.pushes.inc({ type: shortType(typeUrl) });
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

/** The resources with the Secret type narrowed to what `maySendSecret` allows this identity. */
function permittedSecrets(byType: EncodedByType, identity: Identity): EncodedByType {
  const secrets = byType.get(TYPE_URL.secret);
  if (!secrets) return byType;
  const allowed = new Map([...secrets].filter(([name]) => maySendSecret(identity, name)));
  return new Map(byType).set(TYPE_URL.secret, allowed);
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
