/**
 * The xds service, built but not started: a follower of the event log, the ADS server and the
 * push loop between them. `main.ts` (or the embedded runner) starts it.
 */
import * as grpc from '@grpc/grpc-js';
import type { Bus } from '@meshgate/bus';
import type { CertificateAuthority } from '@meshgate/ca';
import type { CompileOptions } from '@meshgate/compiler';
import type { EventStore } from '@meshgate/eventlog';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AdsServer } from './ads-server.js';
import { IdentityCertificates } from './identity-certificates.js';
import { createXdsMetrics } from './metrics.js';
import { proxyConfig, proxyStatus, type ProxyStatus } from './proxy-status.js';
import { StateFollower } from '@meshgate/follower';

export interface XdsServiceOptions {
  store: EventStore;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  compile: CompileOptions;
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Shares the embedded process's follower instead of reading the log twice. */
  follower?: StateFollower;
  /** Quiet time before a push, so that a burst of events costs one push. */
  pushDebounceMs?: number;
  /** Issues workload certificates for SDS; without one, Secret subscriptions are answered with nothing. */
  ca?: CertificateAuthority;
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
  private readonly server = new grpc.Server({ 'grpc.keepalive_permit_without_calls': 1 });
  private pushTimer?: NodeJS.Timeout;
  private boundPort = 0;
  private ready = false;
  private readonly ownsFollower: boolean;

  constructor(private readonly options: XdsServiceOptions) {
    const metrics = createXdsMetrics(options.registry);
    this.ownsFollower = options.follower === undefined;
    this.follower = options.follower ?? new StateFollower({ store: options.store, bus: options.bus });
    if (options.ca) {
      this.certificates = new IdentityCertificates({
        ca: options.ca,
        logger: options.logger.child({ component: 'sds' }),
        renewFraction: options.certRenewFraction,
        validity: options.certValidity,
        checkIntervalMs: options.renewalCheckIntervalMs,
        now: options.now,
        inUse: () => this.ads.secretIdentities(),
      });
      this.certificates.on('changed', (identity) => this.ads.pushSecrets(identity));
    }
    this.ads = new AdsServer({ compile: options.compile, logger: options.logger, metrics, state: () => this.follower.current, secrets: this.certificates });
    this.ads.register(this.server);
    this.follower.on('advanced', (sequence: number) => {
      metrics.logSequence.set(sequence);
      this.schedulePush();
    });
    this.follower.on('error', (error: unknown) => options.logger.error({ err: error }, 'reading the event log failed; will retry'));
  }

  get port(): number {
    return this.boundPort;
  }

  get isReady(): boolean {
    return this.ready;
  }

  async start(): Promise<void> {
    if (this.ownsFollower) await this.follower.start();
    const address = `${this.options.host ?? '127.0.0.1'}:${this.options.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
    });
    this.certificates?.start();
    this.ready = true;
    this.options.logger.info({ port: this.boundPort, sequence: this.follower.sequence }, 'xds serving ADS');
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

  private schedulePush(): void {
    if (this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.ads.pushAll();
    }, this.options.pushDebounceMs ?? 5);
  }

  async stop(): Promise<void> {
    this.ready = false;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    await this.certificates?.stop();
    if (this.ownsFollower) await this.follower.close();
    this.ads.closeAll();
    // Proxies keep their ADS streams open: give them a moment to go, then cut what is left.
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
