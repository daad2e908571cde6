/**
 * The CA's REST endpoints, as an encapsulated fastify plugin with its own error handler: the ca
 * service's app registers it, and so can another app (the embedded run may mount it on the api).
 *
 *   POST /v1/ca/sign                  {csr, validity?, reason?}             → IssuedCertificate
 *   POST /v1/ca/issue                 {serviceAccount, namespace | dnsNames,
 *                                      validity?, keyAlgorithm?, reason?}   → IssuedCertificate + privateKeyPem
 *   GET  /v1/ca/bundle                                                      → TrustBundle
 *   POST /v1/ca/rotate                                                      → TrustBundle
 *   POST /v1/ca/drop-inactive-roots                                         → TrustBundle
 *   GET  /v1/secrets/:namespace/:name                                       → a Kubernetes Secret (when a secret store is given)
 *   POST /v1/ca/join-tokens, POST /v1/ca/workload-certificates              → first certificates (workload-routes.ts)
 *
 * Every route but `bundle` (public) takes a token (`Authorization: Bearer …`) with the scope
 * access.ts gives it: `issue` for a mesh identity needs `ca-issue`, the published secrets `ca-secrets`, everything else `ca-admin`.
 * The token is checked before the body is read, so an anonymous request learns nothing else.
 *
 * Errors: `{code, message, field}` (400 for a malformed request, 422 for one the CA refuses,
 * 401 without a token, 403 with an unknown one or one that lacks the scope).
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Credentials } from '@meshgate/auth';
import { checkIssueEntitlement } from '../access.js';
import { CA_ERRORS, HTTP_ONLY_ERRORS } from '../errors.js';
import { issueRequestFromBody, restField, signCsrRequestFromBody } from '../requests.js';
import type { SecretReader } from '@meshgate/secrets';
import { asCaError, CaError, type CertificateAuthority } from '../types.js';
import { admit, requireOperation } from './auth.js';
import { registerSecretRoutes } from './secret-routes.js';
import { registerWorkloadRoutes } from './workload-routes.js';
import type { JoinTokens } from '../join-tokens.js';

/** Who may use the authenticated routes, and where the published secrets are read. */
export interface CaRouteAccess {
  /** The tokens the server accepts (`Credentials.none()`: every authenticated request is refused). */
  auth: Credentials;
  /** Serves `GET /v1/secrets/:namespace/:name` when given. */
  secrets?: SecretReader;
  /** Serves the join-token routes (workload-routes.ts) when given. */
  joinTokens?: JoinTokens;
}

export interface CaRoutesOptions extends CaRouteAccess {
  ca: CertificateAuthority;
}

export interface ProblemBody {
  code: string;
  message: string;
  field?: string;
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('FST_');
}

/** The status and body for anything a CA route throws. */
export function problemFor(thrown: unknown): { status: number; body: ProblemBody } {
  const error = asCaError(thrown);
  if (error instanceof CaError) {
    const field = restField(error.field);
    return { status: CA_ERRORS[error.code].http, body: { code: error.code, message: error.message, ...(field === undefined ? {} : { field }) } };
  }
  if (isFastifyError(error) && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    // Unparseable JSON, a body over the limit, an unsupported content type: fastify's status, our shape.
    return { status: error.statusCode, body: { code: 'MG_ERR_CA_BAD_REQUEST', message: error.message, field: 'body' } };
  }
  return { status: HTTP_ONLY_ERRORS.MG_ERR_INTERNAL.http, body: { code: 'MG_ERR_INTERNAL', message: 'internal error' } };
}

function sendProblem(reply: FastifyReply, error: unknown) {
  const { status, body } = problemFor(error);
  if (status >= 500) reply.log.error({ err: error }, 'ca request failed');
  else reply.log.info({ code: body.code, field: body.field, message: body.message }, 'ca request refused');
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

export const caRoutes: FastifyPluginAsync<CaRoutesOptions> = async (app, { ca, auth, secrets, joinTokens }) => {
  app.setErrorHandler((error, _request, reply) => sendProblem(reply, error));
  // The app that mounts these routes may parse bodies its own way (the api keeps them raw for
  // YAML); within this plugin JSON is parsed as JSON, with fastify's own parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.post('/v1/ca/sign', { onRequest: requireOperation(auth, 'sign') }, async (request) => ca.signCsr(signCsrRequestFromBody(request.body)));

  app.post('/v1/ca/issue', { onRequest: requireOperation(auth, 'issue') }, async (request, reply) => {
    // Admitted with ca-issue before the body was read; a request for DNS names needs ca-admin too.
    const principal = admit(auth, request, reply, 'issue');
    const issueRequest = issueRequestFromBody(request.body);
    checkIssueEntitlement(principal, issueRequest);
    const issued = await ca.issue(issueRequest);
    // The body carries a private key: no cache may keep it.
    void reply.header('cache-control', 'no-store');
    return issued;
  });

  app.get('/v1/ca/bundle', async () => ca.trustBundle());
  app.post('/v1/ca/rotate', { onRequest: requireOperation(auth, 'rotate') }, async () => ca.rotateRoot());
  app.post('/v1/ca/drop-inactive-roots', { onRequest: requireOperation(auth, 'dropInactiveRoots') }, async () => ca.dropInactiveRoots());

  if (secrets !== undefined) registerSecretRoutes(app, secrets, auth);
  if (joinTokens !== undefined) registerWorkloadRoutes(app, { ca, auth, joinTokens });
};

/**
 * Mounts the CA routes on `app` (encapsulated: their error handler and authentication do not
 * leak into the app). A running ca service has its `access` ready: `registerCaRoutes(app, service.ca, service.access)`.
 */
export async function registerCaRoutes(app: FastifyInstance, ca: CertificateAuthority, access: CaRouteAccess): Promise<void> {
  await app.register(caRoutes, { ca, ...access });
}
