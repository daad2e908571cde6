/**
 * The scopes a credential can hold, and what each lets its holder do. The routes and gRPC
 * methods name the scope they need; this module is the one place that says which scopes exist
 * and which scope includes another.
 */
export const SCOPES = ['read', 'write', 'ca-issue', 'ca-admin', 'ca-secrets'] as const;

export type Scope = (typeof SCOPES)[number];

/** For the README, `--help` texts and refusals. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<Scope, string>> = {
  read: 'GET resources, events (and their stream), proxies, compile',
  write: 'apply and delete objects',
  'ca-issue': 'issue the certificate of a mesh identity (what the xds service does for SDS)',
  'ca-admin':
    'everything of ca-issue and ca-secrets, plus: issue for DNS names, sign CSRs for any name in the trust domain, rotate and drop roots, create join tokens',
  'ca-secrets': 'read published secrets (what the watcher writes back to Kubernetes as Secrets)',
};

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/**
 * Whether holding `held` lets a caller use what needs `needed`. `ca-admin` includes `ca-issue`
 * (an administrator may issue what the xds service issues) and `ca-secrets` (read the published
 * secrets, the watcher's write-back); no other scope includes another, so
 * a `write` token that should also read says `read` too.
 */
export function scopeCovers(held: ReadonlySet<Scope>, needed: Scope): boolean {
  return held.has(needed) || ((needed === 'ca-issue' || needed === 'ca-secrets') && held.has('ca-admin'));
}
