/**
 * Workload certificates for SDS: one per mesh identity (`<serviceAccount>.<namespace>`), asked of
 * the CA lazily when a proxy of that identity first subscribes to `default`, kept in memory only,
 * renewed once a fraction of its lifetime has passed, and re-issued when the trust bundle changes
 * (a root rotation).
 *
 * One timer drives everything (`checkIntervalMs`): each tick polls the CA's trust bundle, renews
 * what is due and forgets identities no connected proxy uses. Polling the bundle works the same
 * for the in-process CA and the gRPC one, without depending on which log the CA writes to.
 *
 * Private keys live only in the cached encoded Secret; they are never logged or emitted.
 *
 * Only authenticated streams (the mTLS port) ever call `prepare`, so an identity here is one a
 * client certificate proved. First issuances are rate-limited per identity (IssuanceLimiter): an
 * identity over its budget waits for its next token, and its proxies are answered then.
 */
import { EventEmitter } from 'node:events';
import type { CertificateAuthority, CertificateInfo, Identity, IssueReason } from '@meshgate/ca';
import type { ProxyNode } from '@meshgate/compiler';
import type { Logger } from 'pino';
import type { IssuanceLimiter } from './issuance-limiter.js';
import type { EncodedResource } from './resource-cache.js';
import type { SecretSource } from './secret-source.js';
import {
  certificateChainPem,
  certificateSecret,
  identityKey,
  identityName,
  identityOf,
  SDS_CERTIFICATE_SECRET,
  SDS_TRUST_BUNDLE_SECRET,
  trustBundleSecret,
} from './sds-secrets.js';

export interface IdentityCertificatesOptions {
  ca: CertificateAuthority;
  logger: Logger;
  /** Renew once this fraction of a certificate's lifetime has passed; default 0.5. */
  renewFraction?: number;
  /** Validity asked of the CA (Go duration, e.g. `24h`); the CA's default when unset. */
  validity?: string;
  /** How often to poll the trust bundle and look for certificates due for renewal; default 5000. */
  checkIntervalMs?: number;
  /** Issuances at once during a root rotation (every identity at the same time); default 8. */
  maxConcurrentIssues?: number;
  /** The clock renewal decisions use (tests pass a fake one); default Date.now. */
  now?: () => number;
  /** Identity keys some connected proxy still uses; the others are forgotten at the next check. */
  inUse?: () => ReadonlySet<string>;
  /** Per-identity budget of first issuances (reason `sds`); unlimited without one. */
  limiter?: IssuanceLimiter;
  /** Called for each issuance the limiter deferred (a metric). */
  onRateLimited?: () => void;
}

export interface IdentityCertificatesEvents {
  /** Secrets changed: one identity's certificate, or (undefined) the trust bundle every identity sees. */
  changed: [identityKey: string | undefined];
  issued: [identity: Identity, info: CertificateInfo, reason: IssueReason];
  bundle: [version: string];
}

interface CachedCertificate {
  info: CertificateInfo;
  secret: EncodedResource;
  /** Epoch ms after which the next check renews it. */
  renewAt: number;
  /** The trust bundle version when it was issued; a different current version means a root rotation. */
  bundleVersion: string;
}

interface IdentityEntry {
  identity: Identity;
  current?: CachedCertificate;
  issuing?: Promise<void>;
  /** Set while the identity waits for an issuance token. */
  deferred?: NodeJS.Timeout;
}

interface CachedBundle {
  version: string;
  secret: EncodedResource;
}

const NOTHING: ReadonlyMap<string, EncodedResource> = new Map();

export class IdentityCertificates extends EventEmitter<IdentityCertificatesEvents> implements SecretSource {
  private readonly entries = new Map<string, IdentityEntry>();
  private bundle?: CachedBundle;
  private fetchingBundle?: Promise<CachedBundle>;
  private checking?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly renewFraction: number;
  private readonly now: () => number;

  constructor(private readonly options: IdentityCertificatesOptions) {
    super();
    this.renewFraction = options.renewFraction ?? 0.5;
    if (!(this.renewFraction > 0 && this.renewFraction < 1)) throw new RangeError(`renewFraction must be between 0 and 1 (exclusive), got ${this.renewFraction}`);
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.timer ??= setInterval(() => void this.check(), this.options.checkIntervalMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const entry of this.entries.values()) if (entry.deferred) clearTimeout(entry.deferred);
    await this.checking;
    await Promise.all([...this.entries.values()].map((entry) => entry.issuing));
  }

  secretsFor(node: ProxyNode): ReadonlyMap<string, EncodedResource> {
    if (this.stopped) return NOTHING;
    const entry = this.entries.get(identityKey(identityOf(node)));
    const secrets = new Map<string, EncodedResource>();
    if (this.bundle) secrets.set(SDS_TRUST_BUNDLE_SECRET, this.bundle.secret);
    if (entry?.current) secrets.set(SDS_CERTIFICATE_SECRET, entry.current.secret);
    return secrets;
  }

  prepare(node: ProxyNode, names: ReadonlySet<string>): boolean {
    // Proxyless gRPC itself never asks (it reads files); its `meshgate agent` does, for those files.
    if (this.stopped) return true;
    let ready = true;
    if (names.has(SDS_TRUST_BUNDLE_SECRET) && !this.bundle) {
      ready = false;
      void this.refreshBundle().catch((error: unknown) => this.options.logger.error({ err: error }, 'reading the trust bundle failed; will retry'));
    }
    if (names.has(SDS_CERTIFICATE_SECRET)) {
      const identity = identityOf(node);
      const key = identityKey(identity);
      let entry = this.entries.get(key);
      if (!entry) {
        entry = { identity };
        this.entries.set(key, entry);
      }
      if (!entry.current) {
        ready = false;
        void this.issueFor(key, entry, 'sds');
      }
    }
    return ready;
  }

