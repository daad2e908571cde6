/**
 * The xds service, built but not started: a follower of the event log, the ADS server and the
 * push loop between them. `main.ts` (or the embedded runner) starts it.
 *
 * Two ports serve the same ADS: the mTLS port (`securePort`, needs the CA for its server
 * certificate), where proxies authenticate and get SDS, and the plaintext port (`port`, bound to
 * `plaintextHost`, 127.0.0.1 by default), kept for the embedded walkthrough: no secrets there.
 */
import * as grpc from '@grpc/grpc-js';
import type { Bus } from '@meshgate/bus';
import type { CertificateAuthority } from '@meshgate/ca';
import type { ChangedRef, CompileOptions } from '@meshgate/compiler';
import type { EventStore } from '@meshgate/eventlog';
import type { AppliedSecretPayloads } from '@meshgate/secrets';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AdsServer } from './ads-server.js';
import { GatewayCredentials } from './gateway-credentials.js';
import { IdentityCertificates } from './identity-certificates.js';
import { combineSecretSources } from './secret-source.js';
import { IssuanceLimiter, type IssuanceLimiterOptions } from './issuance-limiter.js';
import { XdsServerCertificate } from './server-credentials.js';
import type { Identity } from '@meshgate/ca';
import { createXdsMetrics } from './metrics.js';
import { proxyConfig, proxyStatus, type ProxyStatus } from './proxy-status.js';
import { StateFollower } from '@meshgate/follower';
import { listenOrExplain, type MeshgateConfig } from '@meshgate/runtime';
import { listenForGrpc, type GrpcListener } from './grpc-listener.js';
import { releaseReadBuffers } from './grpc-read-buffers.js';

export interface XdsServiceOptions {
  store: EventStore;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  compile: CompileOptions;
  /** Where the mTLS port binds (MESHGATE_XDS_HOST); default 127.0.0.1. */
  host?: string;
  /** The plaintext port (MESHGATE_XDS_PORT); 0 picks a free port (tests). */
  port: number;
  /** Where the plaintext port binds (MESHGATE_XDS_PLAINTEXT_HOST); default 127.0.0.1. */
  plaintextHost?: string;
  /** The mTLS port (MESHGATE_XDS_SECURE_PORT); served only with a CA; 0 picks a free port. */
  securePort?: number;
  /** The identity of the mTLS port's server certificate; default meshgate-system/meshgate-xds. */
  serverIdentity?: Identity;
  /** Per-identity budget of workload certificate issuance (MESHGATE_XDS_ISSUE_BURST, MESHGATE_XDS_ISSUE_PER_MINUTE). */
  issuance?: IssuanceLimiterOptions;
  /** Shares the embedded process's follower instead of reading the log twice. */
  follower?: StateFollower;
  /** For a follower of its own: save a MeshState snapshot every this many events (MESHGATE_SNAPSHOT_EVERY), so a restart replays only the tail. */
  snapshotEvery?: number;
  /**
   * Push debounce (Contour's): a push waits until the log has been quiet this long
   * (MESHGATE_XDS_DEBOUNCE_MS, default 20 ms), so that a burst of changes costs one push…
   */
  pushDebounceMs?: number;
  /** …but never longer than this after the first change (MESHGATE_XDS_DEBOUNCE_MAX_MS, default 200 ms). */
  pushDebounceMaxMs?: number;
  /** Writes not yet flushed, across all streams (MESHGATE_XDS_MAX_CONCURRENT_WRITES, default 128). */
  maxConcurrentWrites?: number;
  /** Issues workload certificates for SDS; without one, Secret subscriptions are answered with nothing. */
  ca?: CertificateAuthority;
  /**
   * Applied Secrets' payloads (under the deployment key): with it, gateway credentials
   * (`kubernetes://NAME`, `kubernetes://NAME-cacert`) are served over SDS on the mTLS port.
   */
  secretPayloads?: Pick<AppliedSecretPayloads, 'read'>;
  /** Renew a workload certificate once this fraction of its lifetime has passed (MESHGATE_CERT_RENEW_FRACTION); default 0.5. */
  certRenewFraction?: number;
  /** Validity asked of the CA for workload certificates (Go duration); the CA's default when unset. */
  certValidity?: string;
  /** How often to poll the trust bundle and renew what is due; default 5000 ms. */
  renewalCheckIntervalMs?: number;
  /** The clock renewal decisions use; default Date.now (tests pass a fake one). */
  now?: () => number;
}

