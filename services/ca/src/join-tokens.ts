/**
 * One-time join tokens: how a workload without a certificate gets its first one (what `meshgate
 * proxy bootstrap` hands to Envoy or `meshgate agent`). An operator with the CA admin credential
 * creates a token bound to one identity; the workload presents it once with a CSR for exactly
 * that identity.
 *
 * Kept in the event log, which already survives restarts and is shared by every CA replica: a
 * `JoinTokenIssued` event on the stream `JoinToken/<sha256 of the token>` (identity, expiry) and,
 * on use, a `JoinTokenConsumed` appended with expectedVersion 1, so that of two concurrent uses
 * exactly one wins. The token itself is never stored, logged or recorded; only its hash names
 * the stream (256 random bits: the hash does not lead back to it).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ConcurrencyError, type EventStore } from '@meshgate/eventlog';
import { formatDuration, parseGoDuration } from './duration.js';
import { validateIdentity } from './identity.js';
import { CaError, type Identity } from './types.js';

export const JOIN_TOKEN_ISSUED = 'JoinTokenIssued';
export const JOIN_TOKEN_CONSUMED = 'JoinTokenConsumed';
/** What every join token starts with, so that one pasted in the wrong place is recognisable. */
export const JOIN_TOKEN_PREFIX = 'mgjt_';
export const DEFAULT_JOIN_TOKEN_TTL = '1h';
export const MAX_JOIN_TOKEN_TTL = '168h';

export interface JoinTokenIssuedData {
  namespace: string;
  serviceAccount: string;
  expiresAt: string;
}

export interface JoinTokenConsumedData {
  consumedAt: string;
}

export interface CreatedJoinToken {
  /** Shown once, to the caller that created it. */
  token: string;
  identity: Identity;
  expiresAt: string;
}

/** Why a join token was not accepted; the routes answer 403 with the message. */
export class JoinTokenRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JoinTokenRefused';
  }
}

export interface JoinTokensOptions {
  store: Pick<EventStore, 'append' | 'readStream'>;
  /** The CA's trust domain: a CSR presented with a token must ask for that identity's names in it. */
  trustDomain: string;
  now?: () => Date;
}

function tokenStream(token: string): string {
  return `JoinToken/${createHash('sha256').update(token).digest('hex')}`;
}

export class JoinTokens {
  private readonly now: () => Date;
  readonly trustDomain: string;

  constructor(private readonly options: JoinTokensOptions) {
    this.trustDomain = options.trustDomain;
    this.now = options.now ?? (() => new Date());
  }

  async create(identity: Identity, ttl: string = DEFAULT_JOIN_TOKEN_TTL): Promise<CreatedJoinToken> {
    validateIdentity(identity, 'identity');
    const ttlMs = checkTtl(ttl);
    const token = `${JOIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(this.now().getTime() + ttlMs).toISOString();
    const data: JoinTokenIssuedData = { namespace: identity.namespace, serviceAccount: identity.serviceAccount, expiresAt };
    await this.options.store.append([{ streamId: tokenStream(token), type: JOIN_TOKEN_ISSUED, data, expectedVersion: 0 }]);
    return { token, identity: { namespace: identity.namespace, serviceAccount: identity.serviceAccount }, expiresAt };
  }

  /** The identity a token is bound to, if it is known, unused and unexpired; else JoinTokenRefused. Does not use it up. */
  async identityOf(token: string): Promise<Identity> {
    if (!token.startsWith(JOIN_TOKEN_PREFIX)) throw new JoinTokenRefused(`not a join token (join tokens start with "${JOIN_TOKEN_PREFIX}")`);
    const events = await this.options.store.readStream(tokenStream(token));
    const issued = events.find((event) => event.type === JOIN_TOKEN_ISSUED);
    if (!issued) throw new JoinTokenRefused('unknown join token');
    if (events.some((event) => event.type === JOIN_TOKEN_CONSUMED)) throw new JoinTokenRefused('this join token was already used; create a new one (meshgate proxy bootstrap)');
    const data = issued.data as JoinTokenIssuedData;
    if (Date.parse(data.expiresAt) <= this.now().getTime()) throw new JoinTokenRefused(`this join token expired at ${data.expiresAt}; create a new one`);
    return { namespace: data.namespace, serviceAccount: data.serviceAccount };
  }

  /** Uses the token up, atomically: of concurrent calls, one succeeds and the others are refused. */
  async consume(token: string): Promise<Identity> {
    const identity = await this.identityOf(token);
    const data: JoinTokenConsumedData = { consumedAt: this.now().toISOString() };
    try {
      await this.options.store.append([{ streamId: tokenStream(token), type: JOIN_TOKEN_CONSUMED, data, expectedVersion: 1 }]);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw new JoinTokenRefused('this join token was already used; create a new one (meshgate proxy bootstrap)');
      throw error;
    }
    return identity;
  }
}

function checkTtl(ttl: string): number {
  const parsed = parseGoDuration(ttl);
  if (!parsed.ok) throw new CaError('MG_ERR_CA_BAD_DURATION', `ttl "${ttl}" ${parsed.reason}`, 'ttl');
  const max = parseGoDuration(MAX_JOIN_TOKEN_TTL);
  if (max.ok && parsed.ms > max.ms) throw new CaError('MG_ERR_CA_BAD_DURATION', `ttl "${ttl}" is longer than the maximum ${MAX_JOIN_TOKEN_TTL}`, 'ttl');
  if (parsed.ms < 1000) throw new CaError('MG_ERR_CA_BAD_DURATION', `ttl "${ttl}" must be at least one second (got ${formatDuration(parsed.ms)})`, 'ttl');
  return parsed.ms;
}
