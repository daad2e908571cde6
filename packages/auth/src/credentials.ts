/**
 * The credentials a server accepts: named tokens, each with its scopes. A presented token is
 * hashed once and compared with every known digest in constant time (no early exit), so neither
 * which token matched nor how much of it did leaks through timing. Tokens are held only as
 * digests, and no method returns one.
 */
import { timingSafeEqual } from 'node:crypto';
import { scopeCovers, SCOPES, type Scope } from './scopes.js';
import { tokenDigest } from './token-text.js';

/** Who a request came from, once its token matched. */
export interface Principal {
  /** The token's name, for log lines and refusals (never the token). */
  name: string;
  scopes: ReadonlySet<Scope>;
}

export interface CredentialEntry {
  name: string;
  /** SHA-256 of the token (32 bytes). */
  digest: Buffer;
  scopes: readonly Scope[];
}

/** The name of the single token (MESHGATE_API_TOKEN, or the embedded run's generated one). */
export const ADMIN_TOKEN_NAME = 'api-token';

/** The single API token's entry: every scope. */
export function adminTokenEntry(token: string): CredentialEntry {
  return { name: ADMIN_TOKEN_NAME, digest: tokenDigest(token), scopes: SCOPES };
}

export class Credentials {
  readonly #entries: { principal: Principal; digest: Buffer }[];

  constructor(entries: readonly CredentialEntry[]) {
    this.#entries = entries.map((entry) => ({ principal: { name: entry.name, scopes: new Set(entry.scopes) }, digest: Buffer.from(entry.digest) }));
  }

  /** Accepts no token at all (a server that was given none). */
  static none(): Credentials {
    return new Credentials([]);
  }

  /** The single token, holding every scope (what MESHGATE_API_TOKEN has always meant), and `extra` entries. */
  static adminToken(token: string | undefined, extra: readonly CredentialEntry[] = []): Credentials {
    return new Credentials([...(token === undefined ? [] : [adminTokenEntry(token)]), ...extra]);
  }

  /** false: no token is configured, and every authenticated request is refused. */
  get configured(): boolean {
    return this.#entries.length > 0;
  }

  /** Names and scopes, for a start-up log line. */
  describe(): { name: string; scopes: Scope[] }[] {
    return this.#entries.map(({ principal }) => ({ name: principal.name, scopes: [...principal.scopes] }));
  }

  /** The principal whose token this is, or undefined. */
  authenticate(presented: string): Principal | undefined {
    const digest = tokenDigest(presented);
    let found: Principal | undefined;
    for (const entry of this.#entries) {
      // Every entry is compared, even after a match.
      if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry.principal;
    }
    return found;
  }

  /** Whether `token` authenticates and holds `scope`. */
  allows(presented: string, scope: Scope): boolean {
    const principal = this.authenticate(presented);
    return principal !== undefined && scopeCovers(principal.scopes, scope);
  }
}