export class XdsService {
  readonly follower: StateFollower;
  readonly ads: AdsServer;
  /** Workload certificates served over SDS; undefined without a CA. */
  readonly certificates?: IdentityCertificates;
  /** Gateway credentials from applied Secrets served over SDS; undefined without `secretPayloads`. */
  readonly credentials?: GatewayCredentials;
  /** The mTLS port's own certificate; undefined without a CA or a secure port. */
  readonly serverCertificate?: XdsServerCertificate;
  private readonly server = new grpc.Server({ 'grpc.keepalive_permit_without_calls': 1 });
  private readonly secureServer = new grpc.Server({ 'grpc.keepalive_permit_without_calls': 1 });
  /** The xDS ports (grpc-listener.ts: listened on with a backlog deep enough for a reconnect storm). */
  private readonly listeners: GrpcListener[] = [];
  private pushTimer?: NodeJS.Timeout;
  /** When the first change not yet pushed arrived (the debounce's maximum counts from it). */
  private firstPendingAt?: number;
  /** When the earliest change not pushed yet was appended (epoch ms), for the convergence histogram. */
  private unpushedSince?: number;
  private boundPort = 0;
  private boundSecurePort = 0;
  private ready = false;
  private readonly ownsFollower: boolean;

  constructor(private readonly options: XdsServiceOptions) {
    const metrics = createXdsMetrics(options.registry);
    this.ownsFollower = options.follower === undefined;
    this.follower = options.follower ?? new StateFollower({ store: options.store, bus: options.bus, snapshotEvery: options.snapshotEvery });
    if (options.ca) {
      this.certificates = new IdentityCertificates({
        ca: options.ca,
        logger: options.logger.child({ component: 'sds' }),
        renewFraction: options.certRenewFraction,
        validity: options.certValidity,
        checkIntervalMs: options.renewalCheckIntervalMs,
        now: options.now,
        inUse: () => this.ads.secretIdentities(),
        limiter: new IssuanceLimiter({ ...options.issuance, now: options.now }),
        onRateLimited: () => metrics.rateLimitedIssuances.inc(),
      });
      this.certificates.on('changed', (identity) => this.ads.pushSecrets(identity));
    }
    if (options.secretPayloads) {
      this.credentials = new GatewayCredentials({ payloads: options.secretPayloads, state: () => this.follower.current, logger: options.logger.child({ component: 'sds-credentials' }) });
      // A loaded (rotated) payload is a new SDS version for the gateways that use it: nothing else is pushed.
      this.credentials.on('changed', () => this.ads.pushSecrets());
    }
    const sources = [this.certificates, this.credentials].filter((source): source is IdentityCertificates | GatewayCredentials => source !== undefined);
    const secrets = sources.length > 1 ? combineSecretSources(...sources) : sources[0];
    this.ads = new AdsServer({ compile: options.compile, logger: options.logger, metrics, state: () => this.follower.current, secrets, maxConcurrentWrites: options.maxConcurrentWrites });
    this.ads.register(this.server, 'plaintext');
    if (options.ca && options.securePort !== undefined) {
      this.serverCertificate = new XdsServerCertificate({ ca: options.ca, logger: options.logger.child({ component: 'xds-tls' }), identity: options.serverIdentity, checkIntervalMs: options.renewalCheckIntervalMs, now: options.now });
      this.ads.register(this.secureServer, 'mtls');
    }
    this.follower.on('advanced', (sequence: number, changed?: readonly unknown[], firstRecordedAt?: number) => {
      metrics.logSequence.set(sequence);
      // A batch that applied or deleted no object (CA bookkeeping, join tokens) compiles nothing.
      if (changed !== undefined && changed.length === 0) return;
      if (firstRecordedAt !== undefined) this.unpushedSince = Math.min(this.unpushedSince ?? firstRecordedAt, firstRecordedAt);
      // The changed objects: only the compiled units that read one of them are redone.
      this.ads.cache.invalidate(changed as readonly ChangedRef[] | undefined);
      this.schedulePush();
    });
    this.follower.on('error', (error: unknown) => options.logger.error({ err: error }, 'reading the event log failed; will retry'));
  }

  /** The plaintext port as bound. */
  get port(): number {
    return this.boundPort;
  }

  /** The mTLS port as bound; 0 when it is not served. */
  get securePort(): number {
    return this.boundSecurePort;
  }

