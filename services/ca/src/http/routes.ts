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
 *
 * Errors: `{code, message, field}` (400 for a malformed request, 422 for one the CA refuses).
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { CA_ERRORS, HTTP_ONLY_ERRORS } from '../errors.js';
import { issueRequestFromBody, restField, signCsrRequestFromBody } from '../requests.js';
import { CaError, type CertificateAuthority } from '../types.js';

export interface CaRoutesOptions {
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
export function problemFor(error: unknown): { status: number; body: ProblemBody } {
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

export const caRoutes: FastifyPluginAsync<CaRoutesOptions> = async (app, { ca }) => {
  app.setErrorHandler((error, _request, reply) => sendProblem(reply, error));

  app.post('/v1/ca/sign', async (request) => ca.signCsr(signCsrRequestFromBody(request.body)));

  app.post('/v1/ca/issue', async (request, reply) => {
    const issued = await ca.issue(issueRequestFromBody(request.body));
    // The body carries a private key: no cache may keep it.
    void reply.header('cache-control', 'no-store');
    return issued;
  });

  app.get('/v1/ca/bundle', async () => ca.trustBundle());
  app.post('/v1/ca/rotate', async () => ca.rotateRoot());
  app.post('/v1/ca/drop-inactive-roots', async () => ca.dropInactiveRoots());
};

/** Mounts the CA routes on `app` (encapsulated: their error handler does not leak into the app). */
export async function registerCaRoutes(app: FastifyInstance, ca: CertificateAuthority): Promise<void> {
  await app.register(caRoutes, { ca });
}
