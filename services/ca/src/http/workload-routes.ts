/**
 * How a workload gets its first certificate, with a one-time join token (join-tokens.ts):
 *
 *   POST /v1/ca/join-tokens           {namespace, serviceAccount, ttl?}   → 201 {token, namespace, serviceAccount, expiresAt}
 *        needs the CA admin credential (the API token)
 *   POST /v1/ca/workload-certificates {csr, validity?}                    → IssuedCertificate (no key: the workload keeps it)
 *        `Authorization: Bearer <join token>`; the CSR must ask for the token's identity and
 *        nothing else (its SPIFFE ID, optionally its DNS name); the token is then used up.
 *
 * Refusals: 401 without a token, 403 for an unknown, used or expired one (the message says
 * which), 422 for a CSR of another identity (the token stays usable). A token never appears in a
 * log line or an event.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiTokenVerifier } from '../api-token.js';
import { identityNames } from '../identity.js';
import { JoinTokenRefused, type JoinTokens } from '../join-tokens.js';
import { CaError, type CertificateAuthority } from '../types.js';
import { parseAndVerifyCsr } from '../x509/csr.js';
import { requireApiToken } from './auth.js';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

export interface WorkloadRoutesOptions {
  ca: CertificateAuthority;
  /** The CA admin credential, for creating tokens. */
  auth: ApiTokenVerifier;
  joinTokens: JoinTokens;
}

type Body = Record<string, unknown>;

function bodyOf(raw: unknown, allowed: readonly string[]): Body {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CaError('MG_ERR_CA_BAD_REQUEST', 'the body must be a JSON object', 'body');
  const unknownField = Object.keys(raw).find((key) => !allowed.includes(key));
  if (unknownField !== undefined) throw new CaError('MG_ERR_CA_BAD_REQUEST', `unknown field "${unknownField}"; expected ${allowed.join(', ')}`, unknownField);
  return raw as Body;
}

function stringField(body: Body, field: string, required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw new CaError('MG_ERR_CA_BAD_REQUEST', `${field} is required`, field);
    return undefined;
  }
  if (typeof value !== 'string') throw new CaError('MG_ERR_CA_BAD_REQUEST', `${field} must be a string`, field);
  return value;
}

function refuse(reply: FastifyReply, status: 401 | 403, code: string, message: string): FastifyReply {
  return reply.status(status).type('application/json; charset=utf-8').send({ code, message });
}

/** Registers both routes on the CA's (encapsulated) plugin; `caRoutes` calls it. */
export function registerWorkloadRoutes(app: FastifyInstance, { ca, auth, joinTokens }: WorkloadRoutesOptions): void {
  app.post('/v1/ca/join-tokens', { onRequest: requireApiToken(auth) }, async (request: FastifyRequest, reply: FastifyReply) => {
    const body = bodyOf(request.body, ['namespace', 'serviceAccount', 'ttl']);
    const identity = { namespace: stringField(body, 'namespace', true) ?? '', serviceAccount: stringField(body, 'serviceAccount', true) ?? '' };
    const created = await joinTokens.create(identity, stringField(body, 'ttl', false));
    request.log.info({ identity: `${identity.serviceAccount}.${identity.namespace}`, expiresAt: created.expiresAt }, 'join token created');
    void reply.header('cache-control', 'no-store').status(201);
    return { token: created.token, ...created.identity, expiresAt: created.expiresAt };
  });

  app.post('/v1/ca/workload-certificates', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) {
      void reply.header('www-authenticate', 'Bearer realm="meshgate"');
      return refuse(reply, 401, 'MG_ERR_UNAUTHENTICATED', 'this endpoint needs a join token: send "Authorization: Bearer <join token>" (meshgate proxy bootstrap creates one)');
    }
    const body = bodyOf(request.body, ['csr', 'validity']);
    const csrPem = stringField(body, 'csr', true) ?? '';
    try {
      const identity = await joinTokens.identityOf(token);
      await checkCsrIdentity(csrPem, identity, joinTokens.trustDomain);
      await joinTokens.consume(token);
      const issued = await ca.signCsr({ csrPem, validity: stringField(body, 'validity', false), reason: 'csr' });
      request.log.info({ identity: `${identity.serviceAccount}.${identity.namespace}`, serial: issued.info.serialHex }, 'join token used: workload certificate issued');
      return issued;
    } catch (error) {
      if (!(error instanceof JoinTokenRefused)) throw error;
      request.log.warn({ code: 'MG_ERR_FORBIDDEN', reason: error.message }, 'join token refused');
      return refuse(reply, 403, 'MG_ERR_FORBIDDEN', error.message);
    }
  });
}

/** The CSR must ask for exactly the token's identity: its SPIFFE ID, and at most its DNS name besides. */
async function checkCsrIdentity(csrPem: string, identity: { namespace: string; serviceAccount: string }, trustDomain: string): Promise<void> {
  const csr = await parseAndVerifyCsr(csrPem);
  const expected = identityNames(identity, trustDomain);
  const spiffeId = expected.uris[0];
  const foreign = [...csr.sans.uris.filter((uri) => !expected.uris.includes(uri)), ...csr.sans.dnsNames.filter((name) => !expected.dnsNames.includes(name.toLowerCase())), ...csr.sans.others];
  if (foreign.length > 0 || !csr.sans.uris.includes(spiffeId)) {
    throw new CaError('MG_ERR_CA_FOREIGN_SAN', `this join token is for ${spiffeId}; the CSR asks for ${[...csr.sans.uris, ...csr.sans.dnsNames, ...csr.sans.others].join(', ') || 'no name'}`, 'csr');
  }
}