  get isReady(): boolean {
    return this.ready;
  }

  async start(): Promise<void> {
    if (!releaseReadBuffers()) this.options.logger.warn('grpc-js is not as grpc-read-buffers.ts expects: each stream keeps the read buffers of its last request');
    if (this.ownsFollower) await this.follower.start();
    const plaintextHost = this.options.plaintextHost ?? '127.0.0.1';
    this.boundPort = await listenOrExplain(
      { what: 'plaintext xDS', host: plaintextHost, port: this.options.port, variable: 'MESHGATE_XDS_PORT', flag: '`meshgate up --xds-port`' },
      () => this.listen(this.server, plaintextHost, this.options.port, grpc.ServerCredentials.createInsecure()),
    );
    if (this.serverCertificate && this.options.securePort !== undefined) {
      const credentials = await this.serverCertificate.start();
      const host = this.options.host ?? '127.0.0.1';
      const securePort = this.options.securePort;
      this.boundSecurePort = await listenOrExplain(
        { what: 'mTLS xDS', host, port: securePort, variable: 'MESHGATE_XDS_SECURE_PORT', flag: '`meshgate up --xds-secure-port`' },
        () => this.listen(this.secureServer, host, securePort, credentials),
      );
    } else {
      this.options.logger.warn('no CA or no secure port: the mTLS xDS port is not served, so no proxy can authenticate and SDS serves nothing');
    }
    this.certificates?.start();
    this.ready = true;
    this.options.logger.info({ securePort: this.boundSecurePort, plaintextPort: this.boundPort, sequence: this.follower.sequence }, 'xds serving ADS (mTLS with SDS; plaintext without secrets)');
  }

  proxies(): ProxyStatus[] {
    return this.ads
      .connections()
      .map(proxyStatus)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The compiled configuration of a connected proxy, or undefined when no such proxy is connected. */
  proxyConfig(id: string): Record<string, Record<string, unknown>[]> | undefined {
    const connection = this.ads.connections().find((c) => c.node.id === id);
    if (!connection) return undefined;
    return proxyConfig(this.ads.cache.resourcesFor(this.follower.current, connection.node).byType);
  }

  /** Quiet period and maximum delay: each change restarts the quiet wait, up to the maximum after the first. */
  private schedulePush(): void {
    const quiet = this.options.pushDebounceMs ?? 20;
    const max = Math.max(quiet, this.options.pushDebounceMaxMs ?? 200);
    const now = Date.now();
    this.firstPendingAt ??= now;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    const wait = Math.max(0, Math.min(quiet, this.firstPendingAt + max - now));
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.firstPendingAt = undefined;
      const changedAt = this.unpushedSince;
      this.unpushedSince = undefined;
      this.ads.pushAll(changedAt);
    }, wait);
  }

  async stop(): Promise<void> {
    this.ready = false;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    await this.certificates?.stop();
    this.credentials?.stop();
    await this.serverCertificate?.stop();
    if (this.ownsFollower) await this.follower.close();
    this.ads.closeAll();
    const closing = this.listeners.map((listener) => listener.close());
    await Promise.all([shutDown(this.server), shutDown(this.secureServer)]);
    await Promise.all(closing);
  }

  private async listen(server: grpc.Server, host: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
    const listener = await listenForGrpc(server, host, port, credentials, { onError: (error) => this.options.logger.error({ err: error, host, port }, 'an xDS port failed to accept a connection') });
    this.listeners.push(listener);
    return listener.port;
  }
}

/** Proxies keep their ADS streams open: give them a moment to go, then cut what is left. */
function shutDown(server: grpc.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/** The XdsService settings that come from the configuration, the same for `meshgate up` and the xds process. */
export function xdsSettingsFromConfig(config: MeshgateConfig) {
  return {
    compile: { clusterDomain: config.clusterDomain, trustDomain: config.trustDomain, meshName: config.meshName },
    host: config.xdsHost,
    port: config.xdsPort,
    plaintextHost: config.xdsPlaintextHost,
    securePort: config.xdsSecurePort,
    serverIdentity: config.xdsServerIdentity,
    issuance: config.xdsIssuance,
    pushDebounceMs: config.xdsDebounce.quietMs,
    pushDebounceMaxMs: config.xdsDebounce.maxMs,
    maxConcurrentWrites: config.xdsMaxConcurrentWrites,
    certRenewFraction: config.certRenewFraction,
  } satisfies Partial<XdsServiceOptions>;
}
