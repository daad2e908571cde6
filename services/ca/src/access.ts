/**
 * Who may use which CA operation, for both front doors (REST and gRPC):
 *
 *   trust bundle                         open (it is public)
 *   issue for a mesh identity            ca-issue  (the xds service, for SDS; ca-admin includes it)
 *   issue for DNS names                  ca-admin  (e.g. a gateway's SANs: not bound to an identity)
 *   sign a CSR                           ca-admin  (any name in the trust domain; a workload gets its
 *                                                   own identity signed through a join token instead)
 *   rotate, drop-inactive-roots          ca-admin
 *   published secrets (private keys)     ca-secrets (the watcher's write-back; ca-admin includes it)
 *
 * A refusal is a CaError (MG_ERR_UNAUTHENTICATED or MG_ERR_FORBIDDEN), which each front door
 * renders as it renders any CA error: 401/403 over REST, UNAUTHENTICATED/PERMISSION_DENIED over gRPC.
 */
import { authorize, requireScope, type AuthDecision, type Credentials, type Principal, type Scope } from '@meshgate/auth';
import { CaError, type IssueRequest } from './types.js';

export const CA_OPERATION_SCOPES = {
  sign: 'ca-admin',
  issue: 'ca-issue',
  issueDnsNames: 'ca-admin',
  rotate: 'ca-admin',
  dropInactiveRoots: 'ca-admin',
  secrets: 'ca-secrets',
} as const satisfies Record<string, Scope>;

export type CaOperation = keyof typeof CA_OPERATION_SCOPES;

/** What each operation is called in a refusal. */
export const OPERATION_NAMES: Record<CaOperation, string> = {
  sign: 'signing a CSR (any name in the trust domain)',
  issue: 'issuing a certificate',
  issueDnsNames: 'issuing a certificate for DNS names (not a mesh identity)',
  rotate: 'rotating the root',
  dropInactiveRoots: 'dropping inactive roots',
  secrets: 'reading a published secret',
};

function refusal(decision: Extract<AuthDecision, { ok: false }>): CaError {
  return new CaError(decision.refusal === 'unauthenticated' ? 'MG_ERR_UNAUTHENTICATED' : 'MG_ERR_FORBIDDEN', decision.message);
}

/** The principal behind `authorization` if it holds `scope`, or a CaError saying why not. */
export function checkScope(credentials: Credentials, authorization: unknown, scope: Scope, what?: string): Principal {
  const decision = authorize(credentials, authorization, scope, what);
  if (!decision.ok) throw refusal(decision);
  return decision.principal;
}

/** `checkScope` for one of the CA's operations, named in the refusal. */
export function checkAccess(credentials: Credentials, authorization: unknown, operation: CaOperation): Principal {
  return checkScope(credentials, authorization, CA_OPERATION_SCOPES[operation], OPERATION_NAMES[operation]);
}

/**
 * After `issue` admitted the caller (ca-issue): a request for DNS names rather than a mesh
 * identity needs ca-admin as well.
 */
export function checkIssueEntitlement(principal: Principal, request: IssueRequest): void {
  if (request.identity !== undefined) return;
  const decision = requireScope(principal, CA_OPERATION_SCOPES.issueDnsNames, OPERATION_NAMES.issueDnsNames);
  if (!decision.ok) throw refusal(decision);
}
