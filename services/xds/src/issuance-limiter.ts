/**
 * A token bucket per identity for workload certificate issuance: each identity may have `burst`
 * certificates issued at once and then one every `1/ratePerMinute` minutes. A proxy that
 * reconnects in a loop (or many proxies of one identity) therefore cannot fill the event log
 * with `CertificateIssued` events; a refused issuance is retried when the next token is due, so
 * the proxy is answered later rather than with an error.
 */
export interface IssuanceLimiterOptions {
  /** Tokens an identity starts with and can save up to; default 5. */
  burst?: number;
  /** Tokens added per minute; default 6 (one every 10 s). */
  ratePerMinute?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class IssuanceLimiter {
  readonly burst: number;
  readonly ratePerMinute: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(options: IssuanceLimiterOptions = {}) {
    this.burst = options.burst ?? 5;
    this.ratePerMinute = options.ratePerMinute ?? 6;
    if (!(Number.isInteger(this.burst) && this.burst >= 1)) throw new RangeError(`issuance burst must be a positive integer, got ${this.burst}`);
    if (!(this.ratePerMinute > 0)) throw new RangeError(`issuance rate must be positive, got ${this.ratePerMinute}`);
    this.now = options.now ?? Date.now;
  }

  /** Takes a token for `key`: 0 when granted, else the milliseconds until one is due. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(key, bucket);
      return 0;
    }
    this.buckets.set(key, bucket);
    return Math.ceil(((1 - bucket.tokens) * 60_000) / this.ratePerMinute);
  }

  /** Drops buckets that have filled up again (they hold no information). */
  prune(): void {
    const now = this.now();
    for (const key of this.buckets.keys()) if (this.refilled(key, now).tokens >= this.burst) this.buckets.delete(key);
  }

  private refilled(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.ratePerMinute) / 60_000);
    return { tokens, at: now };
  }
}