  /** The certificate currently served for an identity (public facts only), if any. */
  certificateOf(identity: Identity): CertificateInfo | undefined {
    return this.entries.get(identityKey(identity))?.current?.info;
  }

  /**
   * Polls the trust bundle, re-issues after a root rotation, renews what is due, and resolves
   * once that and any issuance already under way have finished. One check at a time.
   */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    if (this.stopped) return;
    this.forgetUnused();
    try {
      // Emits `changed` for everyone before any leaf is re-issued, so that proxies trust the new
      // root before peers start presenting leaves signed by it.
      await this.refreshBundle();
    } catch (error) {
      this.options.logger.error({ err: error }, 'reading the trust bundle failed; will retry');
    }
    const now = this.now();
    const due: { key: string; entry: IdentityEntry; reason: IssueReason }[] = [];
    const underWay: Promise<void>[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.issuing) {
        underWay.push(entry.issuing);
        continue;
      }
      if (entry.deferred) continue; // waiting for its issuance token
      if (!entry.current) due.push({ key, entry, reason: 'sds' }); // an earlier attempt failed
      else if (this.bundle && entry.current.bundleVersion !== this.bundle.version) due.push({ key, entry, reason: 'root-rotation' });
      else if (now >= entry.current.renewAt) due.push({ key, entry, reason: 'renewal' });
    }
    await Promise.all([...underWay, eachLimited(due, this.options.maxConcurrentIssues ?? 8, ({ key, entry, reason }) => this.issueFor(key, entry, reason))]);
  }

  private forgetUnused(): void {
    const inUse = this.options.inUse?.();
    if (!inUse) return;
    for (const [key, entry] of this.entries) {
      if (inUse.has(key)) continue;
      if (entry.deferred) clearTimeout(entry.deferred);
      this.entries.delete(key);
    }
    this.options.limiter?.prune();
  }

  /** Fetches the bundle; a new version replaces ROOTCA and emits `changed` for every identity. */
  private refreshBundle(): Promise<CachedBundle> {
    this.fetchingBundle ??= this.options.ca
      .trustBundle()
      .then((bundle) => {
        const previous = this.bundle;
        if (previous?.version === bundle.version) return previous;
        const fresh = { version: bundle.version, secret: trustBundleSecret(bundle.pem) };
        this.bundle = fresh;
        this.options.logger.info({ version: bundle.version, previous: previous?.version, roots: bundle.roots.length }, previous ? 'trust bundle changed; pushing ROOTCA and re-issuing certificates' : 'trust bundle loaded');
        this.emit('bundle', bundle.version);
        this.emit('changed', undefined);
        return fresh;
      })
      .finally(() => {
        this.fetchingBundle = undefined;
      });
    return this.fetchingBundle;
  }

  /** Issues (once at a time per identity) and publishes; failures are logged and retried by the next check. */
  private issueFor(key: string, entry: IdentityEntry, reason: IssueReason): Promise<void> {
    if (entry.deferred) return Promise.resolve();
    if (!entry.issuing && reason === 'sds' && this.options.limiter) {
      const waitMs = this.options.limiter.take(key);
      if (waitMs > 0) {
        this.options.onRateLimited?.();
        this.options.logger.warn({ identity: identityName(entry.identity), retryInMs: waitMs }, 'workload certificate issuance rate-limited for this identity; its proxies are answered when the next issuance is due');
        entry.deferred = setTimeout(() => {
          entry.deferred = undefined;
          if (!this.stopped && this.entries.get(key) === entry && !entry.current) void this.issueFor(key, entry, reason);
        }, waitMs);
        entry.deferred.unref();
        return Promise.resolve();
      }
    }
    entry.issuing ??= this.issue(key, entry, reason).finally(() => {
      entry.issuing = undefined;
    });
    return entry.issuing;
  }

  private async issue(key: string, entry: IdentityEntry, reason: IssueReason): Promise<void> {
    const { logger } = this.options;
    const name = identityName(entry.identity);
    try {
      // The bundle before the leaf: a leaf is never recorded under a newer bundle than its own.
      const bundle = this.bundle ?? (await this.refreshBundle());
      const issued = await this.options.ca.issue({ identity: entry.identity, validity: this.options.validity, reason });
      if (this.stopped || this.entries.get(key) !== entry) return; // forgotten meanwhile
      if (!issued.privateKeyPem) throw new Error('the CA returned a certificate without its private key');
      const notBefore = Date.parse(issued.info.notBefore);
      const notAfter = Date.parse(issued.info.notAfter);
      if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter) || notAfter <= notBefore) {
        throw new Error(`the CA returned an unusable validity ${issued.info.notBefore} – ${issued.info.notAfter}`);
      }
      // Lifetime from when it became valid, or from when we got it if the CA back-dates
      // notBefore for clock skew (otherwise a short certificate would be due at once).
      const start = Math.max(notBefore, Math.min(this.now(), notAfter));
      entry.current = {
        info: issued.info,
        secret: certificateSecret(certificateChainPem(issued.certificatePem, issued.chainPem), issued.privateKeyPem),
        renewAt: start + this.renewFraction * (notAfter - start),
        bundleVersion: bundle.version,
      };
      logger.info({ identity: name, serial: issued.info.serialHex, notAfter: issued.info.notAfter, reason }, 'workload certificate issued for SDS');
      this.emit('issued', entry.identity, issued.info, reason);
      this.emit('changed', key);
    } catch (error) {
      logger.error({ identity: name, reason, err: error }, 'issuing the workload certificate failed; will retry');
    }
  }
}

/** Runs `run` over `items` with at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}
